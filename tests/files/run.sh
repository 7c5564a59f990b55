#!/usr/bin/env bash
# The file service end to end (docs/FILES.md): starts the stack under build/files-var on
# free loopback ports (pchatd with --file-listen, a store of its own, the sweeper every
# second, a simulated disk of 2 MB per file), then uploads and downloads through the
# plain HTTP API and SOAP with real HTTP (curl, and a python3 socket client where a
# client must misbehave), checks the database, the store and a real SIP session that
# receives the file post, and then each bad input with its expected answer and the
# store left with no partial file.  Tokens are asked for over real SIP (client/pchat's
# /filetoken) where that is the point, and otherwise made with SQL as cmd:getfutok and
# cmd:getfdtok make them (expired ones, odd names).  Prints every check and the counts;
# exits non-zero if any failed.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# trusted SIP mode (From believed): the SIP clients here only feed the web and file
# services under test; client authentication is tests/e2e's (e2e-sip) and tests/sipe's
export PCHAT_TRUSTED=1
var="$top/build/files-var"

. "$top/tests/lib.sh"

stack_fresh files 27060 http_port=28090 file_port=28091
export PCHAT_HTTP_PORT=$http_port PCHAT_FILE_PORT=$file_port
STORE_LIMIT=2000000
export PCHATD_ARGS="--file-sweep-interval 1 --test-store-limit $STORE_LIMIT"
stack_start files

B="http://127.0.0.1:$file_port/PersistentChat"
store="$var/files"
work="$var/work"
mkdir -p "$work"

passed=0
failed=0
check() { # check WHAT COMMAND...: runs COMMAND, counts a failure if it fails
  local what="$1"
  shift
  if "$@"; then echo "files: ok   $what"; passed=$((passed + 1))
  else echo "files: FAIL $what"; failed=$((failed + 1)); fi
}

. "$top/tests/files/lib.sh" # sql, tok, q, sha, mkfile, concurrent_uploads, ...
sqlraw() { "${FILES_SQL[@]}" -r -e "$1"; } # without escaping (names with control characters)
admin() { "$top/admin/pchat-admin" --db-socket "$var/mysql.sock" --db-user root "$@"; }
room_id() { sql "SELECT id FROM rooms WHERE name = '$1'"; }
LOBBY=$(room_id Lobby)
OPS=$(room_id Ops)


# http METHOD URL [CURL ARGS...]: sets code, body (text), headers.
http() {
  local method=$1 url=$2
  shift 2
  code=$(curl -s --max-time 30 -X "$method" -o "$work/resp.body" -D "$work/resp.headers" \
    -w '%{http_code}' "$@" "$url") || code=000
  body=$(tr -d '\0' <"$work/resp.body" 2>/dev/null || true)
  headers=$(cat "$work/resp.headers" 2>/dev/null || true)
}
put() { http PUT "$B/files/$1" --data-binary "@$2" "${@:3}"; } # put TOKEN FILE [ARGS]
is() { [ "$code" = "$1" ] || { echo "  got $code: $body" >&2; return 1; }; }
json_has() { jq -e "$1" <<<"$body" >/dev/null 2>&1 || { echo "  not $1: $body" >&2; return 1; }; }
header_has() { grep -qi "^$1: $2" <<<"$headers" || { echo "  no '$1: $2' in the answer" >&2; return 1; }; }
error_is() { is "$1" && json_has ".error == \"$2\" and (.message | length > 0)"; }
same_bytes() { [ "$(sha "$1")" = "$(sha "$2")" ] || { echo "  $1 and $2 differ" >&2; return 1; }; }
# slice FILE OFFSET LENGTH: those bytes of FILE
slice() { dd if="$1" iflag=skip_bytes,count_bytes skip="$2" count="$3" bs=65536 status=none; }

# The store holds no part file and the database no upload under way.
no_partial() {
  local parts rows
  parts=$(find "$store" -name '.*.part' 2>/dev/null | wc -l)
  rows=$(sql "SELECT COUNT(*) FROM files WHERE state = 'uploading'")
  [ "$parts" = 0 ] && [ "$rows" = 0 ] || { echo "  $parts part file(s), $rows upload row(s)" >&2; return 1; }
}
# Every stored file on disk has its row and post, and the other way round.
store_consistent() {
  local disk rows
  disk=$(find "$store" -type f ! -name '.*' | sed 's|.*/\([0-9]*\)/\(.*\)|\1/\2|' | sort)
  rows=$(sql "SELECT CONCAT(room_id, '/', stored_name) FROM files WHERE state = 'stored'
    AND message_id IS NOT NULL ORDER BY 1" | sort)
  [ "$disk" = "$rows" ] || { echo "  disk: $disk; rows: $rows" >&2; return 1; }
}
# eventually SECONDS COMMAND...: COMMAND succeeds within SECONDS.
eventually() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  "$@"
}
# raw PATH CONTENT-LENGTH SEND MODE: a python3 HTTP client that misbehaves: sends the
# headers of a PUT with that Content-Length and SEND bytes of body, then (MODE close)
# closes the connection, or (read) prints the status line of the answer.
raw() {
  python3 - "$file_port" "$@" <<'PY'
import socket, sys
port, path, length, send, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
s = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %s\r\n\r\n" % (path, length)).encode())
if send:
    s.sendall(b"y" * send)
if mode == "close":
    s.close()
    sys.exit(0)
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
print(data.split(b"\r\n")[0].decode(errors="replace"))
PY
}

metric() { # metric NAME{LABELS}: its value in /metrics
  curl -s "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
# metric_is NAME{LABELS} OP VALUE: the metric compared (test's -eq, -ge, ...)
metric_is() {
  local v
  v=$(metric "$1")
  [ "${v:-none}" "$2" "$3" ] 2>/dev/null || { echo "  $1 = ${v:-none}, want $2 $3" >&2; return 1; }
}
# ---- uploads and downloads through the plain API ----

# listen_lobby USER LOG SECONDS: USER in the Lobby over real SIP for SECONDS, what
# arrives printed into LOG (run it in the background)
listen_lobby() {
  { printf '/join Lobby\n'; sleep "$3"; printf '/quit\n'; } |
    timeout $(($3 + 25)) "$top/client/pchat" --user "$1" --server "127.0.0.1:$port" --linger 0.5 \
    >"$2" 2>&1
}

# served_back NAME SIZE TYPE: a file of SIZE bytes PUT by alice as NAME with
# Content-Type TYPE, then GET by bob with a download token (sets code, body, headers)
served_back() {
  local f t d stored
  f=$(mkfile "$1" "$2")
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q "$1")")
  put "$t" "$f" -H "Content-Type: $3"
  stored=$(jq -r .file <<<"$body")
  d=$(tok download "$LOBBY" sip:bob@example.com "$(q "$stored")")
  http GET "$B/files/$LOBBY/$stored?token=$d"
}

