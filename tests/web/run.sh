#!/usr/bin/env bash
# The room management web service, end to end: starts the stack under build/web-var
# on free loopback ports (pchatd with --http), checks the JSON API with curl, then
# drives the page in a real headless Chromium through ChromeDriver (W3C WebDriver,
# tests/web/webdriver.sh) as alice, bob and carol, checking the database and the API
# after each step.  Stops everything it started (browser, ChromeDriver, stack) on
# exit, whatever happens.  Exits non-zero if any check fails.  See docs/WEB.md.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# trusted SIP mode (From believed): the SIP clients here only feed the web and file
# services under test; client authentication is tests/e2e's (e2e-sip) and tests/sipe's
export PCHAT_TRUSTED=1
var="$top/build/web-var"

. "$top/tests/lib.sh"
. "$top/tests/web/webdriver.sh"
. "$top/tests/web/moderation.sh"
. "$top/tests/web/feeds.sh"

stack_fresh web 26060 http_port=28080 wd_port=29515 file_port=28081
# the file service too (stack.sh: --file-listen), for the page's room files
export PCHAT_HTTP_PORT=$http_port PCHAT_FILE_PORT=$file_port
# Sign-in limits the checks below trip (login_limit_checks): the default 5 failures
# per user name; 10 per address, so that the per-user check trips first.
# At most 3 feeds per user, which tests/web/feeds.sh reaches.
export PCHATD_ARGS="--web-login-addr-failures 10 --web-host chat.example.test --feeds-max 3"
base="http://127.0.0.1:$http_port"
WD_URL="http://127.0.0.1:$wd_port"

wd_pid=
cleanup() {
  wd_session_end 2>/dev/null || true
  if [ -n "$wd_pid" ]; then
    # ChromeDriver and the browsers it started share its process group (setsid).
    kill -TERM -- "-$wd_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$wd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$wd_pid" 2>/dev/null || true
  fi
  stack_cleanup
}
trap cleanup EXIT

failures=0
check() { # check WHAT COMMAND...: runs COMMAND, counts a failure if it fails
  local what="$1"
  shift
  if "$@"; then echo "web: ok   $what"; else echo "web: FAIL $what"; failures=$((failures + 1)); fi
}

sql() { mysql --no-defaults --socket="$var/mysql.sock" -uroot pchat -N -B -e "$1"; }

# ---- the API with curl ----

# req JAR METHOD PATH [BODY [CONTENT-TYPE [EXTRA CURL ARGS...]]]: sets code, body, headers.
req() {
  local jar="$1" method="$2" path="$3" data="${4:-}" ctype="${5:-application/json}"
  local args=(-s --max-time 15 -o "$var/resp.body" -D "$var/resp.headers" -w '%{http_code}'
    -X "$method" -H "Content-Type: $ctype" -b "$jar" -c "$jar")
  if [ -n "$data" ]; then args+=(--data-binary "$data"); fi
  code=$(curl "${args[@]}" "${@:6}" "$base$path") || code=000
  body=$(cat "$var/resp.body" 2>/dev/null || true)
  headers=$(cat "$var/resp.headers" 2>/dev/null || true)
}
is() { [ "$code" = "$1" ] || { echo "  got $code: $body" >&2; return 1; }; }
header_has() { grep -qi "^$1:.*$2" <<<"$headers" || { echo "  no '$1: ...$2' in the answer" >&2; return 1; }; }
body_has() { jq -e "$1" <<<"$body" >/dev/null || { echo "  not $1: $body" >&2; return 1; }; }

nojar="$var/none.jar"
alice="$var/alice.jar"
bob="$var/bob.jar"
carol="$var/carol.jar"
: >"$nojar"

sign_in_api() { # sign_in_api JAR USER: signs USER in (password = user name)
  req "$1" POST /api/session "{\"user\": \"$2@example.com\", \"password\": \"$2\"}"
  is 200
}

static_checks() {
  req "$nojar" GET /rooms
  check "the provisioning URL /rooms serves the page" is 200
  check "  as text/html" header_has Content-Type text/html
  check "  with X-Frame-Options DENY" header_has X-Frame-Options DENY
  check "  with a Content-Security-Policy" header_has Content-Security-Policy "default-src 'self'"
  check "  with nosniff" header_has X-Content-Type-Options nosniff
  req "$nojar" GET /app.js
  check "app.js is text/javascript" header_has Content-Type text/javascript
  req "$nojar" GET /style.css
  check "style.css is text/css" header_has Content-Type text/css
  local p
  for p in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/%2e%2e/etc/passwd' '/..%2f..%2f..%2fetc%2fpasswd' \
    '/%2e%2e%2f%2e%2e%2fbackend/pchatd' '/.%2e/README.md' '/index.html%00.js'; do
    req "$nojar" GET "$p" "" application/json --path-as-is
    check "path traversal $p refused ($code)" eval '[ "$code" != 200 ] && ! grep -q "root:" "$var/resp.body"'
  done
  req "$nojar" GET /no-such-file.html
  check "a missing file is 404" is 404
}

api_checks() {
  req "$nojar" GET /api/rooms
  check "GET /api/rooms without a session is 401" is 401
  check "  with an error object" body_has '.error == "please sign in" and .status == 401'
  req "$nojar" GET /api/me
  check "GET /api/me without a session is 401" is 401
  req "$nojar" POST /api/session '{"user": "alice@example.com", "password": "wrong"}'
  check "sign-in with a wrong password is 403" is 403
  req "$nojar" POST /api/session '{"user": "alice@example.com", "password": "alice"}' text/plain
  check "sign-in that is not JSON is 415" is 415
  check "alice signs in" sign_in_api "$alice" alice
  check "  the cookie is HttpOnly" header_has Set-Cookie HttpOnly
  check "  and SameSite=Strict" header_has Set-Cookie SameSite=Strict
  check "  the answer names her" body_has '.user == "sip:alice@example.com"'
  req "$alice" GET /api/me
  check "GET /api/me with the cookie" body_has '.user == "sip:alice@example.com"'
  req "$alice" GET /api/rooms
  check "GET /api/rooms lists Lobby for alice" body_has 'map(.name) | index("Lobby") != null'
  check "  but not carol's secret Board" body_has 'map(.name) | index("Board") == null'
  req "$alice" GET /api/categories
  check "alice may create rooms in Default" body_has 'map(.name) | index("Default") != null'
  req "$alice" POST /api/rooms '{"name": '
  check "bad JSON is 400" is 400
  req "$alice" POST /api/rooms '["a room"]'
  check "a JSON array instead of an object is 400" is 400
  req "$alice" POST /api/rooms '{"name": "Sneaky"}' text/plain
  check "a write that is not application/json is 415" is 415
  req "$alice" POST /api/rooms '{"name": "Sneaky"}' application/json -H 'Origin: http://evil.example'
  check "a cross-origin write is 403" is 403
  head -c 100000 /dev/zero | tr '\0' x >"$var/big.json"
  req "$alice" POST /api/rooms "@$var/big.json"
  check "a 100 KB body is 413" is 413
  req "$alice" GET /api/rooms/no-such-room
  check "an unknown room is 404" is 404
  req "$alice" GET /api/nothing-here
  check "an unknown API is 404" is 404
  req "$alice" PUT /api/rooms/Lobby '{"topic": "hijacked"}'
  check "alice may not edit Lobby (not a manager): 403" is 403
  check "  and its topic is unchanged" eval '[ "$(sql "SELECT topic FROM rooms WHERE name = '"'Lobby'"'")" = Welcome ]'
  req "$alice" POST /api/rooms '{"name": "A\uffffB"}'
  check "a room name with U+FFFF is 400" is 400
  check "  with an error naming the field" body_has '.status == 400 and (.error | test("^\"name\": character 2 is not allowed"))'
  req "$alice" POST /api/rooms '{"name": "Tidy", "topic": "bell\u0007"}'
  check "a topic with a control character is 400" is 400
  check "  with an error naming the field" body_has '.status == 400 and (.error | startswith("\"topic\""))'
  check "  and nothing is stored" eval '[ "$(sql "SELECT COUNT(*) FROM rooms WHERE name = '"'Tidy'"' OR HEX(name) LIKE '"'%EFBFBF%'"'")" = 0 ]'
  check "bob signs in" sign_in_api "$bob" bob
  check "carol signs in" sign_in_api "$carol" carol
}

# ---- hardening: Host names, JSON errors, sign-in limits, policy, stored hashes ----

