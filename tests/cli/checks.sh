# shellcheck shell=bash disable=SC2154,SC2016
# tests/cli/checks.sh - the checks of tests/cli/run.sh (sourced by it: uses expect,
# fails, json_is, out_has, out_lacks, sql_is, sql, revision, $out, $var, $sock and $cli
# defined there).  Starts from sql/demo.sql.

AS_ALICE=(--as sip:alice@example.com)
AS_BOB=(--as sip:bob@example.com)

# ---- usage
expect 0 "help lists the commands" help
out_has "help names room new" "pchat-admin room new"
out_has "help names the reference cmdlets" "Grant-CsPersistentChatPolicy"
expect 0 "room help lists only room verbs" room help
out_has "room help has room clear" "room clear"
out_lacks "room help has no category commands" "category new"
fails 2 "unknown command" "unknown noun is a usage error" bogus get
fails 2 "has no verb" "unknown verb is a usage error" room frob
fails 2 "has no option --foo" "unknown option is a usage error" room set --room Lobby --foo 1
fails 2 "yes or no" "bad yes/no is a usage error" room set --room Lobby --disabled maybe
fails 2 "needs a value" "option without value is a usage error" room get --room
expect 2 "no command is a usage error" 

# ---- configuration
expect 0 "config get" --json config get
json_is "config defaults" '.DefaultChatHistory == 30 and .MaxFileSizeKB == 20000 and
  .ParticipantUpdateLimit == 75 and .MessageSizeLimit == 8192 and .SearchLimit == 100'
rev=$(revision)
fails 1 "DefaultChatHistory.*1 to 500" "DefaultChatHistory 0 refused" config set --DefaultChatHistory 0
fails 1 "DefaultChatHistory.*1 to 500" "DefaultChatHistory 501 refused" config set --default-chat-history 501
sql_is "a refused change does not bump the revision" "SELECT value FROM server_config WHERE name='revision'" "$rev"
fails 1 "nothing to set" "config set without settings refused" config set
expect 0 "config set DefaultChatHistory" --json config set --DefaultChatHistory 50
json_is "config set result" '.DefaultChatHistory == 50'
sql_is "DefaultChatHistory stored" "SELECT value FROM server_config WHERE name='DefaultChatHistory'" 50
sql_is "config set bumps the revision" "SELECT value FROM server_config WHERE name='revision'" $((rev + 1))
expect 0 "config set by alias" config set --default-chat-history 45 --search-limit 20
out_has "human-readable config output" "^DefaultChatHistory: +45$"
out_has "human-readable config output, aligned" "^SearchLimit: +20$"
rev=$(revision)
expect 0 "config get does not bump the revision" config get
sql_is "revision unchanged by a get" "SELECT value FROM server_config WHERE name='revision'" "$rev"

# ---- categories
expect 0 "category new" --json category new --name Eng --description "Engineering" \
  --allowed example.com --creators bob@example.com,alice@example.com --file-upload no
json_is "category new result" '.name == "Eng" and .invitations == true and .file_upload == false
  and .allowed == ["example.com"] and .creators == ["sip:alice@example.com","sip:bob@example.com"]
  and (.uri | startswith("ma-cat://example.com/"))'
fails 1 "already used" "duplicate category name refused" category new --name Eng
fails 1 "not a user .* or a domain" "bad principal refused" category new --name X --allowed "a b"
expect 0 "category set adds and removes" --json category set --category Eng \
  --add-denied eve@example.com --remove-creators alice@example.com --chat-history no
json_is "category set result" '.denied == ["sip:eve@example.com"] and
  .creators == ["sip:bob@example.com"] and .chat_history == false'
fails 2 "whole list or additions" "list and edit of the same list refused" category set \
  --category Eng --denied x.org --add-denied y.org
expect 0 "category get one" --json category get --category Eng
json_is "category get result" 'length == 1 and .[0].name == "Eng"'
fails 1 'no category "Nope"' "unknown category" category get --category Nope
expect 0 "category new without invitations" category new --name Quiet --invitations no \
  --allowed example.com
expect 0 "category get for bob lists where he may create" "${AS_BOB[@]}" --json category get
json_is "bob may create in Eng only" '[.[].name] == ["Eng"]'
fails 1 "administrator only" "users may not create categories" "${AS_ALICE[@]}" category new --name Z

# ---- rooms (administrator)
rev=$(revision)
expect 0 "room new" --json room new --name "Design" --category Eng --privacy closed \
  --description "Design reviews" --topic "v2" --members dave@example.com,carol@example.com \
  --managers bob@example.com --disclaimer "Logged"
json_is "room new result" '.name == "Design" and .privacy == "closed" and .type == "normal" and
  .category == "Eng" and .managers == ["sip:bob@example.com"] and .disabled == false and
  .members == ["sip:carol@example.com","sip:dave@example.com"] and .disclaimer == "Logged" and
  (.uri | test("^ma-chan://example.com/[0-9a-f-]{36}$")) and (.id as $i | .uri | endswith($i))'
