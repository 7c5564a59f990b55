/*
 * metrics.c - see metrics.h: the registry and its text rendering.
 */
#include "metrics.h"
#include "pchat_log.h"
#include "sbuf.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

const double metric_bounds[METRIC_BUCKETS] = {
		.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5};

#define FAMILY(var, nm, hp, l0, l1) \
	struct metric_family var = {.name = (nm), .help = (hp), .ln = {(l0), (l1)}}

FAMILY(m_joins, "pchatd_joins_total", "Sessions that entered a room.", NULL, NULL);
FAMILY(m_parts, "pchatd_parts_total", "Sessions that left a room.", NULL, NULL);
FAMILY(m_posts_accepted, "pchatd_posts_accepted_total", "Posts accepted for storage.", NULL, NULL);
FAMILY(m_posts_stored, "pchatd_posts_stored_total", "Posts committed to the database.", NULL, NULL);
FAMILY(m_posts_refused, "pchatd_posts_refused_total", "Posts refused, by reason.", "reason", NULL);
FAMILY(m_deliveries, "pchatd_deliveries_total",
		"Stored posts sent to a session present in the room (grpchat deliveries).", NULL,
		NULL);
FAMILY(m_commands, "pchatd_commands_total", "XCCOS commands received, by command id.", "command",
		NULL);
FAMILY(m_xccos_errors, "pchatd_xccos_errors_total",
		"XCCOS replies with an error response, by response code token.", "code", NULL);
FAMILY(m_db_jobs, "pchatd_db_jobs_total", "Database jobs completed, by kind and status.", "kind",
		"status");
FAMILY(m_reloads, "pchatd_reloads_total", "Room cache reloads.", NULL, NULL);
FAMILY(m_queries, "pchatd_queries_total",
		"Operators' queries (the module's RPC commands), by command and status.", "command",
		"status");
FAMILY(m_alerts, "pchatd_alerts_total",
		"Feed alerts (docs/ARCHITECTURE.md, Feeds and alerts), by outcome: sent to the"
		" module, rate_limited (the user's --alert-rate), no_link (no module connected).",
		"outcome", NULL);
FAMILY(m_feed_matches, "pchatd_feed_matches_total",
		"Posts a saved feed matched in a room its user may read (stored for /alerts).",
		NULL, NULL);
/* the file service (docs/FILES.md): every series is made at start-up (fileup.c),
 * since its threads count too */
FAMILY(m_file_uploads, "pchatd_file_uploads_total",
		"Uploads completed (the file stored and its post committed), by API.", "api", NULL);
FAMILY(m_file_refused, "pchatd_file_uploads_refused_total", "Uploads refused or failed, by reason.",
		"reason", NULL);
FAMILY(m_file_downloads, "pchatd_file_downloads_total", "Downloads served, by API.", "api", NULL);
FAMILY(m_file_bytes, "pchatd_file_bytes_total",
		"File bytes stored by uploads and sent by downloads, by direction.", "direction",
		NULL);
FAMILY(m_file_swept, "pchatd_file_swept_total",
		"Files the sweeper deleted: stored (post removed), uploading (never completed),"
		" part (a stray part file).",
		"kind", NULL);

#define DB_COMMIT(var, worker)                                                                          \
	struct metric_hist var = {.name = "pchatd_db_commit_seconds",                                   \
			.help = "Duration of the database workers' committed transactions, by worker.", \
			.ln = "worker",                                                                 \
			.lv = (worker)}
DB_COMMIT(m_db_commit_writer, "writer");
DB_COMMIT(m_db_commit_reader, "reader");
static struct metric_hist *const db_commit[] = {&m_db_commit_writer, &m_db_commit_reader};
#define NDB_COMMIT (sizeof(db_commit) / sizeof(db_commit[0]))

static struct metric_family *const families[] = {&m_joins, &m_parts, &m_posts_accepted,
		&m_posts_stored, &m_posts_refused, &m_deliveries, &m_commands, &m_xccos_errors,
		&m_db_jobs, &m_reloads, &m_queries, &m_file_uploads, &m_file_refused,
		&m_file_downloads, &m_file_bytes, &m_file_swept, &m_alerts, &m_feed_matches};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static struct metric_series *series(const struct metric_family *f, const char *l0, const char *l1)
{
	size_t i;
	for(i = 0; i < f->n; i++) {
		const struct metric_series *s = &f->s[i];
		if(same(s->lv[0], l0) && same(s->lv[1], l1))
			return (struct metric_series *)s;
	}
	return NULL;
}

void metric_add(struct metric_family *f, const char *l0, const char *l1, uint64_t d)
{
	struct metric_series *s = series(f, l0, l1);
	if(s == NULL && f->n == METRIC_SERIES_MAX) {
		if(!f->full)
			log_warn("metrics: %s has too many series: some are dropped", f->name);
		f->full = 1;
		return;
	}
	if(s == NULL) {
		s = &f->s[f->n++];
		s->lv[0] = l0;
		s->lv[1] = l1;
	}
	__atomic_fetch_add(&s->v, d, __ATOMIC_RELAXED);
}

uint64_t metric_get(const struct metric_family *f, const char *l0, const char *l1)
{
	const struct metric_series *s = series(f, l0, l1);
	return s ? __atomic_load_n(&s->v, __ATOMIC_RELAXED) : 0;
}

