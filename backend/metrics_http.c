/*
 * metrics_http.c - see metrics_http.h.
 */
#include "metrics_http.h"
#include "cstatus.h"
#include "db.h"
#include "filesweep.h"
#include "http.h"
#include "link.h"
#include "metrics.h"
#include "presence.h"
#include "rooms.h"
#include "sbuf.h"
#include "sessions.h"

#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>

#ifndef PCHAT_VERSION
#define PCHAT_VERSION "unknown"
#endif

/* The DB workers' gauges, by worker (db.h). */
static void render_db_gauges(struct sbuf *sb)
{
	const char *name[DB_WORKERS];
	double depth[DB_WORKERS], up[DB_WORKERS];
	int i;
	for(i = 0; i < DB_WORKERS; i++) {
		name[i] = db_worker_name((enum db_worker_id)i);
		depth[i] = (double)db_worker_backlog((enum db_worker_id)i);
		up[i] = db_worker_reachable((enum db_worker_id)i) ? 1 : 0;
	}
	metric_render_gauges(sb, "pchatd_db_queue_depth",
			"Database jobs submitted whose completion has not run, by worker.",
			"worker", name, depth, DB_WORKERS);
	metric_render_gauges(sb, "pchatd_db_reachable",
			"Whether the database answered the worker's last attempt (1) or not (0).",
			"worker", name, up, DB_WORKERS);
}

/* The gauges: what the loop holds now. */
static void render_gauges(struct sbuf *sb)
{
	metric_render_gauge(sb, "pchatd_sessions", "Client sessions open.", NULL, NULL,
			(double)sessions_count());
	metric_render_gauge(sb, "pchatd_module_links", "Kamailio module links connected.", NULL,
			NULL, (double)link_count());
	metric_render_gauge(sb, "pchatd_rooms_cached", "Rooms in the cache.", NULL, NULL,
			(double)rooms_count());
	metric_render_gauge(sb, "pchatd_room_presences", "Sessions present in a room, summed.",
			NULL, NULL, (double)room_presences());
	render_db_gauges(sb);
	metric_render_gauge(sb, "pchatd_start_time_seconds",
			"Start time of the process since the Unix epoch in seconds.", NULL, NULL,
			metrics_start_time());
	metric_render_gauge(sb, "pchatd_build_info", "pchatd's release (value 1).", "version",
			PCHAT_VERSION, 1);
	if(filesweep_store_bytes() >= 0) /* the file service's last scan */
		metric_render_gauge(sb, "pchatd_file_store_bytes",
				"Bytes in the file store at the sweeper's last scan.", NULL, NULL,
				filesweep_store_bytes());
}

/* The compliance figures (cstatus.c): as of the last read, every CSTATUS_PERIOD_SEC;
 * none before the first one answered. */
static void render_compliance(struct sbuf *sb)
{
	const struct cstatus *c = cstatus_get();
	if(!c->known)
		return;
	metric_render_gauge(sb, "pchatd_compliance_enabled",
			"Whether a compliance adapter is configured (1) or not (0).", NULL, NULL,
			c->enabled);
	metric_render_gauge(sb, "pchatd_compliance_backlog_events",
			"Chat events captured for compliance and not yet written by pchat-compliance.",
			NULL, NULL, (double)c->backlog);
	metric_render_gauge(sb, "pchatd_compliance_lease_held",
			"Whether a pchat-compliance holds the lease (is running) (1) or not (0).",
			NULL, NULL, c->lease_held);
	metric_render_gauge(sb, "pchatd_compliance_last_run_timestamp_seconds",
			"Start of the last successful compliance run since the Unix epoch (0: none).",
			NULL, NULL, c->last_run_at);
	metric_render_gauge(sb, "pchatd_compliance_last_run_events",
			"Events the last successful compliance run wrote.", NULL, NULL,
			(double)c->last_run_events);
	metric_render_gauge(sb, "pchatd_compliance_last_run_files",
			"Files the last successful compliance run wrote.", NULL, NULL,
			(double)c->last_run_files);
	metric_render_gauge(sb, "pchatd_compliance_last_run_duration_seconds",
			"How long the last successful compliance run took.", NULL, NULL,
			c->last_run_seconds);
	metric_render_gauge(sb, "pchatd_compliance_last_run_failed",
			"Whether the last compliance run failed (1; pchat-admin compliance status says "
			"why) or not (0).",
			NULL, NULL, c->last_run_failed);
	metric_render_gauge(sb, "pchatd_compliance_last_error_timestamp_seconds",
			"Time of that failure since the Unix epoch (0: none).", NULL, NULL,
			c->last_error_at);
	metric_render_gauge(sb, "pchatd_compliance_status_timestamp_seconds",
			"When pchatd last read these compliance figures, since the Unix epoch.",
			NULL, NULL, (double)c->read_at);
}

static void send_metrics(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	struct sbuf sb = SBUF_INIT;

	render_gauges(&sb);
	render_compliance(&sb);
	metrics_render_all(&sb);
	evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(buf, sb.buf, sb.len);
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
	sbuf_free(&sb);
}

int metrics_handle(struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	if(strcmp(path, "/metrics") != 0)
		return 0;
	if(cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD)
		http_send_error(req, 405, "use GET");
	else
		send_metrics(req);
	return 1;
}