# raw REQUEST: sends REQUEST as it is (\r and \n written as such; HOST stands for
# 127.0.0.1:PORT) on a new connection; sets code, headers and body from the answer.
raw() {
  python3 - "$http_port" "$1" "$var/raw" <<'PY' || true
import socket, sys
port, text, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
text = text.replace("\\r", "\r").replace("\\n", "\n").replace("HOST", "127.0.0.1:%d" % port)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
try:
    s.sendall(text.encode())
except OSError:
    pass  # the server may answer and close before it has read everything
data = b""
while True:
    try:
        chunk = s.recv(65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
head, _, body = data.partition(b"\r\n\r\n")
open(out + ".headers", "wb").write(head)
open(out + ".body", "wb").write(body)
PY
  headers=$(tr -d '\r' <"$var/raw.headers" 2>/dev/null || true)
  body=$(cat "$var/raw.body" 2>/dev/null || true)
  code=$(head -1 <<<"$headers" | awk '{print $2}')
  [ -n "$code" ] || code=000
}
is_json_error() { # is_json_error STATUS: the answer is {"error": ..., "status": STATUS} as JSON
  is "$1" && header_has Content-Type application/json && body_has ".status == $1 and (.error | length > 0)"
}

host_checks() {
  req "$nojar" GET /rooms "" application/json -H "Host: evil.example:$http_port"
  check "a page asked for under another host name is refused: 421" is_json_error 421
  req "$nojar" GET /api/me "" application/json -H "Host: evil.example:$http_port"
  check "  and so is the API" is_json_error 421
  req "$nojar" POST /api/session '{"user": "alice@example.com", "password": "alice"}' \
    application/json -H "Host: evil.example:$http_port"
  check "  and signing in" is_json_error 421
  check "  which set no cookie" eval '! header_has Set-Cookie pchat_session 2>/dev/null'
  req "$nojar" GET /rooms "" application/json -H "Host: localhost:$http_port"
  check "localhost:PORT is one of its names" is 200
  req "$nojar" GET /rooms "" application/json -H "Host: chat.example.test"
  check "  and so is a --web-host name" is 200
  req "$nojar" GET /rooms "" application/json -H "Host: localhost:1"
  check "  but not on another port: 421" is_json_error 421
  raw 'GET /rooms HTTP/1.1\r\nConnection: close\r\n\r\n'
  check "a request without Host is 400" is_json_error 400
}

json_error_checks() {
  req "$nojar" GET /no-such-file.html
  check "a missing file is a JSON 404" is_json_error 404
  req "$nojar" GET /api/nothing-here
  check "an unknown API is a JSON 404" is_json_error 404
  req "$nojar" PATCH /api/rooms '{}'
  check "PATCH on the API is a JSON 405" is_json_error 405
  req "$nojar" OPTIONS /rooms
  check "OPTIONS on a page is a JSON 405" is_json_error 405
  req "$nojar" POST /rooms '{}'
  check "POST on a page is a JSON 405" is_json_error 405
  raw 'GARBAGE\r\n\r\n'
  check "a request line libevent cannot parse is a JSON 400" is_json_error 400
  raw 'BREW /rooms HTTP/1.1\r\nHost: HOST\r\n\r\n'
  check "an unknown method is a JSON 501" is_json_error 501
  raw 'GET /rooms HTTP/1.1\r\nHost: HOST\r\nno colon here\r\n\r\n'
  check "a malformed header is a JSON 400" is_json_error 400
  raw "GET /rooms HTTP/1.1\\r\\nHost: HOST\\r\\nX-Big: $(head -c 20000 /dev/zero | tr '\0' x)\\r\\n\\r\\n"
  check "headers over 16 KiB are a JSON 400" is_json_error 400
  raw 'POST /api/session HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{}'
  check "a body announced over 64 KiB is a JSON 413" is_json_error 413
}

# sign_in_from ADDR USER PASSWORD: POST /api/session from the loopback address ADDR
sign_in_from() {
  req "$nojar" POST /api/session "{\"user\": \"$2\", \"password\": \"$3\"}" application/json \
    --interface "$1"
}
retry_after_ok() { # Retry-After: whole seconds within the first refusal (30 s)
  local ra; ra=$(grep -i '^Retry-After:' <<<"$headers" | tr -dc 0-9)
  [ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 30 ] || { echo "  Retry-After '$ra'" >&2; return 1; }
}

login_limit_checks() {
  # users of their own, so that being locked out does not disturb the other checks
  sql "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES
       ('erin', 'example.com', MD5('erin:example.com:erin'), MD5('erin@example.com:example.com:erin')),
       ('frank', 'example.com', MD5('frank:example.com:frank'), MD5('frank@example.com:example.com:frank'))"
  local i
  for i in 1 2 3 4 5; do
    sign_in_from 127.0.0.2 erin@example.com wrong
    check "erin's wrong password $i is 403" is_json_error 403
  done
  sign_in_from 127.0.0.2 erin@example.com wrong
  check "the 6th attempt is refused at once: 429" is_json_error 429
  check "  with Retry-After" retry_after_ok
  check "  saying why" body_has '.error | test("for this user")'
  sign_in_from 127.0.0.2 erin@example.com erin
  check "  even with the right password" is_json_error 429
  sign_in_from 127.0.0.5 SIP:Erin@example.com erin
  check "  from another address and spelt differently too" is_json_error 429
  sign_in_from 127.0.0.2 bob@example.com bob
  check "bob signs in from the same address (under its limit)" is 200

  for i in 1 2 3 4; do sign_in_from 127.0.0.4 frank@example.com wrong; done
  sign_in_from 127.0.0.4 frank@example.com frank
  check "frank signs in after 4 wrong passwords" is 200
  for i in 1 2 3 4; do sign_in_from 127.0.0.4 frank@example.com wrong; done
  check "  which reset his count: 4 more are 403, not 429" is_json_error 403

  for i in 1 2 3 4 5 6 7 8 9 10; do sign_in_from 127.0.0.3 "nobody$i@example.com" x; done
  check "10 failures from one address (each a different name) are 403" is_json_error 403
  sign_in_from 127.0.0.3 alice@example.com alice
  check "  then even alice's right password from there is refused: 429" is_json_error 429
  check "  saying why" body_has '.error | test("from this address")'
  sign_in_from 127.0.0.1 alice@example.com alice
  check "  while alice signs in from elsewhere" is 200
}

policy_and_hash_checks() {
  sign_in_from 127.0.0.6 dave@example.com dave
  check "dave (chat policy off) is refused: 403" is_json_error 403
  check "  saying so" body_has '.error | test("persistent chat is disabled")'
  check "  and gets no cookie" eval '! header_has Set-Cookie pchat_session 2>/dev/null'
  check "no subscriber has a plaintext password" eval \
    '[ "$(sql "SELECT COUNT(*) FROM subscriber WHERE password <> '"''"'")" = 0 ]'
  check "every subscriber has an HA1" eval \
    '[ "$(sql "SELECT COUNT(*) FROM subscriber WHERE ha1 = '"''"'")" = 0 ]'
  check "the schema refuses a plaintext password" eval \
    '! sql "UPDATE subscriber SET password = '"'alice'"' WHERE username = '"'alice'"'" 2>/dev/null'
}

# ---- a room's files: GET /api/rooms/{room}/files, POST /api/rooms/{room}/download ----

fbase="http://127.0.0.1:$file_port/PersistentChat"
files_room= files_rid= hello= data= gone=
# upload_as USER ROOM_ID FILE NAME TYPE: an upload token made in SQL as cmd:getfutok makes
# it, then a PUT of FILE to the file service; prints the stored name.
upload_as() {
  local t
  t=$(python3 -c 'import uuid; print(uuid.uuid4())')
  sql "INSERT INTO file_tokens (token, direction, user_uri, room_id, file_name, issued_at, expires_at)
       VALUES ('$t', 'upload', 'sip:$1@example.com', $2, '$4', UTC_TIMESTAMP(3),
       UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE)"
  curl -s --max-time 15 -X PUT -H "Content-Type: $5" --data-binary "@$3" "$fbase/files/$t" |
    jq -r '.file // empty'
}
# fetch URL [CURL ARGS...]: a GET (or what the arguments say) to the file service into
# $var/fetched; sets code and body.
fetch() {
  code=$(curl -s --max-time 15 -o "$var/fetched" -w '%{http_code}' "${@:2}" "$1") || code=000
  body=$(tr -d '\0' <"$var/fetched" 2>/dev/null || true)
}
fetched_is() { cmp -s "$1" "$var/fetched" || { echo "  $1 and the download differ" >&2; return 1; }; }
refused() { # refused STATUS TEXT: the file service's JSON error, its message holding TEXT
  is "$1" && body_has ".message | test(\"$2\")"
}
# listed_like_sql N STORED: file N of the answer has STORED's post and time, as in SQL
listed_like_sql() {
  local got want
  got=$(jq -r ".[$1] | [.message_id, .stored[0:23], .created[0:23]] | @tsv" <<<"$body")
  want=$(sql "SELECT message_id, DATE_FORMAT(stored_at, '%Y-%m-%dT%H:%i:%s.%f'),
    DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%s.%f') FROM files WHERE stored_name = '$2'" |
    sed 's/\(\.[0-9]\{3\}\)[0-9]*/\1/g')
  [ "$got" = "$want" ] || { echo "  listed '$got', database '$want'" >&2; return 1; }
}
token_row() { # token_row TOKEN: its row as direction|user|room|file|lifetime in seconds
  sql "SELECT CONCAT_WS('|', direction, user_uri, room_id, file_name,
    TIMESTAMPDIFF(SECOND, issued_at, expires_at)) FROM file_tokens WHERE token = '$1'"
}
row_is() { [ "$(token_row "$1")" = "$2" ] || { echo "  token row: '$(token_row "$1")'" >&2; return 1; }; }
# empty_jar: a cookie jar with no cookie (none.jar got one from the sign-in limit checks)
empty_jar() { : >"$var/empty.jar" && echo "$var/empty.jar"; }
tokens_of() { sql "SELECT COUNT(*) FROM file_tokens WHERE direction = 'download' AND user_uri = '$1'"; }

