# bench/files.sh - scenarios i and j of bench/run.sh (docs/BENCHMARKS.md): the file
# service's throughput through both APIs and pchatd's memory per concurrent upload (i),
# and (b)'s chat load with and without 50 concurrent uploads (j).  Sourced by
# bench/run.sh after its helpers (log, gen, restart_servers, pchat_rooms, merge_last),
# with B (the file service's URL), full and smoke set.  Uploads go into a room of their
# own (chan id files-0) that no session is in.

work="$out/files-work"
. "$top/tests/files/lib.sh"
client=(python3 "$top/bench/fileclient.py")

if [ "$smoke" = 1 ]; then # make bench-test: every step once, tiny
  FI_SIZE=2000000 FI_REPS=1 FI_MEM="2"
  FJ_RATE=10 FJ_ROOMS=30x2 FJ_DUR=2 FJ_WARMUP=1 FJ_REPS=1 FJ_UPLOADS=5 FJ_SIZES=200000,1000000
  FJ_TOKENS=200
else
  FI_SIZE=20000000 FI_REPS=$([ "$full" = 1 ] && echo 5 || echo 3) FI_MEM="8 16"
  FJ_RATE=${BENCH_FILE_CHAT_RATE:-70} FJ_ROOMS=150x4 FJ_DUR=10 FJ_WARMUP=2
  FJ_REPS=$([ "$full" = 1 ] && echo 3 || echo 2)
  FJ_UPLOADS=50 FJ_SIZES=2000000,5000000,10000000,20000000 FJ_TOKENS=3000
fi
# bytes/s per upload in (j), each a pair of runs (0: as fast as they go)
FJ_LIMITS=${BENCH_UPLOAD_RATES:-$([ "$smoke" = 1 ] && echo 0 || echo "0 1000000")}

# files_clean: the upload room made if missing (FROOM: its id) and emptied of earlier
# runs' files, tokens and posts; the daily quota lifted, since every run uploads
# gigabytes as the same users (the quota's query still runs).
files_clean() {
  pchat_rooms files- 1x1
  FROOM=$(sql "SELECT id FROM rooms WHERE chan_id = 'files-0'")
  sql "DELETE FROM file_tokens WHERE room_id = $FROOM; DELETE FROM files WHERE room_id = $FROOM;
    DELETE FROM messages WHERE room_id = $FROOM;
    INSERT INTO server_config (name, value) VALUES ('FileDailyQuotaKB', '1000000000')
      ON DUPLICATE KEY UPDATE value = '1000000000'"
  rm -rf "${var:?}/files/$FROOM" "$work"
  mkdir -p "$work"
}

# pchatd's CPU time so far (user + system, in clock ticks: 1/100 s)
pchatd_ticks() { awk '{ print $14 + $15 }' "/proc/$(cat "$var/backend.pid")/stat"; }

