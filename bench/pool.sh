# shellcheck shell=bash disable=SC2154,SC2034  # run.sh's globals; the local MYSQL is pchat_rooms's
# bench/pool.sh - scenario p of bench/run.sh (sourced by it; docs/BENCHMARKS.md, "A pool
# (issue 14)"): the pool of scripts/pool.sh (3 Galera nodes, 3 chat nodes on 127.0.0.2-4)
# under $out/pool-var, fresh, on free ports, and the same load in the same run on:
#   pool, 3 nodes   pchat-bench straight to the three chat nodes (not through the
#                   front: the front would pick each session's node by its From URI;
#                   here connection k goes to node k % 3, so every room has members on
#                   every node and 2 of 3 deliveries cross nodes);
#   pool, 1 node    every session on chat node 1: Galera's cost without cross-node
#                   delivery (the other nodes apply every post and poll);
#   single node     the stack the other scenarios use (scripts/stack.sh, plain MariaDB):
#                   what a deployment without a pool runs.
# For each: CPU time of every server process (bench/snap.py: Kamailio with its
# children, pchatd, mariadbd, pchat-compliance, per node) and the database counters
# (rows written, commits, redo bytes, fsyncs, Galera write-sets) from the moment every
# session is signed in (--on-ready) until the run has drained and pchatd's search
# indexer (every second) has indexed the last posts.  The pool is stopped at the end
# of the scenario, and by run.sh's exit trap whatever happens.
# Uses run.sh's globals (top, out, smoke, full, var, SOCK, gen, results) and functions.
# Knobs: BENCH_POOL_RATES (posts/s; "20 40", smoke "10"), BENCH_POOL_SECS (10; smoke 3).

pvar="$out/pool-var"
pool=()

