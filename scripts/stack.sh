#!/usr/bin/env bash
# Starts and stops the whole stack on loopback: a private MariaDB (data directory and
# socket under VAR), the schema and demo data, the backend (pchatd), Kamailio with
# kamailio-cfg/ and our module, and the compliance service (pchat-compliance; it
# archives nothing until compliance is configured: `run` configures the XML adapter
# writing to VAR/compliance every minute).  Nothing here touches the system services.
# VAR is made 0700: the database socket, the application user's password
# (VAR/db-password, 0600) and the module socket are for this user only.  MariaDB's
# root is authenticated by unix_socket only (the OS user root); pchatd and Kamailio
# connect as the application user `pchat` with a random password made at first start.
# The pieces are scripts/stack-lib.sh's, which scripts/pool.sh (make run-pool) shares.
#
# usage: scripts/stack.sh [--var DIR] [--port N] COMMAND
#   run            start everything, print how to connect, restart a part that exits
#                  (with a growing delay, 1 s to 30 s), stop it all on Ctrl-C/SIGTERM
#   start | stop   start or stop everything in the background
#   backend-start | backend-stop | db-start | db-stop | kamailio-start | kamailio-stop
#   compliance-start | compliance-stop
#   status
# Defaults: --var <checkout>/var, --port 5060 (SIP, UDP and TCP on 127.0.0.1).
# Environment: PCHATD_ARGS adds options to pchatd (e.g. "--queue-limit 2");
#              PCHAT_TRUSTED=1 starts Kamailio in the trusted mode (below);
#              PCHAT_SESSION_EXPIRES=N sets the chat Session-Expires (tests use a few s).
#              PCHAT_HTTP_PORT=N (or --http-port N): pchatd serves the room management
#              web page on 127.0.0.1:N (docs/WEB.md); default 8080 for run, off otherwise.
#              PCHAT_FILE_PORT=N (or --file-port N): pchatd's file service on 127.0.0.1:N,
#              the store in VAR/files (docs/FILES.md); default 8081 for run, off otherwise.
#              PCHAT_METRICS_PORT=N (or --metrics-port N): Kamailio serves its Prometheus
#              metrics on http://127.0.0.1:N/metrics; default 9060 for run, otherwise
#              a free port (kept in VAR/kamailio/metrics-port, where tests read it).
#              PCHAT_TLS=0 starts Kamailio without SIP over TLS (default 1: the tls
#              module on 127.0.0.1, the certificates made once in VAR/tls by
#              scripts/tls-certs.sh; docs/OPERATIONS.md, "SIP over TLS").
#              PCHAT_TLS_PORT=N (or --tls-port N): its port; default 5061 for run,
#              otherwise a free port (kept in VAR/kamailio/tls-port, where tests read it).
#              PCHAT_NTLM_PORT=N, PCHAT_NTLM_TLS_PORT=N: the NTLM listeners (TCP, TLS) of
#              the authenticated mode; default 5062 and 5063 for run, otherwise free
#              ports (kept in VAR/kamailio/ntlm-port, ntlm-tls-port).
#              KAMAILIO_ARGS adds options to Kamailio (bench/run.sh: shared and private
#              memory, "-m 2048 -M 64"); MARIADB_ARGS adds options to mariadbd.
# Kamailio authenticates every client (Digest in a 407, the identity bound to the
# TCP connection; docs/OPERATIONS.md, "Client authentication") unless PCHAT_TRUSTED=1,
# which starts it with -A WITH_TRUSTED: the From URI is believed, for a lab behind an
# authenticating front end, and for the test suites that are about something else.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VAR="$top/var"
PORT=5060
HTTP_PORT="${PCHAT_HTTP_PORT:-}"
FILE_PORT="${PCHAT_FILE_PORT:-}"
METRICS_PORT="${PCHAT_METRICS_PORT:-}"
TLS_PORT="${PCHAT_TLS_PORT:-}"
NTLM_PORT="${PCHAT_NTLM_PORT:-}"
NTLM_TLS_PORT="${PCHAT_NTLM_TLS_PORT:-}"
export PCHAT_TLS="${PCHAT_TLS:-1}"
while [ $# -gt 0 ]; do
  case "$1" in
    --var) VAR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --http-port) HTTP_PORT="$2"; shift 2 ;;
    --file-port) FILE_PORT="$2"; shift 2 ;;
    --metrics-port) METRICS_PORT="$2"; shift 2 ;;
    --tls-port) TLS_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,44p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