put_checks() {
  local f t d stored msg bob_pid
  f=$(mkfile report.pdf 300000)
  # bob is in the Lobby over real SIP while alice's file is posted
  listen_lobby bob "$work/bob.log" 5 &
  bob_pid=$!
  sleep 2
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'report Q3.pdf')")
  put "$t" "$f" -H 'Content-Type: application/pdf'
  check "PUT with an upload token is 201" is 201
  check "  answering file, name, size, url, message_id" json_has '(.file | test("^[0-9a-f-]{36}\\.pdf$")) and .name == "report Q3.pdf" and .size == 300000 and (.file as $f | .url | endswith("/files/'"$LOBBY"'/" + $f)) and .message_id > 0'
  stored=$(jq -r .file <<<"$body")
  msg=$(jq -r .message_id <<<"$body")
  check "  the bytes on disk are the file's (sha256)" same_bytes "$f" "$store/$LOBBY/$stored"
  check "  the files row is stored, with its post" eval '[ "$(sql "SELECT state, message_id, size, content_type, uploader FROM files WHERE stored_name = '"'$stored'"'")" = "$(printf "stored\t%s\t300000\tapplication/pdf\tsip:alice@example.com" "$msg")" ]'
  check "  the post is in the history, by alice, with the ma-filelink" eval '[ "$(sql "SELECT author, body FROM messages WHERE id = '"$msg"'")" = "$(printf "sip:alice@example.com\tma-filelink:%s/files/%s/%s?name=report%%20Q3.pdf&size=300000" "$B" "$LOBBY" "$stored")" ]'
  check "  the token is used" eval '[ "$(sql "SELECT used_at IS NOT NULL FROM file_tokens WHERE token = '"'$t'"'")" = 1 ]'
  wait "$bob_pid" || true
  check "  bob, in the Lobby over SIP, got the file post" grep -q "alice@example.com: \[file [0-9]*\] report Q3.pdf (300000 bytes)$" "$work/bob.log"
  check "  no part file is left" no_partial

  d=$(tok download "$LOBBY" sip:bob@example.com "$(q "$stored")")
  http GET "$B/files/$LOBBY/$stored?token=$d"
  check "GET with the download token is 200" is 200
  check "  the same bytes (sha256)" same_bytes "$f" "$work/resp.body"
  check "  as an attachment, named" header_has Content-Disposition "attachment; filename=\"report Q3.pdf\"; filename\*=UTF-8''report%20Q3.pdf"
  check "  with nosniff" header_has X-Content-Type-Options nosniff
  check "  with a CSP that lets nothing run" header_has Content-Security-Policy "default-src 'none'"
  check "  of the type uploaded" header_has Content-Type application/pdf
  check "  the download is recorded (used_at)" eval '[ "$(sql "SELECT used_at IS NOT NULL FROM file_tokens WHERE token = '"'$d'"'")" = 1 ]'
  http GET "$B/files/$LOBBY/$stored" -H "Authorization: Bearer $d" -H 'Range: bytes=1000-1999'
  check "the token serves the file again, a range with Bearer: 206" is 206
  check "  Content-Range bytes 1000-1999/300000" header_has Content-Range "bytes 1000-1999/300000"
  check "  the right 1000 bytes" eval '[ "$(slice "$f" 1000 1000 | sha256sum)" = "$(sha256sum <"$work/resp.body")" ]'
  http GET "$B/files/$LOBBY/$stored?token=$d" -H 'Range: bytes=-100'
  check "a suffix range: the last 100 bytes, 206" eval 'is 206 && header_has Content-Range "bytes 299900-299999/300000"'
  http GET "$B/files/$LOBBY/$stored?token=$d" -H 'Range: bytes=300000-'
  check "a range past the end is 416" error_is 416 range_not_satisfiable
  check "  with Content-Range bytes */300000" header_has Content-Range 'bytes \*/300000'
  http HEAD "$B/files/$LOBBY/$stored?token=$d" -I
  check "HEAD is 200 with the length" eval 'is 200 && header_has Content-Length 300000'

  # a type a browser may show: inline
  served_back pic.png 5000 image/png
  check "an image/png is served inline" eval 'is 200 && header_has Content-Disposition "inline;"'
  # a type no browser should run: attachment, and no declared type: the extension's
  served_back page.html 100 text/html
  check "text/html is served as an attachment" eval 'is 200 && header_has Content-Disposition "attachment;" && header_has Content-Type text/html'
  f=$(mkfile notes.txt 100)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'notes.txt')")
  put "$t" "$f" -H 'Content-Type: ../../etc; x'
  check "a Content-Type that is no media type: the extension's (text/plain)" eval 'is 201 && [ "$(sql "SELECT content_type FROM files WHERE stored_name = '"'$(jq -r .file <<<"$body")'"'")" = text/plain ]'
  check "the store matches the database" store_consistent
}

# ---- tokens over real SIP (client/pchat's /filetoken: cmd:getfutok, cmd:getfdtok) ----

# sip_token USER DIRECTION NAME: a token asked for in the Lobby over SIP; prints
# "TOKEN SERVERURI"
sip_token() {
  printf '/join Lobby\n/filetoken %s %s\n/quit\n' "$2" "$3" |
    timeout 30 "$top/client/pchat" --user "$1" --server "127.0.0.1:$port" --linger 0.5 2>&1 |
    sed -n 's/.*token=\([0-9a-f-]*\) serveruri=\([^ ]*\).*/\1 \2/p' | head -1
}
sip_token_checks() {
  local up down f stored
  read -r up url <<<"$(sip_token alice up "sip report.txt")"
  check "an upload token over SIP (/filetoken up): a GUID" eval '[[ "$up" =~ ^[0-9a-f-]{36}$ ]]'
  check "  its serveruri is this service's SOAP endpoint" [ "${url:-}" = "$B/MGCWebService.asmx" ]
  f=$(mkfile sipreport.txt 4000)
  put "$up" "$f" -H 'Content-Type: text/plain'
  check "  PUT with it: 201" is 201
  stored=$(jq -r .file <<<"$body")
  read -r down url <<<"$(sip_token bob down "$stored")"
  check "a download token over SIP (/filetoken down) for the posted file" eval '[[ "$down" =~ ^[0-9a-f-]{36}$ ]]'
  http GET "$B/files/$LOBBY/$stored?token=$down"
  check "  GET with it: the same bytes" eval 'is 200 && same_bytes "$f" "$work/resp.body"'
}

# ---- client/pchat's /upload and /download: real SIP for the tokens, real HTTP ----