sql_is "room new bumps the revision" "SELECT value FROM server_config WHERE name='revision'" $((rev + 1))
sql_is "new room has the category's domain" "SELECT domain FROM rooms WHERE name='Design'" example.com
sql_is "room new invites the members (inviter admin)" \
  "SELECT GROUP_CONCAT(i.user_uri, '/', i.inviter ORDER BY i.user_uri) FROM invitations i JOIN rooms r ON r.id=i.room_id WHERE r.name='Design'" \
  "sip:bob@example.com/admin,sip:carol@example.com/admin,sip:dave@example.com/admin"
fails 1 '"privacy" must be open, closed or secret' "bad privacy refused" room new --name X --privacy hidden
fails 1 "already used" "duplicate room name refused" room new --name Lobby
fails 1 'no category "Nope"' "unknown category refused" room new --name X --category Nope
fails 1 'unknown field "colour"' "unknown field refused (call)" call room.new '{"name":"X","colour":"red"}'
fails 1 '"name" is required' "room new without name refused" room new
sql_is "failed room.new left nothing" "SELECT COUNT(*) FROM rooms WHERE name='X'" 0

# text XML 1.0 cannot carry (common/pchat_text.h) would break every client's room list
rev=$(revision)
fails 1 '"name": character 2 is not allowed' "room name with U+FFFF refused" \
  room new --name $'A\xef\xbf\xbfB'
fails 1 '"name": character 2 is not allowed' "room name with U+FFFE refused (call)" \
  call room.new '{"name":"A\ufffeB"}'
fails 1 '"topic": character 3 is not allowed' "topic with a control character refused" \
  call room.new '{"name":"Ctl","topic":"ab\u0001"}'
fails 1 '"topic": character 1 is not allowed' "room set topic with U+FFFF refused" \
  room set --room Design --topic $'\xef\xbf\xbf'
fails 1 '"description": character 2 is not allowed' "category description with U+FFFF refused" \
  category new --name Bad --description $'x\xef\xbf\xbf'
# (expect, not fails: the message echoes the byte, which grep's "." does not match)
expect 2 "a name that is not UTF-8 is a usage error" room new --name $'A\xffB'
sql_is "nothing stored with U+FFFF or U+FFFE" \
  "SELECT COUNT(*) FROM rooms WHERE HEX(CONCAT(name, topic, description)) REGEXP 'EFBFB[EF]'" 0
sql_is "no room Ctl, no category Bad" \
  "SELECT (SELECT COUNT(*) FROM rooms WHERE name = 'Ctl') + (SELECT COUNT(*) FROM categories WHERE name = 'Bad')" 0
sql_is "Design's topic unchanged" "SELECT topic FROM rooms WHERE name = 'Design'" v2
sql_is "refused text does not bump the revision" "SELECT value FROM server_config WHERE name='revision'" "$rev"
expect 0 "the allowed boundaries are stored" --json room new --name $'Edge \xef\xbf\xbd\xf4\x8f\xbf\xbf' \
  --topic $'tab\there'
json_is "  and come back unchanged" '.name == "Edge \ufffd\udbff\udfff" and .topic == "tab\there"'
expect 0 "  and can be removed" room remove --room $'Edge \xef\xbf\xbd\xf4\x8f\xbf\xbf'

expect 0 "room set" --json room set --room Design --topic "v3" --add-members alice@example.com \
  --remove-members carol@example.com --type auditorium --add-presenters bob@example.com
json_is "room set result" '.topic == "v3" and .type == "auditorium" and
  .members == ["sip:alice@example.com","sip:dave@example.com"] and .presenters == ["sip:bob@example.com"]'
sql_is "room set invites the new member" \
  "SELECT COUNT(*) FROM invitations i JOIN rooms r ON r.id=i.room_id WHERE r.name='Design' AND i.user_uri='sip:alice@example.com'" 1
expect 0 "room set invitations off" room set --room Design --invitations off \
  --add-members frank@example.com
sql_is "no invitation when the room's invitations are off" \
  "SELECT COUNT(*) FROM invitations WHERE user_uri='sip:frank@example.com'" 0
expect 0 "room in a category without invitations" room new --name Hush --category Quiet \
  --members gina@example.com
sql_is "no invitation when the category's invitations are off" \
  "SELECT COUNT(*) FROM invitations WHERE user_uri='sip:gina@example.com'" 0
expect 0 "room set by URI renames" --json room set \
  --room "$(sql "SELECT CONCAT('ma-chan://',domain,'/',chan_id) FROM rooms WHERE name='Hush'")" \
  --name "Hush2" --disabled yes