cmd="${1:-run}"
if [ "$cmd" = run ] && [ -z "$HTTP_PORT" ]; then HTTP_PORT=8080; fi
if [ "$cmd" = run ] && [ -z "$FILE_PORT" ]; then FILE_PORT=8081; fi
if [ "$cmd" = run ] && [ -z "$METRICS_PORT" ]; then METRICS_PORT=9060; fi
if [ "$cmd" = run ] && [ -z "$TLS_PORT" ]; then TLS_PORT=5061; fi
if [ "$cmd" = run ] && [ -z "$NTLM_PORT" ]; then NTLM_PORT=5062; fi
if [ "$cmd" = run ] && [ -z "$NTLM_TLS_PORT" ]; then NTLM_TLS_PORT=5063; fi
. "$top/scripts/stack-lib.sh"
stack_paths "$VAR"

start_all() { db_start; backend_start; kamailio_start; compliance_start; }
stop_all() {
  stop_pid compliance; stop_pid kamailio; stop_pid backend "$BACKEND_STOP_WAIT"; stop_pid mariadb
}

# run's supervisor: every second, a part whose process is gone (or a zombie) is
# started again, after a delay that doubles with each exit in a row (1, 2, 4, ... 30 s)
# and starts over once the part has stayed up for 60 s.  What is left of the dead
# part's session (Kamailio's children) is killed first, so that its ports are free.
# Only Ctrl-C or SIGTERM (the trap) stops everything.
PARTS="mariadb backend kamailio compliance"
RESTART_MAX_DELAY=30
RESTART_RESET_AFTER=60
declare -A restarts=() up_since=() retry_at=()
part_start() {
  case "$1" in
    mariadb) db_start ;;
    backend) backend_start ;;
    kamailio) kamailio_start ;;
    compliance) compliance_start ;;
  esac
}
supervise() {
  local n pid delay
  for n in $PARTS; do restarts[$n]=0; up_since[$n]=$SECONDS; retry_at[$n]=0; done
  while true; do
    for n in $PARTS; do
      if pid_alive $n && ! grep -qs '^State:[[:space:]]*Z' "/proc/$(cat "$VAR/$n.pid")/status"; then
        if ((restarts[$n] > 0 && SECONDS - up_since[$n] >= RESTART_RESET_AFTER)); then restarts[$n]=0; fi
        continue
      fi
      if ((retry_at[$n] == 0)); then
        # just noticed: schedule the restart
        delay=$((1 << (restarts[$n] < 5 ? restarts[$n] : 5)))
        ((delay > RESTART_MAX_DELAY)) && delay=$RESTART_MAX_DELAY
        restarts[$n]=$((restarts[$n] + 1))
        retry_at[$n]=$((SECONDS + delay))
        log "$n exited; restarting it in ${delay} s (exit ${restarts[$n]} in a row; see $VAR/$n.log)"
        if [ -f "$VAR/$n.pid" ]; then
          pid=$(cat "$VAR/$n.pid")
          kill -KILL -- "-$pid" 2>/dev/null || true
          wait "$pid" 2>/dev/null || true
          rm -f "$VAR/$n.pid"
        fi
      fi
      if ((SECONDS >= retry_at[$n])); then
        retry_at[$n]=0
        up_since[$n]=$SECONDS
        if part_start $n; then log "$n restarted (pid $(cat "$VAR/$n.pid"))"
        else log "$n did not come back; trying again"; fi
      fi
    done
    sleep 1 & wait $!
  done
}