# cli_start NAME USER [ARGS...]: client/pchat as USER in its own directory $work/NAME
# (where its downloads go), reading commands from the FIFO $work/NAME.in (cli_say; the
# caller opens it on NAME's cli_fd), its output in $work/NAME.log
cli_start() {
  local name=$1 user=$2
  shift 2
  mkdir -p "$work/$name"
  rm -f "$work/$name.in"
  mkfifo "$work/$name.in"
  (cd "$work/$name" && exec timeout 300 "$top/client/pchat" --user "$user" \
    --server "127.0.0.1:$port" --linger 0.5 "$@" <"$work/$name.in" >"$work/$name.log" 2>&1) &
  eval "cli_${name}_pid=$!"
}
cli_say() { printf '%s\n' "$2" >&"$(cli_fd "$1")" || true; } # cli_say NAME LINE (SIGPIPE ignored)
cli_fd() { case $1 in alice) echo 7 ;; bob) echo 8 ;; slow) echo 9 ;; esac; }
cli_logged() { grep -qF -- "$2" "$work/$1.log"; } # cli_logged NAME TEXT
# cli_answer SECS NAME TEXT: TEXT shows up in NAME's output within SECS
cli_answer() {
  eventually "$1" cli_logged "$2" "$3" || { echo "  $2 said: $(tail -n 3 "$work/$2.log")" >&2; return 1; }
}
# cli_file_n NAME FILE-NAME SIZE: the N of the last "[file N] FILE-NAME (SIZE bytes)" shown
cli_file_n() {
  { grep -F -- "] $2 ($3 bytes)" "$work/$1.log" || true; } | sed -n 's/.*\[file \([0-9]*\)\] .*/\1/p' | tail -1
}
# hwm_kb PID: a process's peak resident size (kB; 0 if it is gone)
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
cli_pid() { pgrep -P "$1" -x pchat || echo 0; } # the pchat under cli_start's timeout

client_checks() {
  local f big n m before after stored tokens forged apid bpid
  f=$(mkfile 'rand 300k.bin' 300000)
  trap '' PIPE # a client gone: its checks fail, the suite goes on
  cli_start alice alice
  cli_start bob bob
  exec 7>"$work/alice.in" 8>"$work/bob.in"
  cli_say alice "/join Lobby"
  cli_say bob "/join Lobby"
  check "client: alice and bob join the Lobby over SIP" eventually 20 eval \
    'cli_logged alice "--- end of history" && cli_logged bob "--- end of history"'

  cli_say alice "/upload $f"
  check "/upload of a 300 kB file named with a space: uploaded, with its stored name" \
    cli_answer 30 alice "uploaded rand 300k.bin (300000 bytes) as "
  stored=$(sed -n 's/^uploaded rand 300k\.bin (300000 bytes) as \([0-9a-f-]*\.bin\)$/\1/p' "$work/alice.log" | tail -1)
  check "  stored under that name: its row (by alice, 300000 bytes) and its bytes (sha256)" eval \
    '[ -n "$stored" ] && [ "$(sql "SELECT uploader, file_name, size FROM files WHERE stored_name = '"'$stored'"'")" = "$(printf "sip:alice@example.com\trand 300k.bin\t300000")" ] && same_bytes "$f" "$store/$LOBBY/$stored"'
  check "  bob sees the file post as [file N]" cli_answer 10 bob "> alice@example.com: [file "
  n=$(cli_file_n bob 'rand 300k.bin' 300000)
  check "  named and sized: [file ${n:-?}] rand 300k.bin (300000 bytes)" test -n "$n"

  cli_say bob "/download ${n:-0}"
  check "bob's /download N: downloaded to the file's name in his directory" \
    cli_answer 30 bob "downloaded rand 300k.bin (300000 bytes) to rand 300k.bin"
  check "  the same bytes (sha256)" same_bytes "$f" "$work/bob/rand 300k.bin"
  check "  no temporary file is left beside it" eval '[ -z "$(find "$work/bob" -name ".pchat-download-*")" ]'
  check "  with a download token bob asked for over SIP, used" eval \
    '[ "$(sql "SELECT COUNT(*) FROM file_tokens WHERE direction = '"'download'"' AND user_uri = '"'sip:bob@example.com'"' AND file_name = '"'$stored'"' AND used_at IS NOT NULL")" = 1 ]'
  printf 'mine' >"$work/bob/mine.bin"
  cli_say bob "/download ${n:-0} mine.bin"
  check "/download N over an existing file: refused, the file untouched" eval \
    'cli_answer 10 bob "download: mine.bin exists; not overwritten" && [ "$(cat "$work/bob/mine.bin")" = mine ]'
  mkdir -p "$work/bob/sub dir"
  cli_say bob "/download ${n:-0} sub dir"
  check "/download N DIRECTORY: the file's name in it" eval \
    'cli_answer 30 bob "to sub dir/rand 300k.bin" && same_bytes "$f" "$work/bob/sub dir/rand 300k.bin"'

  # a 1.9 MB file through both clients: neither holds it in memory
  big=$(mkfile big19.bin 1900000)
  apid=$(cli_pid "$cli_alice_pid") bpid=$(cli_pid "$cli_bob_pid")
  before="$(hwm_kb "$apid") $(hwm_kb "$bpid")"
  cli_say alice "/upload $big"
  cli_answer 30 bob "big19.bin (1900000 bytes)" || true
  m=$(cli_file_n bob big19.bin 1900000)
  cli_say bob "/download ${m:-0} $work/big19.copy"
  check "a 1.9 MB file up and down: the same bytes" eval \
    'cli_answer 30 bob "downloaded big19.bin (1900000 bytes)" && same_bytes "$big" "$work/big19.copy"'
  after="$(hwm_kb "$apid") $(hwm_kb "$bpid")"
  echo "files: client peak resident size (alice bob) before: $before kB, after: $after kB"
  check "  streamed: neither client's peak size grew by 1 MB" eval \
    'read -r a0 b0 <<<"$before"; read -r a1 b1 <<<"$after"; [ $((a1 - a0)) -lt 1024 ] && [ $((b1 - b0)) -lt 1024 ]'

  # errors
  tokens=$(sql "SELECT COUNT(*) FROM file_tokens")
  cli_say alice "/upload $work/no such file.txt"
  check "/upload of a missing path: a clear error" \
    cli_answer 10 alice "error: upload: cannot read $work/no such file.txt: No such file or directory"
  check "  and no token asked for" eval '[ "$(sql "SELECT COUNT(*) FROM file_tokens")" = "$tokens" ]'
  cli_say alice "/upload $work"
  check "/upload of a directory: not a regular file" \
    cli_answer 10 alice "error: upload: cannot read $work: not a regular file"
  sql "INSERT INTO server_config (name, value) VALUES ('MaxFileSizeKB', '100')
    ON DUPLICATE KEY UPDATE value = '100'"
  cli_say alice "/upload $(mkfile over.bin 150000)"
  check "/upload over MaxFileSizeKB: the service's 413 and its sentence" \
    cli_answer 30 alice "error: upload of over.bin failed: HTTP 413 too_large: the file is 150000 bytes, over the limit of 100 KB (MaxFileSizeKB)"
  sql "UPDATE server_config SET value = '20000' WHERE name = 'MaxFileSizeKB'"
  check "  nothing stored, no part file" eval 'no_partial && [ "$(sql "SELECT COUNT(*) FROM files WHERE file_name = '"'over.bin'"'")" = 0 ]'
  cli_say bob "/download 999"
  check "/download of an unknown N: a clear error" \
    cli_answer 10 bob "error: download: no [file 999] was shown"
  cli_say bob "/download x1"
  check "/download of a non-number: usage" cli_answer 10 bob "error: usage: /download N [PATH]"

  # a name with path separators (a token row as cmd:getfutok would never make it):
  # saved in bob's directory under a safe name
  put "$(tok upload "$LOBBY" sip:alice@example.com "$(q '../../up/evil.txt')")" "$(mkfile evil.txt 100)"
  check "bob sees the file post named ../../up/evil.txt" cli_answer 10 bob "] ../../up/evil.txt (100 bytes)"
  m=$(cli_file_n bob ../../up/evil.txt 100)
  cli_say bob "/download ${m:-0}"
  check "  /download writes it in his directory as _._.._up_evil.txt, nowhere else" eval \
    'cli_answer 30 bob "to _._.._up_evil.txt" && [ -f "$work/bob/_._.._up_evil.txt" ] && [ ! -e "$work/up" ] && [ ! -e "$var/up" ]'
  put "$(tok upload "$LOBBY" sip:alice@example.com "CONCAT('esc', CHAR(27), '[31m.txt')")" "$(mkfile esc.txt 100)"
  check "a name with a control character is shown with '?' for it" cli_answer 10 bob "] esc?[31m.txt (100 bytes)"
  m=$(cli_file_n bob 'esc?[31m.txt' 100)
  cli_say bob "/download ${m:-0}"
  check "  and saved with '_' for it" eval 'cli_answer 30 bob "to esc_[31m.txt" && [ -f "$work/bob/esc_[31m.txt" ]'

  # a post anyone can type that links a real file of the room to another server: the
  # download token is not sent there
  forged="ma-filelink:http://127.0.0.1:9/files/$LOBBY/$stored?name=forged.bin&size=300000"
  cli_say alice "$forged"
  check "a typed file post linking elsewhere is shown as a file" cli_answer 10 bob "] forged.bin (300000 bytes)"
  m=$(cli_file_n bob forged.bin 300000)
  cli_say bob "/download ${m:-0}"
  check "  /download refuses to send the token to another server" \
    cli_answer 10 bob "error: download: [file ${m:-0}] links to http://127.0.0.1:9/files/$LOBBY/$stored, not to this server's file service ($B)"
  check "  and writes nothing" test ! -e "$work/bob/forged.bin"

  # a transfer longer than Kamailio's 10 s for an INFO's answer (tm's fr_timer; then the
  # module closes the session as unreachable) while a post arrives: the client answers
  # the server's INFO during the transfer, and shows the post after it
  cli_start slow alice --limit-rate 100000
  exec 9>"$work/slow.in"
  cli_say slow "/join Lobby"
  cli_answer 20 slow "--- end of history" || true
  cli_say slow "/upload $(mkfile slow.bin 1600000)"
  sleep 3
  cli_say bob "posted during the slow upload"
  check "a 1.6 MB upload at --limit-rate 100000 (16 s): uploaded" \
    cli_answer 40 slow "uploaded slow.bin (1600000 bytes)"
  check "  bob's post meanwhile is shown after it" cli_answer 10 slow "bob@example.com: posted during the slow upload"
  cli_say slow "posted after the slow upload"
  check "  the session lived on: alice's next post reaches bob" \
    cli_answer 10 bob "alice@example.com: posted after the slow upload"
  check "  no session was closed as unreachable" eval '! grep "reason=unreachable" "$var/backend.log"'

  cli_say alice /quit
  cli_say bob /quit
  cli_say slow /quit
  exec 7>&- 8>&- 9>&-
  check "the clients end cleanly" eval 'wait "$cli_alice_pid" && wait "$cli_bob_pid" && wait "$cli_slow_pid"'
  trap - PIPE
  check "no part file is left" no_partial
}

