#!/usr/bin/env bash
# tests/e2e/peer.sh VAR: who may use the module socket (docs/OPERATIONS.md, "The module
# socket").  Run by tests/e2e/run.sh while the stack under VAR is up, before the SIP
# tests, which then show that Kamailio's own links still work.
#   - the stack's socket is 0600 in a 0700 directory: another uid (nobody) cannot
#     connect at all;
#   - a pchatd whose --module-uid is not ours refuses our connection (SO_PEERCRED),
#     logging pid and uid, without reading a frame;
#   - pchatd refuses to start when the socket's directory is writable by others.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$1"
dir="$var/peer"
rm -rf "$dir"
mkdir -p "$dir"
fails=0
. "$top/tests/lib.sh"
pass() { echo "peer: ok   $*"; }
fail() { echo "peer: FAIL $*"; fails=$((fails + 1)); }

# connect_hello SOCKET: connects, sends a HELLO frame and prints what the server did:
# "closed" (closed without answering: EOF, or a reset or broken pipe as our frame was
# never read),
# "open" (still connected after 1 s), "data" or the error.
connect_hello() {
  python3 - "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    s.connect(sys.argv[1])
    s.sendall(struct.pack(">IBBHIQ", 16 + 4, 1, 1, 0, 0, 0) + b"peer")
    s.settimeout(1.0)
    print("closed" if s.recv(64) == b"" else "data")
except ConnectionError:
    print("closed")
except socket.timeout:
    print("open")
except OSError as e:
    print(type(e).__name__)
PY
}

sock="$var/run/backend.sock"
[ "$(stat -c %a "$var/run")" = 700 ] && pass "socket directory is 0700" ||
  fail "socket directory mode $(stat -c %a "$var/run")"
[ "$(stat -c %a "$sock")" = 600 ] && pass "socket is 0600" ||
  fail "socket mode $(stat -c %a "$sock")"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v socat >/dev/null; then
  if setpriv --reuid=65534 --regid=65534 --clear-groups \
      socat -u OPEN:/dev/null "UNIX-CONNECT:$sock" 2>"$dir/nobody.err"; then
    fail "nobody connected to the stack's socket"
  else
    pass "nobody cannot connect to the stack's socket ($(grep -o 'Permission denied' "$dir/nobody.err" | head -1))"
  fi
else
  echo "peer: skip connecting as nobody (not root, or no setpriv/socat)"
fi

# A second pchatd that accepts only uid 65534 (not ours); we connect as ourselves.
other=65534
[ "$(id -u)" = "$other" ] && other=65533
"$top/backend/pchatd" --socket "$dir/run/b.sock" --module-uid "$other" \
  --db-socket "$var/mysql.sock" --db-name pchat >"$dir/pchatd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do [ -S "$dir/run/b.sock" ] && break; sleep 0.1; done
[ "$(stat -c %a "$dir/run" 2>/dev/null)" = 700 ] && pass "pchatd created its socket directory 0700" ||
  fail "created socket directory mode $(stat -c %a "$dir/run" 2>/dev/null)"
got=$(connect_hello "$dir/run/b.sock")
sleep 0.2
if [ "$got" = closed ] && grep -q "connection refused (.*) pid=[0-9]* uid=$(id -u)$" "$dir/pchatd.log" &&
   ! grep -q "module connected" "$dir/pchatd.log"; then
  pass "a connection from uid $(id -u) is refused by a pchatd with --module-uid $other"
else
  fail "connection to a pchatd of --module-uid $other: $got"; cat "$dir/pchatd.log"
fi
kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
if sanitizer_report peer "$dir/pchatd.log"; then fail "sanitizer report in $dir/pchatd.log"; fi

# A directory others may write: pchatd does not start.
mkdir -p "$dir/open" && chmod 1777 "$dir/open"
if timeout 10 "$top/backend/pchatd" --socket "$dir/open/b.sock" --db-socket "$var/mysql.sock" \
    --db-name pchat >"$dir/open.log" 2>&1; then
  fail "pchatd started with its socket in a world-writable directory"
elif grep -q "is writable by group or others .*refusing to start" "$dir/open.log" &&
     [ ! -e "$dir/open/b.sock" ]; then
  pass "pchatd refuses a socket directory others may write"
else
  fail "pchatd in a world-writable directory:"; cat "$dir/open.log"
fi

[ "$fails" -eq 0 ] && echo "peer: all passed" && exit 0
echo "peer: $fails failed"
exit 1
