#!/usr/bin/env python3
"""bench/report.py RESULTS.jsonl PROFILE KAMAILIO_ARGS: the Markdown tables of a
bench/run.sh run (machine, then one table per scenario, ours beside imc with the
ratio ours/imc)."""
import json, statistics
import os
import platform
import subprocess
import sys
import time

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
profile = sys.argv[2] if len(sys.argv) > 2 else "quick"
kargs = sys.argv[3] if len(sys.argv) > 3 else ""


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
mem = sh("free -g | awk '/Mem:/ {print $2}'")
print(f"# Benchmark results ({profile} profile)\n")
print(f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
print(f"- machine: {os.cpu_count()} CPUs ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}")
print(f"- Kamailio {sh('kamailio -v | head -1')}, both instances with `{kargs}`, children=4, tcp_children=4")
print(f"- MariaDB {sh('mariadbd --version')}; innodb_flush_log_at_trx_commit=1 (every commit durable)")
print()


def f(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def ratio(a, b):
    try:
        return f"{a / b:.2f}" if b else "-"
    except TypeError:
        return "-"


load = [r for r in rows if r.get("scenario") in ("a", "b", "c")]
names = {"a": "(a) capacity model, scaled", "b": "(b) deliveries/s and latency against offered load",
         "c": "(c) full delivery against room size"}
for sc in ("a", "b", "c"):
    rs = [r for r in load if r["scenario"] == sc]
    if not rs:
        continue
    print(f"## {names[sc]}\n")
    print("| load | target | sessions | sign-in/s | posts ok/s | deliveries/s | p50 ms | p99 ms | max ms "
          "| full delivery max ms | 503s | acked not stored | deliveries missing |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    labels = []
    for r in rs:
        if r["label"] not in labels:
            labels.append(r["label"])
    for lab in labels:
        ours = next((r for r in rs if r["label"] == lab and r.get("mode") == "pchat"), {})
        imc = next((r for r in rs if r["label"] == lab and r.get("mode") == "imc"), {})
        floor = next((r for r in rs if r["label"] == lab and r.get("mode") == "floor"), None)
        for name, r in (("ours", ours), ("imc", imc)) + ((("floor", floor),) if floor else ()):
            print(f"| {lab} | {name} | {f(r.get('sessions'))} | {f(r.get('signin_per_s'), 0)} "
                  f"| {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
                  f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('lat_max_ms'))} "
                  f"| {f(r.get('full_delivery_max_ms'))} | {f(r.get('posts_503'))} "
                  f"| {f(r.get('acked_not_stored')) if name == 'ours' else 'n/a (no storage)'} "
                  f"| {f(r.get('deliveries_missing'))} |")
        print(f"| {lab} | **ours/imc** | | | | **{ratio(ours.get('deliveries_per_s'), imc.get('deliveries_per_s'))}** "
              f"| {ratio(ours.get('lat_p50_ms'), imc.get('lat_p50_ms'))} "
              f"| {ratio(ours.get('lat_p99_ms'), imc.get('lat_p99_ms'))} | | "
              f"{ratio(ours.get('full_delivery_max_ms'), imc.get('full_delivery_max_ms'))} | | | |")
        if floor:
            print(f"| {lab} | **ours/floor** | | | | {ratio(ours.get('deliveries_per_s'), floor.get('deliveries_per_s'))} "
                  f"| {ratio(ours.get('lat_p50_ms'), floor.get('lat_p50_ms'))} "
                  f"| {ratio(ours.get('lat_p99_ms'), floor.get('lat_p99_ms'))} | | "
                  f"{ratio(ours.get('full_delivery_max_ms'), floor.get('full_delivery_max_ms'))} | | | |")
    print()

q = [r for r in rows if r.get("scenario") == "d"]
if q:
    print("## (d) history and room search\n")
    print("| query | queries | errors | queries/s | p50 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for r in q:
        print(f"| {r['label']} | {f(r.get('queries'))} | {f(r.get('queries_bad'))} | {f(r.get('q_per_s'))} "
              f"| {f(r.get('q_p50_ms'), 2)} | {f(r.get('q_p99_ms'), 2)} | {f(r.get('q_max_ms'), 2)} |")
    print()

m = [r for r in rows if r.get("scenario") == "e" and "backend_rss_kb_before" in r]
if m:
    print("## (e) memory per signed-in session\n")
    # link_* figures are sums over the link_processes pchat link processes
    print("| sessions | pchatd RSS before → after (KiB) | pchatd bytes/session | link processes "
          "| pchat link private (RssAnon, all link processes) before → after (KiB) "
          "| link private bytes/session | Kamailio shm used before → after (bytes) | shm bytes/session |")
    print("|---|---|---|---|---|---|---|---|")
    for r in m:
        print(f"| {r['sessions']} | {f(r.get('backend_rss_kb_before'))} → {f(r.get('backend_rss_kb_after'))} "
              f"| {f(r.get('backend_rss_bytes_per_session'))} | {f(r.get('link_processes'))} "
              f"| {f(r.get('link_anon_kb_before'))} → {f(r.get('link_anon_kb_after'))} "
              f"| {f(r.get('link_anon_bytes_per_session'))} "
              f"| {f(r.get('shm_used_before'))} → {f(r.get('shm_used_after'))} | {f(r.get('shm_bytes_per_session'))} |")
    print()

fl = [r for r in rows if r.get("scenario") == "f"]
if fl:
    print("## (f) what one flooding session costs the others\n")
    print("| run | flood sent / 200 / 503 / unanswered | others' posts 200 / 503 | others' p50 ms "
          "| others' p99 ms | others' p99 / max ms, posts sent in the 2 s from the flood "
          "| deliveries missing |")
    print("|---|---|---|---|---|---|---|")
    for r in fl:
        print(f"| {r['label']} | {f(r.get('flood_sent'))} / {f(r.get('flood_ok'))} / "
              f"{f(r.get('flood_503'))} / {f(r.get('flood_unanswered'))} "
              f"| {f(r.get('posts_ok'))} / {f(r.get('posts_503'))} | {f(r.get('lat_p50_ms'), 2)} "
              f"| {f(r.get('lat_p99_ms'), 2)} | {f(r.get('flood_window_p99_ms'), 2)} / "
              f"{f(r.get('flood_window_max_ms'), 2)} | {f(r.get('deliveries_missing'))} |")
    for key, what in (("lat_p99_ms", "whole run"), ("flood_window_p99_ms", "the 2 s from the flood")):
        base = [r[key] for r in fl if r["label"] == "no flood" and r.get(key)]
        flood = [r[key] for r in fl if r["label"] != "no flood" and r.get(key)]
        if base and flood:
            b, x = statistics.median(base), statistics.median(flood)
            print(f"\nOthers' p99 ({what}) with the flood / without it (medians of the runs): "
                  f"{x:.2f} / {b:.2f} ms = {x / b:.2f}x")
    print()


def rates_of(rs):
    """The " @ <rate>" label tails of on/off runs, in order of first appearance."""
    rates = []
    for r in rs:
        rate = r["label"].split(" @ ")[-1]
        if rate not in rates:
            rates.append(rate)
    return rates


def onoff(rs, what, on_word="on", keys=("deliveries_per_s", "lat_p99_ms")):
    """Medians of the runs labelled "<what> <on_word> @ <rate>" over "<what> off @ <rate>",
    per rate: deliveries/s and p99 (or KEYS). Returns [(rate, key, on median, off median)]."""
    out = []
    for rate in rates_of(rs):
        for key in keys:
            off = [r[key] for r in rs if r["label"] == f"{what} off @ {rate}" and r.get(key)]
            on = [r[key] for r in rs if r["label"] == f"{what} {on_word} @ {rate}" and r.get(key)]
            if off and on:
                out.append((rate, key, statistics.median(on), statistics.median(off)))
    return out


KEYNAME = {"deliveries_per_s": "deliveries/s", "lat_p99_ms": "p99", "lat_p50_ms": "p50"}

g = [r for r in rows if r.get("scenario") == "g"]
gl = [r for r in g if r.get("label", "").startswith("compliance ")]
if gl:
    print("## (g) what compliance costs\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | 503s | acked not stored |")
    print("|---|---|---|---|---|---|---|")
    for r in gl:
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('posts_503'))} "
              f"| {f(r.get('acked_not_stored'))} |")
    for rate, key, x, b in onoff(gl, "compliance"):
        print(f"\nAt {rate}, compliance on / off, {KEYNAME[key]} (medians of the runs): "
              f"{x:.2f} / {b:.2f} = {x / b:.2f}x")
    print()