# ---- compliance: FILEUPLOAD and FILEDOWNLOAD in the transfer's own transaction ----

compliance_checks() {
  local f t d stored
  "${stack[@]}" compliance-stop >/dev/null # the events stay in the table to be counted
  mkdir -p "$var/compliance"
  sql "UPDATE compliance_config SET adapter_type = 'XML', output_directory = '$var/compliance'
    WHERE id = 1"
  f=$(mkfile audit.txt 100)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'audit.txt')")
  put "$t" "$f"
  stored=$(jq -r .file <<<"$body")
  d=$(tok download "$LOBBY" sip:bob@example.com "$(q "$stored")")
  http GET "$B/files/$LOBBY/$stored?token=$d"
  http GET "$B/files/$LOBBY/$stored?token=$d"
  check "compliance: FILEUPLOAD by alice, the stored name as content, with the post's id" eval '[ "$(sql "SELECT COUNT(*) FROM compliance_events e JOIN files f ON f.message_id = e.msg_id WHERE e.event_type = '"'FILEUPLOAD'"' AND e.content = '"'$stored'"' AND e.user_uri = '"'sip:alice@example.com'"'")" = 1 ]'
  check "  FILEDOWNLOAD by bob, once for the token's two downloads" eval '[ "$(sql "SELECT COUNT(*) FROM compliance_events WHERE event_type = '"'FILEDOWNLOAD'"' AND content = '"'$stored'"' AND user_uri = '"'sip:bob@example.com'"'")" = 1 ]'
  sql "UPDATE compliance_config SET adapter_type = '' WHERE id = 1"
}

# ---- bad tokens ----

