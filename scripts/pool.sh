#!/usr/bin/env bash
# A pool of chat servers on this one machine (make run-pool; docs/ARCHITECTURE.md,
# "A pool of chat nodes"; docs/OPERATIONS.md, "Deploying a pool"):
#   - 3 MariaDB Galera nodes on 127.0.0.1, each with its own ports, data directory and
#     socket under VAR/galeraN (as MariaDB's own galera_3nodes test suite runs them);
#     node 1 bootstraps the cluster, the others join it (state transfer by mariabackup); the
#     schema and the demo data are loaded once, through the bootstrap node;
#   - 3 chat nodes on 127.0.0.2, .3 and .4 (each its own Kamailio with our module on
#     PORT of its address, its own pchatd and pchat-compliance, on its own Galera node),
#     under VAR/nodeN;
#   - the front: a Kamailio on 127.0.0.1:PORT (kamailio-cfg/pool-front.cfg) routing
#     the pool URI to the chat nodes with the dispatcher module (a hash of the From
#     URI, OPTIONS probes), under VAR/front.  It authenticates the clients (SIP
#     Digest, the subscriber table on any Galera node that answers) and sends to the
#     chat nodes from 127.0.0.5 (RELAY_ADDR), the one address whose requests the nodes
#     believe (FRONT_NETS); a client that connects to a node directly is
#     authenticated there.
# The parts are scripts/stack-lib.sh's, which scripts/stack.sh (make run) uses too.
# What is not pooled yet: docs/OPERATIONS.md, "Not pooled yet".
#
# usage: scripts/pool.sh [--var DIR] [--port N] [--galera-base N] COMMAND
#   run            start everything, print the layout, stop it all on Ctrl-C/SIGTERM
#                  (a part that exits is reported, not restarted)
#   start | stop | status
#   galera-start N | galera-stop N | galera-kill N   Galera node N (1-3) alone
#   node-start N | node-stop N | node-kill N         chat node N (Kamailio, pchatd,
#                  pchat-compliance); *-kill: kill -9, as a crash
#   front-start | front-stop
# Defaults: --var <checkout>/var/pool, --port 5060 (SIP, UDP and TCP, on every address),
# --galera-base 14300: Galera node N uses the ports BASE+10N (SQL, 127.0.0.1), +1
# (group communication), +2 (IST) and +3 (SST).
# Environment: as scripts/stack.sh's (PCHATD_ARGS, KAMAILIO_ARGS, MARIADB_ARGS,
# PCHAT_SESSION_EXPIRES); PCHAT_TRUSTED=1: nobody is authenticated, the front and the
# chat nodes believe the From URI (bench/run.sh); and
#   PCHAT_HTTP_PORT=N (--http-port N): each node's pchatd serves the web page on its
#     address, port N (default 8080 for run, off otherwise);
#   PCHAT_FILE_PORT=N (--file-port N): each node's file service on its address, port N,
#     one store VAR/files for the pool (default 8081 for run, off otherwise);
#   PCHAT_METRICS_PORT=N (--metrics-port N): each node's Kamailio metrics on its
#     address (default 9060 for run, otherwise a free port);
#   POOL_SIGNAL_PORT=N: the UDP port each pchatd hears the other nodes' new-post
#     signals on, on its node's address (--pool-listen; default the SIP port + 7);
#   POOL_PROBE_INTERVAL=S: seconds between the front's probes of each node (5);
#   POOL_RELAY_ADDR=A: the address the front sends to the chat nodes from (127.0.0.5);
#   POOL_NTLM_PORT=N: the front's NTLM listener (TCP; default 5062 for run, otherwise a
#     free port kept in <var>/front/kamailio/ntlm-port);
#   POOL_EVS="...": Galera's failure detection (evs.* provider options; default
#     "evs.suspect_timeout=PT5S").
set -euo pipefail
export PCHAT_TRUSTED=${PCHAT_TRUSTED:-0}
top=$(cd "$(dirname "$0")/.." && pwd)
POOL_VAR="$top/var/pool"
PORT=5060
GALERA_BASE=14300
HTTP_PORT="${PCHAT_HTTP_PORT:-}"
FILE_PORT="${PCHAT_FILE_PORT:-}"
METRICS_PORT="${PCHAT_METRICS_PORT:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --var) POOL_VAR="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --galera-base) GALERA_BASE="$2"; shift 2 ;;
    --http-port) HTTP_PORT="$2"; shift 2 ;;
    --file-port) FILE_PORT="$2"; shift 2 ;;
    --metrics-port) METRICS_PORT="$2"; shift 2 ;;
    -h|--help) sed -n '2,48p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
