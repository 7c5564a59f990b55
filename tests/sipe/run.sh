#!/usr/bin/env bash
# Real-client test: the unmodified Debian pidgin-sipe plugin, driven headless by
# sipe-harness, against a private stack (MariaDB, pchatd, Kamailio with our module) on a
# free loopback port under build/sipe-var.  Stops every process it started, whatever
# happens; exits with the harness's status.  Needs: apt-get install pidgin-sipe
# libpurple-dev, and a built tree (make build).  See docs/SIPE-TEST.md.
set -euo pipefail
unset PCHAT_AUTH   # sipe needs the trusted mode: a Digest 401 on REGISTER ends its login
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/sipe-var"
rm -rf "$var"
mkdir -p "$var"

if [ ! -e /usr/lib/purple-2/libsipe.so ] || ! pkg-config --exists purple; then
  echo "sipe: pidgin-sipe and libpurple-dev are needed (apt-get install -y pidgin-sipe libpurple-dev)"
  exit 1
fi
for f in backend/pchatd client/pchat build/kamailio-src/src/modules/pchat/pchat.so; do
  [ -x "$top/$f" ] || [ -f "$top/$f" ] || { echo "sipe: $f is missing; run make build first"; exit 1; }
done
make -s -C "$top/tests/sipe"

free_port() {
  python3 - <<'PY' 2>/dev/null || echo 27060
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    u.bind(("127.0.0.1", p)); print(p)
finally:
    u.close()
PY
}
port=$(free_port)
stack=("$top/scripts/stack.sh" --var "$var" --port "$port")

cleanup() { "${stack[@]}" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

show_logs() {
  for f in kamailio backend; do
    echo "---- last lines of $var/$f.log"
    tail -n 30 "$var/$f.log" 2>/dev/null || true
  done
  echo "---- purple/sipe debug log: $var/harness/purple-debug.log"
}

echo "sipe: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start || { show_logs; exit 1; }

status=0
timeout -k 5 120 "$top/tests/sipe/sipe-harness" --server "127.0.0.1:$port" \
  --pchat "$top/client/pchat" --dir "$var/harness" || status=$?
[ "$status" -eq 0 ] && exit 0
show_logs
echo "sipe: sipe-harness exited $status"
exit 1
