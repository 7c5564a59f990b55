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
while [ $# -gt 0 ]; do
  case "$1" in
    --var) VAR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --http-port) HTTP_PORT="$2"; shift 2 ;;
    --file-port) FILE_PORT="$2"; shift 2 ;;
    --metrics-port) METRICS_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
cmd="${1:-run}"
if [ "$cmd" = run ] && [ -z "$HTTP_PORT" ]; then HTTP_PORT=8080; fi
if [ "$cmd" = run ] && [ -z "$FILE_PORT" ]; then FILE_PORT=8081; fi
if [ "$cmd" = run ] && [ -z "$METRICS_PORT" ]; then METRICS_PORT=9060; fi
mkdir -p "$VAR"
chmod 0700 "$VAR"
VAR=$(cd "$VAR" && pwd)
DB_SOCK="$VAR/mysql.sock"
# the application user's password (made by db_start), and Kamailio's option file
# holding it (libmariadb reads $MYSQL_HOME/my.cnf): neither is on a command line
DB_PW_FILE="$VAR/db-password"
KAM_MYSQL_HOME="$VAR/kamailio-db"
# the module socket lives in a directory only our user may enter (pchatd refuses a
# directory others may write; docs/OPERATIONS.md)
BACKEND_SOCK="$VAR/run/backend.sock"
MODULE="$top/build/kamailio-src/src/modules/pchat/pchat.so"
POOL_URI="sip:pchat@example.com"
MYSQL=(mysql --no-defaults --socket="$DB_SOCK" -uroot)

log() { echo "stack: $*"; }

# Servers run in sessions of their own (setsid): a Ctrl-C in the terminal reaches only
# this script, whose trap stops them in order (Kamailio, backend, then MariaDB).

pid_alive() { [ -f "$VAR/$1.pid" ] && kill -0 "$(cat "$VAR/$1.pid")" 2>/dev/null; }

# Waits up to $2 seconds for a command to succeed.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timed out waiting for $what"; return 1
}