for r in [r for r in g if r.get("label") == "backlog"]:
    print("| backlog events | seconds | events/s | peak RSS (KiB) | output files | output MiB | events left | exit |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {r['events']} | {r['seconds']} | {r['events_per_s']} | {r['peak_rss_kb']} | {r['files']} "
          f"| {r['output_bytes'] / 1048576:.1f} | {r['events_left']} | {r['exit']} |\n")

h = [r for r in rows if r.get("scenario") == "h"]
if h:
    print("## (h) what a scrape of /metrics every second costs\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | 503s | scrapes (failed) | scrape p50 / max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in h:
        sc = f"{f(r.get('scrapes'))} ({f(r.get('scrape_failures'))})" if "scrapes" in r else "-"
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('posts_503'))} "
              f"| {sc} | {f(r.get('scrape_p50_ms'), 2)} / {f(r.get('scrape_max_ms'), 2)} |")
    # "on" scrapes every endpoint; the other sets (BENCH_SCRAPE_SETS) one each, or none
    for word, what in (("on", "every endpoint"), ("pchatd", "pchatd's /metrics alone"),
                       ("kamailio", "Kamailio's /metrics alone"), ("null", "pchatd's /healthz: the scraper's own cost")):
        for rate, key, x, b in onoff(h, "scrape", word):
            verdict = ""
            if key == "deliveries_per_s" and word == "on":
                verdict = " (target >= 0.98x: " + ("met" if x / b >= 0.98 else "**not met**") + ")"
            print(f"\nAt {rate}, scrape {word} ({what}) / off, {KEYNAME[key]} (medians of the runs): "
                  f"{x:.2f} / {b:.2f} = {x / b:.2f}x{verdict}")
    print()