file_list_checks() {
  req "$alice" POST /api/rooms '{"name": "Files Room", "privacy": "closed", "members": ["bob@example.com"]}'
  check "alice creates the closed room Files Room with member bob" is 201
  files_room=$(jq -r .id <<<"$body")
  files_rid=$(sql "SELECT id FROM rooms WHERE name = 'Files Room'")
  printf 'hello from the files list\n' >"$var/hello.txt"
  head -c 70000 /dev/urandom >"$var/data.bin"
  head -c 100 /dev/urandom >"$var/gone.bin"
  hello=$(upload_as alice "$files_rid" "$var/hello.txt" hello.txt text/plain)
  data=$(upload_as bob "$files_rid" "$var/data.bin" "data 1.bin" application/octet-stream)
  gone=$(upload_as bob "$files_rid" "$var/gone.bin" gone.bin application/octet-stream)
  check "three files uploaded there (PUT to the file service)" \
    eval '[ -n "$hello" ] && [ -n "$data" ] && [ -n "$gone" ]'
  sql "DELETE m FROM messages m JOIN files f ON f.message_id = m.id WHERE f.stored_name = '$gone'"
  req "$alice" GET "/api/rooms/$files_room/files"
  check "alice (its manager) lists its files: 200" is 200
  check "  those with a post, newest first (not the one whose post was removed)" \
    body_has "map(.file) == [\"$data\", \"$hello\"]"
  check "  bob's with its name, size, type, uploader and room" body_has ".[0] | .name == \"data 1.bin\"
    and .size == 70000 and .content_type == \"application/octet-stream\" and .state == \"stored\"
    and .uploader == \"sip:bob@example.com\" and .room_id == $files_rid and .room == \"Files Room\""
  check "  its post and times as in the database" listed_like_sql 0 "$data"
  check "  alice's text/plain file second" body_has '.[1] | .name == "hello.txt" and .size == 26
    and .content_type == "text/plain" and .uploader == "sip:alice@example.com"'
  req "$bob" GET "/api/rooms/Files%20Room/files"
  check "bob (a member) lists them, the room by its name" body_has 'length == 2'
  req "$carol" GET "/api/rooms/$files_room/files"
  check "carol (sees the closed room, not a member) may not: 403" is_json_error 403
  check "  saying why" body_has '.error | test("may not read room")'
  req "$alice" GET /api/rooms/Board/files
  check "carol's secret Board for alice: 404, as if it did not exist" is_json_error 404
  req "$carol" GET /api/rooms/Board/files
  check "  while carol lists Board's (none)" body_has 'length == 0'
  req "$alice" GET /api/rooms/no-such-room/files
  check "an unknown room: 404" is_json_error 404
  req "$(empty_jar)" GET "/api/rooms/$files_room/files"
  check "signed out: 401" is_json_error 401
}

file_download_checks() {
  local url token
  req "$alice" POST "/api/rooms/$files_room/download" "{\"file\": \"$data\"}"
  check "alice asks to download bob's file: 200" is 200
  url=$(jq -r '.url // empty' <<<"$body")
  token=$(jq -r '.token // empty' <<<"$body")
  check "  the URL is the file service's for that file, with the token" \
    eval '[ -n "$token" ] && [ "$url" = "$fbase/files/$files_rid/$data?token=$token" ]'
  check "  the answer names the file" body_has '.name == "data 1.bin" and .size == 70000'
  check "  the token is a row as cmd:getfdtok makes it (alice's, 30 minutes)" \
    row_is "$token" "download|sip:alice@example.com|$files_rid|$data|1800"
  check "  expiring when the answer says" eval '[ "$(jq -r .expires <<<"$body")" = "$(sql "SELECT
    DATE_FORMAT(expires_at, '"'%Y-%m-%dT%H:%i:%sZ'"') FROM file_tokens WHERE token = '"'$token'"'")" ]'
  fetch "$url"
  check "GET of the URL: 200 with the same bytes" eval 'is 200 && fetched_is "$var/data.bin"'
  fetch "$url"
  check "  and again (a download token serves its file until it expires)" eval \
    'is 200 && fetched_is "$var/data.bin"'
  fetch "$fbase/files/$files_rid/$hello?token=$token"
  check "  but no other file: 403" refused 403 "another file"
  fetch "$fbase/files/$token" -X PUT --data-binary "@$var/hello.txt"
  check "  nor an upload: 403" refused 403 "download token"
  sql "UPDATE file_tokens SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE token = '$token'"
  fetch "$url"
  check "  once expired: 403" refused 403 "expired"
  req "$carol" POST "/api/rooms/$files_room/download" "{\"file\": \"$data\"}"
  check "carol (may not read the room) gets no token: 403" is_json_error 403
  check "  and none was stored" eval '[ "$(tokens_of sip:carol@example.com)" = 0 ]'
  req "$alice" POST "/api/rooms/$files_room/download" "{\"file\": \"$gone\"}"
  check "a file whose post was removed: 404" is_json_error 404
  req "$alice" POST "/api/rooms/$files_room/download" '{"file": "../../etc/passwd"}'
  check "a name that is no stored file: 404" is_json_error 404
  req "$alice" POST "/api/rooms/$files_room/download" '{}'
  check "no file named: 400" is_json_error 400
  req "$alice" POST "/api/rooms/no-such-room/download" "{\"file\": \"$data\"}"
  check "an unknown room: 404" is_json_error 404
  req "$alice" POST "/api/rooms/$files_room/download" "{\"file\": \"$data\"}" text/plain
  check "not application/json: 415" is_json_error 415
  req "$(empty_jar)" POST "/api/rooms/$files_room/download" "{\"file\": \"$data\"}"
  check "signed out: 401" is_json_error 401
  check "  the refusals issued no token (alice has the one)" eval '[ "$(tokens_of sip:alice@example.com)" = 1 ]'
}

# ---- reading rooms: GET /api/rooms/{room}/messages, GET /api/search ----

# post ROOM AUTHOR TEXT: a message as pchatd stores a post (the chat's path is tested
# by tests/e2e; here only what the web page reads matters)
post() {
  sql "INSERT INTO messages (room_id, author, posted_at, body)
       SELECT id, 'sip:$2@example.com', NOW(3), '$3' FROM rooms WHERE name = '$1'"
}
bodies_are() { body_has "[.messages[].text] == $1"; }

