#!/usr/bin/env bash
# Real-client test: the unmodified Debian pidgin-sipe plugin, driven headless by
# sipe-harness, against a private stack (MariaDB, pchatd, Kamailio with our module) on a
# free loopback port under build/sipe-var.  Stops every process it started, whatever
# happens; exits with the harness's status.  Needs: apt-get install pidgin-sipe
# libpurple-dev, and a built tree (make build).  See docs/SIPE-TEST.md.
# The harness runs twice: over TCP, then over TLS (the stack's TLS port, its private CA
# given to libpurple and to bob's pchat; docs/OPERATIONS.md, "SIP over TLS").
set -euo pipefail
# the default, authenticated mode: pidgin-sipe signs in with its password (a Digest 407;
# a 401 would end its login), and bob (client/pchat) with his
unset PCHAT_TRUSTED
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

. "$top/tests/lib.sh"
port=$(free_port 27060)
stack_init "$port"

show_logs() {
  tail_logs 30 kamailio backend
  echo "---- purple/sipe debug logs: $var/harness-{tcp,tls}/purple-debug.log"
}

echo "sipe: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start || { show_logs; exit 1; }

# --moderate: what an administrator runs to remove a line (its text: $1)
moderate="'$top/admin/pchat-admin' --db-socket '$var/mysql.sock' --db-user root message remove --text \"\$1\""
failed=
# harness TRANSPORT PORT OPTION...: one run of every check over TRANSPORT
harness() {
  local transport=$1 p=$2 status=0
  shift 2
  echo "sipe: pidgin-sipe over $transport to 127.0.0.1:$p"
  timeout -k 5 120 "$top/tests/sipe/sipe-harness" --server "127.0.0.1:$p" --transport "$transport" \
    --pchat "$top/client/pchat" --dir "$var/harness-$transport" --moderate "$moderate" "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "sipe: sipe-harness over $transport exited $status"
    failed="$failed $transport"
  fi
}
harness tcp "$port"
harness tls "$(cat "$var/kamailio/tls-port")" --ca "$var/tls/ca.pem"
[ -z "$failed" ] && exit 0
show_logs
echo "sipe: failed over:$failed"
exit 1
