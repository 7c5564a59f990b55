#!/usr/bin/env bash
# The pool suite (make pool; docs/OPERATIONS.md, "Deploying a pool"): scripts/pool.sh
# (make run-pool) under build/pool-var, on a free SIP port (on 127.0.0.1-4) and free
# Galera ports, loopback only:
#   1. the pool starts; the Galera cluster formed (wsrep_cluster_size 3, Synced, on
#      every node); every table is InnoDB with a primary key; the front's dispatcher
#      sees the 3 chat nodes up;
#   2. clients (client/pchat) sign in through the front with their passwords (the
#      front authenticates, SIP Digest), join Lobby and post: each reaches a chat node
#      (its Kamailio logs the session), the users spread over all three, and each post
#      is stored once and readable on every Galera node; a wrong password is refused
#      at the front and reaches no node;
#   2a. the search indexer, which every node runs, indexes on the lease holder only;
#      the purge job's lease has one holder;
#   2b. one room's members on all three chat nodes (tests/e2e/e2e_pool.c): a join and
#      a session's end on one node are announced on every node, and a join reply lists
#      the users of every node; a room made and disabled through Galera node 1 is in
#      force on chat node 3 within a second; every post reaches every member once, in the order of
#      the posts' sequence numbers; kill -9
#      of chat node 2 during a stream of posts: every acknowledged post stored once
#      and delivered to every member that stayed, node 2's members sign in on a live
#      node and catch up from the history; node 2 restarted is up again (e2e-pool
#      talks to the nodes directly: they authenticate its users themselves);
#   2c. authentication (tests/e2e/e2e_sip.c --only auth), through the front and
#      straight to chat node 3: no credentials 407, a wrong password and another
#      user's credentials 403, the identity bound to the connection, a forged From on
#      it 403 (also in a dialog), an unauthenticated connection replaying a dialog 407,
#      the client library's right and wrong password; through the front the chat INFOs
#      come back on the client's connection; NTLM at the front's NTLM listener
#      (tests/sipe/ntlm_peer.c, gss-ntlmssp): handshake, signed requests relayed and
#      their answers signed, unsigned, tampered, forged and replayed ones refused; and
#      the unmodified pidgin-sipe with NTLM through the front, chatting with bob;
#   3. kill -9 of the chat node alice is on: the front's probe marks it down, alice
#      signs in again and reaches a live node, and posts; restarted, the node is up
#      again for the front;
#   4. kill -9 of a Galera node (not alice's node's; node 1, the front's first, if it can): the two others keep
#      a primary component of 2, alice posts and the post is on both; restarted, the
#      node rejoins (size 3, Synced) and has the post made while it was away;
#   5. the pool stops and leaves no process behind.
# Ends with `N passed, M failed`.  About 2-3 minutes.
set -uo pipefail
# the pool as make run-pool runs it: the front authenticates (PCHAT_TRUSTED unset)
unset PCHAT_TRUSTED
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/pool-var"
. "$top/tests/lib.sh"

make -s -C "$top/tests/sipe" >/dev/null
need_built pool backend/pchatd client/pchat tests/e2e/e2e-pool tests/e2e/e2e-sip tests/sipe/ntlm-peer \
  tests/sipe/sipe-harness build/kamailio-src/src/modules/pchat/pchat.so
rm -rf "$var"
mkdir -p "$var"