json_is "renamed and disabled" '.name == "Hush2" and .disabled == true'
fails 1 "already used" "rename to a used name refused" room set --room Hush2 --name Lobby
fails 1 'no room "Nope"' "unknown room" room set --room Nope --topic x
fails 1 '"category"' "room set cannot move categories" call room.set '{"room":"Hush2","category":"Eng"}'
expect 0 "room get by name substring" --json room get --name "Hush"
json_is "room get substring result" 'length == 1 and .[0].name == "Hush2"'
expect 0 "room get by category" --json room get --category Eng
json_is "room get category result" '[.[].name] == ["Design"]'
expect 0 "room get by chan id" --json room get --room "$(sql "SELECT chan_id FROM rooms WHERE name='Design'")"
json_is "room get by chan id result" 'length == 1 and .[0].name == "Design"'
expect 0 "room get human-readable" room get --room Design
out_has "human-readable room output" "^name: +Design$"
out_has "human-readable room output, lists" "^managers: +sip:bob@example.com$"

# ---- rooms as users (the rules of common/pchat_acl.c)
expect 0 "alice creates a room in Default (creator)" "${AS_ALICE[@]}" --json room new --name "Alice's" \
  --privacy secret --members bob@example.com
json_is "alice manages her new room" '.managers == ["sip:alice@example.com"] and
  .rights == ["see","join","post","manage"]'
sql_is "user invitation names the inviter" \
  "SELECT inviter FROM invitations i JOIN rooms r ON r.id=i.room_id WHERE r.name='Alice''s' AND i.user_uri='sip:bob@example.com'" \
  "sip:alice@example.com"
fails 1 "may not create rooms" "bob may not create in Default" "${AS_BOB[@]}" room new --name B1
expect 0 "bob creates in Eng (creator)" "${AS_BOB[@]}" room new --name B1 --category Eng
fails 1 "may not create rooms" "denied user may not create" --as sip:eve@example.com room new --name E1 --category Eng
expect 0 "alice's room list" "${AS_ALICE[@]}" --json room get
json_is "alice does not see the secret Board" '[.[].name] | index("Board") == null'
json_is "alice sees her secret room" '[.[].name] | index("Alice'"'"'s") != null'
json_is "rights of alice in the auditorium" '.[] | select(.name == "Announcements") | .rights == ["see","join"]'
expect 0 "carol's room list" --as sip:carol@example.com --json room get --room Board
json_is "carol manages Board" '.[0].rights | index("manage") != null'
fails 1 'no room "Board"' "alice cannot change the secret Board" "${AS_ALICE[@]}" room set --room Board --topic x
fails 1 "do not manage" "alice cannot change Build Team" "${AS_ALICE[@]}" room set --room "Build Team" --topic x
fails 1 "do not manage" "alice cannot remove Lobby" "${AS_ALICE[@]}" room remove --room Lobby
fails 1 "do not manage" "alice cannot clear Lobby" "${AS_ALICE[@]}" room clear --room Lobby
expect 0 "bob manages Build Team" "${AS_BOB[@]}" room set --room "Build Team" --topic "4.3"
sql_is "bob's change stored" "SELECT topic FROM rooms WHERE name='Build Team'" "4.3"
fails 1 "administrator only" "users may not read policies" "${AS_ALICE[@]}" policy get

# ---- auth.check
expect 0 "auth.check with a bare name" --json call auth.check '{"user":"alice","password":"alice"}'
json_is "auth.check result" '.user == "sip:alice@example.com"'
expect 0 "auth.check with a SIP URI" call auth.check '{"user":"sip:bob@example.com","password":"bob"}'
fails 1 "wrong user name or password" "auth.check wrong password" call auth.check '{"user":"alice","password":"bob"}'
fails 1 "wrong user name or password" "auth.check unknown user" call auth.check '{"user":"zed@example.com","password":"x"}'
sql "INSERT INTO subscriber (username, domain, ha1) VALUES ('hal', 'example.com', MD5('hal:example.com:secret')), ('alice', 'other.org', MD5('alice:other.org:x'))"
expect 0 "auth.check against ha1" call auth.check '{"user":"hal@example.com","password":"secret"}'
fails 1 "wrong user name or password" "auth.check ha1 wrong" call auth.check '{"user":"hal@example.com","password":"Secret"}'
fails 1 "several users" "auth.check ambiguous bare name" call auth.check '{"user":"alice","password":"alice"}'
expect 0 "auth.check of the other alice, by domain" call auth.check '{"user":"alice@other.org","password":"x"}'
sql "UPDATE subscriber SET ha1 = UPPER(ha1) WHERE username = 'alice' AND domain = 'other.org'"
expect 0 "auth.check against an ha1 in capitals" call auth.check '{"user":"alice@other.org","password":"x"}'
fails 1 "persistent chat is disabled for sip:dave@example.com" "auth.check refuses dave (policy tag:NoChat)" \
  call auth.check '{"user":"dave@example.com","password":"dave"}'