history_checks() {
  local i
  for i in 1 2 3 4 5; do post "Files Room" bob "history line $i"; done
  req "$alice" GET "/api/rooms/$files_room/messages"
  check "alice reads Files Room's history: 200" is 200
  check "  the posts oldest first, newest at the end (with the file posts before them)" \
    body_has '[.messages[].text][-5:] == ["history line 1", "history line 2", "history line 3", "history line 4", "history line 5"]'
  check "  each with its id, author, room and time" body_has '.messages[-1] | (.id | type) == "number"
    and .author == "sip:bob@example.com" and .room == "Files Room" and (.ts | test("^[0-9-]+T[0-9:.]+Z$"))'
  check "  all of them: no more, no next page" body_has '.more == false and .before == null'
  req "$alice" GET "/api/rooms/$files_room/messages?limit=2"
  check "a page of 2: the newest two, oldest first" bodies_are '["history line 4", "history line 5"]'
  check "  with more and the id to go on from" body_has '.more == true and .before == .messages[0].id'
  local before; before=$(jq -r .before <<<"$body")
  req "$alice" GET "/api/rooms/$files_room/messages?limit=2&before=$before"
  check "the next page (before=$before): the two before" bodies_are '["history line 2", "history line 3"]'
  req "$bob" GET "/api/rooms/Files%20Room/messages?limit=1"
  check "bob (a member) reads it by name" bodies_are '["history line 5"]'
  req "$carol" GET "/api/rooms/$files_room/messages"
  check "carol (not a member of the closed room): 403" is_json_error 403
  check "  saying she may not read it" body_has '.error | test("may not read room")'
  post Board carol "board minutes zebrafish"
  req "$alice" GET /api/rooms/Board/messages
  check "alice and carol's secret Board: 404, as if it did not exist" is_json_error 404
  req "$carol" GET /api/rooms/Board/messages
  check "  carol reads her Board" bodies_are '["board minutes zebrafish"]'
  sql "INSERT INTO categories (domain, cat_id, name, chat_history) VALUES ('example.com', UUID(), 'Quiet', FALSE);
       INSERT INTO category_principals (category_id, role, principal)
         SELECT id, 'allowed', 'example.com' FROM categories WHERE name = 'Quiet';
       INSERT INTO rooms (domain, chan_id, name, category_id)
         SELECT 'example.com', UUID(), 'Quiet Room', id FROM categories WHERE name = 'Quiet'"
  post "Quiet Room" alice "quiet zebrafish"
  req "$alice" GET "/api/rooms/Quiet%20Room/messages"
  check "an open room whose category has chat history off: 423" is_json_error 423
  check "  saying it keeps no history" body_has '.error | test("keeps no chat history")'
  req "$alice" GET "/api/rooms/$files_room/messages?limit=abc"
  check "limit=abc: 400" is_json_error 400
  req "$alice" GET "/api/rooms/$files_room/messages?limit=0"
  check "limit=0: 400" is_json_error 400
  req "$alice" GET "/api/rooms/$files_room/messages?limit=1&limit=2"
  check "a key given twice: 400" is_json_error 400
  req "$alice" GET "/api/rooms/$files_room/messages?colour=red"
  check "an unknown key: 400" is_json_error 400
  req "$(empty_jar)" GET "/api/rooms/$files_room/messages"
  check "signed out: 401" is_json_error 401
  history_order_checks
}

# A room's history is in its order, (seq, id), as pchatd's (backend/dbj_messages.c):
# on Galera ids may be in another order than the sequence numbers; messages stored
# before numbering (seq NULL) first.  A, B, C, D, E by id, renumbered C 11, A 12, B 13,
# E 14 and D none, E then deleted: the room's order is D C A B.
history_order_checks() {
  sql "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy, category_id)
       SELECT 'example.com', UUID(), 'Order Room', '', '', 'open', category_id FROM rooms WHERE name = 'Lobby'"
  local x; for x in A B C D E; do post "Order Room" bob "$x"; done
  sql "UPDATE messages m JOIN rooms r ON r.id = m.room_id SET m.seq = CASE m.body WHEN 'A' THEN 12
       WHEN 'B' THEN 13 WHEN 'C' THEN 11 WHEN 'E' THEN 14 END WHERE r.name = 'Order Room'"
  local id_a id_d id_e
  id_a=$(sql "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'Order Room' AND m.body = 'A'")
  id_d=$(sql "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'Order Room' AND m.body = 'D'")
  id_e=$(sql "SELECT m.id FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = 'Order Room' AND m.body = 'E'")
  sql "DELETE FROM messages WHERE id = $id_e"
  req "$alice" GET "/api/rooms/Order%20Room/messages"
  check "a room's history in its order (seq, id), not the ids': D C A B" bodies_are '["D", "C", "A", "B"]'
  req "$alice" GET "/api/rooms/Order%20Room/messages?limit=3"
  check "  its newest 3: C A B, more before C" \
    body_has '[.messages[].text] == ["C", "A", "B"] and .more == true and .before == .messages[0].id'
  req "$alice" GET "/api/rooms/Order%20Room/messages?before=$(jq -r .before <<<"$body")"
  check "  the page before C: D, no more" body_has '[.messages[].text] == ["D"] and .more == false'
  req "$alice" GET "/api/rooms/Order%20Room/messages?before=$id_a"
  check "  before A: D C" bodies_are '["D", "C"]'
  req "$alice" GET "/api/rooms/Order%20Room/messages?before=$id_d"
  check "  before D (unnumbered: the unnumbered with smaller ids): none" body_has '.messages == [] and .more == false'
  req "$alice" GET "/api/rooms/Order%20Room/messages?before=$id_e"
  check "  before a message deleted meanwhile: the smaller ids, in the room's order" bodies_are '["D", "C", "A", "B"]'
  sql "DELETE FROM rooms WHERE name = 'Order Room'"
}

hits_are() { body_has "[.messages[] | .room + \": \" + .text] == $1"; }
search_checks() {
  post Lobby bob "lobby zebrafish sighting"
  post "Files Room" alice "files zebrafish notes"
  req "$alice" GET "/api/search?q=zebrafish"
  check "alice searches zebrafish: Files Room's and Lobby's posts, newest first" \
    hits_are '["Files Room: files zebrafish notes", "Lobby: lobby zebrafish sighting"]'
  check "  never the secret Board's nor the history-off Quiet Room's" \
    body_has '[.messages[].room] | (index("Board") == null and index("Quiet Room") == null)'
  check "  with author and time, and no more" body_has '.more == false and .messages[0].author == "sip:alice@example.com" and (.messages[0].ts | length > 0)'
  req "$carol" GET "/api/search?q=zebrafish"
  check "carol: her Board and Lobby, not the closed Files Room" \
    hits_are '["Lobby: lobby zebrafish sighting", "Board: board minutes zebrafish"]'
  req "$carol" GET "/api/search?q=zebrafish&room=Files%20Room"
  check "carol naming Files Room: 403" is_json_error 403
  req "$alice" GET "/api/search?q=zebrafish&room=Board"
  check "alice naming Board: 404" is_json_error 404
  req "$alice" GET "/api/search?q=zebrafish&room=Quiet%20Room"
  check "alice naming the history-off Quiet Room: nothing (as cmd:search)" body_has '.messages == [] and .more == false'
  req "$alice" GET "/api/search?q=zebrafish&room=Lobby"
  check "alice in Lobby only" hits_are '["Lobby: lobby zebrafish sighting"]'
  req "$alice" GET "/api/search?q=zebrafish&author=bob@example.com"
  check "alice, author bob" hits_are '["Lobby: lobby zebrafish sighting"]'
  req "$alice" GET "/api/search?q=%22history%20line%22&limit=2"
  check "a phrase, 2 per page: the newest two and more" \
    body_has '[.messages[].text] == ["history line 5", "history line 4"] and .more == true and .before == .messages[1].id'
  local before; before=$(jq -r .before <<<"$body")
  req "$alice" GET "/api/search?q=%22history%20line%22&limit=2&before=$before"
  check "  the next page" body_has '[.messages[].text] == ["history line 3", "history line 2"]'
  sql "UPDATE server_config SET value = '1' WHERE name = 'SearchLimit'" >/dev/null
  sql "INSERT IGNORE INTO server_config (name, value) VALUES ('SearchLimit', '1')"
  req "$alice" GET "/api/search?q=zebrafish"
  check "SearchLimit 1: one result and more" body_has '(.messages | length) == 1 and .more == true'
  req "$alice" GET "/api/search?q=zebrafish&limit=5"
  check "  a limit above SearchLimit: 400" is_json_error 400
  sql "DELETE FROM server_config WHERE name = 'SearchLimit'"
  req "$alice" GET "/api/search?q="
  check "an empty query: 400" is_json_error 400
  check "  saying it is empty" body_has '.error | test("empty")'
  req "$alice" GET "/api/search?q=a%20is"
  check "only short and common words: 400" is_json_error 400
  req "$alice" GET "/api/search?q=$(head -c 2000 /dev/zero | tr '\0' x)"
  check "a 2000-byte query: 400" is_json_error 400
  # zebrafish') OR 1=1 -- -minutes: words, the SQL and the operators none
  local sneaky='zebrafish%27%29%20OR%201%3D1%20--%20-minutes'
  req "$carol" GET "/api/search?q=$sneaky"
  check "SQL and operators in the text are words: carol finds Board's zebrafish minutes" \
    hits_are '["Board: board minutes zebrafish"]'
  req "$alice" GET "/api/search?q=$sneaky"
  check "  alice, the same text: nothing (Board is not hers)" body_has '.messages == []'
  req "$alice" GET "/api/search?q=zebrafish&since=yesterday"
  check "a bad since: 400" is_json_error 400
  req "$alice" GET "/api/search?q=zebrafish&author=not-a-user"
  check "a bad author: 400" is_json_error 400
  req "$alice" GET "/api/search?q=%FF%FE"
  check "text that is not UTF-8: 400" is_json_error 400
  req "$(empty_jar)" GET "/api/search?q=zebrafish"
  check "signed out: 401" is_json_error 401
  # pchatd's search indexer (--search-index-interval, 1 s) empties the queue the
  # posts' triggers fill; the searches above read the queue, these the index
  local i
  for i in $(seq 50); do [ "$(sql "SELECT COUNT(*) FROM search_pending")" = 0 ] && break; sleep 0.2; done
  check "pchatd's indexer indexes the posts within seconds: nothing left queued" \
    eval '[ "$(sql "SELECT COUNT(*) FROM search_pending")" = 0 ]'
  check "  zebrafish's index rows: the four posts" \
    eval '[ "$(sql "SELECT COUNT(*) FROM message_terms WHERE term = '"'zebrafish'"'")" = 4 ]'
  check "  it logged what it did" grep -q "search index: indexed" "$var/backend.log"
  req "$alice" GET "/api/search?q=zebrafish"
  check "  alice's search, from the index: the same two" \
    hits_are '["Files Room: files zebrafish notes", "Lobby: lobby zebrafish sighting"]'
}