cmd="${1:-run}"
n_arg="${2:-}"
if [ "$cmd" = run ] && [ -z "$HTTP_PORT" ]; then HTTP_PORT=8080; fi
if [ "$cmd" = run ] && [ -z "$FILE_PORT" ]; then FILE_PORT=8081; fi
if [ "$cmd" = run ] && [ -z "$METRICS_PORT" ]; then METRICS_PORT=9060; fi
FRONT_NTLM_PORT="${POOL_NTLM_PORT:-}"
if [ "$cmd" = run ] && [ -z "$FRONT_NTLM_PORT" ]; then FRONT_NTLM_PORT=5062; fi
LOG_TAG=pool
. "$top/scripts/stack-lib.sh"
mkdir -p "$POOL_VAR"
chmod 0700 "$POOL_VAR"
POOL_VAR=$(cd "$POOL_VAR" && pwd)
NODES="1 2 3"
GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so
GALERA_STOP_WAIT=60 # a node leaving the cluster cleanly may take a while
METRICS_ASKED=$METRICS_PORT
PCHATD_ASKED=${PCHATD_ARGS:-}
# each pchatd hears the other nodes' new-post signals on its address, this UDP port
SIGNAL_PORT=${POOL_SIGNAL_PORT:-$((PORT + 7))}
# the front's address towards the chat nodes: on one machine a client's connection to
# a node on 127.0.0.2 comes from 127.0.0.1, as would the front's from SIP_ADDR
RELAY_ADDR=${POOL_RELAY_ADDR:-127.0.0.5}
# Kamailio's reads (subscriber, chat policies) see what any Galera node committed
# before them, as pchatd's do: a password or policy changed through one node is in
# force on every node at once
KAM_DB_INIT="SET SESSION wsrep_sync_wait = 1"

# ---- the current part (stack-lib.sh's globals) ----

node_addr() { echo "127.0.0.$(($1 + 1))"; }
sql_port() { echo $((GALERA_BASE + 10 * $1)); }
group_port() { echo $((GALERA_BASE + 10 * $1 + 1)); }

# Galera node N: its directory holds its data, socket, option file and logs.
use_galera() { stack_paths "$POOL_VAR/galera$1" "" "$POOL_VAR"; }
# Chat node N: its own directory, its Galera node's socket, the pool's password.
use_node() {
  stack_paths "$POOL_VAR/node$1" "$POOL_VAR/galera$1" "$POOL_VAR"
  ADDR=$(node_addr "$1")
  COMPLIANCE_NODE="pool-node$1"
  FRONT_NETS="$RELAY_ADDR/32"
  FILE_STORE="$POOL_VAR/files"
  METRICS_PORT=$METRICS_ASKED
  local j
  PCHATD_ARGS="$PCHATD_ASKED --pool-listen $ADDR:$SIGNAL_PORT"
  for j in $NODES; do
    [ "$j" = "$1" ] || PCHATD_ARGS+=" --pool-peer $(node_addr "$j"):$SIGNAL_PORT"
  done
}
# The front: its own directory (its database connections: front_db_cnf)
use_front() { stack_paths "$POOL_VAR/front" "" "$POOL_VAR"; ADDR=127.0.0.1; }

# The front's option file ($KAM_MYSQL_HOME/my.cnf): a group per Galera node, [galeraN]
# (its socket, the application user and password, KAM_DB_INIT), which db_cluster's
# connections gN name (pool-front.cfg, DB_CLUSTER): the front reads the subscriber
# table on any node that answers, node 1 first.
front_db_cnf() {
  local i
  mkdir -p "$KAM_MYSQL_HOME" && chmod 0700 "$KAM_MYSQL_HOME"
  (umask 077 && for i in $NODES; do
    printf '[galera%s]\nsocket=%s\nuser=pchat\npassword=%s\ninit-command=%s\n' "$i" \
      "$POOL_VAR/galera$i/mysql.sock" "$(cat "$DB_PW_FILE")" "$KAM_DB_INIT"
  done >"$KAM_MYSQL_HOME/my.cnf")
}