# fresult LABEL JSON: JSON with the scenario (i), LABEL and the load average as a line
# of results.jsonl; a transfer's line gets its MB/s from bytes and seconds, and
# pchatd's CPU seconds since cpu0 (pchatd_ticks before the transfer) if that is set.
fresult() {
  local cpu=null
  [ -z "${cpu0:-}" ] || cpu=$(($(pchatd_ticks) - cpu0))
  jq -c --arg l "$1" --argjson load "$(cut -d' ' -f1 /proc/loadavg)" --argjson cpu "$cpu" \
    '. + {scenario: "i", label: $l, loadavg_after: $load}
    + (if (.seconds // 0) > 0 then {mb_per_s: (.bytes / .seconds / 1e6)} else {} end)
    + (if $cpu then {pchatd_cpu_s: ($cpu / 100)} else {} end)' <<<"$2" >>"$results"
  cpu0=
  log "[i] $1: $(tail -1 "$results")"
}

# curl_transfer LABEL CODE OUT [CURL ARG...]: one curl transfer, its line recorded (ok:
# the answer is CODE); OUT keeps the body.
curl_transfer() {
  local label=$1 want=$2 body=$3 code secs up down
  shift 3
  cpu0=$(pchatd_ticks)
  read -r code secs up down < <(curl -s -o "$body" \
    -w '%{http_code} %{time_total} %{size_upload} %{size_download}\n' "$@" || echo 000 0 0 0)
  fresult "$label" "{\"ok\": $([ "$code" = "$want" ] && echo true || echo false),
    \"bytes\": $((up > down ? up : down)), \"seconds\": $secs}"
}

# files_round FILE: FILE up and down once through each API, each download's bytes
# compared with FILE's.
files_round() {
  local f=$1 h t stored r
  h=$(sha "$f")
  t=$(tok upload "$FROOM" sip:fbench@example.com "$(q fbench.bin)")
  curl_transfer "upload, PUT" 201 "$work/put.json" -T "$f" "$B/files/$t"
  stored=$(jq -r .file "$work/put.json")
  t=$(tok download "$FROOM" sip:fbench@example.com "$(q "$stored")")
  curl_transfer "download, GET" 200 "$work/get.bin" "$B/files/$FROOM/$stored?token=$t"
  [ "$(sha "$work/get.bin")" = "$h" ] || log "[i] GET: not the bytes uploaded"
  t=$(tok upload "$FROOM" sip:fbench@example.com "$(q fbench.bin)")
  cpu0=$(pchatd_ticks)
  r=$("${client[@]}" soap-up "$B" "$t" "$FROOM" "$f") || r='{"ok": false}'
  fresult "upload, SOAP AppendChunk" "$r"
  t=$(tok download "$FROOM" sip:fbench@example.com "$(q "$(jq -r .name <<<"$r")")")
  cpu0=$(pchatd_ticks)
  r=$("${client[@]}" soap-down "$B" "$t" "$FROOM" "$(jq -r .name <<<"$r")" "$h") || r='{"ok": false}'
  fresult "download, SOAP DownloadChunk" "$r"
}

# files_memory SIZE: pchatd's resident size while N uploads of SIZE bytes run at once,
# for each N of FI_MEM, against before: a fresh pchatd each time (what an earlier round
# freed would be reused unseen), its threads' database connections opened first by 8
# uploads of 1 kB at once.
files_memory() {
  local n base peak stored
  if pchatd_sanitized; then log "[i] memory per upload not measured: pchatd is sanitized"; return; fi
  for n in $FI_MEM; do
    "${stack[@]}" backend-stop >/dev/null
    "${stack[@]}" backend-start >/dev/null
    concurrent_uploads 8 1000 "$FROOM" >/dev/null
    base=$(rss_kb)
    stored=$(sql "SELECT COUNT(*) FROM files WHERE room_id = $FROOM AND state = 'stored'")
    peak=$(concurrent_uploads "$n" "$1" "$FROOM")
    stored=$(( $(sql "SELECT COUNT(*) FROM files WHERE room_id = $FROOM AND state = 'stored'") - stored ))
    fresult "memory, $n concurrent uploads" "{\"uploads\": $n, \"bytes\": $1, \"stored\": $stored,
      \"ok\": $([ "$stored" = "$n" ] && echo true || echo false), \"rss_base_kb\": $base,
      \"rss_peak_kb\": $peak, \"kb_per_upload\": $(((peak - base) / n))}"
  done
}

# files_restart: fresh servers before a measurement (not in the smoke run: they are)
files_restart() { [ "$smoke" = 1 ] || restart_servers; }

# Scenario i: a FI_SIZE-byte file up and down through both APIs FI_REPS times, then
# pchatd's memory under concurrent uploads; a fresh pchatd first, whose threads' first
# requests (each opens its database connection) are small uploads not counted.
files_throughput() {
  local k f
  files_clean
  files_restart
  concurrent_uploads 8 100000 "$FROOM" >/dev/null
  f=$(mkfile fbench.bin "$FI_SIZE")
  for ((k = 0; k < FI_REPS; k++)); do files_round "$f"; done
  files_memory "$FI_SIZE"
  files_clean
}

# files_load_cmd LIMIT: the --on-ready command that starts FJ_UPLOADS uploaders (each at
# most LIMIT bytes/s) in the background with fresh tokens; files_load_stop ends them and
# adds their counts to the run's line.
files_load_cmd() {
  sql "INSERT INTO file_tokens (token, direction, user_uri, room_id, file_name, issued_at, expires_at)
    SELECT UUID(), 'upload', CONCAT('sip:fload', seq MOD $FJ_UPLOADS, '@example.com'), $FROOM,
      CONCAT('load', seq, '.bin'), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE
    FROM seq_1_to_$FJ_TOKENS"
  sql "SELECT token FROM file_tokens WHERE room_id = $FROOM AND used_at IS NULL" >"$work/tokens"
  rm -f "$work/load.json" "$work/load.pid"
  echo "${client[*]} --workers $FJ_UPLOADS load $B $work/tokens $FJ_SIZES $1 >$work/load.json 2>>$out/gen.log & echo \$! >$work/load.pid"
}
files_load_stop() {
  [ -s "$work/load.pid" ] && kill -TERM "$(cat "$work/load.pid")" 2>/dev/null
  for _ in $(seq 100); do [ -s "$work/load.json" ] && break; sleep 0.1; done
  merge_last "$work/load.json" upload_
  files_clean
}

# pchatd_cpu_merge: pchatd's CPU seconds since it started added to the run's line, those
# of the file service's threads (libmicrohttpd's, named MHD-...) apart from the rest.
pchatd_cpu_merge() {
  awk '{ t = $14 + $15; if ($2 ~ /^\(MHD/) f += t; else o += t }
    END { printf "{\"pchatd_file_threads_cpu_s\": %.2f, \"pchatd_other_cpu_s\": %.2f}\n", f / 100, o / 100 }' \
    /proc/"$(cat "$var/backend.pid")"/task/*/stat >"$work/cpu.json"
  merge_last "$work/cpu.json" pchatd_
}

# Scenario j: (b)'s rooms at FJ_RATE posts/s, with FJ_UPLOADS uploads running
# (repeatedly, sizes FJ_SIZES in turn, from sign-in to the end) and without, runs
# alternating (the order flips each round), per upload limit of FJ_LIMITS.
files_under_load() {
  local lim k on what ready
  pchat_rooms fload- "$FJ_ROOMS"
  files_clean
  for lim in $FJ_LIMITS; do
    what="$FJ_UPLOADS uploads at $([ "$lim" = 0 ] && echo "full speed" || echo "$lim B/s each")"
    for ((k = 0; k < FJ_REPS; k++)); do
      for on in $([ $((k % 2)) = 0 ] && echo "0 1" || echo "1 0"); do
        files_restart
        ready=()
        [ "$on" = 0 ] || ready=(--on-ready "$(files_load_cmd "$lim")")
        gen j "uploads $([ "$on" = 1 ] && echo on || echo off) @ $FJ_RATE posts/s, $what" pchat \
          --sessions "$(room_rows "$FJ_ROOMS" | awk '{s += $3} END {print s}')" --rooms "$FJ_ROOMS" \
          --room-prefix fload- --user-base 200000 --rate "$FJ_RATE" --duration "$FJ_DUR" \
          --warmup "$FJ_WARMUP" --conns 8 "${ready[@]}"
        [ "$on" = 0 ] || files_load_stop
        pchatd_cpu_merge
      done
    done
  done
}

# files_smoke_check SCENARIO...: make bench-test's verdict on those of i and j: every
# transfer and memory round ok with a figure, every run of j delivered, every
# uploads-on run uploaded and none failed.
files_smoke_check() {
  python3 - "$results" "$@" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
asked = sys.argv[2:]
bad = [r for r in rows if r.get("scenario") == "i" and not (r.get("ok") and (r.get("mb_per_s") or r.get("rss_peak_kb")))]
bad += [r for r in rows if r.get("scenario") == "j" and not r.get("deliveries_per_s")]
bad += [r for r in rows if r.get("scenario") == "j" and r["label"].startswith("uploads on")
        and not (r.get("upload_done") and r.get("upload_failed") == 0)]
kinds = {(r.get("scenario"), r.get("label", "").split(" @ ")[0]) for r in rows}
for want in (("i", "upload, PUT"), ("i", "download, SOAP DownloadChunk"), ("j", "uploads on"), ("j", "uploads off")):
    if want[0] in asked and want not in kinds:
        bad.append({"missing": want})
for r in bad:
    print("bench-test: FAIL", json.dumps(r), file=sys.stderr)
print(f"bench-test: scenarios i and j: {len(rows)} lines, {len(bad)} bad", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