case "$cmd" in
  start) start_all ;;
  stop) stop_all ;;
  db-start) db_start ;;
  db-stop) stop_pid mariadb ;;
  backend-start) backend_start ;;
  backend-stop) stop_pid backend "$BACKEND_STOP_WAIT" ;;
  backend-pause) [ -f "$VAR/backend.pid" ] && kill -STOP "$(cat "$VAR/backend.pid")" ;;
  backend-resume) [ -f "$VAR/backend.pid" ] && kill -CONT "$(cat "$VAR/backend.pid")" ;;
  kamailio-start) kamailio_start ;;
  kamailio-stop) stop_pid kamailio ;;
  compliance-start) compliance_start ;;
  compliance-stop) stop_pid compliance ;;
  status)
    for n in $PARTS; do
      if pid_alive $n; then echo "$n: running (pid $(cat "$VAR/$n.pid"))"; else echo "$n: stopped"; fi
    done ;;
  run)
    trap 'echo; log "stopping"; stop_all; exit 0' INT TERM
    db_start; compliance_demo; start_all
    tls_line= tls_hint=
    if [ "$PCHAT_TLS" = 1 ]; then
      tls_line="  SIP over TLS                   127.0.0.1:$TLS_PORT  (certificate from the private CA
                                 $VAR/tls/ca.pem: clients trust that file)
"
      tls_hint="  (over TLS: --server 127.0.0.1:$TLS_PORT --transport tls --tls-ca $VAR/tls/ca.pem)
"
    fi
    ntlm_line= ntlm_tls=
    if [ "$PCHAT_TLS" = 1 ]; then ntlm_tls=", 127.0.0.1:$NTLM_TLS_PORT TLS"; fi
    if [ "${PCHAT_TRUSTED:-0}" != 1 ]; then
      ntlm_line="  SIP with NTLM ([MS-SIPAE])     127.0.0.1:$NTLM_PORT  TCP$ntlm_tls
                                 (Lync/SfB, pidgin-sipe with authentication=ntlm)
"
    fi
    cat <<INFO

Persistent chat server running on loopback:
  SIP (Kamailio + pchat module)  127.0.0.1:$PORT  UDP and TCP (Digest passwords)
$tls_line$ntlm_line  chat URI                       $POOL_URI
  backend (pchatd)               $BACKEND_SOCK
  room management web page       http://127.0.0.1:$HTTP_PORT/  (sign in as alice/alice)
  file service                   http://127.0.0.1:$FILE_PORT/PersistentChat/  (store
                                 $VAR/files; docs/FILES.md)
  Prometheus metrics             http://127.0.0.1:$METRICS_PORT/metrics  (Kamailio)
                                 http://127.0.0.1:$HTTP_PORT/metrics  (pchatd)
  health (pchatd)                http://127.0.0.1:$HTTP_PORT/healthz, /readyz
  MariaDB                        $DB_SOCK  (database pchat; root by unix_socket,
                                 user pchat's password in $DB_PW_FILE)
  compliance archive (XML)       $VAR/compliance/  (every minute: pchat-admin
                                 --db-socket $DB_SOCK --db-user root compliance status)
  logs                           $VAR/{kamailio,backend,mariadb,compliance}.log
Demo users alice, bob, carol @example.com (password = name; SIP clients authenticate
with it: Digest, user name alice@example.com); add users with pchat-admin user new.
Rooms Lobby, Build Team, Ops, Announcements (auditorium: bob presents) and Board
(secret: carol's).
Administer with: admin/pchat-admin --db-socket $VAR/mysql.sock --db-user root room get
Chat from two terminals:
  client/pchat --user alice --password-file - --server 127.0.0.1:$PORT   (type: alice)
  client/pchat --user bob   --password-file - --server 127.0.0.1:$PORT   (type: bob)
${tls_hint}then type /rooms, /join Lobby, a line of text, /history, /quit.
A part that exits is started again; press Ctrl-C to stop everything.
INFO
    supervise ;;
  *) echo "unknown command $cmd (see --help)"; exit 2 ;;
esac