check_n() {
  case "$1" in 1|2|3) ;; *) echo "pool: a node number is 1, 2 or 3, not '$1'"; exit 2 ;; esac
}

# ---- Galera ----

# The option file of Galera node N ($VAR/my.cnf): mariadbd reads it, and so do the
# state transfer scripts (wsrep_sst_mariabackup) it runs, which is why it is a file and
# not command-line options.  State transfer by mariabackup, not rsync: the rsync
# daemon the joiner's script starts runs, under root, as nobody, who may not write a
# root-owned data directory; mariabackup connects to the donor's socket as root
# (unix_socket) and needs no SST user.
galera_cnf() {
  local n=$1 members="" i
  for i in $NODES; do members="$members${members:+,}127.0.0.1:$(group_port "$i")"; done
  cat >"$VAR/my.cnf" <<CNF
[mysqld]
datadir=$VAR/mysql
socket=$DB_SOCK
port=$(sql_port "$n")
bind-address=127.0.0.1
user=root
pid-file=$VAR/mariadbd.pid
log-error=$VAR/mariadb.log
innodb_buffer_pool_size=128M
innodb_flush_log_at_trx_commit=1
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$GALERA_PROVIDER
wsrep_cluster_name=pchat-pool
wsrep_cluster_address=gcomm://$members
wsrep_node_name=galera$n
wsrep_node_address=127.0.0.1
wsrep_node_incoming_address=127.0.0.1:$(sql_port "$n")
wsrep_provider_options='base_port=$(group_port "$n");gmcast.listen_addr=tcp://127.0.0.1:$(group_port "$n");ist.recv_addr=127.0.0.1:$((GALERA_BASE + 10 * n + 2));gcache.size=10M;${POOL_EVS:-evs.suspect_timeout=PT5S}'
wsrep_sst_method=mariabackup
wsrep_sst_receive_address=127.0.0.1:$((GALERA_BASE + 10 * n + 3))
CNF
}

# galera_status N VARIABLE: a wsrep status variable of node N ("" if it does not answer)
galera_status() {
  use_galera "$1"
  "${MYSQL[@]}" -N -B -e "SHOW GLOBAL STATUS LIKE '$2'" 2>/dev/null | cut -f2
}
galera_synced() { [ "$(galera_status "$1" wsrep_local_state_comment)" = Synced ]; }

# galera_start N [new]: starts Galera node N, bootstrapping a new cluster with "new",
# else joining the running one; returns once it is Synced.
galera_start() {
  local n=$1 boot=()
  use_galera "$n"
  pid_alive mariadb && return 0
  db_password
  # the bootstrap node needs a data directory; a joiner's comes by state transfer
  if [ "${2:-}" = new ]; then db_install; boot=(--wsrep-new-cluster); fi
  mkdir -p "$VAR/mysql"
  galera_cnf "$n"
  log "starting Galera node $n${boot:+ (bootstrapping the cluster)}"
  db_launch --defaults-file="$VAR/my.cnf" "${boot[@]}"
  wait_for "Galera node $n to be synced" 120 galera_synced "$n"
}

galera_stop() { use_galera "$1"; stop_pid mariadb "$GALERA_STOP_WAIT"; }

# The node to bootstrap a stopped cluster from: a new pool's node 1, else the node
# Galera marked safe to bootstrap (the last to leave a cleanly stopped cluster).  After
# a crash of all three none is marked: node 1 then, which may lose what only the
# others had committed (an operator would compare their positions with
# mariadbd --wsrep-recover first; docs/OPERATIONS.md).
galera_first_node() {
  local i g
  for i in $NODES; do
    g="$POOL_VAR/galera$i/mysql/grastate.dat"
    if grep -qs '^safe_to_bootstrap: *1' "$g"; then echo "$i"; return; fi
  done
  g="$POOL_VAR/galera1/mysql/grastate.dat"
  if [ -f "$g" ]; then
    log "no Galera node was the last to stop cleanly: bootstrapping from node 1" >&2
    sed -i 's/^safe_to_bootstrap: *0/safe_to_bootstrap: 1/' "$g"
  fi
  echo 1
}