fails 1 "wrong user name or password" "auth.check tells dave's wrong password as any other" \
  call auth.check '{"user":"dave@example.com","password":"x"}'
sql_is "no plaintext password is stored" "SELECT COUNT(*) FROM subscriber WHERE password <> ''" 0
if sql "INSERT INTO subscriber (username, domain, password) VALUES ('pat', 'example.com', 'pw')" 2>"$err"; then
  not_ok "the schema refuses a plaintext password"
else ok "the schema refuses a plaintext password"; fi

# Migration 007 on a database of before it: plaintext becomes hashes, sign-in works.
old_db() { mysql --no-defaults --socket="$sock" -uroot -N -B pchat_007 -e "$1"; }
mysql --no-defaults --socket="$sock" -uroot -e "DROP DATABASE IF EXISTS pchat_007; CREATE DATABASE pchat_007"
for f in "$top"/sql/migrations/00[1-6]_*.sql; do
  mysql --no-defaults --socket="$sock" -uroot pchat_007 <"$f"
done
old_db "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES
  ('ann', 'example.com', 'pw1', '', ''), ('ben', 'example.com', 'pw2', MD5('ben:example.com:kept'), '')"
mysql --no-defaults --socket="$sock" -uroot pchat_007 <"$top/sql/migrations/007_hashed_passwords.sql"
sql_007_is() { # sql_007_is DESC QUERY EXPECTED
  local got; got=$(old_db "$2" 2>&1)
  if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1 (got '$got', expected '$3')"; fi
}
sql_007_is "migration 007 blanks every password" "SELECT COUNT(*) FROM subscriber WHERE password <> ''" 0
sql_007_is "  and computes ha1 and ha1b from it" \
  "SELECT ha1 = MD5('ann:example.com:pw1') AND ha1b = MD5('ann@example.com:example.com:pw1') FROM subscriber WHERE username = 'ann'" 1
sql_007_is "  but keeps an ha1 that was there (ha1b filled)" \
  "SELECT ha1 = MD5('ben:example.com:kept') AND ha1b = MD5('ben@example.com:example.com:pw2') FROM subscriber WHERE username = 'ben'" 1
"$cli" --db-socket "$sock" --db-user root --db-name pchat_007 call auth.check '{"user":"ann@example.com","password":"pw1"}' >"$out" 2>"$err" &&
  ok "  ann signs in with her password after the migration" || not_ok "  ann signs in with her password after the migration"
mysql --no-defaults --socket="$sock" -uroot -e "DROP DATABASE pchat_007"

# ---- messages
sql "INSERT INTO messages (room_id, author, posted_at, body)
  SELECT id, 'sip:alice@example.com', '2024-01-01 10:00:00', 'hello world' FROM rooms WHERE name='Lobby'
  UNION ALL SELECT id, 'sip:bob@example.com', '2024-01-02 10:00:00', 'the password is hunter2' FROM rooms WHERE name='Lobby'
  UNION ALL SELECT id, 'sip:bob@example.com', '2024-01-03 10:00:00', 'secret plans' FROM rooms WHERE name='Ops'
  UNION ALL SELECT id, 'sip:carol@example.com', '2024-01-04 10:00:00', 'bye' FROM rooms WHERE name='Ops'
  UNION ALL SELECT id, 'sip:carol@example.com', '2024-01-05 10:00:00', 'old' FROM rooms WHERE name='Design'
  UNION ALL SELECT id, 'sip:carol@example.com', '2024-02-05 10:00:00', 'new' FROM rooms WHERE name='Design'"
expect 0 "message get by author" --json message get --author bob@example.com
json_is "message get result" 'length == 2 and all(.[]; .author == "sip:bob@example.com") and
  .[0].room == "Lobby" and (.[0].ts | startswith("2024-01-02T10:00:00"))'
expect 0 "message get by time range" --json message get --since 2024-01-02 --until 2024-01-04T00:00:00Z
json_is "message get time range result" '[.[].text] == ["the password is hunter2","secret plans"]'
fails 1 "at least one filter" "message remove without a filter refused" message remove
fails 1 "at least one filter" "message replace without a filter refused" message replace --replacement x
fails 1 "not a UTC time" "bad time refused" message get --since yesterday
# message get --search: the search engine (common/pchat_search.c on the term index of
# migration 014), words and phrases; these messages are queued, not indexed yet
expect 0 "message get --search words" --json message get --search "hunter2 PASSWORD"
json_is "  finds the one message with both" '[.[].text] == ["the password is hunter2"]'
expect 0 "message get --search a phrase" --json message get --search '"secret plans"'
json_is "  finds it" '[.[].text] == ["secret plans"]'
expect 0 "message get --search the phrase in another order" --json message get --search '"plans secret"'
json_is "  finds nothing" 'length == 0'
expect 0 "message get --search with operators" --json message get --search '-world +hello* (x'
json_is "  takes them as words" '[.[].text] == ["hello world"]'
expect 0 "message get --search and --room" --json message get --search hunter2 --room Ops
json_is "  filters by room too" 'length == 0'
sql "INSERT INTO messages (room_id, author, posted_at, body) SELECT id, 'sip:dan@example.com',
  '2024-01-06 10:00:00', CONCAT('zebra ', n) FROM rooms, (SELECT 1 n UNION SELECT 2) t WHERE name='Ops'"