k = [r for r in rows if r.get("scenario") == "k"]
if k:
    print("## (k) retention: the purge job under chat load\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | 503s | purged rows | purge s | purge rows/s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in k:
        ms = r.get("purge_ms")
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('posts_503'))} "
              f"| {f(r.get('purge_rows'), 0) if 'purge_rows' in r else '-'} "
              f"| {f(ms / 1000, 2) if ms else '-'} | {f(r.get('purge_rows_per_s'), 0) if 'purge_rows_per_s' in r else '-'} |")
    for rate, key, x, b in onoff(k, "purge"):
        verdict = ""
        if key == "lat_p99_ms":
            verdict = " (target <= 1.2x: " + ("met" if x / b <= 1.2 else "**not met**") + ")"
        print(f"\nAt {rate}, purge on / off, {KEYNAME[key]} (medians of the runs): "
              f"{x:.2f} / {b:.2f} = {x / b:.2f}x{verdict}")
    print()

lf = [r for r in rows if r.get("scenario") == "l"]
if lf:
    print("## (l) what 10,000 saved feeds cost posting\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | 503s |")
    print("|---|---|---|---|---|---|")
    for r in lf:
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('posts_503'))} |")
    for rate, key, x, b in onoff(lf, "feeds"):
        verdict = ""
        if key == "deliveries_per_s":
            verdict = " (target >= 0.9x: " + ("met" if x / b >= 0.9 else "**not met**") + ")"
        print(f"\nAt {rate}, feeds on / off, {KEYNAME[key]} (medians of the runs): "
              f"{x:.2f} / {b:.2f} = {x / b:.2f}x{verdict}")
    print()