token_checks() {
  local f t d stored
  f=$(mkfile small.bin 1000)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'small.bin')")
  put "$t" "$f"
  stored=$(jq -r .file <<<"$body")
  put "$t" "$f"
  check "an upload token used again: 403" error_is 403 forbidden
  check "  saying it was used" json_has '.message | test("used already")'
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'late.bin')" 'UTC_TIMESTAMP(3) - INTERVAL 1 SECOND')
  put "$t" "$f"
  check "an expired upload token: 403, saying it expired" eval 'error_is 403 forbidden && json_has ".message | test(\"expired\")"'
  put "$(python3 -c 'import uuid; print(uuid.uuid4())')" "$f"
  check "a forged upload token (a random GUID): 403" error_is 403 forbidden
  put "not-a-token" "$f"
  check "a malformed token: 403" error_is 403 forbidden
  http PUT "$B/files/$t/../../../etc/passwd" --path-as-is --data-binary "@$f"
  check "a token with a path after it: refused ($code)" eval '[ "$code" = 404 ] || [ "$code" = 405 ]'
  d=$(tok download "$LOBBY" sip:alice@example.com "$(q "$stored")")
  put "$d" "$f"
  check "a download token to upload: 403" eval 'error_is 403 forbidden && json_has ".message | test(\"download token\")"'
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q "$stored")")
  http GET "$B/files/$LOBBY/$stored?token=$t"
  check "an upload token to download: 403" error_is 403 forbidden
  http GET "$B/files/$OPS/$stored?token=$d"
  check "a download token for another room (the URL's room differs): 403" eval 'error_is 403 forbidden && json_has ".message | test(\"another room\")"'
  local other
  other=$(sql "SELECT stored_name FROM files WHERE stored_name <> '$stored' AND room_id = $LOBBY LIMIT 1")
  http GET "$B/files/$LOBBY/$other?token=$d"
  check "a download token for another file: 403" eval 'error_is 403 forbidden && json_has ".message | test(\"another file\")"'
  d=$(tok download "$LOBBY" sip:alice@example.com "$(q "$stored")" 'UTC_TIMESTAMP(3) - INTERVAL 1 SECOND')
  http GET "$B/files/$LOBBY/$stored?token=$d"
  check "an expired download token: 403" error_is 403 forbidden
  http GET "$B/files/$LOBBY/$stored"
  check "a download without a token: 403" error_is 403 forbidden
  http GET "$B/files/$LOBBY/$stored?token=$(python3 -c 'import uuid; print(uuid.uuid4())')"
  check "a forged download token: 403" error_is 403 forbidden
  http GET "$B/files/$LOBBY/..%2f..%2fetc%2fpasswd?token=$d" --path-as-is
  check "a download path with separators: 404" error_is 404 not_found
  http GET "$B/nothing-here"
  check "an unknown path: 404 JSON" error_is 404 not_found
  http DELETE "$B/files/$t"
  check "DELETE on an upload URL: 405" error_is 405 method_not_allowed
  check "no part file is left" no_partial
}

# ---- sizes, lengths, quota, disk ----

size_checks() {
  local f t line
  f=$(mkfile chunked.bin 5000)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'chunked.bin')")
  http PUT "$B/files/$t" -H 'Transfer-Encoding: chunked' --data-binary "@$f"
  check "a chunked upload (no Content-Length): 411" error_is 411 length_required
  sql "INSERT INTO server_config (name, value) VALUES ('MaxFileSizeKB', '100')
    ON DUPLICATE KEY UPDATE value = '100'"
  line=$(raw "/PersistentChat/files/$t" 1000000000 0 read)
  check "a declared 1 GB over MaxFileSizeKB is refused 413 before a byte is sent" eval '[[ "$line" == *" 413 "* ]] || { echo "  got: $line" >&2; false; }'
  f=$(mkfile big.bin 150000)
  put "$t" "$f"
  check "a 150 KB file over MaxFileSizeKB 100: 413 saying the limit" eval 'error_is 413 too_large && json_has ".message | test(\"100 KB\")"'
  sql "UPDATE server_config SET value = '20000' WHERE name = 'MaxFileSizeKB'"
  check "  nothing stored, no part file" eval 'no_partial && [ "$(sql "SELECT COUNT(*) FROM files WHERE file_name = '"'big.bin'"'")" = 0 ]'

  line=$(raw "/PersistentChat/files/$t" 100 150 read)
  check "more bytes than Content-Length: the declared 100 are the file ($line)" eval '[[ "$line" == *" 201 "* ]] && [ "$(sql "SELECT size FROM files WHERE file_name = '"'chunked.bin'"'")" = 100 ] && [ "$(stat -c %s "$store/$LOBBY/$(sql "SELECT stored_name FROM files WHERE file_name = '"'chunked.bin'"'")")" = 100 ]'

  # a connection dropped mid-body: nothing left, and the token may try again
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'cut.bin')")
  raw "/PersistentChat/files/$t" 200000 100000 close
  check "a truncated upload (connection dropped mid-body) leaves no part file, no row" eventually 5 no_partial
  check "  and its token may upload again" eval '[ "$(sql "SELECT file_id IS NULL AND used_at IS NULL FROM file_tokens WHERE token = '"'$t'"'")" = 1 ]'
  f=$(mkfile cut.bin 200000)
  put "$t" "$f"
  check "  which it does: 201, the exact bytes" eval 'is 201 && same_bytes "$f" "$store/$LOBBY/$(jq -r .file <<<"$body")"'

  # a full disk: the simulated limit of STORE_LIMIT bytes per file
  f=$(mkfile full.bin 2500000)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'full.bin')")
  put "$t" "$f"
  check "a full disk: 507 insufficient_storage" error_is 507 insufficient_storage
  check "  no part file, no row" no_partial

  # the daily quota (UTC): alice has uploaded over 500 KB today, carol nothing
  sql "INSERT INTO server_config (name, value) VALUES ('FileDailyQuotaKB', '100')
    ON DUPLICATE KEY UPDATE value = '100'"
  f=$(mkfile quota.bin 1000)
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'quota.bin')")
  put "$t" "$f"
  check "over FileDailyQuotaKB: 429 quota_exceeded, saying when it starts again" eval 'error_is 429 quota_exceeded && json_has ".message | test(\"midnight UTC\")"'
  t=$(tok upload "$LOBBY" sip:carol@example.com "$(q 'quota.bin')")
  put "$t" "$f"
  check "  another user's upload is within it: 201" is 201
  sql "UPDATE server_config SET value = '200000' WHERE name = 'FileDailyQuotaKB'"
  check "no part file is left" no_partial
  check "the store matches the database" store_consistent
}

# ---- names: whatever the token row holds never reaches a path ----

name_checks() {
  local f t stored name d
  f=$(mkfile name.bin 300)
  for name in "'../../etc/passwd'" "'a/b\\\\c.txt'" "CONCAT('ctl', CHAR(1), CHAR(10), 'x\".txt')" \
    "REPEAT(CONVERT(0xF09F9880 USING utf8mb4), 250)"; do
    t=$(tok upload "$LOBBY" sip:alice@example.com "$name")
    put "$t" "$f"
    stored=$(jq -r .file <<<"$body")
    check "name $name: 201, stored as a GUID in the room's directory" eval 'is 201 && [[ "$stored" =~ ^[0-9a-f-]{36}\.[a-z0-9]+$ ]] && [ -f "$store/$LOBBY/$stored" ]'
    check "  the post's link decodes to the name" python3 -c '
import sys, urllib.parse
body, want = sys.argv[1], sys.argv[2]
q = body.split("?", 1)[1]
name = [urllib.parse.unquote(p[5:]) for p in q.split("&") if p.startswith("name=")][0]
sys.exit(0 if name == want else 1)' "$(sql "SELECT body FROM messages WHERE id = $(jq .message_id <<<"$body")")" "$(sqlraw "SELECT file_name FROM files WHERE stored_name = '$stored'")"
    d=$(tok download "$LOBBY" sip:bob@example.com "$(q "$stored")")
    http GET "$B/files/$LOBBY/$stored?token=$d"
    check "  downloads with a Content-Disposition of one line, no quote or control character" eval 'is 200 && grep -i "^Content-Disposition" <<<"$headers" | tr -d "\r" | grep -qE "^Content-Disposition: attachment; filename=\"[^\"[:cntrl:]]*\"; filename\*=UTF-8'"''"'[A-Za-z0-9%._~-]+$"'
  done
  check "nothing was written outside the rooms' directories" eval '[ -z "$(find "$store" -mindepth 1 -maxdepth 1 ! -regex ".*/[0-9]+")" ] && [ ! -e "$var/etc" ]'
  check "no part file is left" no_partial
}

