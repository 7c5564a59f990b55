#!/usr/bin/env bash
# Retention that purges, end to end (issue 15; docs/ADMIN.md *Retention*): the real
# stack under build/retention-var on free loopback ports (MariaDB, pchatd with its file
# service, the sweeper and the purge job every second, Kamailio with our module),
# compliance on (the XML adapter) and pchat-compliance run by this script.
#   bad input   retention values out of range or malformed: clear errors, exit 1
#   settings    room overrides category overrides the server's default, clamped
#   hidden      a room's messages past its retention (posted over SIP, a file post,
#               and 2,500 more: several batches) are hidden at once from pchatd's
#               history and search (over SIP), the admin library's listing and search
#   waits       while pchat-compliance has not output their CHAT events, the purge
#               job deletes nothing (retention status: waiting for compliance)
#   index       pchatd's search indexer off (--search-index-interval 0): the queue
#               stays; pchat-admin search index indexes it; a replaced message is
#               found by its new words, not its old ones
#   purges      after one pchat-compliance run: no message of the room is left (the
#               last one included), no files row, no file in the store, no row of
#               theirs in the search index or its queue; a PURGE compliance event per
#               message; another room is untouched; the disk used by the store and the
#               messages table before and after is printed
# Prints every check; exits non-zero if any failed.
set -euo pipefail
# trusted SIP mode (From believed): this suite is about something else than client
# authentication, which tests/e2e (e2e-sip) and tests/sipe check
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/retention-var"
t_start=$(date +%s)

. "$top/tests/lib.sh"

stack_fresh retention 27060 http_port=28090 file_port=28091
export PCHAT_HTTP_PORT=$http_port PCHAT_FILE_PORT=$file_port
export PCHATD_ARGS="--file-sweep-interval 1 --retention-interval 1 --search-index-interval 0"
stack_start retention
"${stack[@]}" compliance-stop >/dev/null 2>&1

B="http://127.0.0.1:$file_port/PersistentChat"
store="$var/files"
work="$var/work"
mkdir -p "$work" "$var/out"
. "$top/tests/files/lib.sh" # sql, tok, q, mkfile
admin() { "$top/admin/pchat-admin" --db-socket "$var/mysql.sock" --db-user root "$@"; }
COMPLIANCE=("$top/compliance/pchat-compliance" --db-socket "$var/mysql.sock" --db-name pchat
  --db-user pchat --db-password-file "$var/db-password" --node retention-test)

passed=0
failed=0
check() { # check WHAT COMMAND...: runs COMMAND, counts a failure if it fails
  local what="$1"
  shift
  if "$@"; then echo "retention: ok   $what"; passed=$((passed + 1))
  else echo "retention: FAIL $what"; failed=$((failed + 1)); fi
}
# refused WHAT TEXT ARGS...: pchat-admin ARGS exits 1 with TEXT in its error
refused() {
  local what=$1 text=$2 out rc=0
  shift 2
  out=$(admin "$@" 2>&1) || rc=$?
  check "$what" eval '[ "$rc" = 1 ] && grep -qF -- "$text" <<<"$out" || { echo "  exit $rc: $out" >&2; false; }'
}
eventually() { # eventually SECONDS COMMAND...: COMMAND succeeds within SECONDS
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  "$@"
}
is() { [ "$1" = "$2" ] || { echo "  got '$1', want '$2'" >&2; return 1; }; }
room_id() { sql "SELECT id FROM rooms WHERE name = '$1'"; }
status() { admin --json retention status; }
room_status() { status | jq -r --arg r "$1" ".rooms[] | select(.room == \$r) | $2"; }
OPS=$(room_id Ops)
LOBBY=$(room_id Lobby)

# ---- bad input ----
refused "a retention of 0 days is refused (none keeps forever)" 'out of range' room set --room Ops --retention 0
refused "a malformed retention is refused" 'give a number of days' room set --room Ops --retention 5x
refused "more than 36500 days is refused" 'out of range' category set --category Default --retention 36501
refused "RetentionMinDays above RetentionMaxDays is refused" 'is above RetentionMaxDays' config set --retention-min-days 10 --retention-max-days 5
admin config set --retention-min-days 2 --retention-max-days 30 >/dev/null
refused "a room below the server's minimum is refused" "the server's minimum is 2 days" room set --room Ops --retention 1d
refused "a room above the server's maximum is refused" "the server's maximum is 30 days" room set --room Ops --retention 31
refused "none while there is a maximum is refused" 'at most 30 days' category set --category Default --retention none

