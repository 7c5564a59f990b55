#!/usr/bin/env bash
# Fault suite (docs/RELIABILITY.md, "Faults"): starts the real stack on a free loopback
# port under build/fault-var, drives a steady stream of posts with bench/pchat-bench
# (4 rooms of 10 sessions, 30 posts/s for 16 s per scenario) and, during the stream:
#   backend-kill  kill -9 pchatd, backend-start 3 s later
#   db-kill       kill -9 MariaDB, db-start 2 s later
#   db-down-kill  MariaDB stopped, pchatd killed -9 with posts pending, both started again
#   db-down-stop  MariaDB stopped, pchatd stopped cleanly (SIGTERM) with posts pending,
#                 both started again
#   pause         pchatd SIGSTOPped 5 s (past the module's backend_timeout, 3 s), resumed
#   flood         one more session (its own connection, in a room of the stream) sends
#                 5,000 posts back to back; every one must get a final answer and the
#                 stream must go on (none of its posts finally refused)
#   kamailio-kill kill -9 of every Kamailio process (as systemd would kill its cgroup),
#                 started again 1 s later: the clients connect and sign in again and
#                 send again the posts whose answers were lost with the connection
#   vanish        the 10 sessions of one connection disappear (closed, no BYE): their
#                 posts in flight are cut; everyone else goes on
#   low-memory    Kamailio restarted with 12 MiB of shared memory (about what the stream
#                 needs), then pause: the burst after the resume must meet the module's
#                 shared-memory watch (503 to new requests, deliveries held back), not
#                 silence; fails if memory never ran low (the scenario tested nothing)
# The generator behaves as a client should: a post answered 503 is sent again 1 s
# later, the same envelope, up to 5 times.  Each post's text is unique (B<run>:<seq>).
# Each scenario prints one line of counts (503 = posts whose last answer was 503) and
# fails unless: no post answered 200 is missing from `messages`, no post text has two
# rows, every post got exactly one final answer, and a post sent after the fault got
# 200.  usage: tests/fault/run.sh [SCENARIO...]
set -euo pipefail
# trusted SIP mode (From believed): this suite is about something else than client
# authentication, which tests/e2e (e2e-sip) and tests/sipe check
export PCHAT_TRUSTED=1
# No TLS listener: the low-memory scenario runs Kamailio in 12 MiB of shared memory,
# sized for the plain stack; OpenSSL's contexts (in shared memory, one per process)
# took most of it, so it never recovered (e2e and sipe cover TLS)
export PCHAT_TLS=0
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/fault-var"
rm -rf "$var"
mkdir -p "$var"
gen="$top/bench/pchat-bench"
[ -x "$gen" ] || { echo "fault: $gen missing (make -C bench)"; exit 1; }

. "$top/tests/lib.sh"
port=$(free_port 26060)
stack_init "$port"
SOCK="$var/mysql.sock"
MYSQL=(mysql --no-defaults --socket="$SOCK" -uroot)

ROOMS="10x4"     # 4 rooms of 10 sessions
NSESS=40
RATE=30          # posts/s over all rooms
DUR=${FAULT_DURATION:-16}    # posting time, s (make chaos: longer)
FAULT_AT=4       # s after the first post
ROUNDS=${FAULT_ROUNDS:-1}    # each scenario this many times (make chaos: more)

show_logs() { tail_logs 30 kamailio backend mariadb; }
now() { date +%s.%N; }

echo "fault: starting the stack on 127.0.0.1:$port"
"${stack[@]}" start >"$var/stack.log" 2>&1 || { show_logs; exit 1; }
# the rooms, as bench/run.sh creates them
"${MYSQL[@]}" pchat -e "INSERT IGNORE INTO rooms (domain, chan_id, name, category_id)
  SELECT 'example.com', CONCAT('fault-', seq), CONCAT('Fault ', seq),
         (SELECT id FROM categories WHERE name = 'Default') FROM seq_0_to_3;
  UPDATE server_config SET value = value + 1 WHERE name = 'revision';"

