#!/usr/bin/env bash
# bench/run.sh - the benchmarks of docs/BENCHMARKS.md (run by `make bench`).
#
# Starts our stack (scripts/stack.sh, private MariaDB under build/bench/var) and a
# second Kamailio with Kamailio's imc module (bench/imc.cfg) on free loopback ports,
# drives both with bench/pchat-bench, and writes build/bench/results.jsonl (one JSON
# object per measurement) and build/bench/results.md (the tables).
#
# usage: bench/run.sh [--full | --smoke] [SCENARIO...]
#   scenarios: a (capacity model), b (deliveries/s and latency against offered load,
#   ours, imc and the physical floor: bench/floor.c),
#   c (full delivery against room size, up to one 16,000-member room), d
#   (bccontext/chansrch on a large history), e (memory per session against sessions), f
#   (what one flooding session costs the others: their post->delivery p99 with and
#   without it, alternating), g (compliance: (b)'s load with compliance on and off,
#   alternating, and pchat-compliance's output of a 1,000,000-event backlog), h (what a
#   1 s scrape of the /metrics endpoints costs (b)'s load, alternating; its scrapes are
#   kept for the dashboard picture), i (the file service: a 20 MB file up and down through
#   the plain API and SOAP, pchatd's memory per concurrent upload), j (b's load with and
#   without 50 concurrent uploads, alternating); i and j are in bench/files.sh; k
#   (retention: the purge job's rows/s while (b)'s load runs, and that load's p99 with
#   and without the purge, alternating); l (b's load with no saved feeds and with
#   10,000, a few of them matching, alternating); m (message search over 10,000,000
#   stored messages: a rare, a 1-in-1,000 and a common word); p (a pool of three chat
#   nodes on Galera, scripts/pool.sh: same-node and cross-node post->delivery latency,
#   deliveries/s, CPU per delivery and database writes per post, next to one pool node
#   and to the single-node stack in the same run; in bench/pool.sh); s (how chat INFOs
#   leave Kamailio: batched by the link process against a tm transaction each,
#   alternating, over shared connections and over one per member).
#   Default: all, quick profile; --full (make bench FULL=1): the full one; --smoke (make
#   bench-test): i, j and p in a tiny form, into build/bench-test/, failing if a figure
#   is missing.
# At the end bench/plot.py draws the curves and the dashboard (SVG, gnuplot) into
# build/bench/ (make bench-plots draws them again from an existing results.jsonl).
# Environment: BENCH_KAMAILIO_ARGS (default "-m 2048 -M 64 -x tlsf -X tlsf"), given to
# both Kamailio instances alike; BENCH_IMC_TRANSPORT (tcp) for imc's MESSAGEs to itself
# (its outbound proxy: over udp, loopback drops and tm retransmissions dominate);
# BENCH_RATES, BENCH_ROOM_SIZES, BENCH_SESSIONS: the sweeps of b, c and e (quick profile);
# BENCH_SCRAPE_RATES, BENCH_SCRAPE_REPS, BENCH_SCRAPE_INTERVAL, BENCH_SCRAPE_SETS: scenario h;
# BENCH_PURGE_ROWS, BENCH_PURGE_REPS, BENCH_PURGE_RATES, BENCH_PURGE_SECS: scenario k.
# BENCH_FEEDS, BENCH_FEED_RATES, BENCH_FEED_REPS: scenario l.
# BENCH_POOL_RATES, BENCH_POOL_SECS: scenario p.
# BENCH_SEND_RATES, BENCH_SEND_REPS, BENCH_SEND_CONNS: scenario s.
set -euo pipefail
# The benchmarks run Kamailio in the trusted mode (From believed): pchat-bench's
# thousands of sessions would otherwise each cost a Digest round trip and a database
# lookup at INVITE, which measures auth_db rather than the chat path; on a connection
# that has authenticated, the authenticated mode adds only a shared-memory hash
# lookup per request (docs/BENCHMARKS.md).
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/.." && pwd)
full=0
smoke=0
scen=()
for a in "$@"; do
  case "$a" in
    --full) full=1 ;;
    --smoke) smoke=1 ;;
    a|b|c|d|e|f|g|h|i|j|k|l|m|p|s) scen+=("$a") ;;
    *) echo "usage: $0 [--full | --smoke] [a|b|c|d|e|f|g|h|i|j|k|l|m|p|s ...]"; exit 2 ;;
  esac
