# tests/web/moderation.sh - sourced by tests/web/run.sh (its helpers: req, check, sql,
# post, the browser's wd_*): a room's manager removes and replaces one message of
# its history through the API (DELETE and PUT /api/rooms/{room}/messages) and on the
# page; others are refused.  What the change reaches beyond the database (search,
# files, compliance, pchat-admin's changes reaching the chat clients) is
# tests/e2e/e2e_moderation.c's; here a chat client (client/pchat, over real SIP) in the
# room sees the web page's changes at once.

msg_id() { # msg_id TEXT: the id of Files Room's message with that text
  sql "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id
       WHERE r.name = 'Files Room' AND m.body = '$1' ORDER BY m.id DESC LIMIT 1"
}
msg_count() { sql "SELECT COUNT(*) FROM messages WHERE id = $1"; }
change_is() { # change_is ID ACTION: message_changes recorded it (pchatd announces it)
  [ "$(sql "SELECT action FROM message_changes WHERE msg_id = $1 ORDER BY id DESC LIMIT 1")" = "$2" ] ||
    { echo "  no '$2' change of message $1" >&2; return 1; }
}

# bob_listens SECONDS: bob in Files Room over SIP with client/pchat for that long, its
# output in $var/bob-chat.log; returns once he is in the room.
bob_pid=
bob_listens() {
  { printf '/join Files Room\n'; sleep "$1"; printf '/quit\n'; } |
    timeout $(($1 + 25)) "$top/client/pchat" --user bob --server "127.0.0.1:$port" --linger 0.5 \
    >"$var/bob-chat.log" 2>&1 &
  bob_pid=$!
  wd_until 10 "bob in Files Room over SIP" eval \
    '[ "$(sql "SELECT COUNT(*) FROM session_rooms s JOIN rooms r ON r.id = s.room_id
       WHERE r.name = '"'Files Room'"' AND s.user_uri = '"'sip:bob@example.com'"'")" -gt 0 ]'
}
bob_saw() { # bob_saw LINE: client/pchat printed LINE (once bob_listens' run ended)
  wait "$bob_pid" || true
  grep -qF "$1" "$var/bob-chat.log" || { echo "  no '$1' in: $(tail -5 "$var/bob-chat.log")" >&2; return 1; }
}

moderation_checks() {
  post "Files Room" bob "moderate me"
  post "Files Room" bob "fix me"
  post Lobby bob "lobby line"
  local m1 m2 lobby_msg
  m1=$(msg_id "moderate me") m2=$(msg_id "fix me")
  lobby_msg=$(sql "SELECT MAX(id) FROM messages WHERE body = 'lobby line'")
  req "$bob" DELETE "/api/rooms/$files_room/messages?id=$m1"
  check "bob (a member, not a manager) removes a message: 403" is_json_error 403
  check "  saying he does not manage the room" body_has '.error | test("do not manage")'
  req "$alice" DELETE "/api/rooms/Board/messages?id=$m1"
  check "alice in carol's secret Board: 404" is_json_error 404
  req "$alice" DELETE "/api/rooms/$files_room/messages?id=$lobby_msg"
  check "alice, a Lobby message through Files Room: 404" is_json_error 404
  check "  and it is still there" [ "$(msg_count "$lobby_msg")" = 1 ]
  req "$alice" DELETE "/api/rooms/$files_room/messages"
  check "no id: 400" is_json_error 400
  check "bob joins Files Room with client/pchat" bob_listens 4
  req "$alice" DELETE "/api/rooms/$files_room/messages?id=$m1"
  check "alice (the manager) removes bob's message: 200" body_has ".id == $m1 and .removed == 1"
  check "  gone from the database" [ "$(msg_count "$m1")" = 0 ]
  check "  recorded for the chat clients (message_changes)" change_is "$m1" removed
  req "$alice" PUT "/api/rooms/$files_room/messages" "{\"id\": $m2, \"replacement\": \"fixed by alice\"}"
  check "alice replaces bob's message: 200" body_has ".id == $m2 and .replaced == 1"
  check "  bob's client, in the room, was told of both (ntc:msgchg)" eval \
    'bob_saw "*** <Files Room> message $m1 removed by a moderator" &&
     bob_saw "*** <Files Room> message $m2 replaced: fixed by alice"'
  check "  logged as pchat-admin's changes are" grep -q "web: change made user=sip:alice@example.com verb=message.remove_one" "$var/backend.log"
  req "$alice" DELETE "/api/rooms/$files_room/messages?id=$m1"
  check "  removing it again: 404" is_json_error 404
  req "$bob" PUT "/api/rooms/$files_room/messages" "{\"id\": $m2, \"replacement\": \"no\"}"
  check "bob replaces a message: 403" is_json_error 403
  req "$alice" PUT "/api/rooms/$files_room/messages" "{\"id\": $m2}"
  check "alice, no replacement: 400" is_json_error 400
  check "  in the database, marked replaced" \
    [ "$(sql "SELECT CONCAT(body, '|', replaced_at IS NOT NULL) FROM messages WHERE id = $m2")" = "fixed by alice|1" ]
  check "  recorded for the chat clients" change_is "$m2" replaced
  req "$bob" GET "/api/rooms/$files_room/messages"
  check "  bob reads the new text in the history, marked replaced, and not the removed one" \
    body_has "([.messages[] | select(.id == $m2) | .text + \"|\" + (.replaced | tostring)] == [\"fixed by alice|true\"])
      and ([.messages[] | select(.id == $m1)] == [])"
}

