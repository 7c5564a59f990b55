# tests/web/feeds.sh - sourced by tests/web/run.sh (its helpers: req, check, sql,
# is_json_error, body_has, empty_jar, the browser's wd_*): a user's topic feeds and
# keyword alerts on the web page (GET/POST/DELETE /api/feeds, GET /api/alerts), checked
# as cmd:feed checks them (common/pchat_feeds.h), with pchatd run with --feeds-max 3.
# The posts that match are made over real SIP (client/pchat through Kamailio) and
# matched by pchatd's index, which a feed added on the page must reach at once.
# What the alerts become beyond the list (the SIP MESSAGE) is tests/e2e/e2e_feeds.c's.

feeds_rev() { sql "SELECT value FROM server_config WHERE name = 'FeedsRevision'"; }
feeds_of() { sql "SELECT COUNT(*) FROM feeds WHERE user_uri = 'sip:$1@example.com'"; }
# sip_posts USER ROOM TEXT... [-- ROOM TEXT...]: USER joins ROOM with client/pchat over
# SIP and posts each TEXT there (a "--" then joins the next room)
sip_posts() {
  local user="$1" lines="/join $2"$'\n' a
  shift 2
  while [ $# -gt 0 ]; do
    a="$1"
    shift
    if [ "$a" = -- ]; then lines+="/join $1"$'\n'; shift; else lines+="$a"$'\n'; fi
  done
  printf '%s/quit\n' "$lines" |
    timeout 30 "$top/client/pchat" --user "$user" --server "127.0.0.1:$port" --linger 1 \
      >>"$var/pchat-feeds.log" 2>&1 || true
}
stored() { [ "$(sql "SELECT COUNT(*) FROM messages WHERE body = '$1'")" = 1 ]; }
msg_of() { sql "SELECT MAX(id) FROM messages WHERE body = '$1'"; }
# index_has N: pchatd's feed index was (re)loaded with N feeds since the log had LINES lines
index_has() { tail -n +"$log_mark" "$var/backend.log" | grep -q "feeds loaded feeds=$1 "; }
alert_texts() { body_has "[.messages[].text] == $1"; }

feed_a= feed_b= feed_c= feed_o= log_mark=1
feeds_api_checks() {
  local rev0 i words11 long msg
  req "$alice" GET /api/feeds
  check "alice has no feeds: GET /api/feeds is []" body_has '. == []'
  rev0=$(feeds_rev)
  log_mark=$(($(wc -l <"$var/backend.log") + 1))
  req "$alice" POST /api/feeds '{"words": "Kingfisher HERON kingfisher"}'
  check "alice adds a feed: 201" is 201
  check "  its keywords normalised as cmd:feed's (folded, sorted, once each), any room and author" \
    body_has '.words == "heron kingfisher" and .room == null and .author == null and (.id | type) == "number"'
  feed_a=$(jq -r .id <<<"$body")
  check "  FeedsRevision moved (every pchatd of a pool reloads)" eval '[ "$(feeds_rev)" -gt "$rev0" ]'
  check "  logged as a change" grep -q "web: change made user=sip:alice@example.com verb=feed.add" "$var/backend.log"
  req "$alice" POST /api/feeds '{"words": "kingfisher", "room": "Files Room", "author": "Bob@Example.com"}'
  check "alice adds a feed of Files Room, author bob: 201" \
    body_has '.room == "Files Room" and .author == "sip:bob@example.com" and .words == "kingfisher"'
  feed_b=$(jq -r .id <<<"$body")
  req "$carol" POST /api/feeds '{"words": "kingfisher"}'
  check "carol adds kingfisher (every room she may read: not the closed Files Room)" is 201
  feed_c=$(jq -r .id <<<"$body")
  check "  in the database as cmd:feed stores them" eval '[ "$(sql "SELECT CONCAT_WS(\"|\", words,
    COALESCE(room_id, 0), author) FROM feeds WHERE id = $feed_b")" = "kingfisher|$files_rid|sip:bob@example.com" ]'

  words11=$(for i in $(seq 11); do printf 'alpha%d ' "$i"; done)
  req "$alice" POST /api/feeds "{\"words\": \"$words11\"}"
  check "11 keywords: 400, as cmd:feed says it" eval 'is_json_error 400 &&
    body_has ".error == \"a feed has at most 10 keywords (this one has 11)\""'
  long=$(head -c 65 /dev/zero | tr '\0' k)
  req "$alice" POST /api/feeds "{\"words\": \"osprey $long\"}"
  check "a keyword of 65 bytes: 400" eval 'is_json_error 400 && body_has ".error | test(\"longer than 64 bytes\")"'
  req "$alice" POST /api/feeds '{"words": ""}'
  check "empty keywords: 400" eval 'is_json_error 400 && body_has ".error | test(\"needs keywords\")"'
  req "$alice" POST /api/feeds '{}'
  check "no keywords: 400" eval 'is_json_error 400 && body_has ".error | test(\"needs keywords\")"'
  req "$alice" POST /api/feeds '{"words": "a is"}'
  check "only short and common words: 400" eval 'is_json_error 400 && body_has ".error | test(\"too short or too common\")"'
  req "$alice" POST /api/feeds '{"words": ["osprey"]}'
  check "keywords that are not a string: 400" eval 'is_json_error 400 && body_has ".error | test(\"must be a string\")"'
  req "$alice" POST /api/feeds '{"words": "osprey", "author": "nobody"}'
  check "an author that is no SIP URI: 400" eval 'is_json_error 400 && body_has ".error | test(\"not a SIP URI\")"'
  req "$alice" POST /api/feeds '{"words": "osprey", "colour": "red"}'
  check "an unknown key: 400" is_json_error 400
  req "$alice" POST /api/feeds '{"words": "osprey", "room": "Board"}'
  check "carol's secret Board for alice: 404, as if it did not exist" is_json_error 404
  req "$carol" POST /api/feeds '{"words": "osprey", "room": "Files Room"}'
  check "carol naming the closed Files Room: 403" eval 'is_json_error 403 && body_has ".error | test(\"may not read room\")"'
  req "$alice" POST /api/feeds '{"words": "osprey", "room": "Quiet Room"}'
  check "a room that keeps no history: 403, as cmd:feed says it" eval 'is_json_error 403 &&
    body_has ".error == \"this room keeps no history for clients\""'
  req "$alice" POST /api/feeds '{"words": "osprey"}' text/plain
  check "not application/json: 415" is_json_error 415
  req "$(empty_jar)" POST /api/feeds '{"words": "osprey"}'
  check "signed out: 401" is_json_error 401
  check "  none of these stored a feed" eval '[ "$(feeds_of alice)" = 2 ] && [ "$(feeds_of carol)" = 1 ]'
  req "$alice" POST /api/feeds '{"words": "osprey"}'
  check "alice's third feed (--feeds-max 3): 201" is 201
  feed_o=$(jq -r .id <<<"$body")
  req "$alice" POST /api/feeds '{"words": "pelican"}'
  check "  a fourth: 403, as cmd:feed says it" eval 'is_json_error 403 &&
    body_has ".error == \"you have 3 feeds, the most one user may save: remove one first\""'
  check "  and not stored" eval '[ "$(feeds_of alice)" = 3 ]'
  req "$alice" GET /api/feeds
  check "GET /api/feeds lists her three, oldest first" body_has "map(.id) == [$feed_a, $feed_b, $feed_o]
    and (.[0].created | test(\"^[0-9-]+T[0-9:.]+Z\$\"))"

  check "pchatd's index was read again with the 4 feeds" wd_until 10 "the index" index_has 4
  sip_posts bob "Files Room" "a Kingfisher and a heron by the pond" "heron kingfisher again" \
    -- Lobby "a kingfisher in the lobby"
  check "bob posts over SIP in Files Room and Lobby" eval 'stored "heron kingfisher again" &&
    stored "a kingfisher in the lobby"'
  check "alice's alerts: both Files Room posts, newest first (not the Lobby one: no heron, not Files Room)" \
    wd_until 10 "the matches" eval 'req "$alice" GET /api/alerts &&
      alert_texts "[\"heron kingfisher again\", \"a Kingfisher and a heron by the pond\"]"'
  check "  with room, author, time and the feeds that matched" body_has ".messages[1] | .room == \"Files Room\"
    and .author == \"sip:bob@example.com\" and (.ts | test(\"^[0-9-]+T[0-9:.]+Z\$\"))
    and .feeds == [$feed_a, $feed_b] and (.id | type) == \"number\""
  check "  all of them: no more" body_has '.more == false and .before == null'
  req "$carol" GET /api/alerts
  check "carol (may not read Files Room): only the Lobby post" alert_texts '["a kingfisher in the lobby"]'
  check "  pchatd stored no match of hers in Files Room" eval '[ "$(sql "SELECT COUNT(*) FROM feed_matches fm
    JOIN messages m ON m.id = fm.message_id WHERE fm.feed_id = $feed_c AND m.room_id = $files_rid")" = 0 ]'
  msg=$(msg_of "heron kingfisher again")
  sql "INSERT INTO feed_matches (feed_id, message_id) VALUES ($feed_c, $msg)"
  req "$carol" GET /api/alerts
  check "  a match of hers in a room she may not read (as if she had lost it) is not listed" \
    alert_texts '["a kingfisher in the lobby"]'
  req "$alice" GET "/api/alerts?limit=1"
  check "alerts one a page: the newest, more, and the id to go on from" \
    body_has '(.messages | length) == 1 and .more == true and .before == .messages[0].id'
  req "$alice" GET "/api/alerts?limit=1&before=$(jq -r .before <<<"$body")"
  check "  the next page: the older one, no more" \
    body_has '[.messages[].text] == ["a Kingfisher and a heron by the pond"] and .more == false'
  req "$alice" GET "/api/alerts?limit=0"
  check "limit=0: 400" is_json_error 400
  req "$alice" GET "/api/alerts?before=abc"
  check "before=abc: 400" is_json_error 400
  req "$alice" GET "/api/alerts?colour=red"
  check "an unknown key: 400" is_json_error 400
  req "$(empty_jar)" GET /api/alerts
  check "signed out: 401" is_json_error 401

  rev0=$(feeds_rev)
  req "$alice" DELETE "/api/feeds?id=$feed_o"
  check "alice removes her third feed: 200" body_has ".id == $feed_o and .removed == 1"
  check "  gone from the database, FeedsRevision moved" eval '[ "$(feeds_of alice)" = 2 ] &&
    [ "$(feeds_rev)" -gt "$rev0" ]'
  req "$alice" DELETE "/api/feeds?id=$feed_o"
  check "  removing it again: 404, as cmd:feed says it" eval 'is_json_error 404 &&
    body_has ".error == \"you have no feed with that id\""'
  req "$bob" DELETE "/api/feeds?id=$feed_a"
  check "bob removing alice's feed: 404" is_json_error 404
  check "  it is still there" eval '[ "$(feeds_of alice)" = 2 ]'
  req "$alice" DELETE /api/feeds
  check "no id: 400" is_json_error 400
  req "$alice" DELETE "/api/feeds?id=$feed_a" "" text/plain
  check "not application/json: 415" is_json_error 415
  req "$alice" PUT /api/feeds '{}'
  check "PUT /api/feeds: 405" is_json_error 405
}

