/*
 * test_metrics.c - pchatd's metrics registry (backend/metrics.c): counters by their
 * labels, the bound on series, histogram buckets (cumulative when rendered), the DB
 * workers' histograms and gauges told apart by a worker label, and the Prometheus
 * text format with its escaping of label values.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "sbuf.h"

static void reset(void)
{
	metrics_reset();
}

TestSuite(metrics, .init = reset);

/* Does text hold line (a whole line)? */
static int renders(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;
	while((p = strstr(p, line)) != NULL) {
		if((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

Test(metrics, counters_by_labels)
{
	static struct metric_family f = {.name = "t_total", .help = "h", .ln = {"a", "b"}};
	char x[] = "x"; /* another pointer, the same value: the same series */
	metric_add(&f, "x", "y", 2);
	metric_add(&f, x, "y", 3);
	metric_add(&f, "x", "z", 1);
	cr_assert_eq(metric_get(&f, "x", "y"), 5);
	cr_assert_eq(metric_get(&f, "x", "z"), 1);
	cr_assert_eq(metric_get(&f, "q", "y"), 0, "never counted");
	cr_assert_eq(f.n, 2);
	metric_inc(&m_joins);
	metric_inc(&m_joins);
	cr_assert_eq(metric_get(&m_joins, NULL, NULL), 2);
}

Test(metrics, series_are_bounded)
{
	static struct metric_family f = {.name = "t_total", .help = "h", .ln = {"n", NULL}};
	static char names[METRIC_SERIES_MAX + 5][8];
	size_t i;
	for(i = 0; i < METRIC_SERIES_MAX + 5; i++) {
		snprintf(names[i], sizeof(names[i]), "%zu", i);
		metric_add(&f, names[i], NULL, 1);
	}
	cr_assert_eq(f.n, METRIC_SERIES_MAX);
	cr_assert(f.full);
	cr_assert_eq(metric_get(&f, names[METRIC_SERIES_MAX], NULL), 0, "dropped");
}

Test(metrics, histogram_buckets)
{
	struct sbuf sb = SBUF_INIT;
	struct metric_hist h = {.name = "pchatd_db_commit_seconds", .help = "Commits."};
	metric_observe(&h, 0.0004); /* le 0.0005 */
	metric_observe(&h, 0.0005); /* le 0.0005: the bound is inclusive */
	metric_observe(&h, 0.003);  /* le 0.005 */
	metric_observe(&h, 10);	    /* +Inf only */
	cr_assert_eq(h.bucket[0], 2);
	cr_assert_eq(h.bucket[3], 1);
	cr_assert_eq(h.count, 4);
	metric_render_hist(&sb, &h);
	cr_assert(renders(sb.buf, "# TYPE pchatd_db_commit_seconds histogram"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{le=\"0.0005\"} 2"), "%s",
			sb.buf);
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{le=\"0.0025\"} 2"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{le=\"0.005\"} 3"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{le=\"2.5\"} 3"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{le=\"+Inf\"} 4"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_sum 10.003900000"), "%s", sb.buf);
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_count 4"));
	sbuf_free(&sb);
}

/* The writer's and the reader's commits: one family, a series per worker. */
Test(metrics, db_commits_by_worker)
{
	struct sbuf sb = SBUF_INIT;
	const char *p;
	metric_observe(&m_db_commit_reader, 3);
	metric_observe(&m_db_commit_writer, 0.002);
	metric_observe(&m_db_commit_writer, 0.002);
	metrics_render_all(&sb);
	p = strstr(sb.buf, "# TYPE pchatd_db_commit_seconds histogram\n");
	cr_assert(p && !strstr(p + 1, "# TYPE pchatd_db_commit_seconds "), "one header: %s",
			sb.buf);
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_bucket{worker=\"writer\",le=\"0.0025\"} 2"),
			"%s", sb.buf);
	cr_assert(renders(
			sb.buf, "pchatd_db_commit_seconds_bucket{worker=\"reader\",le=\"2.5\"} 0"));
	cr_assert(renders(sb.buf,
			"pchatd_db_commit_seconds_bucket{worker=\"reader\",le=\"+Inf\"} 1"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_sum{worker=\"reader\"} 3.000000000"));
	cr_assert(renders(sb.buf, "pchatd_db_commit_seconds_count{worker=\"writer\"} 2"));
	sbuf_free(&sb);
}

Test(metrics, text_format_and_escaping)
{
	struct sbuf sb = SBUF_INIT;
	metric_add(&m_posts_refused, "rate_limit", NULL, 3);
	metric_add(&m_commands, "a\"b\\c\nd", NULL, 1);
	metric_add(&m_db_jobs, "insert message", "ok", 7);
	metrics_render_all(&sb);
	cr_assert(renders(sb.buf, "# HELP pchatd_posts_refused_total Posts refused, by reason."));
	cr_assert(renders(sb.buf, "# TYPE pchatd_posts_refused_total counter"));
	cr_assert(renders(sb.buf, "pchatd_posts_refused_total{reason=\"rate_limit\"} 3"));
	cr_assert(renders(sb.buf, "pchatd_commands_total{command=\"a\\\"b\\\\c\\nd\"} 1"), "%s",
			sb.buf);
	cr_assert(renders(sb.buf, "pchatd_db_jobs_total{kind=\"insert message\",status=\"ok\"} 7"));
	cr_assert(renders(sb.buf, "pchatd_joins_total 0"), "an unlabelled counter shows 0");
	cr_assert_eq(sb.buf[sb.len - 1], '\n');
	sbuf_free(&sb);
}

Test(metrics, gauges)
{
	struct sbuf sb = SBUF_INIT;
	metric_render_gauge(&sb, "pchatd_sessions", "Open.", NULL, NULL, 12);
	metric_render_gauge(&sb, "pchatd_build_info", "Release.", "version", "1.2\"3", 1);
	cr_assert(renders(sb.buf, "# TYPE pchatd_sessions gauge"));
	cr_assert(renders(sb.buf, "pchatd_sessions 12"));
	cr_assert(renders(sb.buf, "pchatd_build_info{version=\"1.2\\\"3\"} 1"), "%s", sb.buf);
	sbuf_free(&sb);
}

Test(metrics, a_gauge_by_worker)
{
	struct sbuf sb = SBUF_INIT;
	const char *const workers[] = {"writer", "reader"};
	const double depth[] = {3, 0};
	metric_render_gauges(&sb, "pchatd_db_queue_depth", "Queued.", "worker", workers, depth, 2);
	cr_assert(renders(sb.buf, "# TYPE pchatd_db_queue_depth gauge"));
	cr_assert(renders(sb.buf, "pchatd_db_queue_depth{worker=\"writer\"} 3"), "%s", sb.buf);
	cr_assert(renders(sb.buf, "pchatd_db_queue_depth{worker=\"reader\"} 0"));
	sbuf_free(&sb);
}