# ---- the page in Chromium ----

start_browser() {
  setsid /usr/bin/chromedriver --port="$wd_port" --log-path="$var/chromedriver.log" >/dev/null 2>&1 &
  wd_pid=$!
  wd_until 15 "ChromeDriver" eval 'curl -s --max-time 2 "$WD_URL/status" | jq -e ".value.ready" >/dev/null'
  wd_session_new --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --no-first-run --disable-extensions --window-size=1100,1400 --user-data-dir="$var/chromium"
}

ui_sign_in() { # ui_sign_in USER PASSWORD
  wd_wait_visible '#user' && wd_type '#user' "$1@example.com" && wd_type '#password' "$2" &&
    wd_click '#signin-button'
}
ui_signed_in_as() { wd_wait_text '#me' "$1@example.com" && wd_until 10 "the room list" wd_count_ge '#rooms li' 1; }
wd_count_ge() { [ "$(wd_count "$1")" -ge "$2" ]; }
ui_sign_out() { wd_click '#signout' && wd_wait_visible '#user'; }
room_li='#rooms li[data-name="Web Room"]'
ui_has_room() { wd_until 10 "Web Room in the list" wd_count_ge "$room_li" 1; }
no_edit_button() { [ "$(wd_count "$room_li .edit")" = 0 ]; }

ui_create_room() {
  wd_click '#new-room' && wd_wait_visible '#room-form' &&
    wd_until 10 "the categories" wd_count_ge '#room-category option[value="Default"]' 1 &&
    wd_type '#room-name' 'Web Room' && wd_type '#room-description' 'Made in the browser' &&
    wd_type '#room-topic' 'First topic' && wd_select '#room-privacy' closed &&
    wd_type '#room-members' 'bob@example.com' && wd_click '#room-save' &&
    wd_wait_text '#notice' 'created'
}

ui_name_taken() {
  wd_click '#new-room' && wd_wait_visible '#room-form' && wd_type '#room-name' 'Lobby' &&
    wd_click '#room-save' && wd_until 10 "an error under the form" wd_nonempty '#form-error' &&
    echo "  the page says: $(wd_text '#form-error')" && wd_click '#room-cancel'
}
wd_nonempty() { [ -n "$(wd_text "$1")" ]; }

ui_edit_room() {
  wd_click "$room_li .edit" && wd_wait_visible '#room-form' &&
    wd_until 5 "the form filled in" eval '[ "$(wd_js "return document.getElementById(\"room-name\").value")" = "\"Web Room\"" ]' &&
    wd_type '#room-topic' 'Release planning' && wd_select '#room-privacy' secret &&
    wd_type '#room-managers' 'alice@example.com, dave@example.com' && wd_click '#room-save' &&
    wd_wait_text '#notice' 'saved' && wd_wait_text "$room_li .info" 'Release planning'
}

ui_delete_room() {
  wd_click "$room_li .delete" && wd_wait_visible '#confirm' &&
    wd_wait_text '#confirm-text' 'Delete room Web Room' && wd_click '#confirm-yes' &&
    wd_wait_text '#notice' 'deleted' && wd_wait_gone "$room_li"
}

# ui_clear_room N: clears Web Room's history; the page must say N messages went.
ui_clear_room() {
  wd_click "$room_li .clear" && wd_wait_visible '#confirm' &&
    wd_wait_text '#confirm-text' 'Remove every message of room Web Room' && wd_click '#confirm-yes' &&
    wd_wait_text '#notice' "Web Room: $1 message(s) removed"
}

room_sql() { sql "SELECT $1 FROM rooms WHERE name = 'Web Room'"; }
principals_sql() {
  sql "SELECT GROUP_CONCAT(p.principal ORDER BY p.principal) FROM room_principals p
       JOIN rooms r ON r.id = p.room_id WHERE r.name = 'Web Room' AND p.role = '$1'"
}
room_id() { # the room's id as the API gives it
  req "$alice" GET /api/rooms
  jq -r '.[] | select(.name == "Web Room") | .id' <<<"$body"
}