# The cluster: the bootstrap node, the schema and demo data through it, the others.
galera_start_all() {
  local i first=""
  for i in $NODES; do
    use_galera "$i"
    if pid_alive mariadb; then first=running; fi
  done
  if [ "$first" = running ]; then
    for i in $NODES; do galera_start "$i"; done # a cluster is up: join it
    return
  fi
  first=$(galera_first_node)
  galera_start "$first" new
  use_galera "$first"
  db_provision
  compliance_demo "$POOL_VAR/compliance"
  for i in $NODES; do galera_start "$i"; done
}

# ---- chat nodes and the front ----

node_start() {
  use_node "$1"
  backend_start
  kamailio_start
  compliance_start
}
node_stop() {
  use_node "$1"
  stop_pid compliance
  stop_pid kamailio
  stop_pid backend "$BACKEND_STOP_WAIT"
}

# kill_part NAME: kill -9 of the current part's NAME and of what it started (its
# session: Kamailio's children), as a crash of the machine would
kill_part() {
  local pid
  [ -f "$VAR/$1.pid" ] || return 0
  pid=$(cat "$VAR/$1.pid")
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$VAR/$1.pid"
}

# the dispatcher's list: set 1, the chat nodes' SIP addresses over TCP
front_list() {
  local i
  echo "# setid destination flags priority attributes (scripts/pool.sh)"
  for i in $NODES; do echo "1 sip:$(node_addr "$i"):$PORT;transport=tcp 0 0 duid=node$i"; done
}

front_start() {
  local mode=() i cls=""
  use_front
  pid_alive kamailio && return 0
  front_list >"$VAR/dispatcher.list"
  if [ "$PCHAT_TRUSTED" = 1 ]; then
    mode+=(-A WITH_TRUSTED); log "the front authenticates nobody (PCHAT_TRUSTED=1)"
  else
    # NTLM on a listener of its own, by the pchat module (link_processes 0)
    kept_port FRONT_NTLM_PORT ntlm-port
    mode+=(-A "NTLM_PORT=$FRONT_NTLM_PORT" -A "PCHAT_MODULE=\"$MODULE\"")
  fi
  front_db_cnf
  for i in $NODES; do
    mode+=(-A "DB_CON$i=\"g$i=>mysql://pchat@[galera$i]/pchat\"")
    cls+="${cls:+;}g$i=9s9s"
  done
  MYSQL_HOME="$KAM_MYSQL_HOME" kamailio_launch "$top/kamailio-cfg/pool-front.cfg" \
    -A "SIP_ADDR=\"$ADDR\"" -A "SIP_PORT=$PORT" -A "CTL_SOCKET=\"unix:$VAR/ctl\"" \
    -A "RELAY_ADDR=\"$RELAY_ADDR\"" -A "DB_CLUSTER=\"front=>$cls\"" \
    -A "DBURL=\"cluster://front\"" \
    -A "DS_LIST=\"$VAR/dispatcher.list\"" -A "DS_PING_FROM=\"sip:front@$ADDR:$PORT\"" \
    -A "DS_PING_INTERVAL=${POOL_PROBE_INTERVAL:-5}" "${mode[@]}"
}
front_stop() { use_front; stop_pid kamailio; }

start_all() {
  local i
  galera_start_all
  for i in $NODES; do node_start "$i"; done
  front_start
}
# the front first (no new sessions), the chat nodes, then the Galera nodes in reverse,
# so that node 1 leaves last and is the one to bootstrap from next time
stop_all() {
  local i pids=()
  front_stop
  # the chat nodes side by side (each takes seconds: pchatd drains its work); waiting
  # for these subshells only (the servers this shell started are its children too)
  for i in $NODES; do
    (node_stop "$i") &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in 3 2 1; do galera_stop "$i"; done
}

