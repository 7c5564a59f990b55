#!/usr/bin/env python3
"""bench/test_plots.py - checks of the benchmark pictures' tooling (make bench-test):
the PromQL subset of bench/dashboard.py against values computed by hand on made-up
scrapes (pchatd's format, and Kamailio xhttp_prom's: no # TYPE, a timestamp per
sample), every query of docs/grafana/pchat.json computable, and bench/plot.py drawing
every picture from a made-up results.jsonl with gnuplot."""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dashboard  # noqa: E402

BOUNDS = ["0.001", "0.01", "0.1", "+Inf"]


def pchatd_body(k):
    """Round k: 10 posts/s stored, sessions 100 + k, the writer's commits: per second 8
    at <= 1 ms, 1 in (1, 10] ms, 1 in (10, 100] ms, the reader's none; refusals only for
    reason "empty"."""
    cum = [8 * k, 9 * k, 10 * k, 10 * k]
    lines = ["# HELP pchatd_sessions s", "# TYPE pchatd_sessions gauge", f"pchatd_sessions {100 + k}",
             "# TYPE pchatd_posts_stored_total counter", f"pchatd_posts_stored_total {10 * k}",
             "# TYPE pchatd_posts_refused_total counter",
             f'pchatd_posts_refused_total{{reason="empty"}} {2 * k}',
             f'pchatd_posts_refused_total{{reason="too_long"}} {3 * k}',
             "# TYPE pchatd_db_commit_seconds histogram"]
    # pchatd's histogram has a series per DB worker; the reader's committed nothing here
    for w, c in (("writer", cum), ("reader", [0] * len(cum))):
        lines += [f'pchatd_db_commit_seconds_bucket{{worker="{w}",le="{b}"}} {n}' for b, n in zip(BOUNDS, c)]
        lines += [f'pchatd_db_commit_seconds_count{{worker="{w}"}} {c[-1]}']
    lines += ["# TYPE pchatd_reloads_total counter"]
    return "\n".join(lines) + "\n"


def kamailio_body(k, t):
    """xhttp_prom's format; infos_received restarts from 0 at round 5 (a restart)."""
    ms = int(t * 1000)
    got = 50 * k if k < 5 else 50 * (k - 5)
    return (f"# Kamailio statistics for group: pchat\nkamailio_pchat_infos_received {got} {ms}\n"
            f"kamailio_pchat_sessions {7} {ms}\n")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def tempdir(test):
    """A temporary folder removed after the test."""
    d = tempfile.TemporaryDirectory()
    test.addCleanup(d.cleanup)
    return d.name


def write_scrapes(path, rounds=10, t0=1000.0):
    with open(path, "w") as f:
        for k in range(rounds):
            t = t0 + k
            f.write(f"# scrape t={t:.3f} url=http://a/metrics ms=1 status=200\n{pchatd_body(k)}")
            f.write(f"# scrape t={t + 0.01:.3f} url=http://b/metrics ms=1 status=200\n{kamailio_body(k, t)}")


class PromQL(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmpdir = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmpdir.name, "s.prom")
        write_scrapes(cls.path)
        cls.rounds, cls.series, cls.announced = dashboard.load_scrapes(cls.path)
        cls.ev = dashboard.Evaluator(cls.series, 4.0, 2.5)

    @classmethod
    def tearDownClass(cls):
        cls.tmpdir.cleanup()

    def at(self, q, k):
        return self.ev.eval(dashboard.parse_query(q), self.rounds[k])

    def test_rounds_are_one_per_pass_over_the_urls(self):
        self.assertEqual(len(self.rounds), 10)
        self.assertIn("pchatd_reloads_total", self.announced)

    def test_gauge(self):
        self.assertEqual(list(self.at("pchatd_sessions", 3).values()), [103])

    def test_rate(self):
        v = self.at("rate(pchatd_posts_stored_total[$__rate_interval])", 6)
        self.assertAlmostEqual(list(v.values())[0], 10.0)
        self.assertEqual(self.at("rate(pchatd_posts_stored_total[4s])", 0), {})  # one sample

    def test_increase_and_irate(self):
        self.assertAlmostEqual(list(self.at("increase(pchatd_posts_stored_total[4s])", 6).values())[0], 40.0)
        self.assertAlmostEqual(list(self.at("irate(pchatd_posts_stored_total[4s])", 6).values())[0], 10.0)

    def test_counter_reset(self):
        # samples 150, 200, 0, 50 over rounds 3..6: increase 50 + 0 + 50 over 3 s
        v = self.at("rate(kamailio_pchat_infos_received[$__rate_interval])", 6)
        self.assertAlmostEqual(list(v.values())[0], 100 / 3)

    def test_kamailio_gauge_with_timestamp(self):
        self.assertEqual(list(self.at("kamailio_pchat_sessions", 2).values()), [7])

    def test_sum_by_and_matchers(self):
        v = self.at('sum by (reason) (rate(pchatd_posts_refused_total[4s]))', 6)
        self.assertEqual({dict(k)["reason"]: round(x, 6) for k, x in v.items()}, {"empty": 2, "too_long": 3})
        v = self.at('sum(rate(pchatd_posts_refused_total{reason=~"em.*"}[4s]))', 6)
        self.assertEqual(list(v.values()), [2.0])
        v = self.at('sum(rate(pchatd_posts_refused_total{reason!="empty"}[4s]))', 6)
        self.assertAlmostEqual(list(v.values())[0], 3.0)

    def test_histogram_quantile(self):
        q = "histogram_quantile(%s, sum by (le) (rate(pchatd_db_commit_seconds_bucket[$__rate_interval])))"
        # per second: 8 in [0, 1 ms], 1 in (1, 10], 1 in (10, 100]
        self.assertAlmostEqual(list(self.at(q % "0.5", 6).values())[0], 0.001 * 5 / 8)
        self.assertAlmostEqual(list(self.at(q % "0.85", 6).values())[0], 0.001 + 0.009 * 0.5)
        self.assertAlmostEqual(list(self.at(q % "0.99", 6).values())[0], 0.01 + 0.09 * 0.9)

    def test_histogram_quantile_by_worker(self):
        q = "histogram_quantile(0.5, sum by (worker, le) (rate(pchatd_db_commit_seconds_bucket[$__rate_interval])))"
        v = {dict(k)["worker"]: x for k, x in self.at(q, 6).items()}
        self.assertAlmostEqual(v["writer"], 0.001 * 5 / 8)
        self.assertTrue(math.isnan(v["reader"]))  # no commits: no quantile

    def test_quantile_of_nothing_is_nan(self):
        v = dashboard.histogram_quantile(0.5, {(("le", "0.1"),): 0.0, (("le", "+Inf"),): 0.0})
        self.assertTrue(math.isnan(list(v.values())[0]))

    def test_unsupported_query_fails(self):
        for q in ("pchatd_sessions * 2", "topk(3, pchatd_sessions)", "rate(pchatd_sessions)"):
            with self.assertRaises(dashboard.QueryError, msg=q):
                dashboard.parse_query(q)

    def test_instance_label_of_the_url(self):
        v = self.at("sum by (instance) (kamailio_pchat_sessions)", 2)
        self.assertEqual(v, {(("instance", "b"),): 7.0})

    def test_legend(self):
        self.assertEqual(dashboard.legend("refused: {{reason}}", (("reason", "empty"),), "q"), "refused: empty")