ss = [r for r in rows if r.get("scenario") == "s"]
if ss:
    print("## (s) chat INFOs: batched by the link process, or a tm transaction each\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | full delivery max ms | missing | 503s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in ss:
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('full_delivery_max_ms'))} "
              f"| {f(r.get('deliveries_missing'))} | {f(r.get('posts_503'))} |")
    for rate, key, x, b in onoff(ss, "tm", keys=("deliveries_per_s", "lat_p50_ms", "lat_p99_ms")):
        print(f"\nAt {rate}, tm / batched, {KEYNAME[key]} (medians of the runs): "
              f"{x:.2f} / {b:.2f} = {x / b:.2f}x")
    print()

fi = [r for r in rows if r.get("scenario") == "i"]
tr = [r for r in fi if not r["label"].startswith("memory")]
if tr:
    print("## (i) file transfers through both APIs\n")
    print("| transfer | size MB | runs (failed) | MB/s median | MB/s min – max | pchatd CPU s "
          "| client CPU s | target ≥ 200 MB/s |")
    print("|---|---|---|---|---|---|---|---|")
    for lab in dict.fromkeys(r["label"] for r in tr):
        rs = [r for r in tr if r["label"] == lab]
        v = [r["mb_per_s"] for r in rs if r.get("ok") and r.get("mb_per_s")]
        med = statistics.median(v) if v else None

        def med_of(key):
            x = [r[key] for r in rs if r.get(key) is not None]
            return f(statistics.median(x), 2) if x else "-"
        print(f"| {lab} | {f(max(r.get('bytes', 0) for r in rs) / 1e6)} | {len(rs)} ({len(rs) - len(v)}) "
              f"| {f(med)} | {f(min(v) if v else None)} – {f(max(v) if v else None)} "
              f"| {med_of('pchatd_cpu_s')} | {med_of('client_cpu_s')} "
              f"| {'-' if med is None else 'met' if med >= 200 else '**not met**'} |")
    print()
mem = [r for r in fi if r["label"].startswith("memory")]
if mem:
    print("| concurrent uploads | size MB | stored | pchatd RSS before → peak (KiB) | KiB per upload "
          "| target < 2,048 KiB |")
    print("|---|---|---|---|---|---|")
    for r in mem:
        print(f"| {r['uploads']} | {f(r['bytes'] / 1e6)} | {r['stored']} | {r['rss_base_kb']} → "
              f"{r['rss_peak_kb']} | {r['kb_per_upload']} "
              f"| {'met' if r['kb_per_upload'] < 2048 else '**not met**'} |")
    print()

j = [r for r in rows if r.get("scenario") == "j"]
if j:
    print("## (j) chat with and without concurrent uploads\n")
    print("| run | posts ok/s | deliveries/s | p50 ms | p99 ms | 503s | missing "
          "| uploads done (failed) | upload MB/s | pchatd CPU s: file threads / rest | uploader CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in j:
        up = f"{f(r.get('upload_done'))} ({f(r.get('upload_failed'))})" if "upload_done" in r else "-"
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} | {f(r.get('lat_p99_ms'))} | {f(r.get('posts_503'))} "
              f"| {f(r.get('deliveries_missing'))} | {up} | {f(r.get('upload_mb_per_s'))} "
              f"| {f(r.get('pchatd_file_threads_cpu_s'), 2)} / {f(r.get('pchatd_other_cpu_s'), 2)} "
              f"| {f(r.get('upload_client_cpu_s'), 2)} |")
    for rate, key, x, b in onoff(j, "uploads", keys=("deliveries_per_s", "lat_p50_ms", "lat_p99_ms")):
        verdict = ""
        if key == "lat_p99_ms":
            verdict = " (target ≤ 1.2x: " + ("met" if x / b <= 1.2 else "**not met**") + ")"
        print(f"\nAt {rate}, uploads on / off, {KEYNAME[key]} (medians of the runs): "
              f"{x:.2f} / {b:.2f} = {x / b:.2f}x{verdict}")
    print()