expect 0 "message get --search newest first" --json message get --search zebra --limit 1
json_is "  the newest only" '[.[].text] == ["zebra 2"]'
sql "DELETE FROM messages WHERE author = 'sip:dan@example.com'"
fails 1 '"search": the search text is empty' "message get --search empty refused" message get --search ""
fails 1 '"search": nothing to search for' "message get --search of short words refused" message get --search "to be or no"
fails 1 '"search": the search text is longer than 1024 bytes' "message get --search of 10 KB refused" \
  message get --search "$(head -c 10240 /dev/zero | tr '\0' 'a')"

# ---- the search index (migration 014): the queue (search_pending) and the indexer's
# batches (search.index), which pchatd runs every second and pchat-admin on demand
queued=$(sql "SELECT COUNT(*) FROM search_pending")
sql_is "every message inserted is queued for the indexer (the triggers)" \
  "SELECT COUNT(*) = $queued AND $queued = 6 FROM messages" 1
expect 0 "search status" --json search status
json_is "  the queue, its oldest and newest message, the index's size" ".queued == $queued and
  .oldest_queued == \"2024-01-01T10:00:00.000Z\" and .newest_queued == \"2024-02-05T10:00:00.000Z\" and
  (.index_rows | type) == \"number\" and (.index_bytes | type) == \"number\""
expect 0 "search status, human-readable" search status
out_has "  queued: N" "^queued: +$queued$"
fails 1 "administrator only" "users may not run search index" "${AS_ALICE[@]}" search index
fails 1 '"batch" must be an integer from 1 to 5000' "search index --batch 0 refused" search index --batch 0
fails 2 "has no option --limit" "search index has no --limit" search index --limit 3
# a batch takes only rows no other batch holds (FOR UPDATE SKIP LOCKED), without waiting
held=$(sql "SELECT MAX(msg_id) FROM search_pending")
mysql --no-defaults --socket="$sock" -uroot pchat -e "BEGIN; SELECT msg_id FROM search_pending
  WHERE msg_id = $held FOR UPDATE; SELECT SLEEP(6); COMMIT" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do
  [ "$(sql "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_rows_locked > 0")" = 1 ] && break
  sleep 0.1
done
t0=$(date +%s)
expect 0 "search index --batch 2 beside another batch holding the newest" --json search index --batch 2
json_is "  runs batches until only the held one is left" ".indexed == $((queued - 1)) and .left == 1"
if [ $(($(date +%s) - t0)) -lt 4 ]; then ok "  without waiting for it"; else not_ok "  without waiting for it"; fi
sql_is "  the held message is still queued" "SELECT GROUP_CONCAT(msg_id) FROM search_pending" "$held"
wait "$holder"
expect 0 "search index" search index
out_has "  prints how many, human-readable" "^indexed: +1$"
out_has "  and that none is left" "^left: +0$"
sql_is "the queue is empty" "SELECT COUNT(*) FROM search_pending" 0
sql_is "  one row per findable word: hunter2 and password, not the, is" \
  "SELECT GROUP_CONCAT(t.term ORDER BY t.term) FROM message_terms t JOIN messages m ON m.id = t.msg_id WHERE m.body = 'the password is hunter2'" \
  "hunter2,password"
expect 0 "search index with nothing queued" --json search index
json_is "  indexes nothing" '.indexed == 0 and .terms == 0 and .left == 0'
expect 0 "search status: nothing queued" --json search status
json_is "  no queued message's time" '.queued == 0 and .oldest_queued == null and .newest_queued == null'
expect 0 "message get --search, indexed: words" --json message get --search "hunter2 PASSWORD"
json_is "  still finds the one message with both" '[.[].text] == ["the password is hunter2"]'
expect 0 "message get --search, indexed: a phrase" --json message get --search '"secret plans"'
json_is "  still finds it" '[.[].text] == ["secret plans"]'
expect 0 "message get --search, indexed: with operators" --json message get --search '-world +hello* (x'
json_is "  still takes them as words" '[.[].text] == ["hello world"]'
sql "INSERT INTO messages (room_id, author, posted_at, body) SELECT id, 'sip:dan@example.com',
  '2024-01-07 10:00:00', 'a quokka at the PASSWORD desk' FROM rooms WHERE name='Ops'"
