#!/usr/bin/env python3
"""bench/plot.py - the pictures of a bench/run.sh run, drawn with gnuplot (bench/plots.gp):

  OUTDIR/b-load.svg     (b) deliveries/s and p50/p99 post->delivery latency against
                        offered load, ours, imc and the floor (bench/floor.c)
  OUTDIR/c-room-size.svg  (c) full delivery (max and p50 over the posts) against room size
  OUTDIR/e-memory.svg   (e) bytes per signed-in session against sessions (pchatd, the
                        pchat link processes, Kamailio's shared memory)
  OUTDIR/dashboard.svg, .png  the Grafana dashboard docs/grafana/pchat.json drawn from
                        the scrapes of the last scraped run of (h) (bench/dashboard.py)

usage: plot.py [RESULTS.jsonl [OUTDIR]]   (default build/bench/results.jsonl, its folder)

A figure whose scenario is not in RESULTS is skipped (said on stderr); repeated runs of
one point are drawn as their median.  The .dat files are in OUTDIR/plots/."""
import json
import os
import shutil
import statistics
import subprocess
import sys

import dashboard

HERE = os.path.dirname(os.path.abspath(__file__))
MODE_TITLES = {"pchat": "ours", "imc": "Kamailio imc", "floor": "floor (answer and fan out only)"}
MODE_ORDER = ["pchat", "imc", "floor"]


def say(msg):
    print(f"plot: {msg}", file=sys.stderr)


def mean_room(spec):
    """Members per room of a SIZExCOUNT,... spec (posts go round robin over the rooms)."""
    members = rooms = 0
    for item in (spec or "").split(","):
        if not item:
            continue
        size, _, count = item.partition("x")
        members += int(size) * int(count or 1)
        rooms += int(count or 1)
    return members / rooms if rooms else None


def medians(rows, xkey, ykeys):
    """[(x, median of each ykey, runs)] sorted by x, over the rows having them all."""
    by = {}
    for r in rows:
        x = xkey(r)
        if x is None or any(r.get(k) is None for k in ykeys):
            continue
        by.setdefault(x, []).append(r)
    return [(x, [statistics.median(r[k] for r in rs) for k in ykeys], len(rs)) for x, rs in sorted(by.items())]


def write_dat(path, titles, points):
    with open(path, "w") as f:
        f.write(" ".join('"%s"' % t for t in titles) + "\n")
        for x, ys, n in points:
            f.write(" ".join(f"{v:.6g}" for v in [x] + ys) + f" {n}\n")


def per_mode(rows, scenario, fig, xkey, ykeys, titles, ddir):
    """Writes <fig>-<mode>.dat for each target with data; returns the modes written."""
    modes = []
    for mode in sorted({r.get("mode") for r in rows if r.get("scenario") == scenario and r.get("mode")},
                       key=lambda m: (MODE_ORDER.index(m) if m in MODE_ORDER else len(MODE_ORDER), m)):
        pts = medians([r for r in rows if r.get("scenario") == scenario and r.get("mode") == mode], xkey, ykeys)
        if pts:
            name = MODE_TITLES.get(mode, mode)
            write_dat(os.path.join(ddir, f"{fig}-{mode}.dat"), titles(name), pts)
            modes.append(mode)
    return modes


def gnuplot(fig, ddir, out, modes=""):
    r = subprocess.run(["gnuplot", "-e", f"dir='{ddir}'; out='{out}'; fig='{fig}'; modes='{modes}'",
                        os.path.join(HERE, "plots.gp")], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"plot: gnuplot failed on {out}:\n{r.stderr}")
    say(out)


def draw_curves(rows, outdir):
    ddir = os.path.join(outdir, "plots")
    os.makedirs(ddir, exist_ok=True)
    b = per_mode(rows, "b", "b", lambda r: (r.get("rate_target") or 0) * (mean_room(r.get("room_spec")) or 0) or None,
                 ["deliveries_per_s", "lat_p50_ms", "lat_p99_ms"],
                 lambda n: ["offered", n, f"{n} p50", f"{n} p99", "runs"], ddir)
    if b:
        gnuplot("b", ddir, os.path.join(outdir, "b-load.svg"), " ".join(b))
    else:
        say("no (b) runs: b-load.svg not drawn")
    c = per_mode(rows, "c", "c", lambda r: mean_room(r.get("room_spec")),
                 ["full_delivery_max_ms", "full_delivery_p50_ms", "lat_p99_ms"],
                 lambda n: ["members", f"{n}: slowest post", f"{n}: median post", f"{n} p99", "runs"], ddir)
    if c:
        gnuplot("c", ddir, os.path.join(outdir, "c-room-size.svg"), " ".join(c))
    else:
        say("no (c) runs: c-room-size.svg not drawn")
    keys = ["backend_rss_bytes_per_session", "link_anon_bytes_per_session", "shm_bytes_per_session"]
    e = medians([r for r in rows if r.get("scenario") == "e"], lambda r: r.get("sessions"), keys)
    if e:
        write_dat(os.path.join(ddir, "e.dat"), ["sessions", "pchatd (RSS)", "pchat link processes (private, RssAnon)",
                                                 "Kamailio shared memory", "runs"], e)
        gnuplot("e", ddir, os.path.join(outdir, "e-memory.svg"))
    else:
        say("no (e) runs: e-memory.svg not drawn")


def draw_dashboard(rows, outdir):
    # only the runs that scraped every endpoint ("scrape on"): the dashboard reads both
    files = [r["scrape_file"] for r in rows if r.get("scenario") == "h" and r.get("scrape_file")
             and r.get("label", "").startswith("scrape on ")]
    files = [f for f in files if os.path.exists(f)]
    if not files:
        say("no scraped (h) run: dashboard.svg not drawn")
        return
    say(f"dashboard from {files[-1]}")
    dashboard.render(dashboard.DEFAULT_JSON, files[-1], os.path.join(outdir, "dashboard"))


def main():
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "build", "bench", "results.jsonl")
    outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(results))
    if not os.path.exists(results):
        raise SystemExit(f"plot: {results} does not exist: run `make bench` (or bench/run.sh) first")
    if shutil.which("gnuplot") is None:
        raise SystemExit("plot: gnuplot not found: install gnuplot-nox (scripts/setup.sh does)")
    with open(results, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    draw_curves(rows, outdir)
    draw_dashboard(rows, outdir)


if __name__ == "__main__":
    main()