# ---- (p) a pool: figures per run from bench/snap.py's differences (cpu_*, db_*) ----
POOL_CPU_BUDGET = 1.4  # CPU-seconds per second a node may spend: 2 cores at 70 %
POOL_POSTS_PER_USER_H = 1.08  # the reference's model: 24 posts/s for 80,000 users
POOL_USERS = (20000, 80000, 150000, 300000, 600000, 1000000, 1500000, 2000000, 2500000)


WRITE_STMTS = ("Com_insert", "Com_insert_select", "Com_update", "Com_delete", "Com_replace")


def pool_costs(r):
    """Per-run costs: chat CPU (Kamailio + pchatd, all nodes) per delivery, the database
    server's CPU per post on each node (every Galera node applies every post), everything
    per delivery, and the database counters per post: rows written, redo bytes and fsyncs
    on node 1 (a Galera node writes every node's rows), write statements and write-sets
    sent by all nodes."""
    nodes = sorted({k.split("_")[1] for k in r if k.startswith("cpu_node")})
    d, p = r.get("deliveries"), r.get("posts_ok")
    if not nodes or not d or not p:
        return None
    cpu = lambda part: sum(r.get(f"cpu_{n}_{part}_s", 0) for n in nodes)
    allcpu = sum(v for k, v in r.items() if k.startswith("cpu_node"))
    db = lambda var: r.get(f"db_node1_{var}")
    per_post = lambda v: v / p if v is not None else None
    ws = [r.get(f"db_{n}_wsrep_replicated") for n in nodes]
    return {
        "nodes": len(nodes), "chat_us_per_delivery": (cpu("kamailio") + cpu("pchatd")) * 1e6 / d,
        "db_ms_per_post_node": (cpu("mariadbd") + cpu("compliance")) * 1e3 / p / len(nodes),
        "all_us_per_delivery": allcpu * 1e6 / d,
        "rows_per_post": per_post(sum(db(v) or 0 for v in ("Handler_write", "Handler_update", "Handler_delete"))),
        "stmts_per_post": per_post(sum(r.get(f"db_{n}_{v}", 0) for n in nodes for v in WRITE_STMTS)),
        "fsyncs_per_post": per_post(db("Innodb_data_fsyncs")),
        "redo_bytes_per_post": per_post(db("Innodb_os_log_written")),
        "writesets_per_post": per_post(sum(w for w in ws if w)) if any(ws) else None,
        "cert_failures": sum(r.get(f"db_{n}_wsrep_local_cert_failures", 0) for n in nodes),
        "busy_pct": 100 * r["machine_busy_s"] / (r["snap_wall_s"] * (os.cpu_count() or 1))
        if r.get("snap_wall_s") else None,
    }


CHAT, DBPARTS = ("kamailio", "pchatd"), ("mariadbd", "compliance")


def cpu_of(r, parts):
    """CPU seconds of those parts (cpu_node<N>_<part>_s) over every node of run R."""
    return sum(v for k, v in r.items() if k.startswith("cpu_node") and k.split("_")[2] in parts)