# ---- settings: room > category > default, clamped ----
admin category set --category Default --retention 7 >/dev/null
check "a room inherits its category's retention" is "$(room_status Lobby .effective)" 7d
admin room set --room Lobby --retention 12d >/dev/null
check "a room's own retention overrides its category's" is "$(room_status Lobby .effective)" 12d
admin config set --retention-max-days 10 >/dev/null
check "the server's maximum clamps a room's retention" is "$(room_status Lobby .effective)" 10d
admin room set --room Lobby --retention inherit >/dev/null
admin category set --category Default --retention inherit >/dev/null
admin config set --retention-default-days 0 --retention-min-days 0 --retention-max-days 0 >/dev/null
check "with nothing set, rooms keep forever" is "$(room_status Lobby .effective)" none
sql "UPDATE rooms SET retention_sec = 7200 WHERE name = 'Board'"
admin reload >/dev/null
check "a hand edit takes effect at pchat-admin reload" is "$(room_status Board .effective)" 2h
sql "UPDATE rooms SET retention_sec = NULL WHERE name = 'Board'"
admin reload >/dev/null
check "room get shows the setting and the effective retention" \
  eval '[ "$(admin --json room get --room Lobby | jq -r ".[0] | .retention + \" \" + .retention_effective")" = "inherit none" ]'

# ---- the messages: over SIP, a file post, and 2,500 more ----
admin compliance set --adapter-type XML --output-directory "$var/out" >/dev/null
{ printf '/join Ops\n'; printf 'old news %s\n' 1 2; sleep 1; printf '/join Lobby\nlobby stays\n'; sleep 1; printf '/quit\n'; } |
  timeout 30 "$top/client/pchat" --user alice@example.com --server "127.0.0.1:$port" --linger 0.5 >"$work/post.log" 2>&1
f=$(mkfile plan.bin 200000)
t=$(tok upload "$OPS" sip:alice@example.com "$(q plan.bin)")
curl -s -o /dev/null -X PUT --data-binary "@$f" "$B/files/$t"
sql "INSERT INTO messages (room_id, author, posted_at, body)
  SELECT $OPS, 'sip:bob@example.com', UTC_TIMESTAMP(3), CONCAT('bulk note ', seq) FROM seq_1_to_2500"
total=$(sql "SELECT COUNT(*) FROM messages WHERE room_id = $OPS")
check "2503 messages in Ops (2 over SIP, a file post, 2500 more)" is "$total" 2503
check "the file is in the store" eval '[ "$(find "$store/$OPS" -type f | wc -l)" = 1 ]'
disk() { # the store's bytes and the messages and files tables' (InnoDB's estimate)
  sql "ANALYZE TABLE messages, files" >/dev/null
  echo "store $(du -sb "$store" | cut -f1) B, tables $(sql "SELECT SUM(data_length + index_length)
    FROM information_schema.tables WHERE table_schema = 'pchat' AND table_name IN ('messages', 'files')") B"
}
before=$(disk)
shown() { admin --json message get --limit 5000 "$@" | jq length; } # messages listed
# the search index: pchatd's indexer is off here (searches read the newest 2,000 queued
# messages of a round, the rest only once indexed)
check "with --search-index-interval 0 pchatd indexes nothing: Ops's messages stay queued" \
  is "$(sql "SELECT COUNT(*) FROM search_pending p JOIN messages m ON m.id = p.msg_id WHERE m.room_id = $OPS")" 2503
check "pchat-admin search index indexes them all" \
  eval '[ "$(admin --json search index | jq -c "[.indexed >= 2503, .left]")" = "[true,0]" ]'
check "  the queue is empty" is "$(sql "SELECT COUNT(*) FROM search_pending")" 0
# sip_history LOG: carol joins Ops over SIP (pchatd's history read), asks for more
# and searches (cmd:search)
sip_history() {
  { printf '/join Ops\n/history 50\n/search bulk note\n'; sleep 2; printf '/quit\n'; } |
    timeout 30 "$top/client/pchat" --user carol@example.com --server "127.0.0.1:$port" --linger 0.5 >"$1" 2>&1
}
check "before they expire: listed by message get" is "$(shown --room Ops)" 2503
check "  found by search" is "$(shown --search "bulk note")" 2500
sip_history "$work/history-before.log"
check "  in pchatd's history over SIP" grep -q "bulk note 2500" "$work/history-before.log"
check "  found by pchatd's search over SIP" grep -q -- "--- search: [1-9][0-9]* results" "$work/history-before.log"
store_before=$(du -sb "$store" | cut -f1)

# ---- the search index: a replaced message, changed messages queued at the purge ----
note=$(sql "SELECT id FROM messages WHERE body = 'bulk note 1234'")
admin message replace --id "$note" --replacement "platypus parade" >/dev/null
check "a replaced message is found by its new words at once (queued)" is "$(shown --search platypus)" 1
admin search index >/dev/null
check "  and after search index" eval '[ "$(admin --json message get --search "PARADE platypus" | jq -r ".[].id")" = "$note" ]'
check "  not by its old ones" is "$(shown --search '"bulk note 1234"')" 0
check "  its old words' rows are gone, its new ones there" \
  is "$(sql "SELECT GROUP_CONCAT(term ORDER BY term) FROM message_terms WHERE msg_id = $note")" "parade,platypus"
