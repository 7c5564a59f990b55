#!/usr/bin/env bash
# RPC suite: the module's RPC commands (docs/OPERATIONS.md "RPC commands") end to end,
# through kamcmd and the ctl socket of a real stack (MariaDB, pchatd, Kamailio with our
# module) started by scripts/stack.sh under build/rpc-var on free loopback ports, with
# real chat sessions of client/pchat over SIP:
#   alice (two sessions: A1 in Lobby and Ops, A2 in Lobby) and bob (B, in Lobby);
#   pchat.sessions lists them with their users and rooms, and by user; pchat.rooms
#   counts participants; pchat.room_members names who is in a room by name, id and
#   URI (and an empty room); unknown rooms and sessions are 404; pchat.session_drop
#   ends A2 (gone from pchat.sessions, its next post answered 481, alice still in Lobby
#   through A1); pchat.reload answers the revision a pchat-admin change made; pchatd's
#   module links are not counted up by the queries (GET /metrics), and it bounds a
#   query connection (one QUERY of at most 4 KiB, none on a module link); with pchatd paused
#   an RPC answers 504 within backend_timeout, with pchatd stopped 503 at once.
# Ends with "rpc: N passed, M failed".  About 30 s.
set -euo pipefail
# trusted SIP mode (From believed): this suite is about something else than client
# authentication, which tests/e2e (e2e-sip) and tests/sipe check
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/rpc-var"
. "$top/tests/lib.sh"

need_built rpc backend/pchatd client/pchat admin/pchat-admin build/kamailio-src/src/modules/pchat/pchat.so
for c in kamcmd jq curl python3; do
  command -v "$c" >/dev/null || { echo "rpc: $c missing (scripts/setup.sh)"; exit 1; }
done
rm -rf "$var"
mkdir -p "$var"
port=$(free_port 28060)
export PCHAT_HTTP_PORT
PCHAT_HTTP_PORT=$(free_port 28061)
stack_init "$port"

pass=0
fail=0
ok() { echo "rpc: ok   $*"; pass=$((pass + 1)); }
bad() { echo "rpc: FAIL $*"; fail=$((fail + 1)); }
# check DESCRIPTION COMMAND...: ok if COMMAND succeeds
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}

declare -A pids=() fds=()
finish() {
  local n
  for n in "${!pids[@]}"; do kill "${pids[$n]}" 2>/dev/null || true; done
  stack_cleanup
}
trap finish EXIT

echo "rpc: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start >"$var/stack.log" 2>&1 || { cat "$var/stack.log"; tail_logs 30 kamailio backend; exit 1; }

KAMCMD=(kamcmd -s "unix:$var/kamailio/ctl")
SQL=(mysql --no-defaults --socket="$var/mysql.sock" -uroot -N -B pchat)
# rpc ARGS...: the RPC's reply as JSON (kamjson.py): a list of the reply's values, or
# {"error": "error: CODE - TEXT"} for a fault
rpc() { "${KAMCMD[@]}" "$@" 2>&1 | python3 "$top/tests/rpc/kamjson.py"; }
# rpc_jq FILTER ARGS...: jq -r FILTER over rpc ARGS...
rpc_jq() {
  local filter=$1
  shift
  rpc "$@" | jq -r "$filter"
}

# ---- chat sessions: client/pchat reading commands from a FIFO held open here ----

# start_client NAME USER: a session of USER; its output in $var/NAME.out
start_client() {
  local fd
  mkfifo "$var/$1.in"
  "$top/client/pchat" --user "$2" --server "127.0.0.1:$port" --linger 1 \
    <"$var/$1.in" >"$var/$1.out" 2>&1 &
  pids[$1]=$!
  exec {fd}>"$var/$1.in"
  fds[$1]=$fd
}
say() { echo "$2" >&"${fds[$1]}"; }
# wait_out NAME PATTERN: until NAME's output matches PATTERN (grep -E), 10 s at most
wait_out() {
  local i
  for i in $(seq 100); do
    grep -qE "$2" "$var/$1.out" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "rpc: $1 did not print /$2/ in 10 s:"; cat "$var/$1.out"
  return 1
}

start_client A1 alice
start_client A2 alice
start_client B bob
for n in A1 A2 B; do wait_out $n "connected to"; done
say A1 "/join Lobby"; wait_out A1 "joined <Lobby>"
say A1 "/join Ops"; wait_out A1 "joined <Ops>"
say A2 "/join Lobby"; wait_out A2 "joined <Lobby>"
say B "/join Lobby"; wait_out B "joined <Lobby>"

# ---- pchat.sessions ----
rpc pchat.sessions >"$var/sessions.json"
check "pchat.sessions lists the 3 sessions" \
  test "$(jq length "$var/sessions.json")" = 3