browser_checks() {
  if ! start_browser; then
    echo "web: FAIL ChromeDriver and Chromium start (see $var/chromedriver.log)"
    failures=$((failures + 1))
    return 0
  fi
  echo "web: ok   ChromeDriver and Chromium start"
  check "the page opens at the provisioning URL" wd_go "$base/rooms"
  check "a wrong password is refused on the page" eval \
    'ui_sign_in alice nope && wd_wait_text "#signin-error" "Wrong user name or password"'
  check "dave, whose chat policy is off, is told so on the page" eval \
    'ui_sign_in dave dave && wd_wait_text "#signin-error" "Persistent chat is disabled for sip:dave@example.com"'
  check "alice signs in on the page" eval 'ui_sign_in alice alice && ui_signed_in_as alice'
  check "  she sees Lobby" wd_until 10 "Lobby" wd_count_ge '#rooms li[data-name="Lobby"]' 1
  check "  she sees Build Team but may not edit it (no Edit button)" eval \
    'wd_count_ge "#rooms li[data-name=\"Build Team\"]" 1 &&
     [ "$(wd_count "#rooms li[data-name=\"Build Team\"] .edit")" = 0 ]'
  check "alice creates the closed room Web Room with member bob" ui_create_room
  check "  it is in her list, marked as hers" eval 'ui_has_room && wd_wait_visible "$room_li .mark"'
  check "  the database has it closed, topic First topic" eval \
    '[ "$(room_sql "CONCAT(privacy, \"|\", topic)")" = "closed|First topic" ]'
  check "  with bob as a member" eval '[ "$(principals_sql member)" = "sip:bob@example.com" ]'
  check "  and alice as its manager" eval '[ "$(principals_sql manager)" = "sip:alice@example.com" ]'
  check "a taken name shows an error on the page" ui_name_taken
  check "  and creates nothing" eval '[ "$(sql "SELECT COUNT(*) FROM rooms WHERE name = '"'Lobby'"'")" = 1 ]'
  check "alice makes it secret, changes its topic, adds manager dave" ui_edit_room
  check "  the database has it secret, topic Release planning" eval \
    '[ "$(room_sql "CONCAT(privacy, \"|\", topic)")" = "secret|Release planning" ]'
  check "  and managers alice and dave" eval \
    '[ "$(principals_sql manager)" = "sip:alice@example.com,sip:dave@example.com" ]'
  id=$(room_id)
  check "the API has its id" test -n "$id"
  req "$alice" GET "/api/rooms/$id"
  check "the API shows the new topic and both managers" body_has \
    '.topic == "Release planning" and .privacy == "secret" and (.managers | index("sip:dave@example.com") != null) and (.rights | index("manage") != null)'
  wd_screenshot "$var/web-rooms.png" || true

  check "alice signs out" ui_sign_out
  check "bob signs in on the page" eval 'ui_sign_in bob bob && ui_signed_in_as bob'
  check "  he sees Web Room (a member)" ui_has_room
  check "  but may not edit it (no Edit button)" no_edit_button
  req "$bob" PUT "/api/rooms/$id" '{"topic": "bob was here"}'
  check "  the API refuses his edit: 403" is 403
  req "$bob" DELETE "/api/rooms/$id"
  check "  and his delete: 403" is 403
  check "  the room is unchanged" eval '[ "$(room_sql topic)" = "Release planning" ]'
  check "bob signs out" ui_sign_out

  check "carol signs in on the page" eval 'ui_sign_in carol carol && ui_signed_in_as carol'
  check "  she sees her Board" wd_until 10 "Board" wd_count_ge '#rooms li[data-name="Board"]' 1
  check "  but not the secret Web Room" eval '[ "$(wd_count "$room_li")" = 0 ]'
  req "$carol" GET "/api/rooms/$id"
  check "  nor through the API: 404" is 404
  req "$carol" GET /api/rooms
  check "  nor in her API list" body_has 'map(.name) | index("Web Room") == null'
  check "carol signs out" ui_sign_out

  check "alice signs in again" eval 'ui_sign_in alice alice && ui_signed_in_as alice && ui_has_room'
  sql "INSERT INTO messages (room_id, author, posted_at, body)
       SELECT id, 'sip:alice@example.com', NOW(3), 'hello' FROM rooms WHERE name = 'Web Room'
       UNION ALL SELECT id, 'sip:bob@example.com', NOW(3), 'hi' FROM rooms WHERE name = 'Web Room'"
  check "alice clears Web Room's history (2 messages) after confirming" ui_clear_room 2
  check "  the database has no message left in it" eval \
    '[ "$(sql "SELECT COUNT(*) FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.name = '"'Web Room'"'")" = 0 ]'
  check "alice deletes Web Room after confirming" ui_delete_room
  check "  it is gone from the database" eval '[ "$(sql "SELECT COUNT(*) FROM rooms WHERE name = '"'Web Room'"'")" = 0 ]'
  req "$alice" GET "/api/rooms/$id"
  check "  and from the API: 404" is 404
  wd_screenshot "$var/web-final.png" || true
  check "a screenshot was taken" test -s "$var/web-final.png"
}

# The page's Files list and its Download button (file_list_checks made Files Room).
files_li='#rooms li[data-name="Files Room"]'
first_file='#file-rows tr:first-child'
file_rows_are() { [ "$(wd_count '#file-rows tr')" = "$1" ]; }
at_file_url() { # the browser shows the file service's URL of STORED, with a token
  local u; u=$(wd_s GET /url | jq -r '.')
  [[ "$u" == "$fbase/files/$files_rid/$1?token="* ]] || { echo "  the browser is at $u" >&2; return 1; }
}
page_text_is() { [ "$(wd_js 'return document.body.innerText' | jq -r '.')" = "$1" ]; }
ui_file_checks() {
  [ -n "${WD_SESSION:-}" ] || return 0 # no browser: browser_checks counted it
  check "the page: alice opens Files Room's files" eval 'wd_go "$base/rooms" &&
    ui_signed_in_as alice && wd_click "$files_li .files" && wd_wait_visible "#file-table"'
  check "  the title names the room" wd_wait_text '#files-title' 'Files of Files Room'
  check "  two files are listed" wd_until 10 "two rows" file_rows_are 2
  check "  bob's first: name, size, uploader, time" eval 'wd_has_text "$first_file .name" "data 1.bin" &&
    wd_has_text "$first_file .size" "68 KB" && wd_has_text "$first_file .uploader" "bob@example.com" &&
    wd_nonempty "$first_file .time"'
  check "  then alice's hello.txt" wd_has_text '#file-rows tr:nth-child(2) .name' 'hello.txt'
  wd_screenshot "$var/web-files.png" || true
  check "Download takes the browser to the file with a token of alice's" eval \
    'wd_click "#file-rows tr[data-file=\"$hello\"] .download" && wd_until 10 "the file" at_file_url "$hello"'
  check "  which shows the file's text" wd_until 10 "its text" page_text_is 'hello from the files list'
  check "  the token is alice's, for that file" eval \
    '[ "$(sql "SELECT COUNT(*) FROM file_tokens WHERE user_uri = '"'sip:alice@example.com'"'
       AND file_name = '"'$hello'"' AND used_at IS NOT NULL")" = 1 ]'
  check "alice signs out" eval 'wd_go "$base/rooms" && ui_signed_in_as alice && ui_sign_out'
  check "carol signs in: Files Room shows, without a Files button (she may not read it)" eval \
    'ui_sign_in carol carol && ui_signed_in_as carol && wd_until 10 "Files Room" wd_count_ge "$files_li" 1 &&
     [ "$(wd_count "$files_li .files")" = 0 ] && wd_count_ge "#rooms li[data-name=\"Board\"] .files" 1'
  check "  Board's list (hers) is empty" eval 'wd_click "#rooms li[data-name=\"Board\"] .files" &&
    wd_wait_visible "#no-files" && file_rows_are 0'
  check "carol signs out" ui_sign_out
}

# The page's History view and search box (history_checks and search_checks posted).
history_rows_are() { [ "$(wd_count '#history-rows li')" = "$1" ]; }
result_rows_are() { [ "$(wd_count '#search-results li')" = "$1" ]; }
ui_read_checks() {
  [ -n "${WD_SESSION:-}" ] || return 0 # no browser: browser_checks counted it
  # pages of 3 (DefaultChatHistory) so that Files Room's 8 posts take three
  sql "INSERT INTO server_config (name, value) VALUES ('DefaultChatHistory', '3')
       ON DUPLICATE KEY UPDATE value = VALUES(value)"
  check "the page: alice signs in, opens Files Room's history" eval 'wd_go "$base/rooms" &&
    ui_sign_in alice alice && ui_signed_in_as alice && wd_click "$files_li .history" && wd_wait_visible "#history-rows li"'
  check "  the title names the room" wd_wait_text '#history-title' 'History of Files Room'
  check "  the newest 3 posts, the newest at the bottom" eval 'wd_until 10 "three rows" history_rows_are 3 &&
    wd_has_text "#history-rows li:last-child .text" "files zebrafish notes" &&
    wd_has_text "#history-rows li:first-child .text" "history line 4"'
  check "  with its author and time" eval 'wd_has_text "#history-rows li:last-child .author" "alice@example.com" &&
    wd_nonempty "#history-rows li:last-child .time"'
  check "Older messages adds the 3 before, above" eval 'wd_click "#history-older" &&
    wd_until 10 "six rows" history_rows_are 6 && wd_has_text "#history-rows li:first-child .text" "history line 1" &&
    wd_has_text "#history-rows li:last-child .text" "files zebrafish notes"'
  check "  then the last 2 (the file posts), and no Older button" eval 'wd_click "#history-older" &&
    wd_until 10 "eight rows" history_rows_are 8 && wd_until 10 "no Older button" eval "! wd_displayed \"#history-older\""'
  wd_screenshot "$var/web-history.png" || true
  sql "DELETE FROM server_config WHERE name = 'DefaultChatHistory'"
  check "Quiet Room (history off): the page says it keeps none" eval \
    'wd_click "#rooms li[data-name=\"Quiet Room\"] .history" && wd_wait_text "#history-error" "keeps no chat history" &&
     history_rows_are 0'
  check "alice searches zebrafish on the page: two results" eval 'wd_type "#search-text" zebrafish &&
    wd_click "#search-button" && wd_until 10 "two results" result_rows_are 2'
  check "  Files Room's first: room, author, text" eval \
    'wd_has_text "#search-results li:first-child .room" "Files Room" &&
     wd_has_text "#search-results li:first-child .author" "alice@example.com" &&
     wd_has_text "#search-results li:first-child .text" "files zebrafish notes" &&
     wd_has_text "#search-results li:nth-child(2) .room" "Lobby"'
  wd_screenshot "$var/web-search.png" || true
  check "  a screenshot of each was taken" eval 'test -s "$var/web-history.png" && test -s "$var/web-search.png"'
  check "a search for short words shows the server's reason" eval 'wd_type "#search-text" "a is" &&
    wd_click "#search-button" && wd_wait_text "#search-error" "nothing to search for" && result_rows_are 0'
  check "alice signs out" ui_sign_out
}

# The database goes away: the API says 503 with Retry-After, and recovers.
# /healthz and /readyz (backend/health.c): pchatd's state for probes, no sign-in needed.
ready_is() { # ready_is CODE JQ: /readyz answers CODE with a body matching JQ
  req "$nojar" GET /readyz
  [ "$code" = "$1" ] && jq -e "$2" <<<"$body" >/dev/null
}
health_checks() {
  req "$nojar" GET /healthz
  check "GET /healthz is 200 {\"status\": \"up\"}" is 200
  check "  as JSON" body_has '.status == "up"'
  check "GET /readyz is 200: database up, Kamailio linked, not draining" wd_until 10 "ready" \
    ready_is 200 '.ready and .database == "up" and .module_links >= 1 and (.draining | not)'
  req "$nojar" POST /readyz '{}'
  check "POST /readyz is 405" is 405
}

