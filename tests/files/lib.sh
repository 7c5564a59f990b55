# tests/files/lib.sh: shell code for the file service (docs/FILES.md) shared by its test
# suite (tests/files/run.sh) and the benchmarks (bench/files.sh, scenarios i and j).
# Source it after tests/lib.sh, with var (the stack's directory), B (the service's URL
# with its path prefix) and work (a scratch directory) set.

# the stack's database pchat as root: tab-separated, no column names
FILES_SQL=(mysql --no-defaults --default-character-set=utf8mb4 --socket="$var/mysql.sock" -uroot pchat -N -B)
sql() { "${FILES_SQL[@]}" -e "$1"; }

# tok DIRECTION ROOM_ID USER NAME [EXPIRES (SQL)]: a token row as cmd:getfutok/getfdtok
# make it; prints the token.  NAME is SQL (so that it may hold any character).
tok() {
  local t
  t=$(python3 -c 'import uuid; print(uuid.uuid4())')
  sql "INSERT INTO file_tokens (token, direction, user_uri, room_id, file_name, issued_at,
    expires_at) VALUES ('$t', '$1', '$3', $2, $4, UTC_TIMESTAMP(3),
    ${5:-UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE})"
  echo "$t"
}
q() { printf "'%s'" "$1"; } # a plain SQL string
sha() { sha256sum "$1" | cut -d' ' -f1; } # sha FILE: its sha256
mkfile() { head -c "$2" /dev/urandom >"$work/$1"; echo "$work/$1"; } # mkfile NAME SIZE: its path

# pchatd_sanitized: pchatd is built with AddressSanitizer (make test), whose quarantine
# keeps freed memory, so its resident size says nothing about ours.  (grep reads all of
# nm's output: with -q it would stop at the match, and nm's next write would fail the
# pipeline under pipefail.)
pchatd_sanitized() { nm -u "$top/backend/pchatd" 2>/dev/null | grep __asan_init >/dev/null; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$var/backend.pid")/status"; }

# concurrent_uploads N SIZE ROOM_ID [CURL ARG...]: N PUTs of one SIZE-byte file at once
# into ROOM_ID (conc<i>.bin, each by its own user sip:conc<i>@example.com, so that no
# one user's daily quota is in the way), with the curl arguments given (--limit-rate to
# make them overlap); prints pchatd's highest resident size meanwhile (kB): VmHWM, reset
# to the present size first (/proc/PID/clear_refs), so no peak between samples is missed.
concurrent_uploads() {
  local n=$1 size=$2 room=$3 i f pid pids=()
  shift 3
  pid=$(cat "$var/backend.pid")
  f=$(mkfile conc.bin "$size")
  echo 5 >"/proc/$pid/clear_refs"
  for ((i = 0; i < n; i++)); do
    curl -s -o /dev/null -X PUT --data-binary "@$f" "$@" \
      "$B/files/$(tok upload "$room" "sip:conc$i@example.com" "$(q "conc$i.bin")")" &
    pids+=($!)
  done
  wait "${pids[@]}"
  awk '/^VmHWM/ { print $2 }' "/proc/$pid/status"
}