done
[ ${#scen[@]} -gt 0 ] || scen=(a b c d e f g h i j k l m p s)

out="$top/build/bench$([ $smoke = 0 ] || echo -test)"
var="$out/var"
ivar="$out/imc"
mkdir -p "$out" "$ivar"
gen="$top/bench/pchat-bench"
. "$top/tests/lib.sh"
port=$(free_port 27060)
iport=$(free_port 27070)
[ "$iport" != "$port" ] || iport=$((port + 7))
# pchat-floor (bench/floor.c), the physical floor of scenario b
fport=$(free_port 27090)
# pchatd's HTTP server (GET /metrics for scenario h; idle otherwise)
hport=$(free_port 27080)
[ "$hport" != "$port" ] && [ "$hport" != "$iport" ] || hport=$((port + 9))
# Kamailio's own /metrics (xhttp_prom, kamailio.cfg's METRICS_PORT)
mport=$(free_port 27085)
[ "$mport" != "$hport" ] || mport=$((hport + 3))
# pchatd's file service (scenarios i and j; idle otherwise)
file_port=$(free_port 27095)
[ "$file_port" != "$mport" ] && [ "$file_port" != "$hport" ] || file_port=$((hport + 5))
B="http://127.0.0.1:$file_port/PersistentChat"
# What scenario h scrapes every BENCH_SCRAPE_INTERVAL s, in turn: one URL a word.
SCRAPE_URLS=(http://127.0.0.1:$hport/metrics http://127.0.0.1:$mport/metrics)
# The scrape sets h can compare with none (BENCH_SCRAPE_SETS, default "on"): on (every
# URL above), pchatd or kamailio (one endpoint alone) and null (pchatd's /healthz, a few
# bytes: what the scraper itself costs), to tell whose work a slower tail is.
declare -A SCRAPE_SET=([on]="${SCRAPE_URLS[*]}" [pchatd]=${SCRAPE_URLS[0]}
  [kamailio]=${SCRAPE_URLS[1]} [null]=http://127.0.0.1:$hport/healthz)
KARGS=${BENCH_KAMAILIO_ARGS:--m 2048 -M 64 -x tlsf -X tlsf}
# MariaDB's buffer pool: 4 GB (of the machine's 24), as a server holding 10 million
# messages (d, m) would have; make run's 256 MB is sized for a demo.
export MARIADB_ARGS=${MARIADB_ARGS:---innodb-buffer-pool-size=4G}
export KAMAILIO_ARGS="$KARGS"
stack=("$top/scripts/stack.sh" --var "$var" --port "$port" --http-port "$hport" --metrics-port "$mport"
  --file-port "$file_port")
SOCK="$var/mysql.sock"
MYSQL=(mysql --no-defaults --socket="$SOCK" -uroot)
results="$out/results.jsonl"
profile=$([ $full = 1 ] && echo full || { [ $smoke = 1 ] && echo smoke; } || echo quick)
: > "$results"
ulimit -n 65536 2>/dev/null || true

log() { echo "bench: $*" >&2; }

imc_stop() {
  if [ -f "$ivar/kamailio.pid" ]; then
    local pid; pid=$(cat "$ivar/kamailio.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$ivar/kamailio.pid"
  fi
}
cleanup() { imc_stop; pool_stop_bench; "${stack[@]}" stop >/dev/null 2>&1 || true; }
trap cleanup EXIT

# imc's tables in database imc of the same MariaDB; imc rewrites them when it stops,
# so they are filled again before every start.
imc_db_init() {
  "${MYSQL[@]}" -e "DROP DATABASE IF EXISTS imc; CREATE DATABASE imc;
    CREATE TABLE imc.version (table_name VARCHAR(32) NOT NULL PRIMARY KEY,
      table_version INT UNSIGNED NOT NULL DEFAULT 0);"
  "${MYSQL[@]}" imc < /usr/share/kamailio/mysql/imc-create.sql
}

# imc_start PREFIX SPEC USERBASE: rooms PREFIX<k> laid out as pchat-bench lays sessions
# out (SIZExCOUNT,...), members bench<USERBASE+i>.
imc_start() {
  local prefix=$1 spec=$2 ubase=$3
  imc_stop
  "${MYSQL[@]}" imc -e "DELETE FROM imc_rooms; DELETE FROM imc_members;"
  room_rows "$spec" | while read -r k first size; do
    echo "INSERT INTO imc_rooms (name, domain, flag) VALUES ('$prefix$k', 'conf.example.com', 0);"
    echo "INSERT INTO imc_members (username, domain, room, flag) SELECT CONCAT('bench', $ubase + $first + seq), 'example.com', 'sip:$prefix$k@conf.example.com', 0 FROM seq_0_to_$((size - 1));"
  done | "${MYSQL[@]}" imc
  : > "$ivar/kamailio.log"
  MYSQL_UNIX_PORT="$SOCK" setsid kamailio -DD -E -f "$top/bench/imc.cfg" -Y "$ivar" \
    -P "$ivar/kamailio.pid" -A "SIP_PORT=$iport" \
    -A "OUTBOUND=\"sip:127.0.0.1:$iport;transport=${BENCH_IMC_TRANSPORT:-tcp}\"" \
    -A "CTL_SOCKET=\"unix:$ivar/ctl\"" $KARGS >>"$ivar/kamailio.log" 2>&1 &
  for _ in $(seq 150); do
    (exec 3<>/dev/tcp/127.0.0.1/$iport) 2>/dev/null && break
    sleep 0.1
  done
  sleep 1
}

# room_rows SPEC: "k first size" per room.
room_rows() {
  local spec=$1 k=0 first=0 item size count j
  IFS=, read -ra items <<< "$spec"
  for item in "${items[@]}"; do
    size=${item%x*}; count=${item#*x}
    [ "$count" != "$item" ] || count=1
    for ((j = 0; j < count; j++)); do
      echo "$k $first $size"; k=$((k + 1)); first=$((first + size))
    done
  done
}

# pchat_rooms PREFIX SPEC: our rooms PREFIX<k> in the Default category (columns of 001
# plus the category 005 requires; everything else takes its default).
pchat_rooms() {
  local prefix=$1 spec=$2 n
  n=$(room_rows "$spec" | wc -l)
  "${MYSQL[@]}" pchat -e "INSERT IGNORE INTO rooms (domain, chan_id, name, category_id)
    SELECT 'example.com', CONCAT('$prefix', seq), CONCAT('Bench $prefix', seq),
           (SELECT id FROM categories WHERE name = 'Default')
    FROM seq_0_to_$((n - 1));
    UPDATE server_config SET value = value + 1 WHERE name = 'revision';"
}

# feeds_fill N: N saved feeds (scenario l), by SQL: N - 10 that no post matches, each
# with two keywords of its own, of users who are not in the run; and 10 of the run's
# users on a post's sequence number (100, 200, ... 1000: one post each, so a few
# alerts are sent: the MESSAGE path runs, to users not registered).  pchatd reads them
# at start (restart_servers).
feeds_fill() {
  local n=$1
  "${MYSQL[@]}" pchat -e "DELETE FROM feeds;
    UPDATE server_config SET value = value + 1 WHERE name = 'FeedsRevision';"
  [ "$n" -gt 10 ] || return 0
  "${MYSQL[@]}" pchat -e "INSERT INTO feeds (user_uri, words)
    SELECT CONCAT('sip:feeder', seq, '@example.com'), CONCAT('newsx', seq, ' topicx', seq MOD 97)
    FROM seq_0_to_$((n - 11));
    INSERT INTO feeds (user_uri, words)
    SELECT CONCAT('sip:bench', 200000 + seq, '@example.com'), CONCAT(seq * 100)
    FROM seq_1_to_10;"
}

# Fresh Kamailio and backend before each measurement: no sessions left from the last.
restart_servers() {
  "${stack[@]}" kamailio-stop >/dev/null
  "${stack[@]}" backend-stop >/dev/null
  "${stack[@]}" backend-start >/dev/null
  "${stack[@]}" kamailio-start >/dev/null
  sleep 1
}

# gen SCENARIO LABEL TARGET ARGS...: one pchat-bench run; its JSON (with scenario and
# label) goes to results.jsonl.  GEN_PROXY (--proxy: one address or a list) and
# GEN_SOCK (the database to count stored posts in) for another stack than ours.
gen() {
  local sc=$1 label=$2 target=$3; shift 3
  local proxy=${GEN_PROXY:-127.0.0.1:$port} line
  [ "$target" = imc ] && proxy="127.0.0.1:$iport"
  [ "$target" = floor ] && proxy="127.0.0.1:$fport"
  log "[$sc] $label ($target): $*"
  load0=$(cut -d' ' -f1 /proc/loadavg)
  if ! line=$("$gen" --mode "$target" --proxy "$proxy" --db-socket "${GEN_SOCK:-$SOCK}" "$@" 2>>"$out/gen.log"); then
    log "[$sc] $label ($target) failed, see $out/gen.log"; line='{}'
  fi
  python3 - "$sc" "$label" "$line" "$load0" >> "$results" <<'PY'
import json, sys
d = json.loads(sys.argv[3] or "{}"); d["scenario"] = sys.argv[1]; d["label"] = sys.argv[2]
d["loadavg_before"] = float(sys.argv[4]); d["loadavg_after"] = float(open("/proc/loadavg").read().split()[0])
print(json.dumps(d))
PY
  python3 -c 'import json,sys; d=json.loads(sys.argv[1] or "{}"); print("bench:   queries %s (not 200: %s), p50 %s ms, p99 %s ms, max %s ms, messages a reply %s..%s" % tuple(d.get(k) for k in ("queries","queries_bad","q_p50_ms","q_p99_ms","q_max_ms","q_items_min","q_items_max")) if d.get("query") else "bench:   posts ok/s %s, deliveries/s %s, p50 %s ms, p99 %s ms, full %s ms, missing %s, 503 %s" % tuple(d.get(k) for k in ("posts_ok_per_s","deliveries_per_s","lat_p50_ms","lat_p99_ms","full_delivery_max_ms","deliveries_missing","posts_503")), file=sys.stderr)' "$line"
}

# pair SCENARIO LABEL PREFIX SPEC UBASE ARGS...: the same load on our stack and on imc.
pair() {
  local sc=$1 label=$2 prefix=$3 spec=$4 ubase=$5; shift 5
  local n; n=$(room_rows "$spec" | awk '{s += $3} END {print s}')
  pchat_rooms "$prefix" "$spec"
  restart_servers
  gen "$sc" "$label" pchat --sessions "$n" --rooms "$spec" --room-prefix "$prefix" \
    --user-base "$ubase" "$@"
  imc_start "$prefix" "$spec" "$ubase"
  gen "$sc" "$label" imc --sessions "$n" --rooms "$spec" --room-prefix "$prefix" \
    --user-base "$ubase" "$@"
  imc_stop
}

# floor_run SCENARIO LABEL ARGS...: the same load (pchat-bench's pchat protocol) against
# pchat-floor, which only answers and fans out: the physical floor of this machine and
# this generator.
floor_run() {
  local sc=$1 label=$2 fpid; shift 2
  "$top/bench/pchat-floor" --listen "127.0.0.1:$fport" 2>>"$out/gen.log" &
  fpid=$!
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$fport") 2>/dev/null && break; sleep 0.1; done
  gen "$sc" "$label" floor "$@"
  kill "$fpid"; wait "$fpid" 2>/dev/null || true
}

# merge_last JSONFILE [PREFIX [EXCLUDE]]: adds JSONFILE's keys (those starting with
# PREFIX, without EXCLUDE in them) to the last line of results.jsonl (the run they
# belong to); a missing or unreadable file adds "<PREFIX>missing": true.
merge_last() {
  python3 - "$results" "$@" <<'PY'
import json, sys
path, src = sys.argv[1], sys.argv[2]
prefix = sys.argv[3] if len(sys.argv) > 3 else ""
exclude = sys.argv[4] if len(sys.argv) > 4 else None
lines = open(path).read().splitlines()
try:
    f = json.load(open(src))
except (OSError, ValueError):
    f = {prefix + "missing": True}
d = json.loads(lines[-1])
d.update({k: v for k, v in f.items() if k.startswith(prefix) and (not exclude or exclude not in k)})
lines[-1] = json.dumps(d)
open(path, "w").write("\n".join(lines) + "\n")
PY
}

# history_load N: 33,077 rooms h-<k> and N stored messages (bulk-loaded with the sequence
# engine, then the search index built over them; posted_at spread over the last year),
# for d and m.  The words make m's searches: "apple" .. "melon" each in 1 message
# of 10 (common), topic<k> in 1 of 1,000, rare<k> in 1 of 1,000,000 (rare), "lorem" in
# every one.
history_load() {
  local nmsg=$1 have hmsg t0 minid left chunk
  have=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM rooms WHERE chan_id LIKE 'h-%'")
  if [ "$have" -lt 33077 ]; then
    log "[$s] creating 33,077 rooms"
    "${MYSQL[@]}" pchat -e "INSERT IGNORE INTO rooms (domain, chan_id, name, description, category_id)
      SELECT 'example.com', CONCAT('h-', seq), CONCAT('Bench Room ', seq), 'history bench',
             (SELECT id FROM categories WHERE name = 'Default') FROM seq_0_to_33076;"
  fi
  hmsg=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM messages")
  if [ "$hmsg" -lt "$nmsg" ]; then
    log "[$s] loading $((nmsg - hmsg)) messages (have $hmsg)"
    t0=$(date +%s)
    minid=$("${MYSQL[@]}" -N pchat -e "SELECT MIN(id) FROM rooms WHERE chan_id LIKE 'h-%'")
    left=$((nmsg - hmsg))
    while [ "$left" -gt 0 ]; do
      chunk=$((left > 1000000 ? 1000000 : left))
      "${MYSQL[@]}" pchat -e "SET unique_checks = 0; SET foreign_key_checks = 0;
        INSERT INTO messages (room_id, author, posted_at, body)
        SELECT $minid + (seq MOD 33077), CONCAT('sip:user', seq MOD 5000, '@example.com'),
               NOW(3) - INTERVAL (seq MOD 31536000) SECOND,
               CONCAT('history message ', seq, ' ',
                      ELT(1 + seq MOD 10, 'apple', 'banana', 'cherry', 'grape', 'lemon',
                          'mango', 'olive', 'peach', 'plum', 'melon'),
                      ' topic', (seq DIV 10) MOD 1000, ' rare', seq MOD 1000000,
                      ' lorem ipsum dolor sit amet')
        FROM seq_1_to_$chunk;"
      left=$((left - chunk))
    done
    log "[$s] loaded in $(( $(date +%s) - t0 )) s"
  fi
  terms_fill
}

# terms_fill: the search index rows (message_terms) of every queued message
# (search_pending), written by SQL instead of by pchatd's indexer, far faster for
# millions of rows: the bench's texts are single words one blank apart, so
# SUBSTRING_INDEX splits them as common/pchat_search.c does (lowercased, words of three
# characters or more; the texts hold no stopword).  In ranges of 500,000 messages
# (each its own transaction), the queue emptied range by range; nothing when the
# queue is empty.
terms_fill() {
  local lo hi t0 top_id
  read -r lo top_id < <("${MYSQL[@]}" -N pchat -e "SELECT COALESCE(MIN(msg_id), 0), COALESCE(MAX(msg_id), 0) FROM search_pending")
  [ "$top_id" -gt 0 ] || return 0
  log "[$s] writing the search index of messages $lo..$top_id"
  t0=$(date +%s)
  for ((hi = lo + 499999; lo <= top_id; lo = hi + 1, hi = lo + 499999)); do
    "${MYSQL[@]}" pchat -e "SET unique_checks = 0; SET foreign_key_checks = 0;
      INSERT IGNORE INTO message_terms (term, msg_id)
      SELECT w, id FROM (SELECT m.id, LOWER(SUBSTRING_INDEX(SUBSTRING_INDEX(m.body, ' ', s.seq), ' ', -1)) AS w
        FROM search_pending p JOIN messages m ON m.id = p.msg_id JOIN seq_1_to_16 s
        WHERE p.msg_id BETWEEN $lo AND $hi) x WHERE CHAR_LENGTH(w) >= 3;
      DELETE FROM search_pending WHERE msg_id BETWEEN $lo AND $hi;"
  done
  log "[$s] search index written in $(( $(date +%s) - t0 )) s"
}

. "$top/bench/files.sh" # scenarios i and j
. "$top/bench/pool.sh"  # scenario p

# purge_load N: N expired messages (posted two days ago, 1,000 words of text each a
# few) spread over the ten rooms "Bench kpurge-0..9", with no retention set yet.
purge_load() {
  local per=$(($1 / 10))
  pchat_rooms kpurge- "1x10"
  "${MYSQL[@]}" pchat -e "UPDATE rooms SET retention_sec = NULL, keep_sec = NULL WHERE chan_id LIKE 'kpurge-%';
    DELETE m FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.chan_id LIKE 'kpurge-%';
    INSERT INTO messages (room_id, author, posted_at, body)
      SELECT r.id, CONCAT('sip:old', s.seq MOD 100, '@example.com'), UTC_TIMESTAMP(3) - INTERVAL 2 DAY,
             CONCAT('expired bench message ', s.seq, ' lorem ipsum dolor sit amet')
      FROM seq_1_to_$per s JOIN rooms r ON r.chan_id LIKE 'kpurge-%';"
  terms_fill
}

# db_settle: waits (at most 180 s) until InnoDB has written its dirty pages and purged
# the undo of the rows just deleted (a history list under 1,000), so that the work a
# load left behind does not land in the next measured run: an "off" run right after
# purge_load's deletes measured p99 475 ms at 35 posts/s, the flushing's and InnoDB
# purge's, not the chat's.
db_settle() {
  local i dirty hist
  "${MYSQL[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = 0; SET GLOBAL innodb_max_dirty_pages_pct_lwm = 0;
    SET GLOBAL innodb_io_capacity_max = 20000; SET GLOBAL innodb_io_capacity = 10000"
  for ((i = 0; i < 180; i++)); do
    read -r dirty hist < <("${MYSQL[@]}" -N -e "SELECT
      (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'),
      (SELECT COUNT FROM information_schema.INNODB_METRICS WHERE NAME = 'trx_rseg_history_len')")
    [ "$dirty" -lt 100 ] && [ "$hist" -lt 1000 ] && break
    sleep 1
  done
  "${MYSQL[@]}" -e "SET GLOBAL innodb_max_dirty_pages_pct = DEFAULT; SET GLOBAL innodb_max_dirty_pages_pct_lwm = DEFAULT;
    SET GLOBAL innodb_io_capacity = DEFAULT; SET GLOBAL innodb_io_capacity_max = DEFAULT"
  log "[$s] database settled in $i s ($dirty dirty pages, history list $hist)"
}

# purge_figures FILE: once the purge job has left no expired message in the kpurge
# rooms (or after 600 s), the figures of its last pass that purged anything as JSON
# (purge_rows, purge_ms, purge_rows_per_s, purge_left) into FILE.
purge_figures() {
  local left i
  for ((i = 0; i < 3000; i++)); do
    left=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM messages m JOIN rooms r ON r.id = m.room_id
      WHERE r.chan_id LIKE 'kpurge-%'")
    [ "$left" = 0 ] && break
    sleep 0.2
  done
  sleep 1.5 # the pass records its figures when it finds no room left
  "${MYSQL[@]}" -N pchat -e "SELECT last_purge_rows, last_purge_ms FROM retention_state" |
    python3 -c 'import json, sys; r, ms = map(int, sys.stdin.read().split()); left = int(sys.argv[1]); print(json.dumps({"purge_rows": r, "purge_ms": ms, "purge_rows_per_s": round(r * 1000 / ms) if ms else None, "purge_left": left}))' "$left" >"$1"
}

log "profile $profile; our stack on 127.0.0.1:$port, imc on 127.0.0.1:$iport; Kamailio: $KARGS"
# a sanitized pchatd (make build SANITIZE=1, as the tests build it) spends about 3x the
# CPU: make bench builds without; bench/run.sh run by hand after the tests measures it
if [ $smoke = 0 ] && ldd "$top/backend/pchatd" 2>/dev/null | grep -q libasan; then
  log "WARNING: backend/pchatd is built with ASan (SANITIZE=1): its figures are not pchatd's; make build first"
fi
"${stack[@]}" start >/dev/null
imc_db_init

for s in "${scen[@]}"; do
  t_scen=$(date +%s)
  case "$s" in
  a)
    # The reference's capacity model (24 posts/s + 10 joins/s over rooms of 30, 150
    # and 16,000) scaled: quick keeps the room mix with a 2,000-member big room.
    if [ $full = 1 ]; then spec="30x200,150x40,16000x1"; rate=24; dur=30
    else spec="30x40,150x8,2000x1"; rate=24; dur=10; fi
    pair a "capacity model $spec @ ${rate}/s" cap- "$spec" 100000 --rate $rate --duration $dur \
      --warmup 2 --conns 32
    ;;
  b)
    # Deliveries/s and latency against offered load (the highest sustained rate):
    # 150-member rooms, rising post rates (offered deliveries/s: 150 per post), on our
    # stack, on imc and on the floor (pchat-floor).
    if [ $full = 1 ]; then rates="10 40 70 100 130 160 200 300"; dur=20; else rates="${BENCH_RATES:-10 40 70}"; dur=10; fi
    for r in $rates; do
      pair b "150x4 @ ${r} posts/s" "sus$r-" "150x4" 200000 --rate "$r" --duration $dur \
        --warmup 2 --conns 8
      floor_run b "150x4 @ ${r} posts/s" --sessions 600 --rooms 150x4 --room-prefix "sus$r-" \
        --user-base 200000 --rate "$r" --duration $dur --warmup 2 --conns 8
    done
    ;;
  c)
    # Full delivery against room size, up to one 16,000-member room (the reference's
    # largest): one room, a post every 2 s, each must reach every member; 500 sessions
    # per connection; ours, imc and the physical floor.
    if [ $full = 1 ]; then posts=10; sizes="1000 2000 4000 8000 16000"
    else posts=3; sizes="${BENCH_ROOM_SIZES:-1000 4000 16000}"; fi
    for n in $sizes; do
      args=(--rate 0.5 --duration $((posts * 2)) --conns $(( (n + 499) / 500 )) --drain 60)
      pair c "${n}x1, $posts posts" "big$n-" "${n}x1" 300000 "${args[@]}"
      floor_run c "${n}x1, $posts posts" --sessions "$n" --rooms "${n}x1" --room-prefix "big$n-" \
        --user-base 300000 "${args[@]}"
    done
    ;;
  d)
    # History queries on 33,077 rooms and many stored messages (bulk-loaded with the
    # sequence engine; posted_at spread over the last year).
    if [ $full = 1 ]; then nmsg=10000000; nq=20000; else nmsg=300000; nq=3000; fi
    history_load "$nmsg"
    total=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM messages")
    restart_servers
    gen d "bccontext 30, $total messages, 33077 rooms" pchat --sessions 8 --query bccontext \
      --queries $nq --qconc 1 --qrooms 33077 --qprefix h-
    gen d "chansrch, 33077 rooms" pchat --sessions 8 --query chansrch --queries $((nq / 10)) \
      --qconc 1 --qrooms 33077
    ;;
  e)
    # Memory per signed-in session against sessions (measured 12 s after the last
    # sign-in, once tm has freed the INVITE transactions): pchatd VmRSS, the VmRSS and
    # RssAnon of the pchat link processes (link_processes of them, summed: sessions are
    # sharded over them) and Kamailio's shared memory, before and after N sessions sign in.
    if [ $full = 1 ]; then sizes="5000 10000 20000 40000 80000"
    else sizes="${BENCH_SESSIONS:-5000 10000 20000}"; fi
    for n in $sizes; do
      restart_servers
      bpid=$(cat "$var/backend.pid")
      lstatus=$(kamcmd -s "unix:$var/kamailio/ctl" ps |
        awk '/pchat link/ {printf "/proc/%s/status ", $1}')
      # with no file awk would read its stdin and hang the generator's --on-ready
      [ -n "$lstatus" ] || { log "[e] no pchat link process"; exit 1; }
      memfile="$out/mem-$n.txt"
      # memsnap.sh WHEN: the figures, for the generator's --on-ready
      printf '%s\n' '#!/bin/sh' \
        "echo \"\$1 backend_rss_kb \$(awk '/VmRSS/ {print \$2}' /proc/$bpid/status)\"" \
        "echo \"\$1 link_processes $(echo $lstatus | wc -w)\"" \
        "echo \"\$1 link_rss_kb \$(awk '/VmRSS/ {s += \$2} END {print s}' $lstatus)\"" \
        "echo \"\$1 link_anon_kb \$(awk '/RssAnon/ {s += \$2} END {print s}' $lstatus)\"" \
        "echo \"\$1 shm_used_b \$(kamcmd -s unix:$var/kamailio/ctl core.shmmem | awk '/real_used/ {print \$2}')\"" \
        > "$out/memsnap.sh"
      sh "$out/memsnap.sh" before > "$memfile"
      gen e "memory, $n sessions" pchat --sessions "$n" --conns $((n / 500)) --rate 0 \
        --duration 0 --drain 0 --user-base 400000 --window 512 \
        --on-ready "sleep 12; sh $out/memsnap.sh after >> $memfile"
      python3 - "$memfile" "$n" >> "$results" <<'PY'
import sys
v = {}
for line in open(sys.argv[1]):
    when, k, x = line.split(); v[(when, k)] = int(x)
n = int(sys.argv[2]); d = {"scenario": "e", "label": "memory per session", "sessions": n}
# link_* are sums over this many pchat link processes
d["link_processes"] = v.get(("before", "link_processes"))
for k in ("backend_rss_kb", "link_rss_kb", "link_anon_kb"):
    d[k + "_before"] = v.get(("before", k)); d[k + "_after"] = v.get(("after", k))
    if d[k + "_before"] is not None and d[k + "_after"] is not None:
        d[k.replace("_kb", "") + "_bytes_per_session"] = round((d[k + "_after"] - d[k + "_before"]) * 1024 / n)
d["shm_used_before"] = v.get(("before", "shm_used_b")); d["shm_used_after"] = v.get(("after", "shm_used_b"))
if d["shm_used_before"] is not None and d["shm_used_after"] is not None:
    d["shm_bytes_per_session"] = round((d["shm_used_after"] - d["shm_used_before"]) / n)
import json; print(json.dumps(d))
PY
      tail -1 "$results" >&2
    done
    ;;
  f)
    # One abusive session sends 5,000 posts back to back into one of ten 30-member
    # rooms during a steady stream of 30 posts/s; the others' post->delivery latency
    # with and without it, runs alternating (issue 10: p99 within 2x).  The flood comes
    # from a second generator process (started by the first once its sessions are in,
    # flooding 4 s into the stream), so that reading its 5,000 answers does not delay
    # the measuring one; its counts are merged into the run's line.  It runs at nice 19
    # (BENCH_FLOOD_NICE): a real attacker spends its own CPU elsewhere, here it would
    # share the server's two cores.
    if [ $full = 1 ]; then reps=3; else reps=2; fi
    reps=${BENCH_FLOOD_REPS:-$reps}
    pchat_rooms flood- "30x10"
    for ((k = 0; k < reps; k++)); do
      for fl in 0 5000; do
        restart_servers
        rm -f "$out/flooder.json"
        extra=(--flood-at 4)
        if [ $fl -gt 0 ]; then
          extra+=(--on-ready "nice -n ${BENCH_FLOOD_NICE:-19} $gen --mode pchat --proxy 127.0.0.1:$port --sessions 1 --rooms 1x1 \
            --room-prefix flood- --user-base 590000 --rate 0 --duration 6 --drain 10 \
            --flood $fl --flood-at 3.9 > $out/flooder.json 2>>$out/gen.log &")
        fi
        gen f "$([ $fl -gt 0 ] && echo "flood of $fl" || echo "no flood")" pchat --sessions 300 \
          --rooms 30x10 --room-prefix flood- --user-base 500000 --rate 30 --duration 12 \
          --warmup 2 --conns 8 --drain 20 "${extra[@]}"
        if [ $fl -gt 0 ]; then
          for _ in $(seq 100); do [ -s "$out/flooder.json" ] && break; sleep 0.2; done
          merge_last "$out/flooder.json" flood_ window
        fi
      done
    done
    ;;
  g)
    # What compliance costs chat: (b)'s 150x4 rooms at 70 posts/s and at a rate past
    # what the stack sustains (BENCH_COMPLIANCE_RATES), with compliance off and on, alternating (on: every post's CHAT event written by the trigger in the post's
    # transaction, and pchat-compliance outputting a run 5 s into the stream).  Then
    # the daemon alone on a backlog of 1,000,000 events (bulk-loaded; 100 rooms, 1,000
    # users, 60-byte texts): events/s into XML files and its peak memory (VmHWM).
    if [ $full = 1 ]; then reps=3; else reps=2; fi
    cdir="$out/compliance"
    rm -rf "$cdir"
    mkdir -p "$cdir"
    pchat_rooms comp- "150x4"
    cdaemon=("$top/compliance/pchat-compliance" --db-socket "$SOCK" --db-name pchat --db-user pchat
      --db-password-file "$var/db-password" --node bench)
    "${stack[@]}" compliance-stop >/dev/null
    for rate in ${BENCH_COMPLIANCE_RATES:-70 160}; do
    for ((k = 0; k < reps; k++)); do
      for on in 0 1; do
        "${MYSQL[@]}" pchat -e "DELETE FROM compliance_events;
          UPDATE compliance_config SET adapter_type = IF($on, 'XML', ''),
          output_directory = '$cdir', run_interval_sec = 3600 WHERE id = 1"
        restart_servers
        dpid=
        if [ $on = 1 ]; then
          "${cdaemon[@]}" >>"$out/compliance.log" 2>&1 &
          dpid=$!
        fi
        gen g "compliance $([ $on = 1 ] && echo on || echo off) @ $rate posts/s" pchat --sessions 600 \
          --rooms 150x4 --room-prefix comp- --user-base 200000 --rate "$rate" --duration 10 \
          --warmup 2 --conns 8 --on-ready "sleep 7; ${MYSQL[*]} pchat -e \"UPDATE compliance_state SET run_requested = NOW(3)\""
        if [ -n "$dpid" ]; then kill -TERM "$dpid"; wait "$dpid" || true; fi
      done
    done
    done
    # the backlog: 1,000,000 events as the triggers write them
    nev=${BENCH_COMPLIANCE_EVENTS:-1000000}
    rm -rf "$cdir" && mkdir -p "$cdir"
    "${MYSQL[@]}" pchat -e "DELETE FROM compliance_events;
      UPDATE compliance_config SET adapter_type = 'XML', output_directory = '$cdir' WHERE id = 1;
      INSERT INTO compliance_events (event_type, event_time, room_id, room_uri, room_name,
        user_uri, msg_id, content)
      SELECT IF(seq MOD 20 = 0, 'JOIN', 'CHAT'), UTC_TIMESTAMP(3) - INTERVAL (($nev - seq) * 100000) MICROSECOND,
             1 + seq MOD 100, CONCAT('ma-chan://example.com/bench-room-', seq MOD 100),
             CONCAT('Bench room ', seq MOD 100), CONCAT('sip:user', seq MOD 1000, '@example.com'),
             IF(seq MOD 20 = 0, NULL, seq),
             IF(seq MOD 20 = 0, NULL, CONCAT('compliance bench message ', seq, ' lorem ipsum dolor sit'))
      FROM seq_1_to_$nev;"
    log "[g] pchat-compliance --once on $nev events"
    load0=$(cut -d' ' -f1 /proc/loadavg)
    t0=$(date +%s.%N)
    "${cdaemon[@]}" --once >>"$out/compliance.log" 2>&1 &
    dpid=$!
    hwm=0
    while kill -0 "$dpid" 2>/dev/null; do
      h=$(awk '/VmHWM/ {print $2}' "/proc/$dpid/status" 2>/dev/null || echo 0)
      [ "${h:-0}" -gt "$hwm" ] && hwm=$h
      sleep 0.2
    done
    wait "$dpid" && drc=0 || drc=$?
    t1=$(date +%s.%N)
    left=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM compliance_events")
    bytes=$(du -sb "$cdir" | cut -f1)
    files=$(ls "$cdir" | wc -l)
    python3 - "$nev" "$t0" "$t1" "$hwm" "$drc" "$left" "$bytes" "$files" "$load0" >>"$results" <<'PY'
import json, sys
n, t0, t1, hwm, rc, left, size, files, load0 = sys.argv[1:]
secs = float(t1) - float(t0)
print(json.dumps({"scenario": "g", "label": "backlog", "events": int(n), "seconds": round(secs, 2),
                  "events_per_s": round(int(n) / secs), "peak_rss_kb": int(hwm), "exit": int(rc),
                  "events_left": int(left), "output_bytes": int(size), "files": int(files),
                  "loadavg_before": float(load0),
                  "loadavg_after": float(open("/proc/loadavg").read().split()[0])}))
PY
    tail -1 "$results" >&2
    "${MYSQL[@]}" pchat -e "UPDATE compliance_config SET adapter_type = '' WHERE id = 1"
    ;;
  h)
    # What scraping costs chat: (b)'s 150x4 rooms at BENCH_SCRAPE_RATES posts/s, with
    # and without every URL of SCRAPE_URLS fetched every BENCH_SCRAPE_INTERVAL (1) s
    # from before sign-in to the end, alternating (the order flips each round, so a
    # drift over the runs favours neither).  Each scraped run's scrapes, timestamped,
    # stay in scrapes/ for bench/dashboard.py.
    if [ $full = 1 ]; then reps=5; srates="70 160"; else reps=2; srates=160; fi
    reps=${BENCH_SCRAPE_REPS:-$reps}
    sdir="$out/scrapes"
    rm -rf "$sdir" && mkdir -p "$sdir"
    pchat_rooms scr- "150x4"
    for rate in ${BENCH_SCRAPE_RATES:-$srates}; do
    read -ra sets <<<"off ${BENCH_SCRAPE_SETS:-on}"
    for ((k = 0; k < reps; k++)); do
      order=("${sets[@]}")
      [ $((k % 2)) = 0 ] || mapfile -t order < <(printf '%s\n' "${sets[@]}" | tac)
      for set in "${order[@]}"; do
        restart_servers
        spid=
        if [ "$set" != off ]; then
          sfile="$sdir/h-$rate-$k$([ "$set" = on ] || echo "-$set").prom"
          rm -f "$sdir/summary.json"
          read -ra urls <<<"${SCRAPE_SET[$set]:?unknown scrape set $set}"
          python3 "$top/bench/scrape.py" --interval "${BENCH_SCRAPE_INTERVAL:-1}" --out "$sfile" \
            --summary "$sdir/summary.json" "${urls[@]}" &
          spid=$!
        fi
        gen h "scrape $set @ $rate posts/s" pchat --sessions 600 \
          --rooms 150x4 --room-prefix scr- --user-base 200000 --rate "$rate" --duration 10 \
          --warmup 2 --conns 8
        if [ -n "$spid" ]; then
          kill -TERM "$spid"; wait "$spid" || true
          merge_last "$sdir/summary.json" scrape
        fi
      done
    done
    done
    ;;
  m)
    # Message search (cmd:search, our extension) over 10 million stored messages in
    # 33,077 rooms, every one readable by the searcher (history_load, above): one search
    # at a time, for a rare word (in 10 messages), a word in 1 of 1,000 and a common one
    # (1 in 10); newest 50 first, across every room.  Target p99 <= 50 ms.
    history_load 10000000
    total=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM messages")
    found=$("${MYSQL[@]}" -N pchat -e "SELECT COUNT(*) FROM message_terms WHERE term = 'rare123456'")
    [ "$found" -gt 0 ] || { log "[m] the search index finds nothing: not measured"; exit 1; }
    restart_servers
    if [ $full = 1 ]; then nq=300; else nq=50; fi
    for w in "rare123456 rare" "topic17 1-in-1000" "apple common"; do
      set -- $w
      gen m "search \"$1\" ($2), $total messages, 33077 rooms" pchat --sessions 8 \
        --query search --qtext "$1" --queries $nq --qconc 1
      # a fast search that found nothing measures nothing
      tail -1 "$results" | python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d.get("q_items_min", 0) > 0 else 1)' ||
        { log "[m] a search of \"$1\" answered no message"; exit 1; }
    done
    ;;
  i) files_throughput ;;
  j) files_under_load ;;
  k)
    # Retention's purge under chat: (b)'s 150x4 rooms at each of BENCH_PURGE_RATES
    # (35 and 70) posts/s for BENCH_PURGE_SECS (20) seconds, with and without the purge
    # job deleting BENCH_PURGE_ROWS expired messages (purge_load), alternating (the
    # order flips each round).  70 posts/s is most of what two cores deliver (scenario
    # b), 35 leaves the headroom a deployment runs with.  The rows are loaded in both
    # cases, so that only the purge differs; the purge starts when the sessions are in
    # (--on-ready gives the kpurge rooms a retention of one day; pchatd looks every
    # second: --retention-interval 1).  Purge rows/s: the job's pass (retention
    # status's last run), which the chat load overlaps.  Target: p99 with the purge
    # within 1.2x of without.
    if [ $full = 1 ]; then reps=3; nrows=1000000; else reps=2; nrows=200000; fi
    reps=${BENCH_PURGE_REPS:-$reps}
    nrows=${BENCH_PURGE_ROWS:-$nrows}
    psecs=${BENCH_PURGE_SECS:-20}
    pchat_rooms ret- "150x4"
    "${MYSQL[@]}" pchat -e "UPDATE compliance_config SET adapter_type = '' WHERE id = 1"
    pchatd_args_k=${PCHATD_ARGS:-}
    export PCHATD_ARGS="$pchatd_args_k --retention-interval 1"
    for prate in ${BENCH_PURGE_RATES:-35 70}; do
    for ((k = 0; k < reps; k++)); do
      order=(off on)
      [ $((k % 2)) = 0 ] || order=(on off)
      for on in "${order[@]}"; do
        log "[k] loading $nrows expired messages"
        purge_load "$nrows"
        db_settle
        restart_servers
        ready=true
        [ "$on" = off ] || ready="${MYSQL[*]} pchat -e \"UPDATE rooms SET keep_sec = 86400 WHERE chan_id LIKE 'kpurge-%'\""
        gen k "purge $on @ $prate posts/s" pchat --sessions 600 --rooms 150x4 --room-prefix ret- \
          --user-base 200000 --rate "$prate" --duration "$psecs" --warmup 2 --conns 8 --on-ready "$ready"
        if [ "$on" = on ]; then
          purge_figures "$out/purge.json"
          merge_last "$out/purge.json" purge
          tail -1 "$results" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("bench:   purged %s rows in %s ms: %s rows/s (left %s)" % (d.get("purge_rows"), d.get("purge_ms"), d.get("purge_rows_per_s"), d.get("purge_left")), file=sys.stderr)'
        fi
      done
    done
    done
    export PCHATD_ARGS="$pchatd_args_k"
    restart_servers
    ;;
  p) pool_bench ;;
  s)
    # How chat INFOs leave Kamailio (issue 14): written by the link process, batched
    # per connection (the default), against one tm transaction each (modparam
    # info_via_tm, -A INFO_VIA_TM=1), alternating, at BENCH_SEND_RATES posts/s in (b)'s
    # 150x4 rooms, over 8 shared connections (a front or an edge server's case: the
    # batching helps) and over one connection per member (the batching cannot help:
    # what is left is the transaction's cost).
    reps=${BENCH_SEND_REPS:-2}
    pchat_rooms send- "150x4"
    for conns in ${BENCH_SEND_CONNS:-8 600}; do
    for rate in ${BENCH_SEND_RATES:-200 270}; do
    for ((k = 0; k < reps; k++)); do
      order=(off on)
      [ $((k % 2)) = 0 ] || order=(on off)
      for set in "${order[@]}"; do
        # "on": one tm transaction per INFO (the old way); "off": batched
        if [ "$set" = on ]; then export KAMAILIO_ARGS="$KARGS -A INFO_VIA_TM=1"; else export KAMAILIO_ARGS="$KARGS"; fi
        restart_servers
        gen s "tm $set @ $rate posts/s, $conns connections" pchat --sessions 600 --rooms 150x4 \
          --room-prefix send- --user-base 200000 --rate "$rate" --duration 10 --warmup 2 --conns "$conns"
      done
    done
    done
    done
    export KAMAILIO_ARGS="$KARGS"
    restart_servers
    ;;
  l)
    # What saved feeds cost posting (issue 15): (b)'s 150x4 rooms at BENCH_FEED_RATES
    # (70) posts/s with no feeds and with BENCH_FEEDS (10,000), a few matching
    # (feeds_fill), alternating (the order flips each round).  Target: deliveries/s
    # with the feeds >= 0.9x without, in the same run.
    if [ $full = 1 ]; then reps=3; else reps=2; fi
    reps=${BENCH_FEED_REPS:-$reps}
    pchat_rooms feed- "150x4"
    for rate in ${BENCH_FEED_RATES:-70}; do
    for ((k = 0; k < reps; k++)); do
      order=(off on)
      [ $((k % 2)) = 0 ] || order=(on off)
      for set in "${order[@]}"; do
        feeds_fill "$([ "$set" = on ] && echo "${BENCH_FEEDS:-10000}" || echo 0)"
        restart_servers
        gen l "feeds $set @ $rate posts/s" pchat --sessions 600 --rooms 150x4 \
          --room-prefix feed- --user-base 200000 --rate "$rate" --duration 10 --warmup 2 --conns 8
      done
    done
    done
    feeds_fill 0
    ;;
  esac
  log "[$s] took $(( $(date +%s) - t_scen )) s"
done

python3 "$top/bench/report.py" "$results" "$profile" "$KARGS" > "$out/results.md"
if [ $smoke = 1 ]; then
  cat "$out/results.md"
  files_smoke_check "${scen[@]}"
  if [[ " ${scen[*]} " == *" p "* ]]; then pool_smoke_check; fi
  exit
fi
log "results: $out/results.md and $results"
python3 "$top/bench/plot.py" "$results" "$out" || log "the pictures failed (above); the results stand"
cat "$out/results.md"