# stop_pid NAME [SECONDS]: SIGTERM, then SIGKILL after SECONDS (10).
stop_pid() {
  local name="$1" wait="${2:-10}" i pid
  [ -f "$VAR/$name.pid" ] || return 0
  pid=$(cat "$VAR/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < wait * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$name did not stop, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$VAR/$name.pid"
}

db_start() {
  pid_alive mariadb && return 0
  if [ ! -d "$VAR/mysql/mysql" ]; then
    log "initialising MariaDB data directory $VAR/mysql"
    mariadb-install-db --no-defaults --datadir="$VAR/mysql" --user=root \
      --auth-root-authentication-method=socket --skip-test-db >"$VAR/mariadb-install.log" 2>&1
  fi
  if [ ! -s "$DB_PW_FILE" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$DB_PW_FILE")
  fi
  chmod 0600 "$DB_PW_FILE"
  setsid mariadbd --no-defaults --datadir="$VAR/mysql" --socket="$DB_SOCK" --skip-networking \
    --user=root --pid-file="$VAR/mariadbd.pid" --log-error="$VAR/mariadb.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1 ${MARIADB_ARGS:-} &
  echo $! > "$VAR/mariadb.pid"
  wait_for "MariaDB" 60 "${MYSQL[@]}" -e "SELECT 1"
  # root by unix_socket only (also for a data directory made before this rule), and
  # the application user with the password of $DB_PW_FILE and rights on pchat.* only
  local pw; pw=$(cat "$DB_PW_FILE")
  "${MYSQL[@]}" -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket;
    CREATE DATABASE IF NOT EXISTS pchat CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS pchat@localhost;
    ALTER USER pchat@localhost IDENTIFIED BY '$pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON pchat.* TO pchat@localhost"
  "$top/scripts/db-migrate.sh" --no-defaults --socket="$DB_SOCK" -uroot pchat
  "${MYSQL[@]}" pchat < "$top/sql/demo.sql"
}

backend_start() {
  pid_alive backend && return 0
  local http=()
  if [ -n "$HTTP_PORT" ]; then http=(--http "127.0.0.1:$HTTP_PORT"); fi
  if [ -n "$FILE_PORT" ]; then http+=(--file-listen "127.0.0.1:$FILE_PORT" --file-store "$VAR/files"); fi
  mkdir -p "$VAR/run" && chmod 0700 "$VAR/run"
  setsid "$top/backend/pchatd" --socket "$BACKEND_SOCK" --db-socket "$DB_SOCK" --db-name pchat \
    --db-user pchat --db-password-file "$DB_PW_FILE" --channel-uri "$POOL_URI" "${http[@]}" ${PCHATD_ARGS:-} >>"$VAR/backend.log" 2>&1 &
  echo $! > "$VAR/backend.pid"
  wait_for "backend socket" 10 test -S "$BACKEND_SOCK"
  if [ -n "$HTTP_PORT" ]; then
    wait_for "web port $HTTP_PORT" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HTTP_PORT"
  fi
  if [ -n "$FILE_PORT" ]; then
    wait_for "file service port $FILE_PORT" 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FILE_PORT"
  fi
}

# The port of Kamailio's metrics listener: the one asked for, else the one this VAR's
# Kamailio had (a restart keeps it), else a free one.
metrics_port() {
  local f="$VAR/kamailio/metrics-port"
  if [ -z "$METRICS_PORT" ] && [ -s "$f" ]; then METRICS_PORT=$(cat "$f"); fi
  if [ -z "$METRICS_PORT" ]; then
    METRICS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fi
  echo "$METRICS_PORT" >"$f"
}

kamailio_start() {
  pid_alive kamailio && return 0
  mkdir -p "$VAR/kamailio"
  metrics_port
  local mode=()
  # the provisioning document's PersistentChatWebManagerUriInt/Ext
  if [ -n "$HTTP_PORT" ]; then mode+=(-A "CHAT_WEB_URL=\"http://127.0.0.1:$HTTP_PORT/rooms\""); fi
  if [ "${PCHAT_TRUSTED:-0}" = 1 ]; then
    mode+=(-A WITH_TRUSTED); log "Kamailio in the trusted mode: the From URI is believed"
  fi
  # db_mysql (libmariadb) reads the option group [pchat] named by DBURL's host
  # "[pchat]" from $MYSQL_HOME/my.cnf: the socket and the application user's password
  mkdir -p "$KAM_MYSQL_HOME" && chmod 0700 "$KAM_MYSQL_HOME"
  (umask 077 && printf '[pchat]\nsocket=%s\nuser=pchat\npassword=%s\n' "$DB_SOCK" \
    "$(cat "$DB_PW_FILE")" > "$KAM_MYSQL_HOME/my.cnf")
  MYSQL_HOME="$KAM_MYSQL_HOME" setsid kamailio -DD -E -f "$top/kamailio-cfg/kamailio.cfg" -Y "$VAR/kamailio" \
    -A "PCHAT_MODULE=\"$MODULE\"" -A "SIP_PORT=$PORT" \
    -A "ALERT_PROXY=\"sip:127.0.0.1:$PORT\"" \
    -A "PCHAT_SOCKET=\"$BACKEND_SOCK\"" -A "CTL_SOCKET=\"unix:$VAR/kamailio/ctl\"" \
    -A "POOL_URI=\"$POOL_URI\"" -A "DBURL=\"mysql://pchat@[pchat]/pchat\"" \
    -A "SESSION_EXPIRES=${PCHAT_SESSION_EXPIRES:-600}" -A "METRICS_PORT=$METRICS_PORT" \
    "${mode[@]}" ${KAMAILIO_ARGS:-} >>"$VAR/kamailio.log" 2>&1 &
  echo $! > "$VAR/kamailio.pid"
  wait_for "Kamailio TCP port $PORT" 15 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"
  wait_for "Kamailio metrics port $METRICS_PORT" 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$METRICS_PORT"
}

# pchat-compliance (docs/COMPLIANCE.md): its own process and database connection.
compliance_start() {
  pid_alive compliance && return 0
  setsid "$top/compliance/pchat-compliance" --db-socket "$DB_SOCK" --db-name pchat --db-user pchat \
    --db-password-file "$DB_PW_FILE" --node "stack-$PORT" ${PCHAT_COMPLIANCE_ARGS:-} \
    >>"$VAR/compliance.log" 2>&1 &
  echo $! > "$VAR/compliance.pid"
}

# make run's compliance: the XML adapter writing to VAR/compliance every minute (only
# where no adapter is configured yet: an operator's own settings stay)
compliance_demo() {
  mkdir -p "$VAR/compliance"
  "${MYSQL[@]}" pchat -e "UPDATE compliance_config SET adapter_type = 'XML',
    output_directory = '$VAR/compliance', run_interval_sec = 60
    WHERE id = 1 AND adapter_type = ''"
}

start_all() { db_start; backend_start; kamailio_start; compliance_start; }
# pchatd drains accepted work for up to --shutdown-timeout (10 s) on SIGTERM: give it
# that and a margin before SIGKILL, so a clean stop is never cut short.
BACKEND_STOP_WAIT=15
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
    cat <<INFO

Persistent chat server running on loopback:
  SIP (Kamailio + pchat module)  127.0.0.1:$PORT  UDP and TCP
  chat URI                       $POOL_URI
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
then type /rooms, /join Lobby, a line of text, /history, /quit.
A part that exits is started again; press Ctrl-C to stop everything.
INFO
    supervise ;;
  *) echo "unknown command $cmd (see --help)"; exit 2 ;;
esac
