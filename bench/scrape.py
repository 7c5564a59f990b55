#!/usr/bin/env python3
"""bench/scrape.py - scrapes Prometheus endpoints every few seconds, as a Prometheus
server would, for bench/run.sh scenario h (what scraping costs chat) and for the
dashboard picture (bench/dashboard.py).

usage: scrape.py --out FILE [--interval S] [--summary FILE] URL...

Every S seconds (1; on a fixed grid from the start, a late scrape does not shift the
next ones) each URL is fetched in turn and appended to FILE as one block:

    # scrape t=<unix time of the request> url=<URL> ms=<duration> status=<HTTP status or error>
    <the body, as served>

until SIGTERM or SIGINT.  Then the summary (scrapes, failures, duration p50/max, bytes,
FILE) is written as one JSON object to --summary (default: stdout)."""
import argparse
import json
import signal
import statistics
import sys
import time
import urllib.error
import urllib.request

stop = False


def on_signal(_sig, _frame):
    global stop
    stop = True


def fetch(url, timeout):
    """(status, body bytes): status is the HTTP code or a short error text."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return str(r.status), r.read()
    except urllib.error.HTTPError as e:
        return str(e.code), e.read()
    except (OSError, ValueError) as e:
        return type(e).__name__, b""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--summary")
    ap.add_argument("urls", nargs="+")
    a = ap.parse_args()
    if a.interval <= 0:
        ap.error("--interval must be > 0")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ms, fails, size = [], 0, 0
    t0 = time.time()
    k = 0
    with open(a.out, "ab") as out:
        while not stop:
            for url in a.urls:
                t = time.time()
                status, body = fetch(url, a.interval)
                d = (time.time() - t) * 1000
                ms.append(d)
                fails += status != "200"
                size += len(body)
                out.write(b"# scrape t=%.3f url=%s ms=%.2f status=%s\n" % (t, url.encode(), d, status.encode()))
                out.write(body if body.endswith(b"\n") or not body else body + b"\n")
            out.flush()
            k += 1
            # the next grid point; sleep in short steps so SIGTERM ends us quickly
            while not stop and time.time() < t0 + k * a.interval:
                time.sleep(min(0.05, max(0.0, t0 + k * a.interval - time.time())))
    summary = {"scrapes": len(ms), "scrape_failures": fails,
               "scrape_p50_ms": round(statistics.median(ms), 2) if ms else None,
               "scrape_max_ms": round(max(ms), 2) if ms else None,
               "scrape_bytes": size, "scrape_urls": len(a.urls), "scrape_interval_s": a.interval,
               "scrape_file": a.out}
    text = json.dumps(summary) + "\n"
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