check "pchat.sessions: 2 of alice, 1 of bob" \
  test "$(jq -r '[.[].user] | sort | join(" ")' "$var/sessions.json")" = \
  "sip:alice@example.com sip:alice@example.com sip:bob@example.com"
check "pchat.sessions: every session on the pool URI, with a link process and a user agent" \
  test "$(jq '[.[] | select(.local == "sip:pchat@example.com" and (.link | tonumber) >= 0
    and (.user_agent | startswith("pchat-client")))] | length' "$var/sessions.json")" = 3
check "pchat.sessions: alice's first session has joined Lobby and Ops" \
  test "$(jq -r '.[] | select(.user == "sip:alice@example.com" and .rooms == "2") | .joined | join(",")' \
    "$var/sessions.json")" = "Lobby,Ops"
A2_ID=$(jq -r '.[] | select(.user == "sip:alice@example.com" and .rooms == "1") | .id' "$var/sessions.json")
B_ID=$(jq -r '.[] | select(.user == "sip:bob@example.com") | .id' "$var/sessions.json")
check "pchat.sessions: the session ids are the module's (its log names them)" \
  grep -q "session opened session=$A2_ID user=sip:alice@example.com" "$var/kamailio.log"
check "pchat.sessions alice@example.com: 2 sessions" \
  test "$(rpc_jq 'length' pchat.sessions alice@example.com)" = 2
check "pchat.sessions sip:bob@example.com: bob's session" \
  test "$(rpc_jq '.[0].id' pchat.sessions sip:bob@example.com)" = "$B_ID"
check "pchat.sessions carol@example.com: none" \
  test "$(rpc_jq 'length' pchat.sessions carol@example.com)" = 0

# ---- pchat.rooms ----
rpc pchat.rooms >"$var/rooms.json"
check "pchat.rooms: Lobby and Ops, the rooms someone is in" \
  test "$(jq -r '[.[].name] | join(",")' "$var/rooms.json")" = "Lobby,Ops"
check "pchat.rooms: Lobby has 2 participants in 3 sessions" \
  test "$(jq -r '.[] | select(.name == "Lobby") | "\(.participants)/\(.sessions)"' "$var/rooms.json")" = 2/3
check "pchat.rooms: Ops has 1 participant" \
  test "$(jq -r '.[] | select(.name == "Ops") | .participants' "$var/rooms.json")" = 1

# ---- pchat.room_members ----
LOBBY_ID=$("${SQL[@]}" -e "SELECT id FROM rooms WHERE name = 'Lobby'")
LOBBY_URI=$("${SQL[@]}" -e "SELECT CONCAT('ma-chan://', domain, '/', chan_id) FROM rooms WHERE name = 'Lobby'")
for key in Lobby "$LOBBY_ID" "$LOBBY_URI"; do
  check "pchat.room_members $key: alice, alice, bob" \
    test "$(rpc_jq '.[0].members | map(.user) | sort | join(" ")' pchat.room_members "$key")" = \
    "sip:alice@example.com sip:alice@example.com sip:bob@example.com"
done
check "pchat.room_members Ops: alice's first session" \
  test "$(rpc_jq '.[0].members | map(.user) | join(" ")' pchat.room_members Ops)" = "sip:alice@example.com"
check "pchat.room_members Board (nobody in it): 0 participants" \
  test "$(rpc_jq '.[0] | "\(.name) \(.participants) \(.members | length)"' pchat.room_members Board)" = "Board 0 0"
check "pchat.room_members Nowhere: 404 no such room" \
  test "$(rpc_jq .error pchat.room_members Nowhere)" = "error: 404 - no such room"
check "pchat.room_members 99999: 404 no such room" \
  test "$(rpc_jq .error pchat.room_members 99999)" = "error: 404 - no such room"
check "pchat.room_members without a room: 400 usage" \
  grep -q "error: 400 - usage: pchat.room_members ROOM" <<<"$("${KAMCMD[@]}" pchat.room_members 2>&1)"

# ---- pchat.session_drop ----
check "pchat.session_drop of an unknown id: 404 no such session" \
  test "$(rpc_jq .error pchat.session_drop s:123)" = "error: 404 - no such session"
check "pchat.session_drop with a bare number: 400 (kamcmd made it a 32-bit integer)" \
  grep -q "error: 400 - usage: pchat.session_drop ID" <<<"$("${KAMCMD[@]}" pchat.session_drop 123 2>&1)"
check "pchat.session_drop A2: returns alice's session it dropped" \
  test "$(rpc_jq '.[0] | "\(.id) \(.user)"' pchat.session_drop "s:$A2_ID")" = "$A2_ID sip:alice@example.com"
