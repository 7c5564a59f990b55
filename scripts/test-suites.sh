#!/usr/bin/env bash
# scripts/test-suites.sh SUITE... - make test's runner: each suite (a make target) in
# turn, built and run with the sanitizers (SANITIZE=1 from the environment, so that a
# suite's own SANITIZE setting in the Makefile still wins; SETUP_DONE=1, because make
# test has set up and built everything first), stopping at the first that fails, then
# a table of how long each took.  The table is how we keep make test well under its
# 20-minute ceiling: it shows which suite grew.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
names=() secs=() status=0 t_all=$(date +%s)
summary() {
  echo "test: time per suite"
  for i in "${!names[@]}"; do printf 'test:   %-16s %5d s\n' "${names[$i]}" "${secs[$i]}"; done
  printf 'test:   %-16s %5d s\n' total $(( $(date +%s) - t_all ))
}
for s in "$@"; do
  t0=$(date +%s)
  SETUP_DONE=1 SANITIZE=1 make -s --no-print-directory -C "$top" "$s"
  rc=$?
  names+=("$s"); secs+=($(( $(date +%s) - t0 )))
  if [ $rc -ne 0 ]; then
    echo "test: suite $s FAILED (exit $rc)"
    status=$rc
    break
  fi
done
summary
[ $status -ne 0 ] || echo "test: every suite passed"
exit $status