void metric_observe(struct metric_hist *h, double seconds)
{
	size_t i = 0;
	while(i < METRIC_BUCKETS && seconds > metric_bounds[i])
		i++;
	if(i < METRIC_BUCKETS)
		__atomic_fetch_add(&h->bucket[i], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->sum_ns, (uint64_t)(seconds * 1e9), __ATOMIC_RELAXED);
	__atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
}

/* ---- rendering ---- */

void metric_escape(struct sbuf *sb, const char *v)
{
	for(; *v; v++) {
		if(*v == '\\' || *v == '"')
			sbuf_addc(sb, '\\');
		if(*v == '\n')
			sbuf_adds(sb, "\\n");
		else
			sbuf_addc(sb, *v);
	}
}

static void header(struct sbuf *sb, const char *name, const char *help, const char *type)
{
	sbuf_printf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{a="x",b="y"}: the labels given (names and values, n of them). */
static void sample_name(struct sbuf *sb, const char *name, const char *const *ln,
		const char *const *lv, size_t n)
{
	size_t i, first = 1;
	sbuf_adds(sb, name);
	for(i = 0; i < n; i++) {
		if(ln[i] == NULL)
			continue;
		sbuf_printf(sb, "%s%s=\"", first ? "{" : ",", ln[i]);
		metric_escape(sb, lv[i] ? lv[i] : "");
		sbuf_addc(sb, '"');
		first = 0;
	}
	if(!first)
		sbuf_addc(sb, '}');
}

void metric_render_family(struct sbuf *sb, const struct metric_family *f)
{
	size_t i, n = f->n;
	header(sb, f->name, f->help, "counter");
	if(n == 0 && f->ln[0] == NULL)
		sbuf_printf(sb, "%s 0\n", f->name);
	for(i = 0; i < n; i++) {
		sample_name(sb, f->name, f->ln, f->s[i].lv, METRIC_LABELS);
		sbuf_printf(sb, " %" PRIu64 "\n", __atomic_load_n(&f->s[i].v, __ATOMIC_RELAXED));
	}
}

/* One sample of histogram h: name_suffix{ln="lv"[,le="le"]} v (le NULL: none). */
static void hist_sample(struct sbuf *sb, const struct metric_hist *h, const char *suffix,
		const char *le, const char *v)
{
	const char *ln[2] = {h->ln, "le"}, *lv[2] = {h->lv, le};
	sbuf_printf(sb, "%s%s", h->name, suffix);
	sample_name(sb, "", ln, lv, le ? 2 : 1);
	sbuf_printf(sb, " %s\n", v);
}

static void render_hist_samples(struct sbuf *sb, const struct metric_hist *h)
{
	uint64_t cum = 0, count = __atomic_load_n(&h->count, __ATOMIC_RELAXED);
	char le[32], v[32], total[32];
	size_t i;
	for(i = 0; i < METRIC_BUCKETS; i++) {
		cum += __atomic_load_n(&h->bucket[i], __ATOMIC_RELAXED);
		snprintf(le, sizeof(le), "%g", metric_bounds[i]);
		snprintf(v, sizeof(v), "%" PRIu64, cum);
		hist_sample(sb, h, "_bucket", le, v);
	}
	/* count is added last by metric_observe: never below the buckets read before */
	snprintf(total, sizeof(total), "%" PRIu64, count < cum ? cum : count);
	hist_sample(sb, h, "_bucket", "+Inf", total);
	snprintf(v, sizeof(v), "%.9f", (double)__atomic_load_n(&h->sum_ns, __ATOMIC_RELAXED) / 1e9);
	hist_sample(sb, h, "_sum", NULL, v);
	hist_sample(sb, h, "_count", NULL, total);
}

void metric_render_hists(struct sbuf *sb, const struct metric_hist *const *h, size_t n)
{
	size_t i;
	header(sb, h[0]->name, h[0]->help, "histogram");
	for(i = 0; i < n; i++)
		render_hist_samples(sb, h[i]);
}

void metric_render_gauges(struct sbuf *sb, const char *name, const char *help, const char *label,
		const char *const *values, const double *v, size_t n)
{
	size_t i;
	header(sb, name, help, "gauge");
	for(i = 0; i < n; i++) {
		sample_name(sb, name, &label, &values[i], 1);
		sbuf_printf(sb, " %.17g\n", v[i]);
	}
}

void metric_render_gauge(struct sbuf *sb, const char *name, const char *help, const char *label,
		const char *value, double v)
{
	metric_render_gauges(sb, name, help, label, &value, &v, 1);
}

void metrics_render_all(struct sbuf *sb)
{
	size_t i;
	for(i = 0; i < NFAMILIES; i++)
		metric_render_family(sb, families[i]);
	metric_render_hists(sb, (const struct metric_hist *const *)db_commit, NDB_COMMIT);
}

void metrics_reset(void)
{
	size_t i;
	for(i = 0; i < NFAMILIES; i++)
		families[i]->n = 0, families[i]->full = 0;
	for(i = 0; i < NDB_COMMIT; i++) {
		memset(db_commit[i]->bucket, 0, sizeof(db_commit[i]->bucket));
		db_commit[i]->count = db_commit[i]->sum_ns = 0;
	}
}

static double start_time;

void metrics_mark_start(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double metrics_start_time(void)
{
	return start_time;
}