# kill9 NAME [group]: SIGKILL the process of $var/NAME.pid, or with "group" its whole
# process group (the servers run under setsid; Kamailio's children die with it, as a
# systemd unit's cgroup would), and wait until none of them is left.
kill9() {
  local target; target=$(cat "$var/$1.pid")
  [ "${2:-}" = group ] && target="-$target"
  kill -KILL -- "$target"
  while kill -0 -- "$target" 2>/dev/null; do sleep 0.05; done
}
fault_backend_kill() { kill9 backend; sleep 3; "${stack[@]}" backend-start >>"$var/stack.log" 2>&1; }
fault_db_kill() { kill9 mariadb; sleep 2; "${stack[@]}" db-start >>"$var/stack.log" 2>&1; }
fault_db_down_kill() {
  "${stack[@]}" db-stop >>"$var/stack.log" 2>&1
  sleep 1.5 # posts queued behind the unreachable database
  kill9 backend
  sleep 2
  "${stack[@]}" db-start >>"$var/stack.log" 2>&1
  "${stack[@]}" backend-start >>"$var/stack.log" 2>&1
}
fault_kamailio_kill() { kill9 kamailio group; sleep 1; "${stack[@]}" kamailio-start >>"$var/stack.log" 2>&1; }
# pchat-bench closes connection 0 itself (--vanish-at): the sessions i with i % 4 == 0
# (users ubase + i).  The module must notice (its INFOs to them fail) and close them:
# pchatd logs each as "session closed ... user=sip:benchN@example.com reason=unreachable".
fault_vanish() { sleep 6; }
vanish() {
  local base=$ubase i left=0
  run_scenario vanish fault_vanish --vanish-at $FAULT_AT
  for ((i = 0; i < NSESS; i += 4)); do
    grep -q "^.* session closed .* user=sip:bench$((base + i))@example.com reason=unreachable$" "$var/backend.log" ||
      left=$((left + 1))
  done
  echo "       vanish        sessions of the vanished connection still open: $left of $((NSESS / 4))"
  if [ $left -ne 0 ]; then
    echo "fault: vanish: FAIL: the module still holds $left vanished sessions" |
      tee -a "$var/result-vanish.txt"
    failed+=(vanish)
  fi
}
fault_db_down_stop() {
  "${stack[@]}" db-stop >>"$var/stack.log" 2>&1
  sleep 1.5
  "${stack[@]}" backend-stop >>"$var/stack.log" 2>&1 # waits for pchatd's drain
  "${stack[@]}" db-start >>"$var/stack.log" 2>&1
  "${stack[@]}" backend-start >>"$var/stack.log" 2>&1
}
fault_pause() { "${stack[@]}" backend-pause; sleep 5; "${stack[@]}" backend-resume; }
FLOOD=5000
fault_flood() { sleep 2; } # pchat-bench sends the flood itself (--flood-at)

kamailio_restart() { # kamailio_restart [KAMAILIO OPTIONS]: Kamailio alone, new options
  "${stack[@]}" kamailio-stop >>"$var/stack.log" 2>&1
  KAMAILIO_ARGS="$*" "${stack[@]}" kamailio-start >>"$var/stack.log" 2>&1
}
kstat() { kamcmd -s "unix:$var/kamailio/ctl" stats.get_statistics "$1" 2>/dev/null |
  awk -F' = ' '{print $2 + 0}'; }