status() {
  local i
  for i in $NODES; do
    use_galera "$i"
    if pid_alive mariadb; then
      echo "galera$i: running (pid $(cat "$VAR/mariadb.pid")), cluster size" \
        "$(galera_status "$i" wsrep_cluster_size), $(galera_status "$i" wsrep_local_state_comment)"
    else echo "galera$i: stopped"; fi
  done
  for i in $NODES; do
    use_node "$i"
    for p in kamailio backend compliance; do
      if pid_alive $p; then echo "node$i $p: running (pid $(cat "$VAR/$p.pid"))"; else echo "node$i $p: stopped"; fi
    done
  done
  use_front
  if pid_alive kamailio; then
    echo "front: running (pid $(cat "$VAR/kamailio.pid"))"
    kamcmd -s "unix:$VAR/ctl" dispatcher.list 2>/dev/null | grep -E "URI|FLAGS" || true
  else echo "front: stopped"; fi
}

layout() {
  local i web=""
  cat <<INFO

A pool of persistent chat servers on this machine:
  front (dispatcher)      $(node_addr 0):$PORT  UDP and TCP: clients use this address
                          chat URI $POOL_URI; the nodes' state:
                          kamcmd -s unix:$POOL_VAR/front/ctl dispatcher.list
                          $(if [ "$PCHAT_TRUSTED" = 1 ]; then echo "authenticates nobody (PCHAT_TRUSTED=1)"; else echo "authenticates: Digest on $PORT, NTLM on TCP $(cat "$POOL_VAR/front/kamailio/ntlm-port" 2>/dev/null)"; echo "                          to the nodes from $RELAY_ADDR:$PORT"; fi)
INFO
  for i in $NODES; do
    use_node "$i"
    [ -n "$HTTP_PORT" ] && web="; web page http://$ADDR:$HTTP_PORT/"
    echo "  chat node $i             $ADDR:$PORT  Kamailio + pchat module, pchatd on Galera node $i$web"
    echo "                          logs $VAR/{kamailio,backend,compliance}.log"
  done
  for i in $NODES; do
    use_galera "$i"
    echo "  Galera node $i           127.0.0.1:$(sql_port "$i") and $DB_SOCK (group port $(group_port "$i"))"
  done
  cat <<INFO
  compliance (XML)        $POOL_VAR/compliance/  (one pchat-compliance per node;
                          the one holding the lease writes)
Demo users alice, bob, carol @example.com (password = name), demo rooms as make run's.
Chat through the front from two terminals (the first line typed is the password):
  client/pchat --user alice --password-file - --server 127.0.0.1:$PORT
  client/pchat --user bob   --password-file - --server 127.0.0.1:$PORT
A part that exits is reported, not restarted; press Ctrl-C to stop everything.
INFO
}

# run's watch: a part that exits is reported once (scripts/pool.sh node-start N,
# galera-start N or front-start brings it back)
watch_parts() {
  declare -A said=()
  local i p key
  while true; do
    for i in $NODES; do
      use_galera "$i"
      key="galera$i"
      if pid_alive mariadb; then said[$key]=""; elif [ -z "${said[$key]:-}" ]; then
        log "Galera node $i exited (see $VAR/mariadb.log; scripts/pool.sh galera-start $i)"; said[$key]=1
      fi
      use_node "$i"
      for p in kamailio backend compliance; do
        key="node$i-$p"
        if pid_alive $p; then said[$key]=""; elif [ -z "${said[$key]:-}" ]; then
          log "node $i: $p exited (see $VAR/$p.log; scripts/pool.sh node-start $i)"; said[$key]=1
        fi
      done
    done
    sleep 2 & wait $!
  done
}

case "$cmd" in
  start) start_all ;;
  stop) stop_all ;;
  status) status ;;
  galera-start) check_n "$n_arg"; galera_start "$n_arg" ;;
  galera-stop) check_n "$n_arg"; galera_stop "$n_arg" ;;
  galera-kill) check_n "$n_arg"; use_galera "$n_arg"; kill_part mariadb ;;
  node-start) check_n "$n_arg"; node_start "$n_arg" ;;
  node-stop) check_n "$n_arg"; node_stop "$n_arg" ;;
  node-kill) check_n "$n_arg"; use_node "$n_arg"; kill_part kamailio; kill_part backend; kill_part compliance ;;
  front-start) front_start ;;
  front-stop) front_stop ;;
  run)
    # whatever ends the run (Ctrl-C, SIGTERM, a part that did not start) stops it all
    trap 'echo; log "stopping"; stop_all' EXIT
    trap 'exit 0' INT TERM
    start_all
    layout
    watch_parts ;;
  *) echo "unknown command $cmd (see --help)"; exit 2 ;;
esac