expect 0 "a message inserted by SQL is found at once (queued, not indexed)" --json message get --search "password"
json_is "  beside the indexed one, newest first" '[.[].text] == ["a quokka at the PASSWORD desk", "the password is hunter2"]'
sql_is "  it is queued" "SELECT COUNT(*) FROM search_pending" 1
expect 0 "  search index takes it" --json search index
json_is "  one" '.indexed == 1 and .left == 0'
expect 0 "  found after it is indexed" --json message get --search "quokka password"
json_is "  the same" '[.[].text] == ["a quokka at the PASSWORD desk"]'
sql "DELETE FROM messages WHERE author = 'sip:dan@example.com'"
sql_is "a message deleted takes its index rows along (foreign key)" \
  "SELECT COUNT(*) FROM message_terms WHERE term = 'quokka'" 0
expect 0 "message replace by text" --json message replace --text hunter2 --replacement "[removed by admin]"
json_is "one message replaced" '.replaced == 1'
sql_is "replacement stored and marked" \
  "SELECT CONCAT(body, '|', replaced_at IS NOT NULL) FROM messages WHERE author='sip:bob@example.com' AND posted_at='2024-01-02 10:00:00'" \
  "[removed by admin]|1"
sql_is "  the changed text is queued for the indexer again" "SELECT COUNT(*) FROM search_pending" 1
expect 0 "  search index" --json search index
json_is "  takes it" '.indexed == 1 and .left == 0'
expect 0 "  the old words find nothing" --json message get --search hunter2
json_is "  none" 'length == 0'
sql_is "  their index rows are gone" "SELECT COUNT(*) FROM message_terms WHERE term = 'hunter2'" 0
expect 0 "  the new words find it" --json message get --search "removed ADMIN"
json_is "  the replaced message" '[.[].text] == ["[removed by admin]"]'
expect 0 "message remove by room and author" --json message remove --room Ops --author carol@example.com
json_is "one message removed" '.removed == 1'
sql_is "only that message removed" "SELECT COUNT(*) FROM messages" 5
sql_is "  each change recorded for the chat clients (message_changes, migration 013)" \
  "SELECT GROUP_CONCAT(CONCAT(action, ':', IFNULL(body, '-')) ORDER BY id) FROM message_changes" \
  "replaced:[removed by admin],removed:-"
mid=$(sql "SELECT MIN(id) FROM messages")
expect 0 "message replace --id: that message only" --json message replace --id "$mid" --replacement "by id"
json_is "  one replaced" '.replaced == 1'
sql_is "  its text" "SELECT body FROM messages WHERE id = $mid" "by id"
fails 1 '"id"' "message remove --id 0 refused" message remove --id 0
expect 0 "message remove --id of no message" --json message remove --id 999999999
json_is "  none removed" '.removed == 0'
expect 0 "room clear --before" --json room clear --room Design --before 2024-02-01T00:00:00Z
json_is "room clear before result" '.removed == 1'
sql_is "the newer message stays" "SELECT GROUP_CONCAT(body) FROM messages m JOIN rooms r ON r.id=m.room_id WHERE r.name='Design'" "new"
expect 0 "room clear" --json room clear --room Design
json_is "room clear result" '.removed == 1'

# One room's messages are in the room's order, (seq, id), as pchatd's history
# (backend/dbj_messages.c): on Galera ids may be in another order than the sequence
# numbers; messages stored before numbering (seq NULL) first.  A, B, C, D by id,
# renumbered C 11, A 12, B 13 and D none: the room's order is D C A B.
sql "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy, category_id)
  SELECT 'example.com', UUID(), 'Order', '', '', 'open', category_id FROM rooms WHERE name = 'Lobby'"
sql "INSERT INTO messages (room_id, author, posted_at, body) SELECT r.id, 'sip:bob@example.com',
  UTC_TIMESTAMP(3), l.x FROM rooms r, (SELECT 'A' AS x UNION ALL SELECT 'B' UNION ALL SELECT 'C'
  UNION ALL SELECT 'D' UNION ALL SELECT 'E') l WHERE r.name = 'Order' ORDER BY l.x"
sql "UPDATE messages m JOIN rooms r ON r.id = m.room_id SET m.seq = CASE m.body WHEN 'A' THEN 12
  WHEN 'B' THEN 13 WHEN 'C' THEN 11 WHEN 'E' THEN 14 END WHERE r.name = 'Order'"
