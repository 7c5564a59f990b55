# shellcheck shell=bash disable=SC2154,SC2034  # top is the caller's; the caller uses what is set here
# scripts/stack-lib.sh: the pieces that start and stop one chat server's parts
# (MariaDB, pchatd, Kamailio with our module, pchat-compliance), sourced by
# scripts/stack.sh (one node, make run) and scripts/pool.sh (a pool of three on one
# machine, make run-pool).  Not a program of its own.
#
# The functions work on "the current part": the globals below, which the caller sets
# (stack.sh once; pool.sh once per node, with stack_paths and its own overrides):
#   top            the checkout
#   VAR            the part's directory (pid files, logs, sockets); stack_paths sets
#                  the paths under it: DB_SOCK, DB_PW_FILE, KAM_MYSQL_HOME, BACKEND_SOCK
#   ADDR, PORT     the SIP address and port (Kamailio listens on both UDP and TCP);
#                  the web page, the file service and the metrics listener use ADDR too
#   HTTP_PORT, FILE_PORT, METRICS_PORT   empty: off (METRICS_PORT: a free port)
#   TLS_PORT       SIP over TLS, with PCHAT_TLS=1 (stack.sh's default; pool.sh leaves it
#                  off): empty: a free port
#   NTLM_PORT, NTLM_TLS_PORT   the NTLM listeners (TCP; TLS with PCHAT_TLS=1) of the
#                  authenticated mode: empty: free ports (VAR/kamailio/ntlm-port,
#                  ntlm-tls-port)
#   FILE_STORE     the file service's store (default $VAR/files)
#   COMPLIANCE_NODE   pchat-compliance's name in the lease (default stack-$PORT)
#   FRONT_NETS     a pool's chat node: the front's addresses (CIDR, comma separated),
#                  whose requests Kamailio believes (kamailio.cfg; empty: none)
#   KAM_DB_INIT    an SQL statement Kamailio's database connections run first
#                  (a pool: SET SESSION wsrep_sync_wait = 1; empty: none)
# and the environment variables documented in scripts/stack.sh (PCHATD_ARGS,
# KAMAILIO_ARGS, MARIADB_ARGS, PCHAT_TRUSTED, PCHAT_SESSION_EXPIRES, ...).

MODULE="$top/build/kamailio-src/src/modules/pchat/pchat.so"
POOL_URI="sip:pchat@example.com"
ADDR=127.0.0.1

log() { echo "${LOG_TAG:-stack}: $*"; }

# stack_paths DIR [DB_DIR [SECRET_DIR]]: makes DIR (0700: the database socket, the
# application user's password and the module socket are for this user only) the
# current part's VAR, and sets the paths under it.  DB_DIR holds the MariaDB socket
# (default DIR), SECRET_DIR the application user's password file (default DIR): a
# pool's chat node uses its Galera node's socket and the pool's one password.
stack_paths() {
  mkdir -p "$1"
  chmod 0700 "$1"
  VAR=$(cd "$1" && pwd)
  DB_SOCK="${2:-$VAR}/mysql.sock"
  # the application user's password (made by db_password), and Kamailio's option file
  # holding it (libmariadb reads $MYSQL_HOME/my.cnf): neither is on a command line
  DB_PW_FILE="${3:-$VAR}/db-password"
  KAM_MYSQL_HOME="$VAR/kamailio-db"
  # the module socket lives in a directory only our user may enter (pchatd refuses a
  # directory others may write; docs/OPERATIONS.md)
  BACKEND_SOCK="$VAR/run/backend.sock"
  MYSQL=(mysql --no-defaults --socket="$DB_SOCK" -uroot)
}

# Servers run in sessions of their own (setsid): a Ctrl-C in the terminal reaches only
# the script, whose trap stops them in order (Kamailio, backend, then MariaDB).

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