# ---- the SOAP service ----

# soap OP PARAMS-XML [CURL ARGS...]: POSTs the operation to MGCWebService.asmx.
soap() {
  local op=$1 params=$2
  shift 2
  printf '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><%s xmlns="http://www.microsoft.com">%s</%s></soap:Body></soap:Envelope>' \
    "$op" "$params" "$op" >"$work/soap.xml"
  http POST "$B/MGCWebService.asmx" -H "SOAPAction: \"www.microsoft.com/$op\"" \
    -H 'Content-Type: text/xml; charset=utf-8' --data-binary "@$work/soap.xml" "$@"
}
xpath() { xmllint --xpath "string($1)" "$work/resp.body" 2>/dev/null; }
result() { xpath "//*[local-name()='$1Result']"; }
# result_is OP VALUE: a 200 answer of OP whose result is VALUE
result_is() {
  [ "$code" = 200 ] && [ "$(result "$1")" = "$2" ] || { echo "  got $code: $(head -c 600 <<<"$body")" >&2; return 1; }
}
# fault_is STATUS [TEXT]: a SOAP fault (HTTP 500) with our status (and its sentence has TEXT)
fault_is() {
  [ "$code" = 500 ] && [ "$(xpath '//*[local-name()="Fault"]/detail/error/@status')" = "$1" ] &&
    [[ "$(xpath '//*[local-name()="faultstring"]')" == *"${2:-}"* ]] ||
    { echo "  got $code: $(head -c 600 <<<"$body")" >&2; return 1; }
}
# chunk TOKEN CHANNEL NAME FILE OFFSET LENGTH FILELENGTH: AppendChunk of FILE's bytes
chunk() {
  local b64
  b64=$(slice "$4" "$5" "$6" | base64 -w0)
  soap AppendChunk "<token>$1</token><channelId>$2</channelId><uniqueFilename>$3</uniqueFilename><fileChunk>$b64</fileChunk><offset>$5</offset><fileLength>$7</fileLength>"
}