low_memory() {
  # INFOs through tm (INFO_VIA_TM): the watch is about what takes shared memory per
  # message, and by default (pchat_infosend.c) a delivery takes none, so the stream's
  # burst would not make memory run low; the answers to posts still need it either way
  kamailio_restart -m 12 -A INFO_VIA_TM=1
  local from low paused dropped
  from=$(wc -l < "$var/kamailio.log")
  run_scenario low-memory fault_pause
  low=$(kstat low_memory_replies); paused=$(kstat deliveries_paused)
  # a delivery tm could not take is logged by pchat_session_send_info() and lost
  dropped=$(tail -n +$((from + 1)) "$var/kamailio.log" | grep -c "cannot send INFO, delivery lost" || true)
  echo "       low-memory    shared-memory watch: $low requests answered 503, deliveries held back $paused times, dropped $dropped"
  if [ "${low:-0}" -eq 0 ] || [ "$dropped" -ne 0 ]; then
    echo "fault: low-memory: FAIL: $([ "${low:-0}" -eq 0 ] && echo "shared memory never ran low; the scenario tested nothing" || echo "$dropped deliveries dropped")" |
      tee -a "$var/result-low-memory.txt"
    failed+=(low-memory)
  fi
  kamailio_restart
}

j() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d.get(sys.argv[2], -1))' "$1" "$2"; }

failed=()
ubase=500000
run_scenario() { # run_scenario NAME FUNCTION [PCHAT-BENCH OPTION...]
  local name=$1 fn=$2 ready="$var/ready-$1" out="$var/gen-$1.json" t0 t1 pid rc=0
  shift 2
  rm -f "$ready"
  local klines; klines=$(wc -l < "$var/kamailio.log")
  "$gen" --mode pchat --proxy "127.0.0.1:$port" --db-socket "$SOCK" --sessions $NSESS \
    --conns 4 --rooms "$ROOMS" --room-prefix fault- --user-base $ubase --run "F$name$ubase" \
    --rate $RATE --duration $DUR --drain 12 --resend-503 1 --resend-max 5 --on-ready "touch $ready" "$@" \
    >"$out" 2>>"$var/gen-$name.log" &
  pid=$!
  ubase=$((ubase + 1000))
  for _ in $(seq 300); do [ -f "$ready" ] && break; sleep 0.1; done
  [ -f "$ready" ] || { echo "fault: $name: sessions did not sign in"; kill "$pid"; failed+=("$name"); return; }
  t0=$(now)
  sleep $FAULT_AT
  $fn
  t1=$(now)
  wait "$pid" || rc=$?
  local line; line=$(cat "$out")
  if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
    { echo "fault: $name: pchat-bench exited $rc"; tail -5 "$var/gen-$name.log"; } | tee "$var/result-$name.txt"
    failed+=("$name"); return
  fi
  local fault_end; fault_end=$(python3 -c "print(round($t1 - $t0, 2))")
  # final answers the module could not send: tm found no shared memory for the reply
  # buffer (Kamailio's log of this scenario; see docs/RELIABILITY.md, "Faults")
  local lost_replies; lost_replies=$(tail -n +$((klines + 1)) "$var/kamailio.log" |
    grep -c "reply_ident(): cannot send" || true)
  # Kamailio's shared memory: high-water mark since the stack started, and the pool
  local shm; shm=$(kamcmd -s "unix:$var/kamailio/ctl" core.shmmem 2>/dev/null |
    awk '/total:/ {t = $2} /max_used:/ {m = $2} END {printf "%d/%d", m / 1048576, t / 1048576}')
  local prc=0
  python3 - "$name" "$line" "$fault_end" "$lost_replies" "$shm" >"$var/result-$name.txt" <<'PY' || prc=$?
import json, sys
name, d, fault_end = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
lost_replies, shm = int(sys.argv[4]), sys.argv[5]
g = lambda k: d.get(k, -1)
print("fault: %-13s sent %d / 200 %d / 503 %d / other %d / unanswered %d / stored %d / "
      "stored-twice %d / acked-but-not-stored %d / delivered %d of %d"
      % (name, g("posts_sent"), g("posts_ok"), g("posts_503"), g("posts_other"),
         g("posts_unanswered"), g("stored_posts"), g("stored_twice"), g("acked_missing"),
         g("deliveries"), g("deliveries_expected")))
if g("conns_lost") > 0 or g("posts_cut") > 0:
    print("       %-13s connections lost %d, opened again %d, sessions signed in again %d, "
          "posts cut (their session gone) %d" % ("", g("conns_lost"), g("reconnects"),
                                                 g("resignins"), g("posts_cut")))
if g("flood_sent") > 0:
    print("       %-13s flood: sent %d / 200 %d / 503 %d / other %d / unanswered %d"
          % ("", g("flood_sent"), g("flood_ok"), g("flood_503"), g("flood_other"),
             g("flood_unanswered")))
print("       %-13s (503 answers %d, posts resent %d; stored after a final 503 %d, after "
      "other %d, unanswered stored %d, answered twice %d; fault over at %.1f s, last "
      "post answered 200 sent at %.1f s; Kamailio shm high-water %s MiB)"
      % ("", g("answers_503"), g("resends"), g("stored_after_503"), g("stored_after_other"),
         g("stored_unanswered"), g("posts_answered_twice"), fault_end, g("last_ok_sent_s"), shm))
bad = []
if g("acked_missing") != 0: bad.append("acknowledged but not stored: %d" % g("acked_missing"))
if g("stored_twice") != 0: bad.append("stored twice: %d" % g("stored_twice"))
if g("posts_unanswered") != 0:
    # lost_replies: answers tm could not send for lack of shared memory (Kamailio's log)
    bad.append("unanswered: %d (final answers Kamailio could not send for lack of shared "
               "memory: %d)" % (g("posts_unanswered"), lost_replies))
if g("posts_answered_twice") != 0: bad.append("answered twice: %d" % g("posts_answered_twice"))
if g("answers_503_without_retry_after") != 0:
    bad.append("503s without Retry-After: %d" % g("answers_503_without_retry_after"))
if g("flood_sent") > 0:
    if g("flood_unanswered") != 0: bad.append("flood posts unanswered: %d" % g("flood_unanswered"))
    if g("posts_503") != 0 or g("posts_other") != 0:
        bad.append("the others' posts finally refused during the flood: %d (503) + %d"
                   % (g("posts_503"), g("posts_other")))
if g("last_ok_sent_s") < fault_end + 0.5: bad.append("no post sent after the fault got 200")
if g("posts_sent") < 100: bad.append("too few posts sent")
for b in bad: print("fault: %s: FAIL: %s" % (name, b))
sys.exit(1 if bad else 0)
PY
  cat "$var/result-$name.txt"
  if [ $prc -ne 0 ]; then failed+=("$name"); fi
}