# tcp_open ADDR PORT: something accepts TCP connections there
tcp_open() { bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

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

# ---- MariaDB: db_start is db_install + db_password + db_launch + db_provision ----

# A data directory in $VAR/mysql, made once.
db_install() {
  [ -d "$VAR/mysql/mysql" ] && return 0
  log "initialising MariaDB data directory $VAR/mysql"
  mkdir -p "$VAR/tmp"
  mariadb-install-db --no-defaults --datadir="$VAR/mysql" --tmpdir="$VAR/tmp" --user=root \
    --auth-root-authentication-method=socket --skip-test-db >"$VAR/mariadb-install.log" 2>&1
}

# The application user's random password in $DB_PW_FILE (0600), made once.
db_password() {
  if [ ! -s "$DB_PW_FILE" ]; then
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$DB_PW_FILE")
  fi
  chmod 0600 "$DB_PW_FILE"
}

# db_launch OPTION...: mariadbd with OPTIONs (then MARIADB_ARGS) in the background,
# waiting until it answers on $DB_SOCK (a Galera joiner answers after its state
# transfer: up to 120 s).
db_launch() {
  setsid mariadbd "$@" ${MARIADB_ARGS:-} &
  echo $! > "$VAR/mariadb.pid"
  wait_for "MariaDB" 120 "${MYSQL[@]}" -e "SELECT 1"
}

# root by unix_socket only (also for a data directory made before this rule), the
# application user with the password of $DB_PW_FILE and rights on pchat.* only, the
# schema (scripts/db-migrate.sh) and the demo data.  (On a Galera node these
# statements replicate to the others: a pool runs this once, through one node.)
db_provision() {
  local pw; pw=$(cat "$DB_PW_FILE")
  "${MYSQL[@]}" -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket;
    CREATE DATABASE IF NOT EXISTS pchat CHARACTER SET utf8mb4;
    CREATE USER IF NOT EXISTS pchat@localhost;
    ALTER USER pchat@localhost IDENTIFIED BY '$pw';
    GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON pchat.* TO pchat@localhost"
  "$top/scripts/db-migrate.sh" --no-defaults --socket="$DB_SOCK" -uroot pchat
  "${MYSQL[@]}" pchat < "$top/sql/demo.sql"
}

# The single node's MariaDB: no networking, its socket only.
db_start() {
  pid_alive mariadb && return 0
  db_install
  db_password
  # a temporary directory of its own: stacks started side by side (make test runs two
  # suites at a time) once lost a bootstrap's temporary table in the shared /tmp
  mkdir -p "$VAR/tmp"
  db_launch --no-defaults --datadir="$VAR/mysql" --tmpdir="$VAR/tmp" --socket="$DB_SOCK" \
    --skip-networking --user=root --pid-file="$VAR/mariadbd.pid" --log-error="$VAR/mariadb.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1
  db_provision
}

# ---- pchatd ----

backend_start() {
  pid_alive backend && return 0
  local http=()
  if [ -n "$HTTP_PORT" ]; then http=(--http "$ADDR:$HTTP_PORT"); fi
  if [ -n "$FILE_PORT" ]; then http+=(--file-listen "$ADDR:$FILE_PORT" --file-store "${FILE_STORE:-$VAR/files}"); fi
  mkdir -p "$VAR/run" && chmod 0700 "$VAR/run"
  setsid "$top/backend/pchatd" --socket "$BACKEND_SOCK" --db-socket "$DB_SOCK" --db-name pchat \
    --db-user pchat --db-password-file "$DB_PW_FILE" --channel-uri "$POOL_URI" "${http[@]}" ${PCHATD_ARGS:-} >>"$VAR/backend.log" 2>&1 &
  echo $! > "$VAR/backend.pid"
  wait_for "backend socket" 10 test -S "$BACKEND_SOCK"
  if [ -n "$HTTP_PORT" ]; then
    wait_for "web port $HTTP_PORT" 10 tcp_open "$ADDR" "$HTTP_PORT"
  fi
  if [ -n "$FILE_PORT" ]; then
    wait_for "file service port $FILE_PORT" 10 tcp_open "$ADDR" "$FILE_PORT"
  fi
}

# ---- Kamailio ----

# kept_port NAME FILE: the port in the variable NAME: the one asked for, else the one
# this VAR's Kamailio had ($VAR/kamailio/FILE: a restart keeps it), else a free one.
kept_port() {
  local f="$VAR/kamailio/$2"
  mkdir -p "$VAR/kamailio"
  if [ -z "${!1:-}" ] && [ -s "$f" ]; then printf -v "$1" '%s' "$(cat "$f")"; fi
  if [ -z "${!1:-}" ]; then
    printf -v "$1" '%s' "$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi
  echo "${!1:-}" >"$f"
}

# SIP over TLS (PCHAT_TLS=1; docs/OPERATIONS.md, "SIP over TLS"): the port
# (TLS_PORT, else kept_port's), the private CA and Kamailio's certificate in $TLS_DIR
# (scripts/tls-certs.sh: made once, reused), and Kamailio's tls.cfg there, written once
# (an operator may edit it, e.g. to name a real certificate).
tls_setup() {
  kept_port TLS_PORT tls-port
  TLS_DIR="$VAR/tls"
  "$top/scripts/tls-certs.sh" "$TLS_DIR" "$ADDR"
  [ -s "$TLS_DIR/tls.cfg" ] && return 0
  (umask 077 && cat >"$TLS_DIR/tls.cfg" <<TLSCFG
# Kamailio's tls module (modparam tls config), written by scripts/stack-lib.sh once.
# Clients connecting to us: our certificate, no client certificate asked for (clients
# prove who they are with their password, route[AUTH]).
[server:default]
method = TLSv1.2+
verify_certificate = no
require_certificate = no
certificate = $TLS_DIR/server.pem
private_key = $TLS_DIR/server.key
ca_list = $TLS_DIR/ca.pem

# Connections we open (none in a single node: replies and INFOs go back on the
# client's own connection)
[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = $TLS_DIR/ca.pem
TLSCFG
  )
}

# kamailio_launch CFG OPTION...: Kamailio with the configuration CFG (runtime files in
# $VAR/kamailio, log $VAR/kamailio.log), OPTIONs (-A defines) then KAMAILIO_ARGS,
# waiting until it accepts TCP on $ADDR:$PORT.
kamailio_launch() {
  local cfg=$1
  shift
  mkdir -p "$VAR/kamailio"
  setsid kamailio -DD -E -f "$cfg" -Y "$VAR/kamailio" "$@" ${KAMAILIO_ARGS:-} >>"$VAR/kamailio.log" 2>&1 &
  echo $! > "$VAR/kamailio.pid"
  wait_for "Kamailio TCP port $ADDR:$PORT" 15 tcp_open "$ADDR" "$PORT"
}

# db_mysql (libmariadb) reads the option group [pchat] named by DBURL's host "[pchat]"
# from $MYSQL_HOME/my.cnf ($KAM_MYSQL_HOME): the socket and the application user's
# password (on no command line), and KAM_DB_INIT as the connection's init-command.
kamailio_db_cnf() {
  mkdir -p "$KAM_MYSQL_HOME" && chmod 0700 "$KAM_MYSQL_HOME"
  (umask 077 && {
    printf '[pchat]\nsocket=%s\nuser=pchat\npassword=%s\n' "$DB_SOCK" "$(cat "$DB_PW_FILE")"
    if [ -n "${KAM_DB_INIT:-}" ]; then printf 'init-command=%s\n' "$KAM_DB_INIT"; fi
  } >"$KAM_MYSQL_HOME/my.cnf")
}

# A chat server's Kamailio: kamailio-cfg/kamailio.cfg with our module.
kamailio_start() {
  pid_alive kamailio && return 0
  mkdir -p "$VAR/kamailio"
  kept_port METRICS_PORT metrics-port
  local mode=()
  # the provisioning document's PersistentChatWebManagerUriInt/Ext
  if [ -n "$HTTP_PORT" ]; then mode+=(-A "CHAT_WEB_URL=\"http://$ADDR:$HTTP_PORT/rooms\""); fi
  if [ "${PCHAT_TLS:-0}" = 1 ]; then
    tls_setup
    mode+=(-A WITH_TLS -A "TLS_PORT=$TLS_PORT" -A "TLS_CFG=\"$TLS_DIR/tls.cfg\""
      -A "TLS_URI=\"sip:$ADDR:$TLS_PORT;transport=tls\"")
  fi
  if [ "${PCHAT_TRUSTED:-0}" = 1 ]; then
    mode+=(-A WITH_TRUSTED); log "Kamailio in the trusted mode: the From URI is believed"
  else
    # a pool's chat node believes its front's requests; others authenticate here
    [ -z "${FRONT_NETS:-}" ] || mode+=(-A "FRONT_NETS=\"$FRONT_NETS\"")
    # NTLM per [MS-SIPAE] on listeners of its own (docs/OPERATIONS.md, "Client
    # authentication")
    kept_port NTLM_PORT ntlm-port
    mode+=(-A "NTLM_PORT=$NTLM_PORT")
    if [ "${PCHAT_TLS:-0}" = 1 ]; then
      kept_port NTLM_TLS_PORT ntlm-tls-port
      mode+=(-A "NTLM_TLS_PORT=$NTLM_TLS_PORT")
    fi
  fi
  kamailio_db_cnf
  MYSQL_HOME="$KAM_MYSQL_HOME" kamailio_launch "$top/kamailio-cfg/kamailio.cfg" \
    -A "PCHAT_MODULE=\"$MODULE\"" -A "SIP_ADDR=\"$ADDR\"" -A "SIP_PORT=$PORT" \
    -A "ALERT_PROXY=\"sip:$ADDR:$PORT\"" \
    -A "PCHAT_SOCKET=\"$BACKEND_SOCK\"" -A "CTL_SOCKET=\"unix:$VAR/kamailio/ctl\"" \
    -A "POOL_URI=\"$POOL_URI\"" -A "DBURL=\"mysql://pchat@[pchat]/pchat\"" \
    -A "SESSION_EXPIRES=${PCHAT_SESSION_EXPIRES:-600}" \
    -A "METRICS_ADDR=\"$ADDR\"" -A "METRICS_PORT=$METRICS_PORT" "${mode[@]}"
  wait_for "Kamailio metrics port $METRICS_PORT" 5 tcp_open "$ADDR" "$METRICS_PORT"
  if [ "${PCHAT_TLS:-0}" = 1 ]; then
    wait_for "Kamailio TLS port $TLS_PORT" 5 tcp_open "$ADDR" "$TLS_PORT"
  fi
}

# ---- pchat-compliance (docs/COMPLIANCE.md): its own process and database connection ----

compliance_start() {
  pid_alive compliance && return 0
  setsid "$top/compliance/pchat-compliance" --db-socket "$DB_SOCK" --db-name pchat --db-user pchat \
    --db-password-file "$DB_PW_FILE" --node "${COMPLIANCE_NODE:-stack-$PORT}" ${PCHAT_COMPLIANCE_ARGS:-} \
    >>"$VAR/compliance.log" 2>&1 &
  echo $! > "$VAR/compliance.pid"
}

# make run's compliance: the XML adapter writing to DIR (default $VAR/compliance)
# every minute (only where no adapter is configured yet: an operator's own settings stay)
compliance_demo() {
  local dir="${1:-$VAR/compliance}"
  mkdir -p "$dir"
  "${MYSQL[@]}" pchat -e "UPDATE compliance_config SET adapter_type = 'XML',
    output_directory = '$dir', run_interval_sec = 60
    WHERE id = 1 AND adapter_type = ''"
}

# pchatd drains accepted work for up to --shutdown-timeout (10 s) on SIGTERM: give it
# that and a margin before SIGKILL, so a clean stop is never cut short.
BACKEND_STOP_WAIT=15