# The page's Feeds section: alice adds a feed, bob's post over SIP shows as an alert.
feed_li() { echo "#feed-list li[data-words=\"$1\"]"; }
feed_rows_are() { [ "$(wd_count '#feed-list li')" = "$1" ]; }
alert_top_is() { # alert_top_is TEXT: Refresh, then the newest alert's text is TEXT
  wd_click '#alerts-refresh' && sleep 0.3 && wd_has_text '#alert-rows li:first-child .text' "$1"
}
alert_rooms() { wd_js 'return [...document.querySelectorAll("#alert-rows .room")].map(e => e.textContent).join("|")' | jq -r '.'; }
ui_feed_checks() {
  [ -n "${WD_SESSION:-}" ] || return 0 # no browser: browser_checks counted it
  check "the page: alice signs in and sees her two feeds" eval 'wd_go "$base/rooms" &&
    ui_sign_in alice alice && ui_signed_in_as alice && wd_until 10 "her feeds" feed_rows_are 2'
  check "  the Files Room one says where and by whom" wd_has_text "$(feed_li kingfisher) .scope" \
    'in Files Room, by bob@example.com'
  check "  and her alerts, newest first, with room, author, text and the feeds" eval \
    'wd_wait_text "#alert-rows li:first-child .text" "heron kingfisher again" &&
     wd_has_text "#alert-rows li:first-child .room" "Files Room" &&
     wd_has_text "#alert-rows li:first-child .author" "bob@example.com" &&
     wd_has_text "#alert-rows li:first-child .feed" "heron kingfisher; kingfisher" &&
     [ "$(wd_count "#alert-rows li")" = 2 ]'
  log_mark=$(($(wc -l <"$var/backend.log") + 1))
  check "alice adds the feed Osprey of Lobby on the page" eval 'wd_type "#feed-words" "Osprey" &&
    wd_select "#feed-room" Lobby && wd_click "#feed-add" && wd_wait_text "#notice" "Feed \"osprey\" added" &&
    wd_wait_visible "$(feed_li osprey)" && wd_has_text "$(feed_li osprey) .scope" "in Lobby"'
  check "  in the database" eval '[ "$(sql "SELECT r.name FROM feeds f JOIN rooms r ON r.id = f.room_id
    WHERE f.user_uri = '"'sip:alice@example.com'"' AND f.words = '"'osprey'"'")" = Lobby ]'
  check "keywords too common: the page shows the server's reason" eval 'wd_type "#feed-words" "the" &&
    wd_click "#feed-add" && wd_wait_text "#feed-error" "too short or too common"'
  check "a fourth feed: the page shows the limit" eval 'wd_type "#feed-words" "pelican" &&
    wd_click "#feed-add" && wd_wait_text "#feed-error" "You have 3 feeds, the most one user may save"'
  check "  pchatd's index has the page's feed at once" wd_until 10 "the index" index_has 4
  sip_posts bob Lobby "an osprey over the lobby"
  check "bob posts osprey in Lobby over SIP: the alert shows on the page (Refresh)" \
    wd_until 15 "the alert" alert_top_is "an osprey over the lobby"
  check "  in Lobby, by bob, matched by the page's feed" eval \
    'wd_has_text "#alert-rows li:first-child .room" "Lobby" &&
     wd_has_text "#alert-rows li:first-child .author" "bob@example.com" &&
     wd_has_text "#alert-rows li:first-child .feed" "feed: osprey"'
  wd_screenshot "$var/web-feeds.png" || true
  check "  a screenshot was taken" test -s "$var/web-feeds.png"
  check "Remove takes the feed off the page and out of the database" eval \
    'wd_click "$(feed_li osprey) .feed-remove" && wd_wait_text "#notice" "Feed \"osprey\" removed" &&
     wd_wait_gone "$(feed_li osprey)" && [ "$(feeds_of alice)" = 2 ]'
  check "alice signs out" ui_sign_out
  check "carol signs in: her alert is Lobby's kingfisher, none of Files Room" eval 'ui_sign_in carol carol &&
    ui_signed_in_as carol && wd_wait_text "#alert-rows li:first-child .text" "a kingfisher in the lobby" &&
    [ "$(alert_rooms)" = Lobby ]'
  check "carol signs out" ui_sign_out
}
