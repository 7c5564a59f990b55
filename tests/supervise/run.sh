#!/usr/bin/env bash
# Supervision suite: `scripts/stack.sh run` (what `make run` starts) restarts a part
# that dies instead of stopping everything.  Starts `stack.sh run` in the background on
# free loopback ports under build/supervise-var, then:
#   1. a chat post through Kamailio and pchatd (client/pchat), stored in MariaDB;
#      the log levels at run time (docs/OPERATIONS.md, Logs): SIGUSR1 to pchatd, then
#      a post: its log says "log level now debug" and shows the post's envelope at
#      debug level; SIGUSR2: back to info, a post logs no debug line; Kamailio's
#      `kamcmd corex.debug 3` (and 2) the same for its debug lines;
#   2. kill -9 pchatd: it must be running again (a new pid) and a post must get
#      through within RESTART_BOUND seconds; killed again at once, the log must show
#      the longer delay (the back-off);
#   3. kill -9 Kamailio (its main process; the supervisor kills what is left of it):
#      the same;
#   4. kill -9 MariaDB: the same;
#   5. the compliance archive make run configures: a post is in var/compliance's XML
#      after `pchat-admin compliance run` (what the daemon does every minute anyway);
#      SIGUSR1 to pchat-compliance: its run logs its batches at debug level (SIGUSR2:
#      back to info); kill -9 pchat-compliance: it comes back, and the next post is
#      archived too; a
#      third post is archived with nobody asking, within the demo's RunInterval (60 s);
#   6. SIGTERM to stack.sh: it must exit 0 within 60 s and leave no process of the
#      stack behind.
# Ends with `N passed, M failed`.  About 2 minutes.
set -euo pipefail
# trusted SIP mode (From believed): this suite is about something else than client
# authentication, which tests/e2e (e2e-sip) and tests/sipe check
export PCHAT_TRUSTED=1
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/supervise-var"
RESTART_BOUND=40 # s from a kill to a post stored again
. "$top/tests/lib.sh"

need_built supervise backend/pchatd client/pchat build/kamailio-src/src/modules/pchat/pchat.so
rm -rf "$var"
mkdir -p "$var"
port=$(free_port 27160)
http=$(free_port 27161)
metrics=$(free_port 27162)
files=$(free_port 27163) # the file service (stack.sh run starts it)
tls=$(free_port 27164)   # SIP over TLS (run's default, 5061, may be taken)
stack_init "$port"
runlog="$var/run.log"
MYSQL=(mysql --no-defaults --socket="$var/mysql.sock" -uroot -N -B pchat)
pass=0
fail=0
ok() { echo "supervise: ok   $*"; pass=$((pass + 1)); }
bad() { echo "supervise: FAIL $*"; fail=$((fail + 1)); }

# stack.sh run, in a process group of its own so that the end can check it whole
setsid "$top/scripts/stack.sh" --var "$var" --port "$port" --http-port "$http" --metrics-port "$metrics" \
  --file-port "$files" --tls-port "$tls" run \
  >"$runlog" 2>&1 </dev/null &
runpid=$!
finish() {
  if kill -0 "$runpid" 2>/dev/null; then kill -KILL -- "-$runpid" 2>/dev/null || true; fi
  stack_cleanup
}
trap finish EXIT

for _ in $(seq 1200); do
  grep -q "press Ctrl-C to stop everything" "$runlog" 2>/dev/null && break
  kill -0 "$runpid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "press Ctrl-C to stop everything" "$runlog"; then
  echo "supervise: stack.sh run did not start"; cat "$runlog"; tail_logs 20 backend kamailio mariadb
  exit 1
fi

