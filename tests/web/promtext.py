#!/usr/bin/env python3
"""promtext.py - a small reader of the Prometheus text format 0.0.4 for tests/web/run.sh
(promtool is not at hand).

  promtext.py check FILE               exits 1 (saying why) unless FILE parses: every
                                       sample of a family announced by # HELP and # TYPE,
                                       names and labels well formed, counters ending in
                                       _total, histogram buckets (per series) cumulative up to +Inf =
                                       _count, no sample twice
  promtext.py check-untyped FILE       the same, but a sample may come without # HELP
                                       and # TYPE (untyped, as Prometheus takes it):
                                       Kamailio's xhttp_prom writes no type
  promtext.py get FILE NAME [L=V ...]  prints the sum of the samples NAME whose labels
                                       include those (0 if none)
Lines starting "#" that are not HELP or TYPE are comments, blank lines are skipped and
a sample may end in a timestamp (milliseconds), as the format allows.
"""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(?:\{((?:%s)(?:, ?%s)*)\})? (\S+)(?: -?[0-9]+)?$" % (NAME, LABEL, LABEL))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[: -len(suffix)]
        if name.endswith(suffix) and types.get(base) == "histogram":
            return base
    return name


def parse(path, untyped_ok=False):
    """Returns [(name, {label: value}, float)]; raises ValueError on a bad line."""
    types, helps, samples, seen = {}, set(), [], set()
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or (line.startswith("#") and not re.match(r"^# (HELP|TYPE) ", line)):
            continue
        m = re.match(r"^# (HELP|TYPE) (%s) (.*)$" % NAME, line)
        if m:
            kind, name, rest = m.groups()
            if kind == "HELP":
                helps.add(name)
            elif rest not in TYPES or name in types:
                raise ValueError("line %d: bad or second # TYPE: %s" % (n, line))
            else:
                types[name] = rest
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (n, line))
        name, value = m.group(1), float(m.group(m.lastindex))
        labels = {k: unescape(v) for k, v in re.findall(LABEL, m.group(2) or "")}
        fam = family_of(name, types)
        if untyped_ok and fam not in types:
            types[fam] = "untyped"
            helps.add(fam)
        if fam not in types or fam not in helps:
            raise ValueError("line %d: %s without # HELP and # TYPE before it" % (n, name))
        if types[fam] == "counter" and not fam.endswith("_total"):
            raise ValueError("line %d: counter %s does not end in _total" % (n, fam))
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ValueError("line %d: sample twice: %s" % (n, line))
        seen.add(key)
        samples.append((name, labels, value))
    check_histograms(types, samples)
    return samples


def series_key(labels):
    """A histogram series: its labels but le (pchatd's have one per DB worker)."""
    return tuple(sorted((k, v) for k, v in labels.items() if k != "le"))


def check_histograms(types, samples):
    for fam in (f for f, t in types.items() if t == "histogram"):
        series = {series_key(l) for n, l, _ in samples if n == fam + "_bucket"}
        if not series:
            raise ValueError("%s: no buckets" % fam)
        for key in series:
            buckets = [(float(l["le"]), v) for n, l, v in samples
                       if n == fam + "_bucket" and series_key(l) == key]
            count = [v for n, l, v in samples if n == fam + "_count" and series_key(l) == key]
            les = [le for le, _ in buckets]
            values = [v for _, v in buckets]
            if les != sorted(les) or les[-1] != math.inf:
                raise ValueError("%s%s: buckets not in order up to +Inf" % (fam, dict(key)))
            if values != sorted(values) or count != [values[-1]]:
                raise ValueError("%s%s: buckets not cumulative, or +Inf != _count" % (fam, dict(key)))


def main(argv):
    try:
        samples = parse(argv[2], untyped_ok=argv[1] != "check")
    except (ValueError, OSError) as e:
        print("promtext: %s: %s" % (argv[2], e), file=sys.stderr)
        return 1
    if argv[1] == "get":
        want = dict(a.split("=", 1) for a in argv[4:])
        total = sum(v for n, l, v in samples
                    if n == argv[3] and all(l.get(k) == w for k, w in want.items()))
        print("%.17g" % total)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