class Dashboard(unittest.TestCase):
    def test_every_query_of_the_dashboard_is_computed(self):
        dash = dashboard.load_dashboard(dashboard.DEFAULT_JSON)
        queries = [t["expr"] for p in dash["panels"] for t in p.get("targets", [])]
        self.assertGreater(len(queries), 10)
        for q in queries:
            dashboard.parse_query(q)

    def test_grafana_shape(self):
        dash = dashboard.load_dashboard(dashboard.DEFAULT_JSON)
        self.assertEqual(dash["templating"]["list"][0]["type"], "datasource")
        for p in dash["panels"]:
            g = p["gridPos"]
            self.assertLessEqual(g["x"] + g["w"], 24, p["title"])
            if p["type"] != "row":
                self.assertEqual(p["datasource"]["uid"], "${datasource}", p["title"])

    def test_render(self):
        tmp = tempdir(self)
        path = os.path.join(tmp, "s.prom")
        write_scrapes(path)
        dashboard.render(dashboard.DEFAULT_JSON, path, os.path.join(tmp, "dash"))
        svg = read(os.path.join(tmp, "dash.svg"))
        for title in ("Posts", "Commit latency", "INFOs", "Compliance backlog"):
            self.assertIn(f">{title}<", svg)
        self.assertIn("not exposed:", svg)  # the compliance placeholder and others


class Curves(unittest.TestCase):
    def test_plot_draws_every_figure(self):
        tmp = tempdir(self)
        rows = []
        for mode in ("pchat", "imc", "floor"):
            for rate in (10, 40, 40):
                rows.append({"scenario": "b", "mode": mode, "rate_target": rate, "room_spec": "150x4",
                             "deliveries_per_s": rate * 150, "lat_p50_ms": 5, "lat_p99_ms": 20, "label": "x"})
            for n in (1000, 16000):
                rows.append({"scenario": "c", "mode": mode, "room_spec": f"{n}x1", "full_delivery_max_ms": n / 5,
                             "full_delivery_p50_ms": n / 6, "lat_p99_ms": n / 5, "label": "x"})
        rows += [{"scenario": "e", "sessions": n, "backend_rss_bytes_per_session": 500,
                  "link_anon_bytes_per_session": 450, "shm_bytes_per_session": 35} for n in (5000, 20000)]
        write_scrapes(os.path.join(tmp, "s.prom"))
        rows.append({"scenario": "h", "label": "scrape on @ 160 posts/s", "scrape_file": os.path.join(tmp, "s.prom")})
        with open(os.path.join(tmp, "results.jsonl"), "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in rows))
        r = subprocess.run([sys.executable, os.path.join(HERE, "plot.py"), os.path.join(tmp, "results.jsonl"), tmp],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in ("b-load.svg", "c-room-size.svg", "e-memory.svg", "dashboard.svg"):
            self.assertGreater(os.path.getsize(os.path.join(tmp, f)), 1000, f)
        # two runs at 40 posts/s: one point, their median, with runs = 2
        self.assertIn("6000 6000 5 20 2", read(os.path.join(tmp, "plots", "b-pchat.dat")))
        self.assertIn('"floor (answer and fan out only)"', read(os.path.join(tmp, "plots", "b-floor.dat")))

    def test_missing_results_say_so(self):
        r = subprocess.run([sys.executable, os.path.join(HERE, "plot.py"), "/nonexistent/results.jsonl"],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("run `make bench`", r.stderr)


if __name__ == "__main__":
    unittest.main()