order_id() { sql "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'Order' AND m.body = '$1'"; }
ord_a=$(order_id A) ord_d=$(order_id D) ord_e=$(order_id E)
sql "DELETE FROM messages WHERE id = $ord_e" # a cursor deleted meanwhile
expect 0 "message get --room: the room's order (seq, id), not the ids'" --json message get --room Order
json_is "  D C A B" '[.[].text] == ["D","C","A","B"]'
expect 0 "message get --room --limit 2: the first two in that order" --json message get --room Order --limit 2
json_is "  D C" '[.[].text] == ["D","C"]'
expect 0 "message get --room with another filter: still that order" --json message get --room Order --author bob@example.com
json_is "  D C A B" '[.[].text] == ["D","C","A","B"]'
history() { expect 0 "$1" --json "${AS_ALICE[@]}" call message.history "$2"; }
history "message.history: the newest 3 in the room's order" '{"room":"Order","limit":3}'
json_is "  C A B, more before C" '[.messages[].text] == ["C","A","B"] and .more == true and .before == .messages[0].id'
history "  the page before C (its seq)" "{\"room\":\"Order\",\"before\":$(jq .before "$out")}"
json_is "  D alone, no more" '[.messages[].text] == ["D"] and .more == false'
history "message.history before A" "{\"room\":\"Order\",\"before\":$ord_a}"
json_is "  D C" '[.messages[].text] == ["D","C"]'
history "message.history before D (unnumbered: the unnumbered with smaller ids)" "{\"room\":\"Order\",\"before\":$ord_d}"
json_is "  none" '.messages == [] and .more == false'
history "message.history before a message deleted meanwhile" "{\"room\":\"Order\",\"before\":$ord_e}"
json_is "  the smaller ids, in the room's order" '[.messages[].text] == ["D","C","A","B"]'
expect 0 "room Order removed" room remove --room Order

# ---- files: the same room, user and time filters as messages (admin/pca_filter.c); the
# uploader is stored with or without "sip:", and either matches
sql "INSERT INTO files (room_id, stored_name, file_name, size, uploader, state, created_at)
  SELECT id, '3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e51.txt', 'a.txt', 10, 'sip:alice@example.com', 'stored', '2024-03-01 10:00:00' FROM rooms WHERE name='Lobby'
  UNION ALL SELECT id, '3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e52.txt', 'b.txt', 20, 'Bob@example.com', 'stored', '2024-03-02 10:00:00' FROM rooms WHERE name='Lobby'
  UNION ALL SELECT id, '3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e53.txt', 'c.txt', 30, 'sip:bob@example.com', 'uploading', '2024-03-03 10:00:00' FROM rooms WHERE name='Ops'"
expect 0 "file get by user (stored with and without sip:)" --json file get --user sip:bob@example.com
json_is "file get by user result" '[.[].name] == ["b.txt","c.txt"]'
expect 0 "file get by room and time" --json file get --room Lobby --since 2024-03-02 --until 2024-03-03T00:00:00Z
json_is "file get by room and time result" '[.[].name] == ["b.txt"]'
lobby_id=$(sql "SELECT id FROM rooms WHERE name='Lobby'")
expect 0 "file get by room id and state" --json file get --room-id "$lobby_id" --state stored
json_is "file get by room id and state result" '[.[].name] == ["a.txt","b.txt"]'
expect 0 "file get by user and state" --json file get --user bob@example.com --state uploading
json_is "file get by user and state result" '[.[].name] == ["c.txt"]'
fails 1 "at least one filter" "file remove without a filter refused" file remove
fails 1 "not a UTC time" "file get: bad time refused" file get --since yesterday
fails 1 "no room" "file get: unknown room refused" file get --room Nowhere
sql "INSERT INTO messages (room_id, author, posted_at, body) SELECT id, 'sip:alice@example.com',
  '2024-03-01 10:00:00', 'ma-filelink:a.txt' FROM rooms WHERE name='Lobby'"
fpost=$(sql "SELECT MAX(id) FROM messages WHERE body = 'ma-filelink:a.txt'")
sql "UPDATE files SET message_id = $fpost WHERE file_name = 'a.txt'"
expect 0 "file remove --file: its post removed" --json file remove --file 3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e51.txt
json_is "  one" '.removed == 1'
sql_is "  and recorded for the chat clients (message_changes)" \
  "SELECT action FROM message_changes WHERE msg_id = $fpost" removed
sql "DELETE FROM files"

# ---- policies
sql_is "dave is disabled by the demo" "SELECT pchat_policy_enabled('sip:dave@example.com')" 0
expect 0 "policy get --user" --json policy get --user dave@example.com
json_is "dave's effective policy" '.[0].identity == "tag:NoChat" and .[0].enabled == false and
  .[0].grant == "sip:dave@example.com"'