soap_checks() {
  local f t d name chan stored i out url carol_pid
  soap GetMaxFileSizeInKB ""
  check "SOAP GetMaxFileSizeInKB: MaxFileSizeKB (20000)" result_is GetMaxFileSizeInKB 20000
  soap GetMaxRequestContentInKB ""
  check "SOAP GetMaxRequestContentInKB: 512" result_is GetMaxRequestContentInKB 512
  check "  as text/xml" header_has Content-Type "text/xml"

  f=$(mkfile soap.docx 300000)
  # the token over real SIP, as a Lync client gets it; carol watches the Lobby
  listen_lobby carol "$work/carol.log" 8 &
  carol_pid=$!
  read -r t url <<<"$(sip_token alice up "Plan Q4.docx")"
  chan=$(sql "SELECT chan_id FROM rooms WHERE id = $LOBBY")
  soap RequestUniqueFilenameWithExtension "<token>$t</token><channelId>$chan</channelId>"
  name=$(result RequestUniqueFilenameWithExtension)
  check "RequestUniqueFilenameWithExtension: a <GUID>.docx ($name)" eval '[ "$code" = 200 ] && [[ "$name" =~ ^[0-9a-f-]{36}\.docx$ ]]'
  chunk "$t" "$chan" "$name" "$f" 0 100000 300000
  check "AppendChunk at 0 (channelId: the room's chan id): 100000 stored" result_is AppendChunk 100000
  check "  the part file is there meanwhile, no file yet" eval '[ -f "$store/$LOBBY/.$name.part" ] && [ ! -e "$store/$LOBBY/$name" ]'
  chunk "$t" "$chan" "$name" "$f" 50000 100000 300000
  check "a chunk at a wrong offset: fault 409 naming the offset expected" fault_is 409 "100000 bytes stored"
  chunk "$t" "$LOBBY" "$name" "$f" 100000 100000 300000
  check "AppendChunk at 100000 (channelId: the room's id): 200000" result_is AppendChunk 200000
  chunk "$t" "ma-chan://example.com/$chan" "$name" "$(mkfile more.bin 300001)" 200000 100001 300000
  check "a chunk past fileLength: fault 413, nothing written" eval 'fault_is 413 "more bytes" && [ "$(stat -c %s "$store/$LOBBY/.$name.part")" = 200000 ]'
  soap AppendChunk "<token>$t</token><channelId>$LOBBY</channelId><uniqueFilename>$name</uniqueFilename><fileChunk>not*base64</fileChunk><offset>200000</offset><fileLength>300000</fileLength>"
  check "a chunk that is not base64: fault 400" fault_is 400 "base64"
  chunk "$t" "$OPS" "$name" "$f" 200000 100000 300000
  check "a chunk naming another room: fault 403" fault_is 403 "another room"
  chunk "$t" "ma-chan://example.com/$chan" "$name" "$f" 200000 100000 300000
  check "the last chunk (channelId: the room's URI) completes the upload: 300000" result_is AppendChunk 300000
  check "  the exact bytes on disk (sha256)" same_bytes "$f" "$store/$LOBBY/$name"
  check "  its row stored, its post in the history with the link" eval '[ "$(sql "SELECT f.state, m.body FROM files f JOIN messages m ON m.id = f.message_id WHERE f.stored_name = '"'$name'"'")" = "$(printf "stored\tma-filelink:%s/files/%s/%s?name=Plan%%20Q4.docx&size=300000" "$B" "$LOBBY" "$name")" ]'
  check "  the upload counted as soap" metric_is 'pchatd_file_uploads_total{api="soap"}' -eq 1
  chunk "$t" "$LOBBY" "$name" "$f" 0 100000 300000
  check "AppendChunk with the used token: fault 403" fault_is 403 "used already"

  wait "$carol_pid"
  check "  carol, in the Lobby over SIP, got the file post" grep -q "\[file [0-9]*\] Plan Q4.docx (300000 bytes)$" "$work/carol.log"
  read -r d url <<<"$(sip_token bob down "$name")"
  soap GetFileSize "<token>$d</token><channelId>$LOBBY</channelId><reposFileName>$name</reposFileName>"
  check "GetFileSize: 300000" result_is GetFileSize 300000
  : >"$work/soap.out"
  for i in 0 200000; do
    soap DownloadChunk "<token>$d</token><channelId>$chan</channelId><reposFileName>$name</reposFileName><offset>$i</offset><bufferSize>200000</bufferSize>"
    result DownloadChunk | base64 -d >>"$work/soap.out"
  done
  check "DownloadChunk twice: the exact bytes (sha256)" same_bytes "$f" "$work/soap.out"
  soap DownloadChunk "<token>$d</token><channelId>$LOBBY</channelId><reposFileName>$name</reposFileName><offset>300001</offset><bufferSize>10</bufferSize>"
  check "DownloadChunk past the end: fault 416" fault_is 416 "past the end"
  soap DownloadChunk "<token>$t</token><channelId>$LOBBY</channelId><reposFileName>$name</reposFileName><offset>0</offset><bufferSize>10</bufferSize>"
  check "DownloadChunk with an upload token: fault 403" fault_is 403 "upload token"
  soap GetFileSize "<token>$d</token><channelId>$OPS</channelId><reposFileName>$name</reposFileName>"
  check "GetFileSize naming another room: fault 403" fault_is 403 "another room"

  # bad tokens and names
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'x.txt')")
  chunk "$(python3 -c 'import uuid; print(uuid.uuid4())')" "$LOBBY" "$name" "$f" 0 10 10
  check "AppendChunk with a forged token: fault 403" fault_is 403
  chunk "$t" "$LOBBY" "0d0d0d0d-0000-4000-8000-00000000000a.pdf" "$f" 0 10 10
  check "a uniqueFilename this server did not give the token's file: fault 400" fault_is 400 "not a name"
  chunk "$t" "$LOBBY" "../../x.txt" "$f" 0 10 10
  check "a uniqueFilename with separators: fault 400" fault_is 400
  chunk "$t" "$LOBBY" "0d0d0d0d-0000-4000-8000-00000000000a.txt" "$f" 0 10 30000000
  check "a fileLength over MaxFileSizeKB: fault 413" fault_is 413 "MaxFileSizeKB"
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'x.txt')" 'UTC_TIMESTAMP(3) - INTERVAL 1 SECOND')
  soap RequestUniqueFilenameWithExtension "<token>$t</token><channelId>$LOBBY</channelId>"
  check "RequestUniqueFilenameWithExtension with an expired token: fault 403" fault_is 403 "expired"
  soap GetFileSize "<channelId>$LOBBY</channelId>"
  check "an operation without its token: fault 400" fault_is 400 "needs <token>"
  soap NoSuchOperation ""
  check "an unknown operation: fault 400" fault_is 400 "no operation"

  # malformed SOAP
  http POST "$B/MGCWebService.asmx" --data-binary 'this is not XML'
  check "a body that is not XML: SOAP fault, HTTP 500, soap:Client" eval 'fault_is 400 "malformed XML" && [ "$(xpath "//*[local-name()=\"faultcode\"]")" = soap:Client ]'
  printf '<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x "y">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetFileSize xmlns="http://www.microsoft.com"><token>&x;</token></GetFileSize></soap:Body></soap:Envelope>' >"$work/ent.xml"
  http POST "$B/MGCWebService.asmx" --data-binary "@$work/ent.xml"
  check "an entity declaration: SOAP fault (DOCTYPE)" fault_is 400 "DOCTYPE"
  printf '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><GetMaxFileSizeInKB xmlns="http://www.microsoft.com"/></soap:Body></soap:Envelope>' >"$work/s12.xml"
  http POST "$B/MGCWebService.asmx" --data-binary "@$work/s12.xml"
  check "a SOAP 1.2 envelope: fault" fault_is 400 "SOAP 1.1"
  http POST "$B/MGCWebService.asmx" -H 'SOAPAction: "www.microsoft.com/DownloadChunk"' \
    --data-binary "@$work/s12.xml"
  sed -i 's|http://www.w3.org/2003/05/soap-envelope|http://schemas.xmlsoap.org/soap/envelope/|' "$work/s12.xml"
  http POST "$B/MGCWebService.asmx" -H 'SOAPAction: "www.microsoft.com/DownloadChunk"' \
    --data-binary "@$work/s12.xml"
  check "a SOAPAction naming another operation: fault" fault_is 400 "does not name"
  head -c 600000 /dev/zero | tr '\0' a >"$work/big.xml"
  http POST "$B/MGCWebService.asmx" --data-binary "@$work/big.xml"
  check "a request over GetMaxRequestContentInKB: fault 413" fault_is 413 "GetMaxRequestContentInKB"
  http POST "$B/MGCWebService.asmx" -H 'Transfer-Encoding: chunked' --data-binary "@$work/big.xml"
  check "  also sent chunked (no Content-Length)" fault_is 413 "GetMaxRequestContentInKB"
  http GET "$B/MGCWebService.asmx"
  check "GET on the SOAP service: 405" error_is 405 method_not_allowed

  # a full disk mid-upload: the upload is given up, nothing left
  f=$(mkfile soapfull.bin 2400000)
  t=$(tok upload "$LOBBY" sip:carol@example.com "$(q 'soapfull.bin')")
  soap RequestUniqueFilenameWithExtension "<token>$t</token><channelId>$LOBBY</channelId>"
  name=$(result RequestUniqueFilenameWithExtension)
  out=ok
  for i in 0 300000 600000 900000 1200000 1500000 1800000 2100000; do
    chunk "$t" "$LOBBY" "$name" "$f" $i 300000 2400000
    [ "$code" = 200 ] || break
  done
  check "a full disk during SOAP chunks: fault 507 at the chunk past $STORE_LIMIT bytes ($i)" eval 'fault_is 507 "full" && [ "$i" = 1800000 ]'
  check "  the upload given up: no part file, no row" no_partial

  # an upload left half done: swept once its token expired
  f=$(mkfile half.bin 20000)
  t=$(tok upload "$LOBBY" sip:carol@example.com "$(q 'half.bin')" 'UTC_TIMESTAMP(3) + INTERVAL 3 SECOND')
  soap RequestUniqueFilenameWithExtension "<token>$t</token><channelId>$LOBBY</channelId>"
  name=$(result RequestUniqueFilenameWithExtension)
  chunk "$t" "$LOBBY" "$name" "$f" 0 10000 20000
  check "half a SOAP upload is kept while its token lasts" eval 'result_is AppendChunk 10000 && [ -f "$store/$LOBBY/.$name.part" ]'
  check "  and swept after it expired: no part file, no row" eventually 10 no_partial
  check "the store matches the database" store_consistent
}

# ---- nothing orphaned: the sweeper ----

upload() { # upload ROOM_ID NAME: uploads a small file as alice; prints its stored name
  local t f
  f=$(mkfile "$2" 2000)
  t=$(tok upload "$1" sip:alice@example.com "$(q "$2")")
  put "$t" "$f"
  jq -r .file <<<"$body"
}
gone() { [ ! -e "$store/$1" ] && [ "$(sql "SELECT COUNT(*) FROM files WHERE stored_name = '${1#*/}'")" = 0 ]; }