scen=("$@")
[ ${#scen[@]} -gt 0 ] ||
  scen=(backend-kill db-kill db-down-kill db-down-stop pause kamailio-kill vanish flood low-memory)
for ((round = 0; round < ROUNDS; round++)); do
for s in "${scen[@]}"; do
  case "$s" in
    backend-kill) run_scenario backend-kill fault_backend_kill ;;
    db-kill) run_scenario db-kill fault_db_kill ;;
    db-down-kill) run_scenario db-down-kill fault_db_down_kill ;;
    db-down-stop) run_scenario db-down-stop fault_db_down_stop ;;
    pause) run_scenario pause fault_pause ;;
    flood) run_scenario flood fault_flood --flood $FLOOD --flood-at $FAULT_AT ;;
    kamailio-kill) run_scenario kamailio-kill fault_kamailio_kill --reconnect 0.5 ;;
    vanish) vanish ;;
    low-memory) low_memory ;;
    *) echo "fault: unknown scenario $s"; exit 2 ;;
  esac
done
done

"${stack[@]}" stop >/dev/null 2>&1 || true
san=0
if sanitizer_report fault "$var/backend.log"; then san=1; fi
if [ ${#failed[@]} -eq 0 ] && [ $san -eq 0 ]; then
  echo "fault: all scenarios passed"
  exit 0
fi
show_logs
# again after the logs, so that the reason is in the last lines of the output
for n in "${failed[@]}"; do cat "$var/result-$n.txt" 2>/dev/null || true; done
echo "fault: failed: ${failed[*]:-} (sanitizer check $san)"
exit 1
