#!/usr/bin/env bash
# The compliance service end to end (docs/COMPLIANCE.md): the real stack on a free
# loopback port under build/compliance-var (MariaDB, pchatd, Kamailio with our module),
# real SIP clients (client/pchat, bench/pchat-bench), and pchat-compliance run by this
# script (the stack's own instance is stopped: each case starts the daemons it needs).
#   off        compliance off: a chat records no event
#   chat       join, post, history and part by three users over SIP appear in the XML
#              output in order, with the right senders, types and contents; the output
#              validates against docs/compliance.xsd
#   actiance   the Actiance adapter: a user present before a period is entered at its
#              start (ParticipantEntered) and left at its end (ParticipantLeft)
#   xslt       CustomConfiguration: docs/compliance-csv.xsl turns the output into CSV
#   manifest   CreateFileAttachmentsManifest: a .ATTACH file beside the output, valid
#              against docs/compliance-attach.xsd, lists a FILEUPLOAD
#   badconfig  pchat-compliance refuses to start on a bad configuration (exit 2)
#   crash      pchat-compliance killed (its test hook: SIGKILL) between writing and
#              renaming, and between renaming and committing: the next run rewrites the
#              same file; every acknowledged post is archived exactly once
#   pchatd-kill, db-kill   kill -9 of pchatd / MariaDB during a stream of posts: every
#              post answered 200 is archived exactly once
#   pair       two daemons at once, runs requested every second, the lease holder killed
#              -9 in the middle: the other takes over; no event is output twice
#   replay     --keep-days keeps the events output; --replay FIRST-LAST writes a deleted
#              file again, the same name and bytes, touching no state; a range with no
#              kept event exits 1
# usage: tests/compliance/run.sh [CASE...]
set -euo pipefail
# trusted SIP mode (From believed): this suite is about something else than client
# authentication, which tests/e2e (e2e-sip) and tests/sipe check
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/compliance-var"
rm -rf "$var"
mkdir -p "$var"
. "$top/tests/lib.sh"
port=$(free_port 27060)
stack_init "$port"
# whatever happens, no daemon of this suite outlives it (then the stack stops)
trap 'pkill -KILL -f "pchat-compliance --db-socket $var/" 2>/dev/null || true; stack_cleanup' EXIT
SOCK="$var/mysql.sock"
SQL=(mysql --no-defaults --socket="$SOCK" -uroot -N -B pchat)
ADMIN=("$top/admin/pchat-admin" --db-socket "$SOCK" --db-user root)
CHECK=(python3 "$top/tests/compliance/check.py")
OUT="$var/out"
gen="$top/bench/pchat-bench"
for f in "$top/compliance/pchat-compliance" "$gen" "$top/client/pchat"; do
  [ -x "$f" ] || { echo "compliance: $f missing (make build; make -C bench)"; exit 1; }
done

failed=()
ok() { echo "compliance: ok: $*"; }
bad() { echo "compliance: FAIL: $*" | tee -a "$var/failures.txt"; failed+=("$*"); }
show_logs() { tail_logs 30 kamailio backend mariadb; }

echo "compliance: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start >"$var/stack.log" 2>&1 || { show_logs; exit 1; }
"${stack[@]}" compliance-stop >>"$var/stack.log" 2>&1

# daemon LOG ARGS...: pchat-compliance in the foreground, its output appended to LOG;
# daemon_bg the same in the background, its pid in $daemon_pid
DAEMON=("$top/compliance/pchat-compliance" --db-socket "$SOCK" --db-name pchat --db-user pchat
  --db-password-file "$var/db-password")