# post_once TEXT: one session of client/pchat posting TEXT to Lobby; true when the
# post is echoed back (answered and delivered) and stored
post_once() {
  local out
  out=$(printf '/join Lobby\n%s\n/quit\n' "$1" |
    timeout 15 "$top/client/pchat" --user alice --server "127.0.0.1:$port" --linger 1 2>&1) || true
  grep -q "alice@example.com: $1" <<<"$out" || return 1
  [ "$("${MYSQL[@]}" -e "SELECT COUNT(*) FROM messages WHERE body = '$1'" 2>/dev/null)" = 1 ]
}
# post_within SECONDS: a unique post (a new text each call) gets through within
# SECONDS; prints the time taken.  (Called as $(...): the texts differ by the time.)
post_within() {
  local t0=$SECONDS text
  text="supervise-$$-$(date +%s%N)"
  while ((SECONDS - t0 < $1)); do
    if post_once "$text"; then echo $((SECONDS - t0)); return 0; fi
    sleep 1
  done
  return 1
}
pid_of() { cat "$var/$1.pid" 2>/dev/null || true; }
# kill9 NAME: SIGKILL the part's main process; waits until it is gone
kill9() {
  local pid; pid=$(pid_of "$1")
  [ -n "$pid" ] || return 0 # not running (a failure reported elsewhere)
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 100); do [ -d "/proc/$pid" ] && ! grep -qs '^State:[[:space:]]*Z' "/proc/$pid/status" || break; sleep 0.05; done
}
# back NAME OLDPID: within RESTART_BOUND s the part runs with a new pid
back() {
  local t0=$SECONDS pid
  while ((SECONDS - t0 < RESTART_BOUND)); do
    pid=$(pid_of "$1")
    if [ -n "$pid" ] && [ "$pid" != "$2" ] && kill -0 "$pid" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

if t=$(post_within 20); then ok "a post before any fault (${t} s)"; else bad "no post got through before any fault"; fi

# lines_of NAME: how many lines $var/NAME.log has (a mark for logged_after)
lines_of() { wc -l <"$var/$1.log"; }
# logged_after NAME MARK PATTERN [SECONDS]: PATTERN (grep -E) shows up in $var/NAME.log
# after line MARK within SECONDS (default 10)
logged_after() {
  local t0=$SECONDS
  while ((SECONDS - t0 < ${4:-10})); do
    tail -n +$(($2 + 1)) "$var/$1.log" | grep -Eq -- "$3" && return 0
    sleep 0.2
  done
  return 1
}
# not_logged_after NAME MARK PATTERN: PATTERN is not in $var/NAME.log after line MARK
not_logged_after() { ! tail -n +$(($2 + 1)) "$var/$1.log" | grep -Eq -- "$3"; }

# Log levels at run time.  pchatd: SIGUSR1 raises the level to debug (every envelope
# in and out), SIGUSR2 lowers it back to info.
mark=$(lines_of backend)
kill -USR1 "$(pid_of backend)"
if logged_after backend "$mark" "info: log level now debug \(was info, SIGUSR1\)$"; then
  ok "SIGUSR1: pchatd says its log level is now debug"
else bad "SIGUSR1: no 'log level now debug' line in backend.log: $(tail -n +$((mark + 1)) "$var/backend.log" | head -3)"; fi
post_once "level-debug-$$" || true
if logged_after backend "$mark" "debug: xccos in link=[0-9]+ session=[0-9]+ user=sip:alice@example.com body=.*level-debug-$$" 5; then
  ok "at debug level pchatd logs the post's envelope"
else bad "no debug line for a post after SIGUSR1"; fi
mark=$(lines_of backend)
kill -USR2 "$(pid_of backend)"
if logged_after backend "$mark" "info: log level now info \(was debug, SIGUSR2\)$"; then
  mark=$(lines_of backend)
  if post_once "level-info-$$" && sleep 0.5 && not_logged_after backend "$mark" " debug: "; then ok "SIGUSR2: back to info, a post logs no debug line"
  else bad "debug lines after SIGUSR2: $(tail -n +$((mark + 1)) "$var/backend.log" | grep -m 2 ' debug: ')"; fi
else bad "SIGUSR2: no 'log level now info' line in backend.log"; fi
# Kamailio: corex.debug through the control socket (the configuration's debug=2)
KAMCMD=(kamcmd -s "unix:$var/kamailio/ctl")
policy_line="chat policy user=sip:alice@example.com enabled=1"
mark=$(lines_of kamailio)
if "${KAMCMD[@]}" corex.debug 3 >/dev/null && post_once "kam-debug-$$" &&
   logged_after kamailio "$mark" "$policy_line" 5; then
  ok "kamcmd corex.debug 3: Kamailio logs the configuration's debug lines"
else bad "no '$policy_line' in kamailio.log after corex.debug 3"; fi
"${KAMCMD[@]}" corex.debug 2 >/dev/null || true
sleep 0.5
mark=$(lines_of kamailio)
if post_once "kam-info-$$" && sleep 0.5 && not_logged_after kamailio "$mark" "$policy_line"; then ok "kamcmd corex.debug 2: back to info"
else bad "Kamailio still logs debug lines after corex.debug 2"; fi

# kill_and_check NAME LABEL: kill -9, restarted with a new pid, a post stored again
kill_and_check() {
  local name=$1 label=$2 old t
  old=$(pid_of "$name")
  kill9 "$name"
  if back "$name" "$old"; then ok "$label restarted (pid $old -> $(pid_of "$name"))"
  else bad "$label not restarted within $RESTART_BOUND s"; return; fi
  if t=$(post_within "$RESTART_BOUND"); then ok "a post stored after kill -9 of $label (${t} s)"
  else bad "no post got through within $RESTART_BOUND s after kill -9 of $label"; fi
}

kill_and_check backend pchatd
# the back-off: killed again at once (within its first minute up), the delay grows
old=$(pid_of backend)
kill9 backend
back backend "$old" || true
if grep -q "backend exited; restarting it in 2 s (exit 2 in a row" "$runlog"; then
  ok "a second exit in a row waits longer (2 s)"
else bad "no back-off on the second exit: $(grep 'backend exited' "$runlog" | tail -1)"; fi
if t=$(post_within "$RESTART_BOUND"); then ok "a post stored after the second kill of pchatd (${t} s)"
else bad "no post after the second kill of pchatd"; fi

kill_and_check kamailio Kamailio
kill_and_check mariadb MariaDB

# make run's compliance archive (docs/COMPLIANCE.md): a post is written to
# $var/compliance by pchat-compliance, on request (else within the minute)
ADMIN=("$top/admin/pchat-admin" --db-socket "$var/mysql.sock" --db-user root)
archived() { # archived TEXT: TEXT is in an XML file of $var/compliance after a run
  local text=$1
  "${ADMIN[@]}" compliance run --wait 30 >>"$var/compliance-run.log" 2>&1 || return 1
  grep -qs "content=\"$text\"" "$var"/compliance/*.xml
}
text="archive-$$-a"
if post_once "$text" && archived "$text"; then ok "a post archived in $var/compliance by make run's pchat-compliance"
else bad "the post was not archived: $(ls "$var/compliance" 2>&1 | head -3); $(tail -3 "$var/compliance.log")"; fi
# its log level at run time: its batches at debug level, then back to info
mark=$(lines_of compliance)
kill -USR1 "$(pid_of compliance)"
text="archive-$$-debug"
if logged_after compliance "$mark" "info: log level now debug \(was info, SIGUSR1\)$" &&
   post_once "$text" && archived "$text" &&
   logged_after compliance "$mark" "debug: batch output batch=[0-9]+ events=[0-9]+" 5; then
  ok "SIGUSR1: pchat-compliance logs its batches at debug level"
else bad "pchat-compliance after SIGUSR1: $(tail -n +$((mark + 1)) "$var/compliance.log" | head -5)"; fi
kill -USR2 "$(pid_of compliance)"
if logged_after compliance "$mark" "info: log level now info \(was debug, SIGUSR2\)$"; then
  ok "SIGUSR2: pchat-compliance back to info"
else bad "SIGUSR2: no 'log level now info' line in compliance.log"; fi
old=$(pid_of compliance)
kill9 compliance
if back compliance "$old"; then ok "pchat-compliance restarted (pid $old -> $(pid_of compliance))"
else bad "pchat-compliance not restarted within $RESTART_BOUND s"; fi
text="archive-$$-b"
if post_once "$text" && archived "$text"; then ok "a post archived after kill -9 of pchat-compliance"
else bad "no post archived after kill -9 of pchat-compliance: $(tail -3 "$var/compliance.log")"; fi
# the demo's own schedule: RunInterval 60 s, no request
text="archive-$$-c"
t0=$SECONDS
if post_once "$text"; then
  while ((SECONDS - t0 < 75)) && ! grep -qs "content=\"$text\"" "$var"/compliance/*.xml; do sleep 1; done
fi
if grep -qs "content=\"$text\"" "$var"/compliance/*.xml; then
  ok "a post archived within the demo's RunInterval, unasked ($((SECONDS - t0)) s)"
else bad "a post not archived within 75 s (RunInterval 60 s): $(tail -3 "$var/compliance.log")"; fi

# the supervisor logs each exit and restart
n=$(grep -c "restarted (pid" "$runlog" || true)
if [ "$n" -eq 5 ]; then ok "5 restarts logged"; else bad "$n restarts logged, expected 5"; grep stack: "$runlog"; fi

# SIGTERM stops everything, and only then
kill -TERM "$runpid" 2>/dev/null || true
rc=0
for _ in $(seq 600); do kill -0 "$runpid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$runpid" 2>/dev/null; then bad "stack.sh run still running 60 s after SIGTERM"
else
  wait "$runpid" || rc=$?
  if [ "$rc" -eq 0 ]; then ok "stack.sh run stopped on SIGTERM (exit 0)"; else bad "stack.sh run exited $rc on SIGTERM"; fi
fi
left=$(ps -eo pid=,args= | grep -F -- "$var" | grep -v grep || true)
if [ -z "$left" ]; then ok "no process of the stack left"; else bad "processes left: $left"; fi
if bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then bad "SIP port $port still open"
else ok "SIP port $port closed"; fi
if bash -c "exec 3<>/dev/tcp/127.0.0.1/$files" 2>/dev/null; then bad "file service port $files still open"
else ok "file service port $files closed"; fi

if [ "$fail" -ne 0 ]; then
  echo "---- stack.sh run log"; cat "$runlog"; tail_logs 20 backend kamailio mariadb
fi
echo "supervise: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
