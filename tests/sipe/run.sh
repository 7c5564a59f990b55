#!/usr/bin/env bash
# Real-client test: the unmodified Debian pidgin-sipe plugin, driven headless by
# sipe-harness, against a private stack (MariaDB, pchatd, Kamailio with our module) on a
# free loopback port under build/sipe-var.  Stops every process it started, whatever
# happens; exits with the harness's status.  Needs: apt-get install pidgin-sipe
# libpurple-dev, and a built tree (make build).  See docs/SIPE-TEST.md.
# The harness runs four times: over TCP, then over TLS (the stack's TLS port, its private
# CA given to libpurple and to bob's pchat; docs/OPERATIONS.md, "SIP over TLS"), with
# the password checked by Digest; then the same two against the NTLM listeners, where
# the same pidgin-sipe account (authentication=ntlm, its default) authenticates by NTLM
# per [MS-SIPAE] and every message both ways is signed (docs/OPERATIONS.md, "Client
# authentication").
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
  echo "---- purple/sipe debug logs: $var/harness-{digest,ntlm}-{tcp,tls}/purple-debug.log"
}

echo "sipe: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start || { show_logs; exit 1; }

# --moderate: what an administrator runs to remove a line (its text: $1)
moderate="'$top/admin/pchat-admin' --db-socket '$var/mysql.sock' --db-user root message remove --text \"\$1\""
failed=
# harness AUTH TRANSPORT PORT OPTION...: one run of every check over TRANSPORT
# (bob, client/pchat, always signs in with Digest on the stack's SIP or TLS port)
harness() {
  local auth=$1 transport=$2 p=$3 status=0
  shift 3
  echo "sipe: pidgin-sipe ($auth) over $transport to 127.0.0.1:$p"
  timeout -k 5 120 "$top/tests/sipe/sipe-harness" --server "127.0.0.1:$p" --transport "$transport" \
    --auth "$auth" --pchat "$top/client/pchat" --dir "$var/harness-$auth-$transport" \
    --moderate "$moderate" "$@" || status=$?
  if [ "$status" -ne 0 ]; then
    echo "sipe: sipe-harness ($auth) over $transport exited $status"
    failed="$failed $auth/$transport"
  fi
}
tls_port=$(cat "$var/kamailio/tls-port")
# the NTLM listener against an NTLM that is not ours (Debian's gss-ntlmssp): the
# handshake, signatures both ways, unsigned/tampered/foreign-signed requests 401, a
# forged From 403, a replayed AUTHENTICATE and a wrong password 401
echo "sipe: NTLM against gss-ntlmssp (ntlm-peer)"
timeout -k 5 60 "$top/tests/sipe/ntlm-peer" --server "127.0.0.1:$(cat "$var/kamailio/ntlm-port")" ||
  failed="$failed ntlm-peer"
harness digest tcp "$port"
harness digest tls "$tls_port" --ca "$var/tls/ca.pem"
harness ntlm tcp "$(cat "$var/kamailio/ntlm-port")" --bob-server "127.0.0.1:$port"
harness ntlm tls "$(cat "$var/kamailio/ntlm-tls-port")" --ca "$var/tls/ca.pem" \
  --bob-server "127.0.0.1:$tls_port"
# every NTLM client above has disconnected: their security associations must be gone
# (pchat_ntlm_forget() in event_route[tcp:closed]/timeout/reset); the statistic counts
# them while they are held
sas=
for _ in $(seq 1 50); do
  sas=$(kamcmd -s "unix:$var/kamailio/ctl" stats.get_statistics pchat: 2>/dev/null |
    sed -n 's/.*pchat:ntlm_sas = //p')
  [ "$sas" = 0 ] && break
  sleep 0.1
done
if [ "$sas" = 0 ]; then
  echo "PASS ntlm_sas_released"
else
  echo "FAIL ntlm_sas_released: pchat:ntlm_sas is '$sas' after every NTLM client left"
  failed="$failed ntlm_sas"
fi
# every client has disconnected too: the identities their connections proved by Digest
# (htable pchat_conn, kamailio-cfg/pchat-auth.cfg) must be gone with them (removed by
# route[CONN_GONE], keyed by the connection's addresses: $conid is null there); the
# Kamailio log says some were bound, so an empty table is no accident
conns=
for _ in $(seq 1 50); do
  conns=$(kamcmd -s "unix:$var/kamailio/ctl" htable.stats 2>/dev/null |
    awk '$1 == "name:" { t = $2 } $1 == "all:" && t == "pchat_conn" { print $2 }')
  [ "$conns" = 0 ] && break
  sleep 0.1
done
bound=$(grep -c "authenticated as sip:" "$var/kamailio.log" 2>/dev/null || true)
if [ "$conns" = 0 ] && [ "${bound:-0}" -gt 0 ]; then
  echo "PASS conn_identities_released ($bound bound, none left)"
else
  echo "FAIL conn_identities_released: htable pchat_conn holds '$conns' entries after every client left ($bound bound)"
  failed="$failed pchat_conn"
fi
[ -z "$failed" ] && exit 0
show_logs
echo "sipe: failed over:$failed"
exit 1