check "pchat.sessions no longer lists A2" \
  test "$(rpc_jq "[.[] | select(.id == \"$A2_ID\")] | length" pchat.sessions)" = 0
check "pchat.sessions still lists 2 sessions" test "$(rpc_jq length pchat.sessions)" = 2
say A2 "after the drop"
check "A2's next post is answered 481 (the client says the session is gone)" \
  wait_out A2 "session is gone \(SIP 481\)"
check "the module logged the drop" grep -q "session closed session=$A2_ID user=sip:alice@example.com reason=dropped-by-backend" "$var/kamailio.log"
check "pchat.rooms: Lobby still has alice (A1) and bob, in 2 sessions" \
  test "$(rpc_jq '.[] | select(.name == "Lobby") | "\(.participants)/\(.sessions)"' pchat.rooms)" = 2/2
say B "bob is still here"
check "bob's post to Lobby still reaches alice's A1" wait_out A1 "<Lobby> bob@example.com: bob is still here"
check "pchat.session_drop of the same id again: 404" \
  test "$(rpc_jq .error pchat.session_drop "s:$A2_ID")" = "error: 404 - no such session"

# ---- pchat.reload ----
rev0=$(rpc_jq '.[0].revision' pchat.reload)
"$top/admin/pchat-admin" --db-socket "$var/mysql.sock" --db-user root config set \
  --DefaultChatHistory 42 >"$var/admin.log" 2>&1 || { bad "pchat-admin config set"; cat "$var/admin.log"; }
rev_db=$("${SQL[@]}" -e "SELECT value FROM server_config WHERE name = 'revision'")
rev1=$(rpc_jq '.[0].revision' pchat.reload)
check "pchat.reload answers the new revision ($rev0 -> $rev1, the database's $rev_db)" \
  test "$rev1" = "$rev_db" -a "$rev1" -gt "$rev0"

# ---- pchatd bounds what a query connection may send (rawquery.py speaks the frames) ----
raw() { python3 "$top/tests/rpc/rawquery.py" "$var/run/backend.sock" "$1"; }
check "a raw QUERY: one RESULT 200, then pchatd closes" test "$(raw ok)" = "RESULT 200 closed"
check "a QUERY over 4 KiB: closed without an answer" test "$(raw big)" = "closed"
check "two QUERY frames on one connection: one answer only" test "$(raw two)" = "RESULT 200 closed"
check "QUERY on a module link (after HELLO): the link is closed" test "$(raw after-hello)" = "closed"
check "pchatd logged why" grep -q "a QUERY on a module link, connection closed" "$var/backend.log"

# ---- query connections are no module links ----
links=$(curl -s "http://127.0.0.1:$PCHAT_HTTP_PORT/metrics" | awk '$1 == "pchatd_module_links" {print $2}')
check "pchatd_module_links is the 2 link processes after the queries ($links)" test "$links" = 2
queries=$(curl -s "http://127.0.0.1:$PCHAT_HTTP_PORT/metrics" |
  awk '$1 ~ /^pchatd_queries_total\{command="sessions",status="200"\}/ {print $2}')
check "pchatd_queries_total counts the sessions queries ($queries)" test "${queries:-0}" -ge 6

# ---- pchatd unreachable: bounded answers ----
ms() { echo $(($(date +%s%N) / 1000000)); }
# timed ARGS...: kamcmd ARGS... (its output in $out, its time in $t, in ms)
timed() {
  local t0
  t0=$(ms)
  out=$("${KAMCMD[@]}" "$@" 2>&1 || true)
  t=$(($(ms) - t0))
}
"${stack[@]}" backend-pause
timed pchat.rooms
"${stack[@]}" backend-resume
check "pchatd paused: 504 within backend_timeout (3000 ms): $out in $t ms" \
  test "$out" = "error: 504 - backend did not answer within 3000 ms" -a "$t" -lt 4000
"${stack[@]}" backend-stop >/dev/null 2>&1
timed pchat.sessions
check "pchatd stopped: 503 at once: $out in $t ms" \
  test "$out" = "error: 503 - backend not reachable" -a "$t" -lt 1000
check "pchat.status still answers (module state only)" \
  test "$(rpc_jq '.[0].backend_up' pchat.status)" = 0

for n in "${!fds[@]}"; do
  fd=${fds[$n]}
  exec {fd}>&-
done
"${stack[@]}" stop >/dev/null 2>&1 || true
if sanitizer_report rpc "$var/backend.log"; then bad "sanitizer report in $var/backend.log"; fi
echo "rpc: $pass passed, $fail failed"
[ "$fail" -eq 0 ] || { tail_logs 20 kamailio backend; exit 1; }