read -r port base < <(pool_ports)
[ -n "${port:-}" ] && [ -n "${base:-}" ] || { echo "pool: no free ports"; exit 1; }
# probes every second, and Galera suspects a silent node after 3 s
export POOL_PROBE_INTERVAL=1 POOL_EVS="evs.suspect_timeout=PT3S"
pool=("$top/scripts/pool.sh" --var "$var" --port "$port" --galera-base "$base")
cleanup() { "${pool[@]}" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

pass=0
fail=0
t_all=$SECONDS
ok() { echo "pool: ok   $*"; pass=$((pass + 1)); }
bad() { echo "pool: FAIL $*"; fail=$((fail + 1)); }
# the logs of every part, last lines, for a failure
show_logs() {
  local d f
  for d in front node1 node2 node3 galera1 galera2 galera3; do
    for f in "$var/$d"/*.log; do
      [ -f "$f" ] || continue
      echo "---- last lines of $f"
      tail -n "${1:-15}" "$f"
    done
  done
}

# gq N SQL: SQL on Galera node N as root, waiting for the node to have applied what
# the cluster committed before (wsrep_sync_wait), one value per line
gq() {
  mysql --no-defaults --socket="$var/galera$1/mysql.sock" -uroot -N -B pchat \
    -e "SET SESSION wsrep_sync_wait = 1; $2" 2>/dev/null
}
gstatus() {
  mysql --no-defaults --socket="$var/galera$1/mysql.sock" -uroot -N -B \
    -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}
# until SECONDS COMMAND...: COMMAND succeeds within SECONDS (checked 5 times a second)
until_ok() {
  local t0=$SECONDS
  while ((SECONDS - t0 < $1)); do
    "${@:2}" && return 0
    sleep 0.2
  done
  return 1
}

# ds_flags N: the front's dispatcher flags for chat node N (A...: up, I...: down; P:
# probed)
ds_flags() {
  kamcmd -s "unix:$var/front/ctl" dispatcher.list 2>/dev/null |
    awk -v uri="sip:127.0.0.$(($1 + 1)):$port;transport=tcp" \
      '$1 == "URI:" { cur = $2 } $1 == "FLAGS:" && cur == uri { print $2 }'
}
ds_is() { [[ "$(ds_flags "$1")" == "$2"* ]]; }
all_up() { ds_is 1 A && ds_is 2 A && ds_is 3 A; }

# sessions_of USER: per chat node, how many sessions of USER its Kamailio opened
sessions_of() {
  local i
  for i in 1 2 3; do
    cat "$var/node$i/kamailio.log" 2>/dev/null | grep -c "session opened .* user=sip:$1@example.com " || true
  done | tr '\n' ' '
}
# post USER TEXT [PASSWORD]: a session of USER through the front (answering its
# challenge with PASSWORD, by default the user name: the demo users' and pool1-18's)
# joins Lobby and posts TEXT; sets node to the chat node the session was opened on (0:
# none) and out to what the client said, and succeeds when the post is echoed back and
# stored once (read on Galera node $reader)
reader=1
post() {
  local before after i
  read -ra before <<<"$(sessions_of "$1")"
  out=$(printf '%s\n/join Lobby\n%s\n/quit\n' "${3:-$1}" "$2" |
    timeout 20 "$top/client/pchat" --user "$1" --password-file - --server "127.0.0.1:$port" \
      --linger 1 2>&1)
  read -ra after <<<"$(sessions_of "$1")"
  node=0
  for i in 0 1 2; do ((after[i] > before[i])) && node=$((i + 1)); done
  if ! grep -q "$1@example.com: $2" <<<"$out"; then
    echo "pool: the post '$2' of $1 was not echoed; the client said:"
    tail -5 <<<"$out"
    return 1
  fi
  [ "$(gq "$reader" "SELECT COUNT(*) FROM messages WHERE body = '$2'")" = 1 ]
}
# on_nodes TEXT N...: TEXT is stored once on each Galera node N
on_nodes() {
  local i
  for i in "${@:2}"; do
    [ "$(gq "$i" "SELECT COUNT(*) FROM messages WHERE body = '$1'")" = 1 ] || return 1
  done
}

# ---- 1. the pool starts and the cluster forms ----
t0=$SECONDS
if timeout 240 "${pool[@]}" start >"$var/start.log" 2>&1; then
  ok "the pool started ($((SECONDS - t0)) s; SIP port $port, Galera base $base)"
else
  bad "the pool did not start:"; tail -20 "$var/start.log"; show_logs 20
  echo "pool: $pass passed, $fail failed"
  exit 1
fi
for i in 1 2 3; do
  size=$(gstatus "$i" wsrep_cluster_size) state=$(gstatus "$i" wsrep_local_state_comment)
  if [ "$size" = 3 ] && [ "$state" = Synced ]; then ok "Galera node $i: wsrep_cluster_size 3, Synced"
  else bad "Galera node $i: wsrep_cluster_size '$size', state '$state'"; fi
done
# Galera replicates InnoDB only, and wants a primary key in every table
odd=$(gq 1 "SELECT GROUP_CONCAT(t.table_name) FROM information_schema.tables t
  WHERE t.table_schema = 'pchat' AND t.table_type = 'BASE TABLE' AND (t.engine <> 'InnoDB'
  OR NOT EXISTS (SELECT 1 FROM information_schema.table_constraints c WHERE c.table_schema = 'pchat'
    AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY'))")
if [ "$odd" = NULL ]; then ok "every pchat table is InnoDB with a primary key"
else bad "tables Galera cannot replicate well (not InnoDB, or no primary key): $odd"; fi
if until_ok 10 all_up; then ok "the front's dispatcher has the 3 chat nodes up"
else bad "the front's dispatcher flags: $(ds_flags 1) $(ds_flags 2) $(ds_flags 3)"; fi

# ---- 2. through the front to the chat nodes ----
# users pool1..pool18 (password = name, as the demo users'), through Galera node 1, the
# front's; the nodes' Kamailio read with wsrep_sync_wait
users=""
for u in pool{1..18}; do
  users+="${users:+,}('$u', 'example.com', MD5('$u:example.com:$u'), MD5('$u@example.com:example.com:$u'))"
done
gq 1 "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES $users" ||
  bad "could not add the users pool1..pool18"
declare -A seen=()
tag="p$$"
if post alice "$tag-alice-1" && ((node > 0)); then
  ok "alice signed in through the front with her password, joined Lobby and posted: on chat node $node"
else bad "alice's post through the front (chat node $node)"; fi
alice_node=$node
seen[$node]=1
if on_nodes "$tag-alice-1" 1 2 3; then ok "the post is stored once and read on each Galera node"
else bad "the post on the Galera nodes: $(for i in 1 2 3; do gq "$i" "SELECT COUNT(*) FROM messages WHERE body = '$tag-alice-1'"; done | tr '\n' ' ')"; fi
# more users until each chat node had one (the From URI's hash spreads them; the same
# names always land on the same nodes, so this cannot be flaky)
for u in bob carol pool{1..18}; do
  ((${#seen[@]} == 3)) && break
  if post "$u" "$tag-$u" && ((node > 0)); then seen[$node]=1
  else bad "$u's post through the front (chat node $node)"; fi
done
if ((${#seen[@]} == 3)); then ok "users spread over the 3 chat nodes, each stored their posts"
else bad "users reached only the chat nodes ${!seen[*]}"; fi
# a wrong password: refused at the front (403 after the 407), no session on any node,
# nothing stored
bob_before=$(sessions_of bob)
if ! post bob "$tag-bob-wrong" not-bobs && grep -q "403" <<<"$out" &&
  [ "$(sessions_of bob)" = "$bob_before" ] &&
  [ "$(gq 1 "SELECT COUNT(*) FROM messages WHERE body = '$tag-bob-wrong'")" = 0 ]; then
  ok "a wrong password through the front: refused (403), no session on any node"
else bad "bob with a wrong password through the front: sessions $bob_before -> $(sessions_of bob); the client said: $(tail -3 <<<"$out")"; fi

# ---- 2a. singleton jobs: one node runs each (job_leases) ----
# the posts above queued messages for the search indexer, which every node runs every
# second: only the lease's holder may index them
indexers() {
  local i n=0
  for i in 1 2 3; do grep -q "search index: indexed" "$var/node$i/backend.log" 2>/dev/null && n=$((n + 1)); done
  echo "$n"
}
holder=$(gq 1 "SELECT holder FROM job_leases WHERE job = 'search-index'")
if until_ok 10 test "$(indexers)" -gt 0 && [ "$(indexers)" = 1 ] && [ -n "$holder" ] && [ "$holder" != NULL ]; then
  ok "the search indexer ran on one chat node only, the lease's holder ($holder)"
else bad "search indexer: $(indexers) node(s) indexed, lease holder '$holder'"; fi
purger=$(gq 1 "SELECT COUNT(*) FROM job_leases WHERE job = 'retention-purge' AND holder IS NOT NULL")
# (one row per job: this says the purge job runs somewhere, not that only one node
# tries; the indexer's check above is the one about exclusion)
if [ "$purger" = 1 ]; then ok "the purge job's lease is held"
else bad "the purge job's lease is held by nobody"; fi

# checks NAME SECONDS PROGRAM ARG...: a program that prints "PASS name" / "FAIL name: why"
# lines, each counted here as one check
checks() {
  local name=$1 secs=$2 out rc; shift 2
  out=$(timeout -k 5 "$secs" "$@" 2>&1)
  rc=$?
  sed -n 's/^# /pool:   /p' <<<"$out"
  while read -r verdict check rest; do
    case $verdict in
      PASS) ok "$name: $check" ;;
      FAIL) bad "$name: $check $rest" ;;
    esac
  done < <(grep -E '^(PASS|FAIL) ' <<<"$out")
  if ((rc != 0)) && ! grep -q '^FAIL ' <<<"$out"; then
    bad "$name: $1 exited $rc:"; tail -5 <<<"$out"
  fi
}

# ---- 2b. one room's members on all three chat nodes (tests/e2e/e2e_pool.c) ----
# two members per node, straight to each node's address: every post reaches every
# member once and in the same order, the order of the posts' sequence numbers; then
# kill -9 of chat node 2 during a stream of posts: every acknowledged post stored
# once and delivered to every member that stayed, and node 2's members sign in on a
# live node and catch up; node 2 restarted rejoins the pool
t0=$SECONDS
checks e2e-pool 150 "$top/tests/e2e/e2e-pool" --db-socket "$var/galera1/mysql.sock" \
  --admin "$top/admin/pchat-admin" \
  --nodes "127.0.0.2:$port,127.0.0.3:$port,127.0.0.4:$port" --posts 60 \
  --kill-cmd "${pool[*]} node-kill 2" --kill-node 2
echo "pool: e2e-pool took $((SECONDS - t0)) s"
if "${pool[@]}" node-start 2 >>"$var/start.log" 2>&1 && until_ok 10 ds_is 2 A; then
  ok "chat node 2 restarted: up again for the front"
else bad "chat node 2 after its restart: flags '$(ds_flags 2)'"; fi

# ---- 2c. authentication: through the front, and straight to a chat node ----
# auth_sip NAME PROXY: e2e-sip's authenticated-mode cases against PROXY
auth_sip() { checks "$1" 120 "$top/tests/e2e/e2e-sip" --only auth --proxy "$2"; }
t0=$SECONDS
auth_sip "front" "127.0.0.1:$port"
auth_sip "chat node 3 directly" "127.0.0.4:$port"
# NTLM at the front (the pchat module with link_processes 0): the handshake, signed
# requests relayed to a node and its answers signed back, refusals, checked by
# gss-ntlmssp (tests/sipe/ntlm_peer.c)
ntlm_port=$(cat "$var/front/kamailio/ntlm-port")
checks "NTLM at the front" 60 "$top/tests/sipe/ntlm-peer" --server "127.0.0.1:$ntlm_port"
# the unmodified pidgin-sipe with NTLM through the front (tests/sipe/sipe_harness.c):
# sign-in, join, chat both ways with bob (client/pchat, Digest through the front), a
# line removed by pchat-admin, a wrong password; pidgin-sipe checks the signature of
# everything the front relays to it from the chat nodes
moderate="'$top/admin/pchat-admin' --db-socket '$var/galera1/mysql.sock' --db-user root message remove --text \"\$1\""
checks "pidgin-sipe (NTLM) through the front" 120 "$top/tests/sipe/sipe-harness" \
  --server "127.0.0.1:$ntlm_port" --transport tcp --auth ntlm --bob-server "127.0.0.1:$port" \
  --pchat "$top/client/pchat" --dir "$var/harness-ntlm" --moderate "$moderate"
echo "pool: the authentication cases took $((SECONDS - t0)) s"

# ---- 3. kill -9 of alice's chat node ----
if ((alice_node > 0)); then
  "${pool[@]}" node-kill "$alice_node"
  t0=$SECONDS
  if until_ok 10 ds_is "$alice_node" I; then
    ok "kill -9 of chat node $alice_node: the front's probe marked it down ($((SECONDS - t0)) s)"
  else bad "chat node $alice_node not marked down: flags '$(ds_flags "$alice_node")'"; fi
  if post alice "$tag-alice-2" && ((node > 0)) && ((node != alice_node)); then
    ok "alice signed in again and reached live chat node $node, posted and stored"
  else bad "alice after the kill: chat node $node (killed: $alice_node)"; fi
  t0=$SECONDS
  if "${pool[@]}" node-start "$alice_node" >>"$var/start.log" 2>&1 && until_ok 10 ds_is "$alice_node" A; then
    ok "chat node $alice_node restarted: up again for the front ($((SECONDS - t0)) s)"
  else bad "chat node $alice_node after its restart: flags '$(ds_flags "$alice_node")'"; fi
else
  bad "no chat node to kill (alice reached none)"
fi

# ---- 4. kill -9 of a Galera node ----
# alice's node is up again, so her hash leads there: kill another node's Galera node,
# node 1 unless hers: the front reads the subscriber table on node 1 first, so her
# sign-in through the front then needs its other connections (db_cluster)
if ((alice_node > 0)); then
  for g in 1 2 3; do ((g != alice_node)) && break; done
  others=()
  for i in 1 2 3; do ((i != g)) && others+=("$i"); done
  size_is() { [ "$(gstatus "$1" wsrep_cluster_size)" = "$2" ] && [ "$(gstatus "$1" wsrep_cluster_status)" = Primary ]; }
  both_two() { size_is "${others[0]}" 2 && size_is "${others[1]}" 2; }
  "${pool[@]}" galera-kill "$g"
  reader=${others[0]}
  t0=$SECONDS
  if until_ok 30 both_two; then
    ok "kill -9 of Galera node $g: nodes ${others[*]} form a primary component of 2 ($((SECONDS - t0)) s)"
  else bad "after the kill of Galera node $g: sizes $(gstatus "${others[0]}" wsrep_cluster_size) $(gstatus "${others[1]}" wsrep_cluster_size)"; fi
  if post alice "$tag-alice-3" && ((node == alice_node)) && on_nodes "$tag-alice-3" "${others[@]}"; then
    ok "on the quorum: alice signed in through the front and posted on chat node $node, the post is on Galera nodes ${others[*]}"
  else bad "alice's post with Galera node $g down (chat node $node)"; fi
  t0=$SECONDS
  all_three() { size_is 1 3 && size_is 2 3 && size_is 3 3 && [ "$(gstatus "$g" wsrep_local_state_comment)" = Synced ]; }
  if "${pool[@]}" galera-start "$g" >>"$var/start.log" 2>&1 && until_ok 30 all_three; then
    ok "Galera node $g restarted and rejoined: size 3 on every node, Synced ($((SECONDS - t0)) s)"
  else bad "Galera node $g after its restart: sizes $(gstatus 1 wsrep_cluster_size) $(gstatus 2 wsrep_cluster_size) $(gstatus 3 wsrep_cluster_size)"; fi
  if on_nodes "$tag-alice-3" "$g"; then ok "Galera node $g has the post made while it was down"
  else bad "Galera node $g lacks the post made while it was down"; fi
else
  bad "no chat node for the Galera case (alice reached none)"
fi

# ---- 5. stop ----
t0=$SECONDS
if "${pool[@]}" stop >>"$var/start.log" 2>&1; then ok "the pool stopped ($((SECONDS - t0)) s)"
else bad "scripts/pool.sh stop failed"; fi
left=$(ps -eo pid=,args= | grep -F -- "$var" | grep -v grep || true)
if [ -z "$left" ]; then ok "no process of the pool left"; else bad "processes left: $left"; fi

if [ "$fail" -ne 0 ]; then show_logs 15; fi
san=0
for i in 1 2 3; do
  if sanitizer_report pool "$var/node$i/backend.log"; then san=1; fi
done
if [ "$san" -ne 0 ]; then bad "a sanitizer report in a pchatd log"; fi
echo "pool: $pass passed, $fail failed ($((SECONDS - t_all)) s)"
[ "$fail" -eq 0 ]