daemon() {
  local log=$1
  shift
  "${DAEMON[@]}" "$@" >>"$log" 2>&1
}
daemon_bg() {
  local log=$1
  shift
  "${DAEMON[@]}" "$@" >>"$log" 2>&1 &
  daemon_pid=$!
}
# configure DIR [SQL ASSIGNMENTS]: compliance on, the XML adapter writing to DIR, the
# rest at its defaults unless assigned (as pchat-admin compliance set would store it)
configure() {
  mkdir -p "$1"
  "${SQL[@]}" -e "UPDATE compliance_config SET adapter_type = 'XML', output_directory = '$1',
    run_interval_sec = 60, one_room_per_file = 0, add_room_details = 0, add_user_details = 0,
    attachments_manifest = 0, custom_xslt = '' ${2:+, $2} WHERE id = 1"
}
backlog() { "${SQL[@]}" -e "SELECT COUNT(*) FROM compliance_events"; }
# validate DIR XSD: every final .xml file of DIR against the schema
validate() {
  local f n=0 rc=0
  for f in "$1"/*.xml; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    xmllint --noout --schema "$2" "$f" >>"$var/xmllint.log" 2>&1 || rc=1
  done
  [ $n -gt 0 ] && [ $rc -eq 0 ]
}
# chat USER LINES...: one client/pchat session saying the lines (then /quit)
chat() {
  local user=$1
  shift
  printf '%s\n' "$@" /quit | timeout 30 "$top/client/pchat" --user "$user" \
    --server "127.0.0.1:$port" --linger 0.5 >>"$var/client-$user.log" 2>&1
}
lobby=$("${SQL[@]}" -e "SELECT CONCAT('ma-chan://', domain, '/', chan_id) FROM rooms WHERE name = 'Lobby'")
tok="c$$"

# stream NAME [PCHAT-BENCH OPTIONS]: 20 sessions in 2 rooms post 40/s for 6 s; the texts
# of the posts answered 200 go to $var/acked-NAME.  Runs in the background ($gen_pid).
"${SQL[@]}" -e "INSERT IGNORE INTO rooms (domain, chan_id, name, category_id)
  SELECT 'example.com', CONCAT('comp-', seq), CONCAT('Compliance ', seq),
         (SELECT id FROM categories WHERE name = 'Default') FROM seq_0_to_1;
  UPDATE server_config SET value = value + 1 WHERE name = 'revision';"
ubase=700000
stream() {
  local name=$1
  shift
  rm -f "$var/ready-$name"
  "$gen" --mode pchat --proxy "127.0.0.1:$port" --sessions 20 --conns 2 --rooms 10x2 \
    --room-prefix comp- --user-base $ubase --run "$name$tok" --rate 40 --duration 6 --drain 12 \
    --resend-503 1 --resend-max 5 --on-ready "touch $var/ready-$name" \
    --acked-file "$var/acked-$name" "$@" >"$var/gen-$name.json" 2>>"$var/gen-$name.log" &
  gen_pid=$!
  ubase=$((ubase + 100))
  for _ in $(seq 300); do [ -f "$var/ready-$name" ] && break; sleep 0.1; done
}
# count NAME DIR: every acknowledged post of stream NAME archived exactly once in DIR
count() {
  if "${CHECK[@]}" count "$2" "$1$tok" "$var/acked-$1" >"$var/count-$1.txt"; then
    ok "$1: $(cat "$var/count-$1.txt")"
  else bad "$1: $(tr '\n' ' ' <"$var/count-$1.txt")"; fi
}
kill9() { # kill9 NAME: SIGKILL the stack's process NAME, wait until it is gone
  local p; p=$(cat "$var/$1.pid")
  kill -KILL "$p"
  while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}

case_off() {
  "${SQL[@]}" -e "UPDATE compliance_config SET adapter_type = '' WHERE id = 1"
  chat alice "/join Lobby" "off $tok"
  local n; n=$(backlog)
  local stored; stored=$("${SQL[@]}" -e "SELECT COUNT(*) FROM messages WHERE body = 'off $tok'")
  if [ "$n" = 0 ] && [ "$stored" = 1 ]; then ok "off: a post stored, no event recorded"
  else bad "off: events recorded while off: $n (post stored: $stored)"; fi
}

case_chat() {
  local dir="$OUT/chat" want got
  configure "$dir" "add_user_details = 1, add_room_details = 1"
  local t0 t1
  t0=$(date +%s%3N)
  chat alice "/join Lobby" "hello from alice $tok"
  chat bob "/join Lobby" "hi alice <&> $tok" "/history 5" "/part"
  chat carol "/join Ops" "carol in ops $tok"
  t1=$(date +%s%3N)
  daemon "$var/daemon-chat.log" --once --node t1 || { bad "chat: pchat-compliance --once failed"; return; }
  if [ "$(backlog)" = 0 ]; then ok "chat: the run left no event behind"
  else bad "chat: $(backlog) events left after the run"; fi
  if validate "$dir" "$top/docs/compliance.xsd"; then ok "chat: the output validates against docs/compliance.xsd"
  else bad "chat: the output does not validate: $(tail -3 "$var/xmllint.log")"; fi
  want="JOIN sip:alice@example.com
BACKCHAT sip:alice@example.com
CHAT sip:alice@example.com hello from alice $tok
PART sip:alice@example.com
JOIN sip:bob@example.com
BACKCHAT sip:bob@example.com
CHAT sip:bob@example.com hi alice <&> $tok
BACKCHAT sip:bob@example.com
PART sip:bob@example.com"
  # BACKCHAT's content is the range of ids pushed: compared without it
  got=$("${CHECK[@]}" events "$dir" "$lobby" |
    awk '$1 == "BACKCHAT" || $1 == "JOIN" || $1 == "PART" {print $1, $2; next} {print}' |
    grep -E 'sip:(alice|bob)@' | grep -v "off $tok")
  if [ "$got" = "$want" ]; then ok "chat: the Lobby's events in order with their senders, types and texts"
  else bad "chat: the Lobby's events differ; want:
$want
got:
$got"; fi
  if "${CHECK[@]}" times "$dir" "$lobby" "$t0" "$t1" >"$var/times.txt"; then
    ok "chat: the Lobby's event times within the chat, in order, their three forms agreeing"
  else bad "chat: event times: $(head -3 "$var/times.txt")"; fi
  if grep -q "carol in ops $tok" "$dir"/*.xml; then ok "chat: carol's post in Ops archived"
  else bad "chat: carol's post in Ops missing"; fi
}

# The Actiance adapter: alice is in the Lobby across two runs.
case_actiance() {
  local dir="$OUT/actiance" f1 f2
  configure "$dir" "adapter_type = 'Actiance'"
  { printf '/join Lobby\n'; sleep 5; printf 'alice leaves %s\n/quit\n' "$tok"; } |
    timeout 30 "$top/client/pchat" --user alice --server "127.0.0.1:$port" --linger 0.5 \
    >>"$var/client-alice.log" 2>&1 &
  local alice=$!
  sleep 2
  daemon "$var/daemon-actiance.log" --once --node t1 || bad "actiance: first run failed"
  chat bob "/join Lobby" "bob to alice $tok"
  wait $alice || true
  daemon "$var/daemon-actiance.log" --once --node t1 || bad "actiance: second run failed"
  mapfile -t files < <(ls "$dir"/*.xml 2>/dev/null | sort)
  if [ ${#files[@]} -ne 2 ]; then bad "actiance: want 2 files, got ${#files[@]}"; return; fi
  f2=${files[1]}
  # the second period starts with alice present (entered before it) and ends with her gone
  if python3 - "$f2" "$tok" <<'PY'; then ok "actiance: alice, present since the last period, entered at its start; bob's message; alice left"
import sys, xml.etree.ElementTree as ET
f, tok = sys.argv[1], sys.argv[2]
conv = [c for c in ET.parse(f).getroot().iter("Conversation")]
seq = []
for c in conv:
    for e in c:
        login = e.findtext("LoginName") or ""
        if e.tag in ("ParticipantEntered", "ParticipantLeft", "Message") and login.startswith(("alice@", "bob@")):
            seq.append((e.tag, login.split("@")[0], (e.findtext("Content") or "").replace(tok, "T")))
want_start = ("ParticipantEntered", "alice", "")
ok = seq and seq[0] == want_start and ("Message", "bob", "bob to alice T") in seq \
     and ("ParticipantLeft", "alice", "") in seq[seq.index(("Message", "bob", "bob to alice T")):]
if not ok:
    print(seq)
sys.exit(0 if ok else 1)
PY
  else bad "actiance: participants wrong in $f2"; fi
  f1=${files[0]}
  grep -q "<ParticipantEntered>" "$f1" || bad "actiance: first period has no ParticipantEntered"
}

case_xslt() {
  local dir="$OUT/xslt"
  configure "$dir" "custom_xslt = '$top/docs/compliance-csv.xsl'"
  chat alice "/join Lobby" "csv, \"quoted\" $tok"
  daemon "$var/daemon-xslt.log" --once --node t1 || { bad "xslt: the run failed"; return; }
  if grep -qs "\"csv, \"\"quoted\"\" $tok\"" "$dir"/*.csv; then ok "xslt: CSV written through docs/compliance-csv.xsl"
  else bad "xslt: no CSV line for the post in $(ls "$dir")"; fi
  if ls "$dir"/*.xml >/dev/null 2>&1; then bad "xslt: untransformed XML left beside the CSV"; fi
}

# The file store (issue 12) will record FILEUPLOAD events; here one is recorded as it will.
case_manifest() {
  local dir="$OUT/manifest"
  configure "$dir" "attachments_manifest = 1"
  "${SQL[@]}" -e "INSERT INTO compliance_events (event_type, event_time, room_id, room_uri,
    room_name, user_uri, content) SELECT 'FILEUPLOAD', NOW(3), id,
    CONCAT('ma-chan://', domain, '/', chan_id), name, 'sip:alice@example.com',
    '0988239a-bb66-4616-90a4-b07771a2097c.txt' FROM rooms WHERE name = 'Lobby'"
  daemon "$var/daemon-manifest.log" --once --node t1 || { bad "manifest: the run failed"; return; }
  local m; m=$(ls "$dir"/*.ATTACH 2>/dev/null | head -1)
  if [ -n "$m" ] && xmllint --noout --schema "$top/docs/compliance-attach.xsd" "$m" >>"$var/xmllint.log" 2>&1 &&
    grep -q 0988239a-bb66-4616-90a4-b07771a2097c.txt "$m"; then ok "manifest: $(basename "$m") lists the upload and validates"
  else bad "manifest: no valid .ATTACH listing the upload in $dir"; fi
  validate "$dir" "$top/docs/compliance.xsd" || bad "manifest: the XML beside it does not validate"
}

case_badconfig() {
  local rc=0
  configure "relative/dir"
  daemon "$var/daemon-bad.log" --once --node t1 || rc=$?
  if [ $rc -eq 2 ] && grep -qi "director" "$var/daemon-bad.log"; then ok "badconfig: a relative output directory: exit 2, $(tail -1 "$var/daemon-bad.log" | cut -c1-100)"
  else bad "badconfig: exit $rc for a relative output directory"; fi
  rc=0
  configure "$OUT/bad" "adapter_type = 'Bogus'"
  daemon "$var/daemon-bad.log" --once --node t1 || rc=$?
  if [ $rc -eq 2 ]; then ok "badconfig: an unknown adapter: exit 2"; else bad "badconfig: exit $rc for an unknown adapter"; fi
  "${SQL[@]}" -e "DELETE FROM compliance_events" # recorded while the adapter was 'Bogus'
}

# crash_at HOOK: a stream, then a run killed at HOOK, then a run that completes.
crash_at() {
  local hook=$1 dir="$OUT/crash" rc=0 before after
  stream "crash$hook"
  wait $gen_pid || true
  before=$(ls "$dir" | grep -vc '^\.' || true)
  daemon "$var/daemon-crash.log" --once --node t1 --test-crash-at "$hook" || rc=$?
  after=$(ls "$dir" | grep -vc '^\.' || true)
  [ $rc -eq 137 ] || bad "crash: the hook $hook did not kill the daemon (exit $rc)"
  case $hook in
    after-write) [ "$after" = "$before" ] || bad "crash: a file published before the rename ($before -> $after)" ;;
    after-rename) [ "$after" -gt "$before" ] || bad "crash: no file published before the kill" ;;
  esac
  daemon "$var/daemon-crash.log" --once --node t1 || bad "crash: the run after $hook failed"
  count "crash$hook" "$dir"
}
case_crash() {
  configure "$OUT/crash"
  crash_at after-write
  crash_at after-rename
  validate "$OUT/crash" "$top/docs/compliance.xsd" || bad "crash: the output does not validate"
  [ -z "$(ls -A "$OUT/crash" | grep '^\.' || true)" ] || bad "crash: temporary files left: $(ls -A "$OUT/crash")"
}

# kill_during NAME FAULT: a stream during which FAULT runs 2 s in; then one run
kill_during() {
  local name=$1 fault=$2 dir="$OUT/$1"
  configure "$dir"
  stream "$name"
  sleep 2
  $fault
  wait $gen_pid || true
  daemon "$var/daemon-$name.log" --once --node t1 || bad "$name: the run failed"
  count "$name" "$dir"
  validate "$dir" "$top/docs/compliance.xsd" || bad "$name: the output does not validate"
}
pchatd_fault() { kill9 backend; sleep 2; "${stack[@]}" backend-start >>"$var/stack.log" 2>&1; }
db_fault() { kill9 mariadb; sleep 1; "${stack[@]}" db-start >>"$var/stack.log" 2>&1; }

case_pair() {
  local dir="$OUT/pair" a b holder i
  configure "$dir"
  daemon_bg "$var/daemon-a.log" --node A --poll-ms 200 --lease-seconds 5
  a=$daemon_pid
  daemon_bg "$var/daemon-b.log" --node B --poll-ms 200 --lease-seconds 5
  b=$daemon_pid
  stream pair
  for i in 1 2 3 4 5 6 7; do
    "${SQL[@]}" -e "UPDATE compliance_state SET run_requested = NOW(3) WHERE id = 1"
    if [ $i = 3 ]; then
      holder=$("${SQL[@]}" -e "SELECT active_node FROM compliance_state")
      if [ "$holder" = A ]; then kill -KILL $a; elif [ "$holder" = B ]; then kill -KILL $b; else bad "pair: no lease holder ($holder)"; fi
      echo "compliance: pair: killed the lease holder $holder" >>"$var/pair.log"
    fi
    sleep 1
  done
  wait $gen_pid || true
  # the survivor outputs the rest (the lease of the dead one expires within 5 s)
  for i in $(seq 100); do
    "${SQL[@]}" -e "UPDATE compliance_state SET run_requested = NOW(3) WHERE id = 1"
    [ "$(backlog)" = 0 ] && [ "$("${SQL[@]}" -e "SELECT claimed_batch = done_batch FROM compliance_state")" = 1 ] && break
    sleep 0.3
  done
  kill -TERM $a $b 2>/dev/null || true
  wait $a $b 2>/dev/null || true
  count pair "$dir"
  # the survivor took the lease and output events (a run line with events)
  local other; other=$([ "$holder" = A ] && echo B || echo A)
  local olog="$var/daemon-${other,,}.log"
  if grep -q "lease taken, this node outputs node=$other$" "$olog" && grep -Eq "run: [0-9]+ events in" "$olog"; then
    ok "pair: node $other took over after $holder was killed: $(grep -E "run: [0-9]+ events in" "$olog" | tail -1 | cut -d' ' -f4-)"
  else bad "pair: node $other never took over after $holder was killed"; fi
  if grep -Eq "run: [0-9]+ events in" "$var/daemon-${holder,,}.log"; then :
  else bad "pair: node $holder output nothing before it was killed (the case tested no handover)"; fi
}

# A file lost after its run, written again from the events kept (docs/COMPLIANCE.md,
# "Recovering a lost output file").
case_replay() {
  local dir="$OUT/replay" dir2="$OUT/replay-again" log="$var/daemon-replay.log" f name range
  local state rc=0
  configure "$dir"
  mkdir -p "$dir2"
  chat alice "/join Lobby" "replay one $tok" "replay <two> & $tok"
  chat bob "/join Ops" "replay three $tok" "/part"
  daemon "$log" --once --node t1 --keep-days 1 || { bad "replay: the run failed"; return; }
  f=$(ls "$dir"/*.xml 2>/dev/null | head -1)
  [ -n "$f" ] || { bad "replay: the run wrote no file"; return; }
  name=$(basename "$f")
  mv "$f" "$var/replay-lost.xml"
  # <AdapterName>-<first id>-<last id>.xml: the ids as they are, zero-padded
  range=$(sed -E 's/^.*-([0-9]+)-([0-9]+)\.xml$/\1-\2/' <<<"$name")
  state=$("${SQL[@]}" -e "SELECT * FROM compliance_state")
  daemon "$log" --replay "$range" --output-dir "$dir2" || { bad "replay: --replay $range failed: $(tail -1 "$log")"; return; }
  if cmp -s "$var/replay-lost.xml" "$dir2/$name"; then ok "replay: $name written again, the same bytes"
  else bad "replay: $name not written again as it was: $(ls "$dir2")"; fi
  validate "$dir2" "$top/docs/compliance.xsd" || bad "replay: the file written again does not validate"
  [ -z "$(ls "$dir")" ] || bad "replay: wrote into the configured directory: $(ls "$dir")"
  [ "$("${SQL[@]}" -e "SELECT * FROM compliance_state")" = "$state" ] || bad "replay: compliance_state changed"
  daemon "$log" --replay 900000000000-900000000009 --output-dir "$dir2" || rc=$?
  if [ $rc -eq 1 ] && tail -1 "$log" | grep -q -- "--keep-days 1"; then ok "replay: a range with no kept event: exit 1, $(tail -1 "$log" | cut -d' ' -f4- | cut -c1-120)"
  else bad "replay: exit $rc for a range with no kept event: $(tail -1 "$log")"; fi
}

cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=(off chat actiance xslt manifest replay badconfig crash pchatd-kill db-kill pair)
for c in "${cases[@]}"; do
  case $c in
    off|chat|actiance|xslt|manifest|badconfig|crash|pair|replay) "case_$c" ;;
    pchatd-kill) kill_during pchatd-kill pchatd_fault ;;
    db-kill) kill_during db-kill db_fault ;;
    *) echo "compliance: unknown case $c"; exit 2 ;;
  esac
done

"${stack[@]}" stop >/dev/null 2>&1 || true
san=0
for f in "$var"/backend.log "$var"/daemon-*.log; do
  [ -e "$f" ] || continue
  if sanitizer_report compliance "$f"; then san=1; fi
done
if [ ${#failed[@]} -eq 0 ] && [ $san -eq 0 ]; then
  echo "compliance: all cases passed"
  exit 0
fi
show_logs
tail -n 20 "$var"/daemon-*.log 2>/dev/null || true
# again after the logs, so that the reasons are in the last lines of the output
cat "$var/failures.txt" 2>/dev/null || true
echo "compliance: ${#failed[@]} failure(s), sanitizer check $san"
exit 1