# The page: alice's History of Files Room has Remove and Replace on each message.
ui_moderation_checks() {
  [ -n "${WD_SESSION:-}" ] || return 0 # no browser: browser_checks counted it
  post "Files Room" bob "ui remove me"
  post "Files Room" bob "ui fix me"
  local r1 r2
  r1=$(msg_id "ui remove me") r2=$(msg_id "ui fix me")
  local li1="#history-rows li[data-id=\"$r1\"]" li2="#history-rows li[data-id=\"$r2\"]"
  check "the page: alice opens Files Room's history, with Remove and Replace" eval 'wd_go "$base/rooms" &&
    ui_sign_in alice alice && ui_signed_in_as alice && wd_click "$files_li .history" &&
    wd_wait_visible "$li1 .msg-remove" && wd_displayed "$li2 .msg-replace"'
  check "Remove, confirmed: the message leaves the page and the database" eval 'wd_click "$li1 .msg-remove" &&
    wd_wait_visible "#confirm" && wd_has_text "#confirm-text" "bob@example.com" && wd_click "#confirm-yes" &&
    wd_wait_text "#notice" "Message $r1 removed" && wd_wait_gone "$li1" && [ "$(msg_count "$r1")" = 0 ]'
  check "Replace: a field with the text; Save changes it" eval 'wd_click "$li2 .msg-replace" &&
    wd_wait_visible "$li2 input" && wd_type "$li2 input" "fixed on the page" && wd_click "$li2 .msg-save" &&
    wd_wait_text "#notice" "Message $r2 replaced" && wd_wait_text "$li2 .text" "fixed on the page" &&
    wd_displayed "$li2 .replaced"'
  check "  in the database" [ "$(sql "SELECT body FROM messages WHERE id = $r2")" = "fixed on the page" ]
  wd_screenshot "$var/web-moderation.png" || true
  check "  a screenshot was taken" test -s "$var/web-moderation.png"
  check "bob (a member) sees the history without those buttons" eval 'ui_sign_out && ui_sign_in bob bob &&
    ui_signed_in_as bob && wd_click "$files_li .history" && wd_wait_visible "$li2" && wd_absent "$li2 .msg-remove" &&
    wd_absent "#history-rows .msg-replace"'
  check "bob signs out" ui_sign_out
}