# some of Ops's messages changed again: queued when the purge comes
sql "UPDATE messages SET body = CONCAT(body, ' edited') WHERE room_id = $OPS AND body LIKE 'bulk note 2%'"
sql "DROP TABLE IF EXISTS test_ops_ids; CREATE TABLE test_ops_ids (id BIGINT UNSIGNED PRIMARY KEY)
  SELECT id FROM messages WHERE room_id = $OPS"
ops_terms() { sql "SELECT COUNT(*) FROM message_terms t JOIN test_ops_ids o ON o.id = t.msg_id"; }
ops_queued() { sql "SELECT COUNT(*) FROM search_pending p JOIN test_ops_ids o ON o.id = p.msg_id"; }
terms_before=$(ops_terms)
queued_before=$(ops_queued)
check "Ops's messages have index rows ($terms_before) and 612 changed ones are queued" \
  eval '[ "$terms_before" -gt 5000 ] && [ "$queued_before" = 612 ]'

# ---- hidden at once ----
admin room set --room Ops --retention 1h >/dev/null
sql "UPDATE messages SET posted_at = posted_at - INTERVAL 2 HOUR WHERE room_id = $OPS"
check "expired messages are hidden from message get" is "$(shown --room Ops)" 0
check "  and from search" is "$(shown --search "bulk note")" 0
sip_history "$work/history.log"
check "  and from pchatd's history over SIP (carol joins Ops)" eval '! grep -q "old news\|bulk note [0-9]" "$work/history.log" && grep -q "joined" "$work/history.log"'
check "  and from pchatd's search over SIP" grep -q -- "--- search: 0 results" "$work/history.log"
check "another room's messages are shown" eval 'admin message get --room Lobby | grep -q "lobby stays"'

# ---- the purge waits for pchat-compliance ----
sleep 3
check "nothing purged while the CHAT events are not output" is "$(sql "SELECT COUNT(*) FROM messages WHERE room_id = $OPS")" 2503
check "  retention status: 2503 expired, all waiting for compliance" \
  eval '[ "$(room_status Ops "\"\(.expired) \(.waiting_for_compliance)\"")" = "2503 2503" ]'
check "  the purge job holds its lease" eval '[ "$(status | jq -r .purge.lease.held)" = true ]'

# ---- pchat-compliance runs: the purge proceeds ----
"${COMPLIANCE[@]}" --once >>"$var/compliance.log" 2>&1
check "after pchat-compliance ran, no message of Ops is left (the last one included)" \
  eventually 30 eval '[ "$(sql "SELECT COUNT(*) FROM messages WHERE room_id = '"$OPS"'")" = 0 ]'
check "  no files row of Ops" eventually 10 eval '[ "$(sql "SELECT COUNT(*) FROM files WHERE room_id = '"$OPS"'")" = 0 ]'
check "  no file of Ops in the store" eventually 10 eval '[ "$(find "$store/$OPS" -type f 2>/dev/null | wc -l)" = 0 ]'
check "  a PURGE compliance event per message" is "$(sql "SELECT COUNT(*) FROM compliance_events WHERE event_type = 'PURGE' AND room_id = $OPS")" 2503
check "  no index row of the purged messages is left (there were $terms_before)" is "$(ops_terms)" 0
check "  nor any of them queued (there were $queued_before)" is "$(ops_queued)" 0
check "  Lobby's messages are untouched" eval '[ "$(sql "SELECT COUNT(*) FROM messages WHERE room_id = '"$LOBBY"' AND body = '"'lobby stays'"'")" = 1 ]'
check "  retention status: purged, nothing expired" \
  eval '[ "$(status | jq -r ".purge.purged_total")" -ge 2503 ] && [ "$(room_status Ops .expired)" = 0 ]'
check "  the store shrank by the file" eval '[ $((store_before - $(du -sb "$store" | cut -f1))) -ge 200000 ]'
echo "retention: disk before the purge: $before"
echo "retention: disk after the purge:  $(disk)"
"${COMPLIANCE[@]}" --once >>"$var/compliance.log" 2>&1
check "pchat-compliance outputs the PURGE events" eval '[ "$(sql "SELECT COUNT(*) FROM compliance_events")" = 0 ] && grep -lq "PURGE\|Purge\|type=\"11\"" "$var"/out/* 2>/dev/null || grep -rqi purge "$var/out"'

"${stack[@]}" backend-stop >/dev/null 2>&1
check "pchatd stopping releases the purge lease" is "$(sql "SELECT COALESCE(holder, 'none') FROM job_leases WHERE job = 'retention-purge'")" none
if sanitizer_report retention "$var/backend.log"; then failed=$((failed + 1)); fi
echo "retention: $passed passed, $failed failed ($(($(date +%s) - t_start)) s)"
[ "$failed" = 0 ]