def pool_fit(rs, parts, amount):
    """The CPU of PARTS over runs RS (one load at rising rates) as a fixed cost per second
    plus a cost per AMOUNT (deliveries or posts_ok), solved on the slowest and the fastest
    run: the cost per delivery or post at the margin, without what the servers spend
    anyway (polls, timers).  With one run, or a solution that is not positive: the
    fastest run's mean cost, fixed 0."""
    hi = rs[-1]
    C, W, A = (lambda r: cpu_of(r, parts)), (lambda r: r["snap_wall_s"]), (lambda r: r[amount])
    if len(rs) > 1:
        lo = rs[0]
        den = A(hi) * W(lo) - A(lo) * W(hi)
        if den:
            m = (C(hi) * W(lo) - C(lo) * W(hi)) / den
            fx = (C(lo) - m * A(lo)) / W(lo)
            if m > 0 and fx >= 0:
                return fx, m, "fitted"
    return 0.0, C(hi) / A(hi), "the fastest run's mean"



def pool_node_cpu(m, n, posts, deliveries):
    """CPU-s/s of one of N pool nodes: its share of the fixed costs and of the deliveries,
    and every post's database work (each Galera node applies every post)."""
    return (m["chat_fixed"] + m["db_fixed"]) / m["nodes"] + deliveries * m["chat"] / n + posts * m["db"]


def pool_nodes_needed(m, posts, deliveries):
    """Chat nodes (each with its Galera node, on a machine like this one) that keep every
    node within POOL_CPU_BUDGET; None when one node's database work alone exceeds it."""
    if pool_node_cpu(m, 10**9, posts, deliveries) > POOL_CPU_BUDGET:
        return None
    n = 1
    while pool_node_cpu(m, n, posts, deliveries) > POOL_CPU_BUDGET:
        n += 1
    return n


def pool_model(pl):
    """The users -> nodes table, from the three-node pool's runs and the single node's."""
    by_rate = lambda want: sorted((r for r in pl if r["label"].startswith(want) and r.get("deliveries")
                                   and r.get("posts_ok") and r.get("snap_wall_s")), key=lambda r: r["rate_target"])
    p3, single = by_rate("pool, 3 nodes"), by_rate("single node")
    if not p3:
        return
    nodes = len({k.split("_")[1] for k in p3[-1] if k.startswith("cpu_node")})
    cf, cm, how_c = pool_fit(p3, CHAT, "deliveries")
    df, dm, how_d = pool_fit(p3, DBPARTS, "posts_ok")
    m = {"nodes": nodes, "chat_fixed": cf, "chat": cm, "db_fixed": df, "db": dm / nodes}
    sf, sm, how_s = pool_fit(single, CHAT + DBPARTS, "deliveries") if single else (None, None, None)
    dpp = p3[-1]["deliveries"] / p3[-1]["posts_ok"]
    print(f"Capacity model (runs: {', '.join(r['label'] for r in p3 + single)}): "
          f"{POOL_POSTS_PER_USER_H} posts per user per hour, {dpp:.0f} deliveries per post (the runs' rooms), "
          f"a node = a machine like this one with {POOL_CPU_BUDGET} CPU-s/s to spend.  Pool: Kamailio + pchatd "
          f"{cm * 1e6:.0f} µs per delivery (divides among the nodes) + {cf / nodes:.3f} CPU-s/s per node ({how_c}); "
          f"mariadbd + pchat-compliance {m['db'] * 1e3:.2f} ms per post on every node (does not divide) "
          f"+ {df / nodes:.3f} CPU-s/s per node ({how_d})" +
          (f"; one server without a pool: {sm * 1e6:.0f} µs per delivery, everything included, + {sf:.3f} CPU-s/s "
           f"({how_s})" if single else "") + ".\n")
    print("| users | posts/s | deliveries/s | one server: CPU-s/s (fits?) | pool: chat nodes needed "
          "| pool: CPU-s/s per node at that size | of which the database's |")
    print("|---|---|---|---|---|---|---|")
    for u in POOL_USERS:
        posts = u * POOL_POSTS_PER_USER_H / 3600
        dl = posts * dpp
        one = sf + dl * sm if single else None
        n = pool_nodes_needed(m, posts, dl)
        nn = max(n, 3) if n else None  # three Galera nodes at least: a quorum
        fits = "-" if one is None else f"{one:.2f} ({'yes' if one <= POOL_CPU_BUDGET else 'no'})"
        print(f"| {u:,} | {posts:.1f} | {dl:,.0f} | {fits} | "
              f"{nn if nn else 'none: the database work alone exceeds a node'}"
              f"{' (3: the Galera quorum)' if n and n < 3 else ''} "
              f"| {f(pool_node_cpu(m, nn, posts, dl), 2) if nn else '-'} "
              f"| {(m['db_fixed'] / nodes + posts * m['db']):.2f} |")
    print()