sweep_checks() {
  local a b c parted
  a=$(upload "$LOBBY" swept-a.txt)
  admin message remove --text "swept-a.txt" >/dev/null
  check "pchat-admin message remove: the sweeper deletes the file and its row" eventually 10 gone "$LOBBY/$a"
  admin room new --name "Files Room" >/dev/null
  local room
  room=$(room_id "Files Room")
  b=$(upload "$room" swept-b.txt)
  admin room clear --room "Files Room" >/dev/null
  check "pchat-admin room clear: the file is swept" eventually 10 gone "$room/$b"
  c=$(upload "$room" swept-c.txt)
  admin room remove --room "Files Room" >/dev/null
  check "pchat-admin room remove: the file is swept" eventually 10 gone "$room/$c"
  check "  and the room's empty directory" eventually 10 test ! -e "$store/$room"
  local d
  d=$(upload "$LOBBY" swept-d.txt)
  body=$(admin --json file get --file "$d")
  check "pchat-admin file get --file: the file, stored, with its post" \
    json_has '.[0].state == "stored" and .[0].name == "swept-d.txt" and .[0].message_id != null'
  check "pchat-admin file usage: the Lobby's bytes are its stored files'" eval '[ "$(admin --json file usage --room Lobby | jq ".[0].bytes")" = "$(sql "SELECT SUM(size) FROM files WHERE room_id = $LOBBY AND state = '"'stored'"'")" ]'
  admin file remove --file "$d" >/dev/null
  check "pchat-admin file remove: the post goes, the sweeper deletes the file" eventually 10 gone "$LOBBY/$d"
  check "  file remove without a filter is refused" eval '! admin file remove 2>/dev/null' 
  # an upload that never completed, its token expired (as after a crash mid-upload)
  local t
  t=$(tok upload "$LOBBY" sip:alice@example.com "$(q 'crashed.bin')" 'UTC_TIMESTAMP(3) + INTERVAL 2 SECOND')
  sql "BEGIN; INSERT INTO files (room_id, stored_name, file_name, size, uploader, created_at)
    VALUES ($LOBBY, '0d0d0d0d-0000-4000-8000-000000000001.bin', 'crashed.bin', 10,
    'sip:alice@example.com', UTC_TIMESTAMP(3));
    UPDATE file_tokens SET file_id = LAST_INSERT_ID() WHERE token = '$t'; COMMIT"
  printf 'part' >"$store/$LOBBY/.0d0d0d0d-0000-4000-8000-000000000001.bin.part"
  sleep 1.5
  check "  an upload under way is not swept while its token lasts" test -e "$store/$LOBBY/.0d0d0d0d-0000-4000-8000-000000000001.bin.part"
  check "an upload never completed is swept once its token expired" eventually 10 gone "$LOBBY/.0d0d0d0d-0000-4000-8000-000000000001.bin.part"
  printf 'stray' >"$store/$LOBBY/.0d0d0d0d-0000-4000-8000-000000000002.bin.part"
  check "a stray part file (no upload owns it) is swept" eventually 10 test ! -e "$store/$LOBBY/.0d0d0d0d-0000-4000-8000-000000000002.bin.part"
  printf 'old' >"$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000003.bin"
  touch -d '2 hours ago' "$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000003.bin"
  printf 'new' >"$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000004.bin"
  check "a file without a row, older than an hour, is swept" eventually 10 test ! -e "$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000003.bin"
  check "  a new one is not (an upload commits right after its rename)" test -e "$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000004.bin"
  rm -f "$store/$LOBBY/0d0d0d0d-0000-4000-8000-000000000004.bin"
  check "the store matches the database" eventually 5 store_consistent
}

# ---- memory: an upload costs pchatd less than 2 MB ----

memory_checks() {
  local base peak n=8
  if pchatd_sanitized; then
    echo "files: skip memory per upload (a sanitized pchatd keeps freed memory in quarantine)"
    return
  fi
  # each sent slowly (--limit-rate) so that they overlap
  concurrent_uploads $n 1500000 "$LOBBY" --limit-rate 600k >/dev/null # every thread's connection and buffers made
  base=$(rss_kb)
  peak=$(concurrent_uploads $n 1500000 "$LOBBY" --limit-rate 600k)
  echo "files: $n concurrent uploads of 1.5 MB: pchatd's resident size $base kB -> at most $peak kB"
  check "$n concurrent uploads grow pchatd by less than 2 MB each" [ $((peak - base)) -lt $((n * 2048)) ]
  check "  and less than the files themselves ($((n * 1500)) kB)" [ $((peak - base)) -lt $((n * 1465)) ]
  check "  all stored" eval '[ "$(sql "SELECT COUNT(*) FROM files WHERE file_name LIKE '"'conc%'"' AND state = '"'stored'"'")" = $((2 * n)) ]'
  check "  no part file left" no_partial
}

# ---- metrics ----

metrics_checks() {
  local puts
  puts=$(($(grep -c "files: sip:.* stored " "$var/backend.log") - 1)) # one by SOAP
  check "pchatd_file_uploads_total{api=\"put\"} counts the uploads ($puts)" \
    metric_is 'pchatd_file_uploads_total{api="put"}' -eq "$puts"
  check "  refusals by reason: too_large" metric_is 'pchatd_file_uploads_refused_total{reason="too_large"}' -ge 2
  check "  forbidden" metric_is 'pchatd_file_uploads_refused_total{reason="forbidden"}' -ge 5
  check "  truncated" metric_is 'pchatd_file_uploads_refused_total{reason="truncated"}' -eq 1
  check "  insufficient_storage (PUT and SOAP)" metric_is 'pchatd_file_uploads_refused_total{reason="insufficient_storage"}' -eq 2
  check "  length_required" metric_is 'pchatd_file_uploads_refused_total{reason="length_required"}' -eq 1
  check "  quota_exceeded" metric_is 'pchatd_file_uploads_refused_total{reason="quota_exceeded"}' -eq 1
  check "bytes uploaded" metric_is 'pchatd_file_bytes_total{direction="uploaded"}' -gt 300000
  check "bytes downloaded" metric_is 'pchatd_file_bytes_total{direction="downloaded"}' -gt 300000
  check "downloads by API" metric_is 'pchatd_file_downloads_total{api="get"}' -ge 5
  check "files swept by kind: stored" metric_is 'pchatd_file_swept_total{kind="stored"}' -ge 3
  check "  part" metric_is 'pchatd_file_swept_total{kind="part"}' -ge 2
  check "the store's size, by the sweeper's scan" eventually 5 metric_is pchatd_file_store_bytes -eq \
    "$(find "$store" -type f -printf "%s\n" | awk '{ s += $1 } END { print s + 0 }')"
}

put_checks
sip_token_checks
client_checks
compliance_checks
token_checks
size_checks
name_checks
soap_checks
memory_checks
sweep_checks
metrics_checks

"${stack[@]}" backend-stop >/dev/null # a sanitizer reports when pchatd exits
check "pchatd stopped cleanly (no upload left behind)" no_partial
if sanitizer_report pchatd "$var/backend.log"; then failed=$((failed + 1)); fi
echo "files: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then tail_logs 30 backend; exit 1; fi
