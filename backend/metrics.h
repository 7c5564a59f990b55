/*
 * metrics.h - pchatd's own metrics registry (Prometheus, docs/WEB.md "Metrics").
 *
 * In the base layer, so every layer counts where its events happen without calling
 * up; the http layer (metrics_http.c) renders them for GET /metrics.  Counter
 * families and the histogram are static; their updates are relaxed atomic adds (the
 * DB workers observe commit latencies from their threads), no locks.  A family's series
 * are found by their label values, which must be static strings (bounded sets: the
 * command table's ids, the job kinds' names, the refusal reasons).
 */
#ifndef PCHAT_METRICS_H
#define PCHAT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct sbuf;

#define METRIC_LABELS 2	     /* label names per family, at most */
#define METRIC_SERIES_MAX 96 /* series per family; more are dropped (logged once) */
#define METRIC_BUCKETS 12

struct metric_series {
	const char *lv[METRIC_LABELS];
	uint64_t v;
};

/* A counter family: name (ends in _total), help, label names (NULL: fewer). */
struct metric_family {
	const char *name, *help;
	const char *ln[METRIC_LABELS];
	size_t n; /* series in use (loop thread) */
	int full; /* a series was dropped (logged once) */
	struct metric_series s[METRIC_SERIES_MAX];
};

/* A histogram (seconds) with the buckets of metric_bounds.  Histograms of one name
 * (rendered under one header) differ by their one label (ln NULL: none). */
struct metric_hist {
	const char *name, *help;
	const char *ln, *lv;		 /* label name and value */
	uint64_t bucket[METRIC_BUCKETS]; /* not cumulative: rendering sums them */
	uint64_t count;
	uint64_t sum_ns;
};

extern const double metric_bounds[METRIC_BUCKETS];

/* The families pchatd counts. */
extern struct metric_family m_joins, m_parts, m_posts_accepted, m_posts_stored, m_posts_refused,
		m_deliveries, m_commands, m_xccos_errors, m_db_jobs, m_reloads, m_queries,
		m_file_uploads, m_file_refused, m_file_downloads, m_file_bytes, m_file_swept,
		m_alerts, m_feed_matches;
/* The database workers' commits (db.c), by worker="writer" or "reader". */
extern struct metric_hist m_db_commit_writer, m_db_commit_reader;

/* Loop thread: adds d to the series of f with those label values (as many as f has
 * label names; NULL for the others).  Other threads may add to a series that exists
 * already (made by the loop thread at start-up): the add is atomic. */
void metric_add(struct metric_family *f, const char *l0, const char *l1, uint64_t d);
#define metric_inc(f) metric_add((f), NULL, NULL, 1)
/* f's value for those labels (0 if never counted). */
uint64_t metric_get(const struct metric_family *f, const char *l0, const char *l1);

/* Any thread: one observation of seconds. */
void metric_observe(struct metric_hist *h, double seconds);

/* ---- the text exposition format 0.0.4 ---- */

/* A label value with \, " and newline escaped. */
void metric_escape(struct sbuf *sb, const char *v);
void metric_render_family(struct sbuf *sb, const struct metric_family *f);
/* n histograms of one name and help, one header for them. */
void metric_render_hists(struct sbuf *sb, const struct metric_hist *const *h, size_t n);
#define metric_render_hist(sb, h) \
	metric_render_hists((sb), (const struct metric_hist *const[]){(h)}, 1)
/* A gauge without labels, or with one (label NULL: none). */
void metric_render_gauge(struct sbuf *sb, const char *name, const char *help, const char *label,
		const char *value, double v);
/* A gauge with n samples that differ by their one label: values[i] has v[i]. */
void metric_render_gauges(struct sbuf *sb, const char *name, const char *help, const char *label,
		const char *const *values, const double *v, size_t n);
/* Every family and the histograms above. */
void metrics_render_all(struct sbuf *sb);
/* Notes the process's start time (main, at start-up); the time noted. */
void metrics_mark_start(void);
double metrics_start_time(void);
/* Resets every value (unit tests). */
void metrics_reset(void);

#endif
