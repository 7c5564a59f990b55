#!/usr/bin/env python3
"""bench/dashboard.py - draws the Grafana dashboard docs/grafana/pchat.json from scraped
series, with gnuplot, for machines without Grafana: the same panels at the same places
with the same titles, each query computed as Prometheus would on the scrapes.

usage: dashboard.py [--json DASHBOARD] [--rate-interval S] [--check] SCRAPES OUT
  SCRAPES  a file of bench/scrape.py (blocks "# scrape t=... url=..." and their bodies)
  OUT      the picture without extension: OUT.svg, OUT.png (pngcairo), data in OUT.d/
  --check  only parse every query of the dashboard (no SCRAPES or OUT): a query this
           script cannot compute fails here, so the picture cannot drift silently

The panel list is the dashboard's; the queries are PromQL, of which this script
computes the subset the dashboard uses: selectors with label matchers (= != =~ !~),
rate/irate/increase over a range ([$__rate_interval] is --rate-interval, default 4
scrape intervals as in Grafana), sum/avg/min/max/count [by|without (labels)], and
histogram_quantile (Prometheus's linear interpolation within the bucket).  Anything
else is an error naming the query.  No extrapolation at a window's edges: rate is the
counter's increase between the first and last sample in the window over their distance.
"""
import argparse
import bisect
import json
import math
import os
import re
import subprocess
import sys
import urllib.parse

# ------------------------------------------------------------------ scrapes

LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$")
HEAD = re.compile(r"^# scrape t=(\S+) url=(\S+)")
ANNOUNCED = re.compile(r"^# (?:HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)")


def parse_value(v):
    try:
        return float(v)
    except ValueError:
        return math.nan


def load_scrapes(path):
    """Returns (rounds, series, announced): rounds are the evaluation times, one per
    round of scrapes over every URL (just after its last request: every sample of the
    round is at or before it); series maps (name, labels as a sorted tuple) to ([t],
    [value]) in time order, t being the time of the request that fetched the sample, and
    each sample labelled instance="host:port" of its URL as Prometheus labels a target's;
    announced: the names of # HELP and # TYPE lines (a family with no series yet)."""
    series, rounds, first_url, t, announced, instance = {}, [], None, None, set(), ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = HEAD.match(line)
            if m:
                t, url = float(m.group(1)), m.group(2)
                instance = urllib.parse.urlsplit(url).netloc
                first_url = first_url or url
                if url == first_url:
                    rounds.append(t + 1e-3)  # a new round
                else:
                    rounds[-1] = t + 1e-3
                continue
            m = ANNOUNCED.match(line)
            if m:
                announced.add(m.group(1))
            if t is None or line.startswith("#") or not line.strip():
                continue
            m = SAMPLE.match(line)
            if not m:
                continue
            labels = {k: re.sub(r"\\(.)", r"\1", v) for k, v in LABEL.findall(m.group(2) or "")}
            labels.setdefault("instance", instance)
            labels = tuple(sorted(labels.items()))
            ts, vs = series.setdefault((m.group(1), labels), ([], []))
            ts.append(t)
            vs.append(parse_value(m.group(3)))
    return rounds, series, announced


# ------------------------------------------------------------------ PromQL subset

TOKEN = re.compile(r"\s*(?:(?P<dur>\$__\w+|\d+[smhd](?![\w.]))|(?P<num>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
                   r"|(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)|(?P<str>\"(?:[^\"\\]|\\.)*\")"
                   r"|(?P<op>=~|!~|!=|=|[(){}\[\],]))")
AGGS = ("sum", "avg", "min", "max", "count")
RANGE_FUNCS = ("rate", "irate", "increase")


class QueryError(Exception):
    pass