# pool_stop_bench: stops the pool if this run started one (run.sh's cleanup calls it)
pool_stop_bench() {
  [ ${#pool[@]} -gt 0 ] || return 0
  MARIADB_ARGS="" "${pool[@]}" stop >>"$pvar/start.log" 2>&1 || true
  pool=()
}

# pool_snap KIND: writes $out/snap-KIND.sh, which takes bench/snap.py's snapshot of the
# parts of KIND (pool or single) into the file named by its argument, and prints its
# path (a script: the generator's --on-ready command is at most 1,023 bytes)
pool_snap() {
  local kind=$1 i args=()
  if [ "$kind" = pool ]; then
    for i in 1 2 3; do
      args+=(--cpu "node${i}_kamailio=$pvar/node$i/kamailio.pid" "node${i}_pchatd=$pvar/node$i/backend.pid"
        "node${i}_compliance=$pvar/node$i/compliance.pid" "node${i}_mariadbd=$pvar/galera$i/mariadb.pid"
        --db "node$i=$pvar/galera$i/mysql.sock")
    done
  else
    args=(--cpu "node1_kamailio=$var/kamailio.pid" "node1_pchatd=$var/backend.pid"
      "node1_compliance=$var/compliance.pid" "node1_mariadbd=$var/mariadb.pid" --db "node1=$SOCK")
  fi
  printf '%s\n' '#!/bin/sh' "exec python3 '$top/bench/snap.py' take \"\$1\" ${args[*]}" >"$out/snap-$kind.sh"
  echo "$out/snap-$kind.sh"
}

# pool_gen KIND LABEL PROXIES DBSOCK ARGS...: one pchat-bench run with the snapshots
# around it; their differences go into its line of results.jsonl (cpu_*, db_*)
pool_gen() {
  local kind=$1 label=$2 proxies=$3 dbsock=$4 snap
  shift 4
  rm -f "$out/snap0.json" "$out/snap1.json"
  snap=$(pool_snap "$kind")
  GEN_PROXY=$proxies GEN_SOCK=$dbsock gen p "$label" pchat "$@" --on-ready "sh $snap $out/snap0.json"
  sleep 1.5 # the search indexer's pass over the last posts (--search-index-interval 1)
  sh "$snap" "$out/snap1.json"
  if [ -s "$out/snap0.json" ]; then
    python3 "$top/bench/snap.py" diff "$out/snap0.json" "$out/snap1.json" >"$out/snap.json"
  else
    echo '{}' >"$out/snap.json" # the run never signed in: no figures
  fi
  merge_last "$out/snap.json"
  tail -1 "$results" | python3 -c 'import json, sys; d = json.load(sys.stdin); print("bench:   same-node p50/p99 %s/%s ms, cross-node %s/%s ms; CPU s: %s" % (d.get("same_node_p50_ms"), d.get("same_node_p99_ms"), d.get("cross_node_p50_ms"), d.get("cross_node_p99_ms"), ", ".join("%s %s" % (k[4:-2], v) for k, v in sorted(d.items()) if k.startswith("cpu_"))), file=sys.stderr)'
}

# pool_rooms SOCKET PREFIX SPEC: run.sh's pchat_rooms on the database behind SOCKET
pool_rooms() {
  local -a MYSQL=(mysql --no-defaults --socket="$1" -uroot)
  pchat_rooms "$2" "$3"
}

pool_bench() {
  local pport pbase r secs rates gsock nodes t0 spec=150x4 n=600
  read -r pport pbase < <(pool_ports)
  [ -n "${pport:-}" ] && [ -n "${pbase:-}" ] || { log "[p] no free ports for the pool"; exit 1; }
  if [ $smoke = 1 ]; then rates=${BENCH_POOL_RATES:-10}; secs=${BENCH_POOL_SECS:-3}; spec=30x2; n=60
  else rates=${BENCH_POOL_RATES:-20 40}; secs=${BENCH_POOL_SECS:-10}; fi
  rm -rf "$pvar"
  mkdir -p "$pvar"
  pool=("$top/scripts/pool.sh" --var "$pvar" --port "$pport" --galera-base "$pbase")
  gsock="$pvar/galera1/mysql.sock"
  nodes="127.0.0.2:$pport,127.0.0.3:$pport,127.0.0.4:$pport"
  log "[p] starting the pool (SIP port $pport, Galera base $pbase) under $pvar"
  t0=$SECONDS
  # the pool's Galera nodes keep their own 128 MB buffer pool (scripts/pool.sh), not
  # the 4 GB the single node gets for d and m's 10 million messages: these runs store
  # a few thousand rows
  if ! MARIADB_ARGS="" timeout 300 "${pool[@]}" start >"$pvar/start.log" 2>&1; then
    log "[p] the pool did not start (see $pvar/start.log)"; tail -5 "$pvar/start.log" >&2; exit 1
  fi
  log "[p] pool started in $((SECONDS - t0)) s"
  for r in $rates; do
    pool_rooms "$gsock" "pl$r-" "$spec"
    pool_gen pool "pool, 3 nodes @ $r posts/s" "$nodes" "$gsock" --sessions $n --rooms "$spec" \
      --room-prefix "pl$r-" --user-base 600000 --rate "$r" --duration "$secs" --warmup 2 --conns 9
    [ $smoke = 1 ] || {
      pool_rooms "$gsock" "pl1n$r-" "$spec"
      pool_gen pool "pool, 1 node @ $r posts/s" "127.0.0.2:$pport" "$gsock" --sessions $n --rooms "$spec" \
        --room-prefix "pl1n$r-" --user-base 610000 --rate "$r" --duration "$secs" --warmup 2 --conns 9
    }
    pool_rooms "$SOCK" "sn$r-" "$spec"
    restart_servers
    pool_gen single "single node @ $r posts/s" "127.0.0.1:$port" "$SOCK" --sessions $n --rooms "$spec" \
      --room-prefix "sn$r-" --user-base 620000 --rate "$r" --duration "$secs" --warmup 2 --conns 9
  done
  t0=$SECONDS
  pool_stop_bench
  log "[p] pool stopped in $((SECONDS - t0)) s"
}

# pool_smoke_check: make bench-test's verdict on scenario p: a pool run with same-node
# and cross-node deliveries and CPU figures, and a single-node run, nothing missing
pool_smoke_check() {
  python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
p = [r for r in rows if r.get("scenario") == "p"]
bad = [r for r in p if not r.get("deliveries") or r.get("deliveries_missing") != 0
       or r.get("acked_not_stored") != 0 or "snap_missing" in r
       or not any(k.startswith("cpu_") for k in r)]
bad += [r for r in p if r["label"].startswith("pool, 3") and not (r.get("same_node_deliveries") and r.get("cross_node_deliveries"))]
for want in ("pool, 3 nodes", "single node"):
    if not any(r["label"].startswith(want) for r in p):
        bad.append({"missing": want})
for r in bad:
    print("bench-test: FAIL", json.dumps(r), file=sys.stderr)
print(f"bench-test: scenario p: {len(p)} lines, {len(bad)} bad", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}
