#!/usr/bin/env bash
# scripts/test-suites.sh SUITE... - make test's runner: the suites (make targets),
# built and run with the sanitizers (SANITIZE=1 from the environment, so that a
# suite's own SANITIZE setting in the Makefile still wins; SETUP_DONE=1, because make
# test has set up and built everything first), TEST_JOBS (2) at a time in the order
# given, stopping at the first that fails (the ones running then are let finish),
# then a table of how long each took.  The table is how we keep make test well under
# its 20-minute ceiling: it shows which suite grew.
#
# Suites may run side by side because each has a stack of its own: its own directory
# under build/ (build/SUITE-var), free loopback ports (tests/lib.sh free_port), and no
# command that stops processes by name alone.  Each suite's output goes to a log of
# its own and is printed whole when the suite ends, so that the output stays in one
# piece per suite.  TEST_JOBS=1 runs them one after another, printing as they go.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=${TEST_JOBS:-2}
logs="$top/build/test-logs"
names=() secs=() status=0 t_all=$(date +%s)
declare -A pid_suite=() t_start=()

summary() {
  echo "test: time per suite"
  for i in "${!names[@]}"; do printf 'test:   %-16s %5d s\n' "${names[$i]}" "${secs[$i]}"; done
  printf 'test:   %-16s %5d s (%s at a time)\n' total $(( $(date +%s) - t_all )) "$jobs"
}

run_suite() {
  SETUP_DONE=1 SANITIZE=1 make -s --no-print-directory -C "$top" "$1"
}

# A suite's end: its log printed, its time noted, a failure remembered.
finished() {
  local s=$1 rc=$2
  if [ "$jobs" -gt 1 ]; then
    echo "test: ==== $s"
    cat "$logs/$s.log"
  fi
  names+=("$s"); secs+=($(( $(date +%s) - ${t_start[$s]} )))
  if [ "$rc" -ne 0 ]; then
    echo "test: suite $s FAILED (exit $rc)"
    [ $status -ne 0 ] || status=$rc
  fi
}

# Waits for one running suite to end.
reap() {
  local pid rc
  wait -n -p pid "${!pid_suite[@]}"
  rc=$?
  finished "${pid_suite[$pid]}" "$rc"
  unset "pid_suite[$pid]"
}

# What several suites build alike (everything, sanitized; the load generator, plain),
# built once before they run side by side, so that no two makes write the same
# objects (two that did left a truncated libpchatclient.a).  Nothing to do after make
# test's own build.
if [ "$jobs" -gt 1 ]; then
  rm -rf "$logs"
  mkdir -p "$logs"
  SETUP_DONE=1 SANITIZE=1 make -s --no-print-directory -C "$top" build || exit 1
  make -s --no-print-directory -C "$top/bench" SANITIZE= || exit 1
fi

for s in "$@"; do
  [ $status -eq 0 ] || break
  if [ "$jobs" -le 1 ]; then
    t_start[$s]=$(date +%s)
    run_suite "$s"
    finished "$s" $?
    continue
  fi
  while [ ${#pid_suite[@]} -ge "$jobs" ]; do reap; done
  [ $status -eq 0 ] || break
  t_start[$s]=$(date +%s)
  echo "test: ---- $s started"
  run_suite "$s" >"$logs/$s.log" 2>&1 &
  pid_suite[$!]=$s
done
while [ ${#pid_suite[@]} -gt 0 ]; do reap; done
summary
[ $status -ne 0 ] || echo "test: every suite passed"
exit $status
