#!/usr/bin/env bash
# run.sh OUT NAME SECONDS - fuzzes harness NAME (OUT/fuzz_NAME) for SECONDS with its
# seeds (corpus/NAME) and dictionary (NAME.dict).  New inputs go to OUT/corpus/NAME
# (libFuzzer writes to its first corpus directory), a crashing input to
# OUT/artifacts/NAME/, the whole output to OUT/NAME.log.  Exits 1 on a crash, leak,
# timeout or any sanitizer report.
set -uo pipefail
cd "$(dirname "$0")"
out=$1 name=$2 secs=$3
log=$out/$name.log
mkdir -p "$out/corpus/$name" "$out/artifacts/$name"
echo "fuzz: $name for $secs s (log: $log)"
# -rss_limit_mb and -timeout: a run on a shared machine must stay bounded; a single
# input taking 10 s is a bug (the parsers are linear).
"$out/fuzz_$name" -max_total_time="$secs" -dict="$name.dict" -rss_limit_mb=1024 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="$out/artifacts/$name/" \
  "$out/corpus/$name" "corpus/$name" >"$log" 2>&1
rc=$?
# The figures docs/RELIABILITY.md quotes: runs, coverage, corpus and speed, from
# libFuzzer's last status line ("#N DONE cov: .. ft: .. corp: .. exec/s: ..").
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | tr -s '\t ' ' ')
echo "fuzz:   ${done_line:-no final status line}"
# With -fno-sanitize-recover every report ends the run (rc != 0); the grep is a second
# guard in case a report did not.
if [ $rc -ne 0 ] || grep -qE 'Sanitizer|runtime error' "$log"; then
  tail -n 60 "$log"
  echo "fuzz: $name FAILED (exit $rc); the input is in $out/artifacts/$name/"
  exit 1
fi
