#!/usr/bin/env bash
# End-to-end tests: starts the real stack (private MariaDB, backend, Kamailio with our
# module) on a free loopback port under build/e2e-var, checks who may use the module
# socket (peer.sh), runs the test programs over real SIP (e2e-chat; e2e-authz, the
# authorization matrix; e2e-files, file-transfer tokens; e2e-search, message search and the DB
# reader (it restarts pchatd with --test-search-delay-ms and stops MariaDB); e2e-feeds, feeds
# and keyword alerts to plain SIP endpoints; e2e-fidelity, what the client sees (history
# once, room properties, operators, getinv, refusal reasons); then e2e-sip (sessions
# rebuilt from the same endpoint, with pchatd's --carryover-sec short; deliveries held
# until a new session's ACK; posts pipelined behind joins), which restarts Kamailio in the default, authenticated mode for its
# authentication cases, over TCP and over TLS (the stack's TLS port and private CA), and
# back), and stops
# every process it started, whatever happens.  Exits non-zero if any program fails.
set -euo pipefail
# The stack starts in the trusted mode (From believed) for the programs about chat
# itself, whose many users have no passwords; e2e-sip restarts Kamailio in the default,
# authenticated mode for its authentication cases (raw SIP, and the client library
# answering challenges) and back.
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/e2e-var"
rm -rf "$var"
mkdir -p "$var"

. "$top/tests/lib.sh"
port=$(free_port 25060)
# the file service's URL pchatd hands out with file-transfer tokens (e2e-files checks it)
file_url="https://files.example.test/PersistentChat/MGCWebService.asmx"
# the file service too (e2e-moderation uploads a file; the sweeper every second), its
# clients told the URL above all the same
file_port=$(free_port 25080)
export PCHAT_FILE_PORT=$file_port
# a short grace for parked sessions (e2e-sip waits for one to run out)
carryover_sec=6
export PCHATD_ARGS="${PCHATD_ARGS:-} --file-service-url $file_url --file-sweep-interval 1 --carryover-sec $carryover_sec"
stack_init "$port"

show_logs() { tail_logs 40 kamailio backend mariadb; }

echo "e2e: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start || { show_logs; exit 1; }

# the TLS certificate as the stack made it at its start (tls_check compares at the end)
tls_fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null; }
tls_first=$(tls_fingerprint "$var/tls/server.pem")

peer_status=0
timeout 60 bash "$top/tests/e2e/peer.sh" "$var" || peer_status=$?
status=0
timeout 300 "$top/tests/e2e/e2e-chat" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --control "${stack[*]}" || status=$?
authz_status=0
timeout 120 "$top/tests/e2e/e2e-authz" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --admin "$top/admin/pchat-admin" || authz_status=$?
files_status=0
timeout 120 "$top/tests/e2e/e2e-files" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --admin "$top/admin/pchat-admin" --pchat "$top/client/pchat" \
  --serveruri "$file_url" || files_status=$?
search_status=0
timeout 150 "$top/tests/e2e/e2e-search" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --pchat "$top/client/pchat" --control "${stack[*]}" || search_status=$?
moderation_status=0
mkdir -p "$var/moderation-out"
moderation_t0=$(date +%s)
timeout 90 "$top/tests/e2e/e2e-moderation" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --admin "$top/admin/pchat-admin" --pchat "$top/client/pchat" \
  --file-base "http://127.0.0.1:$file_port/PersistentChat" --store "$var/files" \
  --out "$var/moderation-out" || moderation_status=$?
echo "e2e: e2e-moderation took $(($(date +%s) - moderation_t0)) s"
feeds_status=0
feeds_t0=$(date +%s)
timeout 90 "$top/tests/e2e/e2e-feeds" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat --pchat "$top/client/pchat" || feeds_status=$?
echo "e2e: e2e-feeds took $(( $(date +%s) - feeds_t0 )) s"
fidelity_status=0
timeout 90 "$top/tests/e2e/e2e-fidelity" --proxy "127.0.0.1:$port" --db-socket "$var/mysql.sock" \
  --db-name pchat || fidelity_status=$?