# GET /metrics (backend/metrics_http.c): Prometheus text, parsed by tests/web/promtext.py;
# a chat through real SIP (client/pchat) moves the counters by what it did.
scrape() { # scrape FILE: GET /metrics into FILE
  req "$nojar" GET /metrics && is 200 && cp "$var/resp.body" "$1"
}
prom() { python3 "$top/tests/web/promtext.py" "$@"; }
grew() { # grew NAME [L=V...] MIN: the samples moved by at least MIN between the scrapes
  local min="${*: -1}" before after
  before=$(prom get "$var/metrics.0" "${@:1:$#-1}")
  after=$(prom get "$var/metrics.1" "${@:1:$#-1}")
  python3 -c "import sys; sys.exit(not $after - $before >= $min)" ||
    { echo "  $1 ${*:2:$#-2}: $before -> $after (want +$min)" >&2; return 1; }
}
moved_by() { # moved_by NAME [L=V...] N: exactly N more
  grew "$@" && ! grew "${@:1:$#-1}" $((${*: -1} + 1)) 2>/dev/null
}
metrics_checks() {
  check "GET /metrics is 200" scrape "$var/metrics.0"
  check "  as text/plain version 0.0.4" header_has Content-Type 'text/plain; version=0.0.4'
  check "  which parses as Prometheus text" prom check "$var/metrics.0"
  check "  with pchatd_build_info{version}" eval \
    '[ "$(prom get "$var/metrics.0" pchatd_build_info version="$(cat "$top/VERSION")")" = 1 ]'
  check "  and a module link connected" eval '[ "$(prom get "$var/metrics.0" pchatd_module_links)" -ge 1 ]'
  printf '/join Lobby\nhello from the metrics test\n/quit\n' |
    timeout 20 "$top/client/pchat" --user alice --server "127.0.0.1:$port" --linger 1 \
      >"$var/pchat-metrics.log" 2>&1 || true
  check "a chat through SIP: alice's post is stored" eval \
    '[ "$(sql "SELECT COUNT(*) FROM messages WHERE body = '"'hello from the metrics test'"'")" = 1 ]'
  check "GET /metrics again" scrape "$var/metrics.1"
  check "  parses" prom check "$var/metrics.1"
  check "  posts stored +1" moved_by pchatd_posts_stored_total 1
  check "  posts accepted +1" moved_by pchatd_posts_accepted_total 1
  check "  joins +1" moved_by pchatd_joins_total 1
  check "  parts +1" moved_by pchatd_parts_total 1
  check "  deliveries +1 at least (her own echo)" grew pchatd_deliveries_total 1
  check "  grpchat commands +1" moved_by pchatd_commands_total command=grpchat 1
  check "  commits observed in the histogram" grew pchatd_db_commit_seconds_count 1
  check "  a stored post among the database jobs" grew pchatd_db_jobs_total status=ok 1
  check "  the database reachable by the writer" eval \
    '[ "$(prom get "$var/metrics.1" pchatd_db_reachable worker=writer)" = 1 ]'
  check "  and by the reader" eval \
    '[ "$(prom get "$var/metrics.1" pchatd_db_reachable worker=reader)" = 1 ]'
  check "  the reader's queue depth is exposed" \
    grep -q '^pchatd_db_queue_depth{worker="reader"} ' "$var/metrics.1"
  req "$nojar" POST /metrics '{}'
  check "POST /metrics is 405" is 405
}