def tokenize(q):
    out, pos = [], 0
    while q[pos:].strip():
        m = TOKEN.match(q, pos)
        if not m or m.end() == pos:
            raise QueryError(f"cannot read {q[pos:]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class Parser:
    """expr := number | agg | func | selector
    agg := AGG [by|without (l,...)] ( expr ) [by|without (l,...)]
    func := rate|irate|increase ( selector[dur] ) | histogram_quantile ( number , expr )
    selector := name [{ label op "value", ... }]"""

    def __init__(self, q):
        self.q, self.t, self.i = q, tokenize(q), 0

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else (None, None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if tok[0] is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise QueryError(f"expected {value or kind} at token {self.i} of {self.q!r}, got {tok[1]!r}")
        self.i += 1
        return tok[1]

    def parse(self):
        e = self.expr()
        if self.i != len(self.t):
            raise QueryError(f"unexpected {self.peek()[1]!r} in {self.q!r}")
        return e

    def labels(self):
        self.take("op", "(")
        out = []
        while self.peek() != ("op", ")"):
            out.append(self.take("name"))
            if self.peek() == ("op", ","):
                self.take()
        self.take("op", ")")
        return out

    def expr(self):
        kind, v = self.peek()
        if kind == "num":
            self.take()
            return ("num", float(v))
        if kind != "name":
            raise QueryError(f"unexpected {v!r} in {self.q!r}")
        if v in AGGS:
            self.take()
            grouping = None
            if self.peek()[1] in ("by", "without"):
                grouping = (self.take(), self.labels())
            self.take("op", "(")
            inner = self.expr()
            self.take("op", ")")
            if self.peek()[1] in ("by", "without"):
                grouping = (self.take(), self.labels())
            return ("agg", v, grouping or ("by", []), inner)
        if self.peek(1) == ("op", "(") and v in RANGE_FUNCS:
            self.take(), self.take()
            sel = self.selector()
            self.take("op", "[")
            dur = self.take("dur")
            self.take("op", "]")
            self.take("op", ")")
            return ("range", v, sel, dur)
        if self.peek(1) == ("op", "(") and v == "histogram_quantile":
            self.take(), self.take()
            q = float(self.take("num"))
            self.take("op", ",")
            inner = self.expr()
            self.take("op", ")")
            return ("hq", q, inner)
        if self.peek(1) == ("op", "("):
            raise QueryError(f"function {v} is not computed here ({self.q!r})")
        return self.selector()

    def selector(self):
        name = self.take("name")
        matchers = []
        if self.peek() == ("op", "{"):
            self.take()
            while self.peek() != ("op", "}"):
                label = self.take("name")
                op = self.take("op")
                if op not in ("=", "!=", "=~", "!~"):
                    raise QueryError(f"bad matcher {op!r} in {self.q!r}")
                value = json.loads(self.take("str"))
                matchers.append((label, op, value))
                if self.peek() == ("op", ","):
                    self.take()
            self.take("op", "}")
        return ("sel", name, matchers)


def parse_query(q):
    return Parser(q).parse()


def selector_names(node):
    """The metric names a parsed query reads."""
    if node[0] == "sel":
        return [node[1]]
    if node[0] == "range":
        return [node[2][1]]
    if node[0] in ("agg",):
        return selector_names(node[3])
    if node[0] == "hq":
        return selector_names(node[2])
    return []


def matches(labels, matchers):
    d = dict(labels)
    for label, op, value in matchers:
        v = d.get(label, "")
        ok = {"=": v == value, "!=": v != value,
              "=~": re.fullmatch(value, v) is not None, "!~": re.fullmatch(value, v) is None}[op]
        if not ok:
            return False
    return True


class Evaluator:
    """Evaluates a parsed query at time T on the scraped series: an instant vector
    {labels tuple: value}.  lookback: how old the last sample of a series may be."""

    def __init__(self, series, rate_interval, lookback):
        self.series, self.ri, self.lookback = series, rate_interval, lookback
        self.by_name = {}
        for (name, labels), samples in series.items():
            self.by_name.setdefault(name, []).append((labels, samples))

    def duration(self, d):
        if d in ("$__rate_interval", "$__interval"):
            return self.ri
        m = re.fullmatch(r"(\d+)([smhd])", d)
        if not m:
            raise QueryError(f"duration {d} is not computed here")
        return int(m.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]

    def chosen(self, sel):
        _, name, matchers = sel
        return [(lab, s) for lab, s in self.by_name.get(name, []) if matches(lab, matchers)]

    @staticmethod
    def window(s, lo, hi):
        """The samples (t, v) of s with lo < t <= hi."""
        ts, vs = s
        a, b = bisect.bisect_right(ts, lo), bisect.bisect_right(ts, hi)
        return list(zip(ts[a:b], vs[a:b]))

    def eval(self, node, t):
        kind = node[0]
        if kind == "num":
            return {(): node[1]}
        if kind == "sel":
            out = {}
            for lab, s in self.chosen(node):
                last = self.window(s, t - self.lookback, t)
                if last:
                    out[(("__name__", node[1]),) + lab] = last[-1][1]
            return out
        if kind == "range":
            return self.range_fn(node[1], node[2], self.duration(node[3]), t)
        if kind == "agg":
            return self.aggregate(node[1], node[2], self.eval(node[3], t))
        if kind == "hq":
            return histogram_quantile(node[1], self.eval(node[2], t))
        raise QueryError(f"cannot evaluate {kind}")

    def range_fn(self, fn, sel, w, t):
        out = {}
        for lab, s in self.chosen(sel):
            pts = [(ts, v) for ts, v in self.window(s, t - w, t) if not math.isnan(v)]
            if len(pts) < 2:
                continue
            if fn == "irate":
                pts = pts[-2:]
            inc = 0.0
            for (_, a), (_, b) in zip(pts, pts[1:]):
                inc += b - a if b >= a else b  # a counter reset starts again from 0
            span = pts[-1][0] - pts[0][0]
            if span <= 0:
                continue
            out[lab] = inc * w / span if fn == "increase" else inc / span
        return out

    @staticmethod
    def aggregate(op, grouping, vec):
        how, names = grouping
        groups = {}
        for lab, v in vec.items():
            if how == "by":
                key = tuple((k, x) for k, x in lab if k in names)
            else:
                key = tuple((k, x) for k, x in lab if k not in names and k != "__name__")
            groups.setdefault(key, []).append(v)
        f = {"sum": sum, "min": min, "max": max, "count": len,
             "avg": lambda xs: sum(xs) / len(xs)}[op]
        return {k: float(f(vs)) for k, vs in groups.items()}


def histogram_quantile(q, vec):
    """Prometheus's histogram_quantile on a vector of _bucket series (label le)."""
    groups = {}
    for lab, v in vec.items():
        d = dict(lab)
        if "le" not in d:
            continue
        key = tuple((k, x) for k, x in lab if k not in ("le", "__name__"))
        groups.setdefault(key, []).append((float(d["le"]), v))
    out = {}
    for key, b in groups.items():
        b.sort()
        if len(b) < 2 or not math.isinf(b[-1][0]) or b[-1][1] <= 0:
            out[key] = math.nan
            continue
        rank = q * b[-1][1]
        i = next(k for k, (_, c) in enumerate(b) if c >= rank)
        if i == len(b) - 1:
            out[key] = b[-2][0]
            continue
        lo, below = (0.0, 0.0) if i == 0 else b[i - 1]
        hi, cnt = b[i][0], b[i][1] - below
        out[key] = hi if cnt <= 0 else lo + (hi - lo) * (rank - below) / cnt
    return out


def legend(fmt, labels, expr):
    d = dict(labels)
    if fmt:
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: d.get(m.group(1), ""), fmt)
    rest = {k: v for k, v in d.items() if k != "__name__"}
    return (d.get("__name__", "") + (str(rest) if rest else "")) or expr


def panel_series(panel, ev, rounds):
    """[(legend, [(t, v)])] of the panel's queries, evaluated at every round."""
    out = []
    for tgt in panel.get("targets", []):
        node = parse_query(tgt["expr"])
        per = {}
        for t in rounds:
            for lab, v in ev.eval(node, t).items():
                per.setdefault(lab, {})[t] = v
        for lab in sorted(per):
            out.append((legend(tgt.get("legendFormat"), lab, tgt["expr"]),
                        [(t, per[lab].get(t, math.nan)) for t in rounds]))
    return out


# ------------------------------------------------------------------ drawing

def axis(unit, series):
    """Grafana's unit as gnuplot's y axis: (scale of the values, tick format, label).
    Seconds below 1 are drawn in ms; thousands and more with an SI prefix (%s%c)."""
    top = max([abs(v) for _, pts in series for _, v in pts if not math.isnan(v)] or [0])
    if unit == "s":
        return (1000, '"%g"', "milliseconds") if top < 1 else (1, '"%g"', "seconds")
    if unit == "bytes":
        return 1, '"%.1s %cB"', "bytes"
    return 1, '"%.1s%c"' if top >= 1000 else '"%g"', "per second" if unit == "ops" else ""


def gq(s):
    """A gnuplot string literal."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def no_data(panel, seen):
    """The text of an empty panel: which of its metrics the scrapes do not expose at all,
    or else that nothing was counted (a family with no series yet)."""
    names = sorted({n for t in panel.get("targets", []) for n in selector_names(parse_query(t["expr"]))})
    absent = [n for n in names if n not in seen and not (n.endswith("_bucket") and n[:-7] in seen)]
    if absent:
        return "\n".join(["no data; not exposed:"] + absent)
    return "no data (nothing counted)"


def gnuplot_script(dash, drawn, t0, span, seen, rows_px=30, width=1600):
    """The multiplot script: every panel at its gridPos (24 columns; rows of rows_px)."""
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dash["panels"])
    title_px = 40
    height = bottom * rows_px + title_px
    sy = lambda y: 1 - (title_px + y * rows_px) / height  # noqa: E731  (top of grid row y)
    lines = ["set encoding utf8", "set datafile missing 'NaN'",
             f"set multiplot title {gq(dash.get('title', '') + ': ' + str(round(span)) + ' s of scrapes (x: seconds from the first)')} font ',14'"]
    for p in dash["panels"]:
        if p.get("type") == "row":
            lines.append(f"set label {gq(p.get('title', ''))} at screen 0.005, screen {sy(p['gridPos']['y']) - 0.3 * rows_px / height:.4f} font ',13'")
    first = True
    for p, series, dat in drawn:
        g = p["gridPos"]
        unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
        scale, fmt, ylabel = axis(unit, series)
        lines += [f"set origin {g['x'] / 24:.4f}, {sy(g['y'] + g['h']):.4f}",
                  f"set size {g['w'] / 24:.4f}, {g['h'] * rows_px / height:.4f}",
                  f"set title {gq(p.get('title', ''))}", f"set format y {fmt}",
                  f"set ylabel {gq(ylabel)}", f"set xrange [0:{max(span, 1):.1f}]",
                  "set yrange [0:*]", "set offsets 0, 0, graph 0.1, 0", "set grid",
                  "set key below left horizontal font ',9'"]
        if series:
            parts = [f"{gq(dat)} index {k} using ($1-{t0:.3f}):($2*{scale}) with lines lw 1.5 title {gq(name)}"
                     for k, (name, _) in enumerate(series)]
            lines.append("plot " + ", \\\n     ".join(parts))
        else:
            lines += [f"set label 99 {gq(no_data(p, seen))} at graph 0.5, graph 0.5 center font ',9'",
                      "set yrange [0:1]", "plot NaN notitle", "unset label 99"]
        if first:  # the row titles (screen labels) once
            lines.append("unset label")
            first = False
    lines.append("unset multiplot")
    return lines, height, width


def load_dashboard(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def render(dash_path, scrapes, out, rate_interval=None):
    dash = load_dashboard(dash_path)
    rounds, series, announced = load_scrapes(scrapes)
    if len(rounds) < 2:
        raise SystemExit(f"dashboard: {scrapes} has {len(rounds)} scrape rounds, 2 or more needed")
    step = (rounds[-1] - rounds[0]) / (len(rounds) - 1)
    ev = Evaluator(series, rate_interval or 4 * step, 2.5 * step)
    ddir = out + ".d"
    os.makedirs(ddir, exist_ok=True)
    drawn = []
    for p in dash["panels"]:
        if p.get("type") == "row":
            continue
        ps = [(n, pts) for n, pts in panel_series(p, ev, rounds) if any(not math.isnan(v) for _, v in pts)]
        dat = os.path.join(ddir, f"panel-{p.get('id')}.dat")
        with open(dat, "w") as f:
            f.write(f"# {p.get('title')}: unix time, value; one block per series\n")
            for name, pts in ps:
                f.write(f"# {name}\n" + "".join(f"{t:.3f} {v:.6g}\n" for t, v in pts) + "\n\n")
        drawn.append((p, ps, dat))
    seen = announced | {name for name, _ in series}
    lines, height, width = gnuplot_script(dash, drawn, rounds[0], rounds[-1] - rounds[0], seen)
    body = "\n".join(lines) + "\n"
    outputs = [(f"set terminal svg size {width},{height} font 'sans,10' noenhanced background 'white'", out + ".svg"),
               (f"set terminal pngcairo size {width},{height} font 'sans,9' noenhanced background 'white'", out + ".png")]
    for term, path in outputs:
        script = f"{term}\nset output {gq(path)}\n{body}"
        with open(os.path.join(ddir, os.path.basename(path) + ".gp"), "w") as f:
            f.write(script)
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            if path.endswith(".png") and "pngcairo" in r.stderr:
                print("dashboard: this gnuplot has no pngcairo terminal: SVG only", file=sys.stderr)
                continue
            raise SystemExit(f"dashboard: gnuplot failed on {path}:\n{r.stderr}")
        print(f"dashboard: {path}", file=sys.stderr)
    for p, s, _ in drawn:
        if not s:
            print(f"dashboard: {p.get('title')}: {no_data(p, seen)}".replace("\n", " "), file=sys.stderr)


def check(dash_path):
    """Parses every query of the dashboard; exits 1 naming those that do not parse."""
    dash = load_dashboard(dash_path)
    bad = 0
    for p in dash["panels"]:
        for t in p.get("targets", []):
            try:
                parse_query(t["expr"])
            except QueryError as e:
                print(f"dashboard: panel {p.get('title')!r}: {e}", file=sys.stderr)
                bad += 1
    n = sum(len(p.get("targets", [])) for p in dash["panels"])
    if bad:
        raise SystemExit(1)
    print(f"dashboard: {n} queries of {dash_path} are computed here", file=sys.stderr)


DEFAULT_JSON = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "grafana", "pchat.json"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", default=DEFAULT_JSON)
    ap.add_argument("--rate-interval", type=float)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("scrapes", nargs="?")
    ap.add_argument("out", nargs="?")
    a = ap.parse_args()
    if a.check:
        check(a.json)
        return
    if not a.scrapes or not a.out:
        ap.error("SCRAPES and OUT are needed (or --check)")
    render(a.json, a.scrapes, a.out, a.rate_interval)


if __name__ == "__main__":
    main()