pl = [r for r in rows if r.get("scenario") == "p"]
if pl:
    print("## (p) a pool of three chat nodes (Galera) against one node, same run\n")
    print("| run | posts ok/s | deliveries/s | p50 / p99 ms | same-node p50 / p99 ms (n) | cross-node p50 / p99 ms (n) "
          "| missing | CPU µs per delivery: all servers / Kamailio+pchatd | mariadbd + pchat-compliance CPU ms per post, per node "
          "| rows written per post (node 1) | write statements per post | fsyncs per post | redo bytes per post | write-sets per post "
          "| cert. failures | machine busy % | load avg before → after |")
    print("|" + "---|" * 16)
    costs = {}
    for r in pl:
        c = costs[r["label"]] = pool_costs(r) or {}
        same = (f"{f(r.get('same_node_p50_ms'))} / {f(r.get('same_node_p99_ms'))} ({r['same_node_deliveries']})"
                if "same_node_deliveries" in r else "-")
        cross = (f"{f(r.get('cross_node_p50_ms'))} / {f(r.get('cross_node_p99_ms'))} ({r['cross_node_deliveries']})"
                 if "cross_node_deliveries" in r else "-")
        print(f"| {r['label']} | {f(r.get('posts_ok_per_s'))} | {f(r.get('deliveries_per_s'), 0)} "
              f"| {f(r.get('lat_p50_ms'))} / {f(r.get('lat_p99_ms'))} | {same} | {cross} "
              f"| {f(r.get('deliveries_missing'))} | {f(c.get('all_us_per_delivery'), 0)} / "
              f"{f(c.get('chat_us_per_delivery'), 0)} | {f(c.get('db_ms_per_post_node'), 2)} "
              f"| {f(c.get('rows_per_post'))} | {f(c.get('stmts_per_post'), 2)} | {f(c.get('fsyncs_per_post'), 2)} "
              f"| {f(c.get('redo_bytes_per_post'), 0)} | {f(c.get('writesets_per_post'), 2)} "
              f"| {f(c.get('cert_failures'))} | {f(c.get('busy_pct'), 0)} "
              f"| {f(r.get('loadavg_before'), 2)} → {f(r.get('loadavg_after'), 2)} |")
    print()
    for rate in rates_of(pl):
        p3 = next((r for r in pl if r["label"] == f"pool, 3 nodes @ {rate}"), {})
        one = next((r for r in pl if r["label"] == f"single node @ {rate}"), {})
        c3, c1 = costs.get(f"pool, 3 nodes @ {rate}") or {}, costs.get(f"single node @ {rate}") or {}
        print(f"At {rate}: cross-node / same-node p50 {ratio(p3.get('cross_node_p50_ms'), p3.get('same_node_p50_ms'))}x, "
              f"p99 {ratio(p3.get('cross_node_p99_ms'), p3.get('same_node_p99_ms'))}x; pool / single node: "
              f"deliveries/s {ratio(p3.get('deliveries_per_s'), one.get('deliveries_per_s'))}x, "
              f"p99 {ratio(p3.get('lat_p99_ms'), one.get('lat_p99_ms'))}x, "
              f"CPU per delivery {ratio(c3.get('all_us_per_delivery'), c1.get('all_us_per_delivery'))}x\n")
    pool_model(pl)