sip_status=0
timeout 180 "$top/tests/e2e/e2e-sip" --proxy "127.0.0.1:$port" --control "${stack[*]}" \
  --db-socket "$var/mysql.sock" --db-name pchat --carryover-sec "$carryover_sec" \
  --tls-port "$(cat "$var/kamailio/tls-port")" --tls-ca "$var/tls/ca.pem" || sip_status=$?

# The stack's TLS files (docs/OPERATIONS.md, "SIP over TLS", scripts/tls-certs.sh):
# private (the directory 0700, the keys 0600), the server certificate signed by the CA
# for 127.0.0.1 and kept across e2e-sip's Kamailio restarts; made again for another
# address by the same CA.  tls_status: the number of failed checks.
tls_status=0
# tls_check WHAT COMMAND...: COMMAND must succeed
tls_check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then echo "e2e: tls: ok   $what"; else echo "e2e: tls: FAIL $what"; tls_status=$((tls_status + 1)); fi
}
# shellcheck disable=SC2317  # called through tls_check
mode_is() { [ "$(stat -c %a "$2")" = "$1" ]; }
# shellcheck disable=SC2317  # called through tls_check
keys_private() { mode_is 600 "$var/tls/ca.key" && mode_is 600 "$var/tls/server.key"; }
# tls-certs.sh on a copy of the files for another address: a new server certificate,
# the same CA
# shellcheck disable=SC2317  # called through tls_check
new_address() {
  local copy="$var/tls-other-address"
  cp -a "$var/tls" "$copy"
  "$top/scripts/tls-certs.sh" "$copy" 127.0.0.2 &&
    [ "$(tls_fingerprint "$copy/server.pem")" != "$tls_first" ] &&
    cmp -s "$copy/ca.pem" "$var/tls/ca.pem" &&
    openssl verify -CAfile "$var/tls/ca.pem" -verify_ip 127.0.0.2 "$copy/server.pem"
}
tls_check "VAR/tls is 0700" mode_is 700 "$var/tls"
tls_check "ca.key and server.key are 0600" keys_private
tls_check "server.pem is signed by ca.pem for 127.0.0.1" \
  openssl verify -CAfile "$var/tls/ca.pem" -verify_ip 127.0.0.1 "$var/tls/server.pem"
tls_check "server.pem kept across Kamailio restarts" \
  test "$(tls_fingerprint "$var/tls/server.pem")" = "$tls_first"
tls_check "a new address: a new server certificate by the same CA" new_address

# The backend may run under AddressSanitizer/UBSan (make test builds it so); its
# reports, leaks included, appear when it exits, so stop the stack before looking.
"${stack[@]}" stop >/dev/null 2>&1 || true
san_status=0
if sanitizer_report e2e "$var/backend.log"; then san_status=1; fi
[ "$peer_status" -eq 0 ] && [ "$status" -eq 0 ] && [ "$authz_status" -eq 0 ] &&
  [ "$files_status" -eq 0 ] && [ "$search_status" -eq 0 ] && [ "$moderation_status" -eq 0 ] &&
  [ "$feeds_status" -eq 0 ] && [ "$fidelity_status" -eq 0 ] && [ "$sip_status" -eq 0 ] &&
  [ "$san_status" -eq 0 ] && [ "$tls_status" -eq 0 ] && exit 0
show_logs
echo "e2e: peer.sh exited $peer_status, e2e-chat exited $status, e2e-authz exited $authz_status," \
  "e2e-files exited $files_status, e2e-search exited $search_status," \
  "e2e-moderation exited $moderation_status, e2e-feeds exited $feeds_status," \
  "e2e-fidelity exited $fidelity_status, e2e-sip exited $sip_status, sanitizer check $san_status," \
  "TLS file checks failed: $tls_status"
exit 1
