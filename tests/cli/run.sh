#!/usr/bin/env bash
# CLI tests: starts only a private MariaDB (scripts/stack.sh db-start under
# build/cli-var, with the schema and sql/demo.sql), then runs admin/pchat-admin through
# every noun and verb and checks its output (JSON with jq, and some human-readable),
# its error messages and exit codes, and the database behind it with SQL.  Each check
# fails on wrong behaviour; the script exits non-zero if any did.  Stops MariaDB on exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
var="$top/build/cli-var"
cli="${PCHAT_ADMIN:-$top/admin/pchat-admin}"   # PCHAT_ADMIN: test another build
# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"

stack=("$top/scripts/stack.sh" --var "$var")
"${stack[@]}" db-stop >/dev/null 2>&1 || true   # a server left by an interrupted run
rm -rf "$var"
mkdir -p "$var"
trap '"${stack[@]}" db-stop >/dev/null 2>&1 || true' EXIT
"${stack[@]}" db-start >"$var/db-start.log" 2>&1 || { cat "$var/db-start.log"; tail_logs 30 mariadb; exit 1; }
sock="$var/mysql.sock"

pass=0
fail=0
out="$var/out"
err="$var/err"

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() {
  fail=$((fail + 1)); echo "not ok - $1"
  echo "  stdout: $(head -c 600 "$out")"; echo "  stderr: $(head -c 600 "$err")"
}

sql() { mysql --no-defaults --socket="$sock" -uroot -N -B pchat -e "$1"; }
pa() { "$cli" --db-socket "$sock" --db-user root "$@"; }

# run_cli RC ARGS...: runs pchat-admin ARGS; sets problem when the exit status is not
# RC, stderr holds a sanitizer report, or (RC 0) stderr is not empty.
run_cli() {
  local want=$1 rc=0
  shift
  problem=""
  pa "$@" >"$out" 2>"$err" || rc=$?
  if grep -qE "runtime error:|Sanitizer" "$err"; then problem="sanitizer report"
  elif [ "$rc" -ne "$want" ]; then problem="exit $rc, expected $want"
  elif [ "$want" -eq 0 ] && [ -s "$err" ]; then problem="unexpected stderr"
  fi
}
report() { if [ -z "$problem" ]; then ok "$1"; else not_ok "$1 ($problem)"; fi; }

# expect RC DESC ARGS...
expect() {
  local want=$1 desc=$2
  shift 2
  run_cli "$want" "$@"
  report "$desc"
}

# fails RC PATTERN DESC ARGS...: as expect, and stderr must be exactly one line
# "pchat-admin: ..." matching PATTERN, with nothing on stdout.
fails() {
  local want=$1 pat=$2 desc=$3
  shift 3
  run_cli "$want" "$@"
  if [ -z "$problem" ] && { [ "$(wc -l <"$err")" -ne 1 ] || [ -s "$out" ] ||
    ! grep -qE "^pchat-admin: .*$pat" "$err"; }; then
    problem="message should match: $pat"
  fi
  report "$desc"
}

# json_is DESC JQ: the last output satisfies the jq expression.
json_is() {
  if jq -e "$2" "$out" >/dev/null 2>&1; then ok "$1"; else not_ok "$1 (jq: $2)"; fi
}

# out_has DESC REGEX / out_lacks DESC REGEX: the last stdout has (no) matching line.
out_has() { if grep -qE "$2" "$out"; then ok "$1"; else not_ok "$1 (no line matching $2)"; fi; }
out_lacks() { if grep -qE "$2" "$out"; then not_ok "$1 (a line matches $2)"; else ok "$1"; fi; }

# sql_is DESC QUERY EXPECTED
sql_is() {
  local got
  got=$(sql "$2" 2>&1)
  if [ "$got" = "$3" ]; then ok "$1"; else not_ok "$1 (SQL gave '$got', expected '$3')"; fi
}

revision() { sql "SELECT value FROM server_config WHERE name = 'revision'"; }

# shellcheck source=tests/cli/checks.sh
. "$top/tests/cli/checks.sh"
# shellcheck source=tests/cli/compliance.sh
. "$top/tests/cli/compliance.sh"
# shellcheck source=tests/cli/users.sh
. "$top/tests/cli/users.sh"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
