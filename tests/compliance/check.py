#!/usr/bin/env python3
"""tests/compliance/check.py - reads pchat-compliance's output files for the compliance suite.

  check.py count DIR RUN ACKED_FILE   every post of run RUN answered 200 (ACKED_FILE) is in
                                      exactly one CHAT message of the XML files in DIR, no
                                      post of RUN is in two, and no two files hold the same
                                      event ids (their names: <prefix>-<first>-<last>...)
  check.py events DIR ROOM_URI        the events of ROOM_URI, in file order, one a line:
                                      "TYPE sender-uri content"
  check.py times DIR ROOM_URI FROM TO  the events of ROOM_URI have times (since1970, ms)
                                      within FROM..TO, in order, and their three time
                                      attributes agree with each other
  check.py ranges DIR                 the event id range of each file, one a line

Only final files count: a name starting with "." is a temporary file of a run.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

NAME = re.compile(r"^(?P<prefix>.+)-(?P<first>\d{12})-(?P<last>\d{12})(-room\d+)?\.(?P<ext>[A-Za-z0-9]+)$")


def outputs(d, ext="xml"):
    files = [f for f in glob.glob(os.path.join(d, "*." + ext)) if not os.path.basename(f).startswith(".")]
    return sorted(files)


def messages(path):
    """(room uri, room name, Message element) for each message of an XML adapter file."""
    root = ET.parse(path).getroot()
    for conv in root.findall("Conversation"):
        ch = conv.find("Channel")
        for m in conv.findall("Messages/Message"):
            yield ch.get("uri"), ch.get("name"), m


def ranges(d):
    out = []
    for f in os.listdir(d):
        m = NAME.match(f)
        if m and not f.startswith(".") and not f.endswith(".ATTACH"):
            out.append((int(m.group("first")), int(m.group("last")), f))
    return sorted(out)


def cmd_count(d, run, acked_file):
    pat = re.compile(r"^B%s:\d+$" % re.escape(run))
    seen = {}
    for f in outputs(d):
        for _, _, m in messages(f):
            c = m.get("content") or ""
            if m.get("type") == "CHAT" and pat.match(c):
                seen[c] = seen.get(c, 0) + 1
    acked = [l.strip() for l in open(acked_file) if l.strip()]
    missing = [a for a in acked if a not in seen]
    twice = [c for c, n in seen.items() if n > 1]
    bad = []
    # the same event in two files: overlapping id ranges (a rerun must replace its file)
    rs = ranges(d)
    by_range = {}
    for first, last, f in rs:
        by_range.setdefault((first, last), []).append(f)
    spans = sorted(by_range)
    for (a, b), (c, e) in zip(spans, spans[1:]):
        if c <= b:
            bad.append("files of overlapping event ids: %s and %s" % (by_range[(a, b)], by_range[(c, e)]))
    print("compliance: run %s: acknowledged %d, archived %d, missing %d, archived twice %d, files %d"
          % (run, len(acked), len(seen), len(missing), len(twice), len(rs)))
    if missing:
        bad.append("acknowledged but not archived: %s" % missing[:10])
    if twice:
        bad.append("archived twice: %s" % twice[:10])
    if not acked:
        bad.append("no post was acknowledged: the run tested nothing")
    for b in bad:
        print("compliance: FAIL: " + b)
    return 1 if bad else 0


def cmd_events(d, room):
    for f in outputs(d):
        for uri, _, m in messages(f):
            if uri != room:
                continue
            s = m.find("Sender")
            print(m.get("type"), s.get("uri") if s is not None else "-", m.get("content") or "")
    return 0


def cmd_times(d, room, lo, hi):
    """Times in the window, never going back, string and long consistent with since1970."""
    import datetime
    bad, last, n = [], None, 0
    for f in outputs(d):
        for uri, _, m in messages(f):
            if uri != room:
                continue
            t = m.find("DateTimeUTC")
            ms = int(t.get("since1970"))
            iso = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
            want_s = iso.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d0000Z" % (ms % 1000)
            if t.get("string") != want_s:
                bad.append("string %s for %d (want %s)" % (t.get("string"), ms, want_s))
            if int(t.get("long")) != ms * 10000 + 621355968000000000:
                bad.append("long %s for %d" % (t.get("long"), ms))
            if not lo <= ms <= hi:
                bad.append("%s at %d, outside %d..%d" % (m.get("type"), ms, lo, hi))
            if last is not None and ms < last:
                bad.append("%s at %d before the previous event (%d)" % (m.get("type"), ms, last))
            last, n = ms, n + 1
    if n == 0:
        bad.append("no events")
    for b in bad[:10]:
        print(b)
    return 1 if bad else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "count" and len(argv) == 5:
        return cmd_count(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "events":
        return cmd_events(argv[2], argv[3])
    if len(argv) == 6 and argv[1] == "times":
        return cmd_times(argv[2], argv[3], int(argv[4]), int(argv[5]))
    if len(argv) == 3 and argv[1] == "ranges":
        for first, last, f in ranges(argv[2]):
            print(first, last, f)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