expect 0 "policy new tag" --json policy new --identity tag:Quiet --enabled no --description "no chat"
json_is "policy new result" '.identity == "tag:Quiet" and .enabled == false and .description == "no chat"'
fails 1 "exists already" "duplicate policy refused" policy new --identity tag:Quiet --enabled no
fails 1 "not a policy" "bad identity refused" policy new --identity user:x --enabled no
fails 1 '"enabled" is required' "policy new without enabled refused" policy new --identity tag:X
expect 0 "policy grant to a user" policy grant --policy tag:Quiet --user carol@example.com
sql_is "grant reflected by pchat_policy_enabled" "SELECT pchat_policy_enabled('sip:carol@example.com')" 0
expect 0 "policy revoke" policy grant --policy none --user carol@example.com
sql_is "revoke reflected by pchat_policy_enabled" "SELECT pchat_policy_enabled('sip:carol@example.com')" 1
expect 0 "policy grant to a site" policy grant --policy tag:Quiet --site example.com
sql_is "site grant reflected" "SELECT pchat_policy_enabled('sip:alice@example.com')" 0
expect 0 "policy grant to the site revoked" policy grant --policy none --site example.com
fails 1 "not a policy to grant" "granting a site policy refused" policy grant --policy global --user alice@example.com
fails 1 "either" "grant needs exactly one grantee" policy grant --policy tag:Quiet
expect 0 "site policy new" policy new --identity site:Example.COM --enabled no
sql_is "site policy reflected" "SELECT pchat_policy_enabled('sip:alice@example.com')" 0
expect 0 "policy set" --json policy set --identity site:example.com --enabled yes
json_is "policy set result" '.identity == "site:example.com" and .enabled == true'
sql_is "policy set reflected" "SELECT pchat_policy_enabled('sip:alice@example.com')" 1
expect 0 "policy get all" --json policy get
json_is "policy list" '[.[].identity] == ["global","site:example.com","tag:NoChat","tag:Quiet"]'
expect 0 "policy remove" policy remove --identity tag:Quiet
fails 1 "global policy cannot be removed" "the global policy stays" policy remove --identity global
fails 1 'no policy "tag:Quiet"' "removed policy is gone" policy get --identity tag:Quiet

# ---- add-ins
expect 0 "addin new" --json addin new --name Wiki --url https://wiki.example.com/
json_is "addin new result" '.name == "Wiki" and .url == "https://wiki.example.com/"'
fails 1 "http:// or https://" "addin with a bad URL refused" addin new --name Bad --url javascript:alert
expect 0 "addin set" addin set --addin Wiki --url http://wiki.example.com/x
expect 0 "room uses the add-in" --json room set --room Lobby --addin Wiki
json_is "room add-in" '.addin == "Wiki"'
fails 1 'no add-in "Nope"' "unknown add-in refused" room set --room Lobby --addin Nope
expect 0 "addin get" --json addin get
json_is "addin get result" '. == [{"name":"Wiki","url":"http://wiki.example.com/x"}]'
expect 0 "addin remove" addin remove --addin Wiki
sql_is "room's add-in cleared" "SELECT COUNT(*) FROM rooms WHERE addin_id IS NOT NULL" 0

# ---- removal and reload
fails 1 "still holds" "category with rooms cannot be removed" category remove --category Eng
expect 0 "room remove" --json room remove --room Design
json_is "room remove result" '.removed == 1'
expect 0 "alice removes her own room" "${AS_ALICE[@]}" room remove --room "Alice's"
sql_is "room and its invitations are gone" \
  "SELECT COUNT(*) FROM rooms WHERE name IN ('Design', 'Alice''s')" 0
expect 0 "room remove B1" room remove --room B1
expect 0 "category remove" category remove --category Eng
fails 1 'no category "Eng"' "removed category is gone" category get --category Eng
rev=$(revision)
expect 0 "reload" --json reload
json_is "reload returns the new revision" ".revision == $((rev + 1))"

# ---- connection options
printf '[pchat-admin]\nsocket=%s\nuser=root\n' "$sock" >"$var/admin.cnf"
rc=0
"$cli" --db-defaults-file "$var/admin.cnf" --json config get >"$out" 2>"$err" || rc=$?
if [ "$rc" -eq 0 ]; then json_is "connects with the [pchat-admin] group of an option file" '.DefaultChatHistory == 45'
else not_ok "connects with the [pchat-admin] group of an option file (exit $rc)"; fi
rc=0
"$cli" --db-socket "$var/nothing.sock" --db-user root config get >"$out" 2>"$err" || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^pchat-admin: cannot connect to the database" "$err"; then
  ok "no database: exit 1 with a clear message"
else not_ok "no database: exit 1 with a clear message (exit $rc)"; fi
# the stack's application user pchat has a password (VAR/db-password; root signs in
# by unix_socket, which takes no password)
printf 'wrong\n' >"$var/pw"
rc=0
"$cli" --db-socket "$sock" --db-user pchat --db-password-file "$var/pw" config get >"$out" 2>"$err" || rc=$?
if [ "$rc" -eq 1 ] && grep -q "^pchat-admin: cannot connect.*denied" "$err"; then
  ok "the password file is used (a wrong one is refused)"
else not_ok "the password file is used (a wrong one is refused; exit $rc)"; fi
rc=0
"$cli" --db-socket "$sock" --db-user pchat --db-password-file "$var/db-password" config get >"$out" 2>"$err" || rc=$?
if [ "$rc" -eq 0 ]; then ok "the password file is used (the right one connects)"
else not_ok "the password file is used (the right one connects; exit $rc: $(cat "$err"))"; fi