# Kamailio's GET /metrics (xhttp_prom, kamailio-cfg/kamailio.cfg): two chat sessions
# through real SIP, one post made while pchatd is stopped (SIGSTOP) and so answered 503,
# move the module's statistics by exactly what the clients did (their --verbose logs
# hold one ">>>" line per INFO sent, one "<<<" line per INFO received).
kam_metrics_port=
kam_get() { # kam_get PATH [CURL ARGS...]: on Kamailio's metrics listener; sets code
  code=$(curl -s --max-time 10 -o "$var/kam.body" -w '%{http_code}' "${@:2}" \
    "http://127.0.0.1:$kam_metrics_port$1") || code=000
}
kam_scrape() { kam_get /metrics && [ "$code" = 200 ] && cp "$var/kam.body" "$1"; }
kam() { prom get "$var/kam.$1" "kamailio_pchat_$2"; }
kam_moved() { # kam_moved STAT N: kamailio_pchat_STAT moved by exactly N from kam.0 to kam.1
  local d=$(($(kam 1 "$1") - $(kam 0 "$1")))
  [ "$d" = "$2" ] || { echo "  kamailio_pchat_$1 moved by $d, want $2" >&2; return 1; }
}
links_sum() { # links_sum SCRAPE STAT: kamailio_pchat_linkN_STAT summed over the links
  local i=0 sum=0
  while grep -q "^kamailio_pchat_link${i}_up " "$var/kam.$1"; do
    sum=$((sum + $(kam "$1" "link${i}_$2"))); i=$((i + 1))
  done
  echo "$sum"
}
every_link_up() { # at least one link, each connected
  local up; up=$(grep -c '^kamailio_pchat_link[0-9]*_up 1 ' "$var/kam.$1")
  [ "$up" -ge 1 ] && [ "$up" = "$(grep -c '^kamailio_pchat_link[0-9]*_up ' "$var/kam.$1")" ]
}
client_start() { # client_start NAME: client/pchat as NAME, its input a FIFO on fd 7/8
  mkfifo "$var/$1.in"
  "$top/client/pchat" --user "$1" --server "127.0.0.1:$port" --verbose <"$var/$1.in" \
    >"$var/$1.kam.log" 2>&1 &
  eval "${1}_pid=$!"
}
logged() { grep -qF "$2" "$var/$1.kam.log"; }
sessions_back() { kam_scrape "$var/kam.2" && [ "$(kam 2 sessions)" = "$(kam 0 sessions)" ]; }
sip_on_metrics_port() { # a SIP OPTIONS over TCP to the metrics listener: its status line
  python3 - "$kam_metrics_port" <<'PY'
import socket, sys
p = int(sys.argv[1])
msg = ("OPTIONS sip:pchat@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-m1;rport\r\n"
       "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:pchat@example.com>\r\nCall-ID: m1\r\n"
       "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
s = socket.create_connection(("127.0.0.1", p), timeout=5)
s.sendall(msg.encode())
print(s.recv(4096).decode(errors="replace").split("\r\n")[0])
PY
}
kamailio_metrics_checks() {
  kam_metrics_port=$(cat "$var/kamailio/metrics-port" 2>/dev/null || true)
  check "Kamailio's metrics port is known" test -n "$kam_metrics_port"
  check "Kamailio: GET /metrics is 200" kam_scrape "$var/kam.0"
  check "  which parses as Prometheus text (untyped samples)" prom check-untyped "$var/kam.0"
  local s
  for s in sessions infos_received infos_sent busy_replies dialog_limit_replies \
    low_memory_replies pending backend_up sessions_opened deliveries_paused ack_wait_held ack_wait_expired \
    info_replies_2xx info_replies_4xx info_replies_5xx link0_sessions link0_up; do
    check "  with kamailio_pchat_$s" grep -q "^kamailio_pchat_$s " "$var/kam.0"
  done
  check "  and tmx's and sl's replies by class" eval \
    'grep -q "^kamailio_tmx_5xx_transactions " "$var/kam.0" && grep -q "^kamailio_sl_4xx_replies " "$var/kam.0"'
  check "  the backend is up, every link process connected" eval \
    '[ "$(kam 0 backend_up)" = 1 ] && every_link_up 0'

  client_start alice
  client_start bob
  exec 7>"$var/alice.in" 8>"$var/bob.in"
  echo "/join Lobby" >&7
  echo "/join Lobby" >&8
  check "alice and bob join Lobby over SIP" wd_until 20 "both joined" eval \
    'logged alice "joined <Lobby>" && logged bob "joined <Lobby>"'
  echo "kamailio metrics from alice" >&7
  check "  alice's post reaches bob" wd_until 10 "the post" logged bob "alice@example.com: kamailio metrics from alice"
  check "Kamailio: GET /metrics during the chat" kam_scrape "$var/kam.mid"
  check "  sessions +2" eval '[ "$(kam mid sessions)" = $(($(kam 0 sessions) + 2)) ]'
  check "  the links' sessions add up to them" eval '[ "$(links_sum mid sessions)" = "$(kam mid sessions)" ]'
  check "  every link process connected" every_link_up mid
  echo "kamailio metrics from bob" >&8
  check "  bob's post reaches alice" wd_until 10 "the post" logged alice "bob@example.com: kamailio metrics from bob"
  # pchatd stopped (SIGSTOP) under a post: Kamailio shows it pending, then answers it 503
  "${stack[@]}" backend-pause
  echo "kamailio metrics while pchatd is paused" >&8
  check "pchatd paused: bob's post shows as pending at Kamailio" wd_until 5 "pending 1" eval \
    'kam_scrape "$var/kam.p" && [ "$(kam p pending)" = 1 ] && [ "$(links_sum p pending)" = 1 ]'
  check "  and is answered 503 after backend_timeout" wd_until 15 "the 503" logged bob "SIP 503"
  "${stack[@]}" backend-resume
  echo "kamailio metrics after the pause" >&8
  check "pchatd resumed: bob's next post reaches alice" wd_until 10 "the post" \
    logged alice "bob@example.com: kamailio metrics after the pause"
  echo "/quit" >&7
  check "alice quits" wd_until 10 "alice's exit" eval '! kill -0 "$alice_pid"'
  echo "/quit" >&8
  check "bob quits" wd_until 10 "bob's exit" eval '! kill -0 "$bob_pid"'
  exec 7>&- 8>&-
  check "Kamailio: the sessions gauge is back where it was" wd_until 10 "sessions back" sessions_back
  check "Kamailio: GET /metrics after the chat" kam_scrape "$var/kam.1"
  check "  parses" prom check-untyped "$var/kam.1"
  local sent received
  sent=$(cat "$var/alice.kam.log" "$var/bob.kam.log" | grep -c '^>>> ')
  received=$(cat "$var/alice.kam.log" "$var/bob.kam.log" | grep -c '^<<< ')
  check "  sessions_opened +2" kam_moved sessions_opened 2
  check "  infos_received +$sent (the clients' INFOs)" kam_moved infos_received "$sent"
  check "  info_replies_2xx +$((sent - 1)) (all answered 200 but one)" kam_moved info_replies_2xx $((sent - 1))
  check "  info_replies_5xx +1 (the post while pchatd was paused)" kam_moved info_replies_5xx 1
  check "  busy_replies +1" kam_moved busy_replies 1
  check "  info_replies_4xx +0" kam_moved info_replies_4xx 0
  check "  infos_sent +$received (the INFOs the clients got)" kam_moved infos_sent "$received"
  check "  nothing pending" eval '[ "$(kam 1 pending)" = 0 ] && [ "$(links_sum 1 inflight)" = 0 ]'
  kam_get /nothing-here
  check "Kamailio: an unknown path is 404" is 404
  kam_get /metrics -X POST
  check "  POST /metrics is 404" is 404
  code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics") || code=000
  check "  HTTP to the SIP port is 404" is 404
  check "  SIP to the metrics port is refused: 403" eval '[[ "$(sip_on_metrics_port)" == "SIP/2.0 403"* ]]'
}

# pchatd's compliance gauges (backend/cstatus.c, read every 10 s through the admin
# worker): with an adapter on and pchat-compliance stopped, posts pile up in the backlog;
# a run (pchat-compliance --once, as the stack's node) empties it and moves the last run.
pchatd_gauge() { # pchatd_gauge NAME: its value in a fresh scrape of pchatd's /metrics
  scrape "$var/metrics.c" >/dev/null 2>&1 && prom get "$var/metrics.c" "$1"
}
gauge_at_least() { local v; v=$(pchatd_gauge "$1") && python3 -c "import sys; sys.exit(not $v >= $2)"; }
gauge_is() { [ "$(pchatd_gauge "$1")" = "$2" ]; }
compliance_metrics_checks() {
  local n=5 i before_run lines=
  check "compliance gauges on /metrics (adapter off): enabled 0" wd_until 25 "the first read" \
    gauge_is pchatd_compliance_enabled 0
  before_run=$(pchatd_gauge pchatd_compliance_last_run_timestamp_seconds)
  "${stack[@]}" compliance-stop >/dev/null 2>&1
  mkdir -p "$var/compliance-out"
  sql "UPDATE compliance_config SET adapter_type = 'XML', output_directory = '$var/compliance-out',
       run_interval_sec = 60 WHERE id = 1"
  check "  the adapter on: enabled 1 (within 25 s)" wd_until 25 "enabled" gauge_is pchatd_compliance_enabled 1
  check "  pchat-compliance stopped: no lease held" gauge_is pchatd_compliance_lease_held 0
  for i in $(seq $n); do lines+="compliance metrics post $i"$'\n'; done
  printf '/join Lobby\n%s/quit\n' "$lines" |
    timeout 30 "$top/client/pchat" --user alice --server "127.0.0.1:$port" --linger 1 \
      >"$var/pchat-compliance.log" 2>&1 || true
  check "alice posts $n messages over SIP" eval \
    '[ "$(sql "SELECT COUNT(*) FROM messages WHERE body LIKE '"'compliance metrics post %'"'")" = '$n' ]'
  check "  the backlog gauge reaches $n (pchat-compliance stopped; within 25 s)" wd_until 25 "the backlog" \
    gauge_at_least pchatd_compliance_backlog_events $n
  check "  and agrees with the table" eval \
    '[ "$(pchatd_gauge pchatd_compliance_backlog_events)" = "$(sql "SELECT COUNT(*) FROM compliance_events")" ]'
  check "one run of pchat-compliance (--once) writes them" "$top/compliance/pchat-compliance" \
    --db-socket "$var/mysql.sock" --db-name pchat --db-user pchat --db-password-file "$var/db-password" \
    --node "stack-$port" --once
  check "  the backlog gauge drops to 0 (within 25 s)" wd_until 25 "the backlog" \
    gauge_is pchatd_compliance_backlog_events 0
  check "  the last run's time moved" eval \
    'python3 -c "import sys; sys.exit(not $(pchatd_gauge pchatd_compliance_last_run_timestamp_seconds) > $before_run)"'
  check "  it wrote at least $n events" gauge_at_least pchatd_compliance_last_run_events $n
  check "  into at least one file" gauge_at_least pchatd_compliance_last_run_files 1
  check "  and did not fail" gauge_is pchatd_compliance_last_run_failed 0
  check "  the figures are fresh (read within 15 s)" eval \
    'python3 -c "import sys, time; sys.exit(not time.time() - $(pchatd_gauge pchatd_compliance_status_timestamp_seconds) < 15)"'
  check "  and the scrape still parses" prom check "$var/metrics.c"
  sql "UPDATE compliance_config SET adapter_type = '' WHERE id = 1"
  "${stack[@]}" compliance-start >/dev/null 2>&1
}

db_down_checks() {
  "${stack[@]}" db-stop >/dev/null 2>&1
  req "$alice" GET /api/rooms
  check "with the database down, GET /api/rooms is 503" is 503
  check "  with Retry-After" header_has Retry-After 5
  check "  and /readyz says 503, database down (within 10 s)" wd_until 10 "not ready" \
    ready_is 503 '(.ready | not) and .database == "down"'
  req "$nojar" GET /healthz
  check "  while /healthz stays 200" is 200
  "${stack[@]}" db-start >/dev/null 2>&1
  check "with the database back, the API works again" wd_until 15 "the API" eval \
    'req "$alice" GET /api/rooms && [ "$code" = 200 ]'
  check "  and /readyz is 200 again" wd_until 10 "ready" ready_is 200 '.ready'
  req "$alice" DELETE /api/session
  check "alice signs out through the API" is 200
  req "$alice" GET /api/me
  check "  and her cookie no longer works: 401" is 401
}

echo "web: starting the stack (SIP 127.0.0.1:$port, web $base)"
stack_start web
static_checks
api_checks
host_checks
json_error_checks
login_limit_checks
policy_and_hash_checks
file_list_checks
file_download_checks
history_checks
search_checks
browser_checks
ui_file_checks
ui_read_checks
moderation_checks
ui_moderation_checks
feeds_api_checks
ui_feed_checks
health_checks
metrics_checks
kamailio_metrics_checks
compliance_metrics_checks
db_down_checks

# pchatd may run under AddressSanitizer/UBSan; its reports appear when it exits.
"${stack[@]}" stop >/dev/null 2>&1 || true
if sanitizer_report "web: FAIL" "$var/backend.log"; then failures=$((failures + 1)); fi
if [ "$failures" -ne 0 ]; then
  tail_logs 30 backend
  echo "web: $failures check(s) failed (screenshots and logs in $var)"
  exit 1
fi
echo "web: all checks passed (screenshots in $var: web-rooms.png, web-final.png, web-files.png, web-history.png, web-search.png, web-moderation.png, web-feeds.png)"
