/*
 * main.c - pchatd: the persistent chat backend.
 *
 * One event loop thread does everything but SQL: the module link, sessions,
 * rooms, XCCOS, the web service's HTTP.  A second thread (db.c) talks to
 * MariaDB; with --http, a third (adminq.c) runs the web service's admin verbs;
 * with --file-listen, the file service (filesvc.h) runs its own threads and hands
 * the loop the file posts it stored; the purge job (retention.h) and the search
 * indexer (searchindex.h) run on threads of their own.
 *
 * Shutdown (SIGINT/SIGTERM): stop accepting module connections, answer new XCCOS
 * frames BUSY, let every accepted command finish (posts are committed and
 * sent), flush the output to the modules, exit 0.  If that takes longer than
 * --shutdown-timeout (database down), exit 1 saying how much was not done.
 * A second signal exits at once.
 *
 * SIGUSR1 raises the log level by one (info -> debug), SIGUSR2 lowers it (info ->
 * warn -> error), without a restart (docs/OPERATIONS.md, Logs).  Like the others,
 * they are libevent signal events: handled in the loop, not in a signal handler,
 * and the worker threads block every signal (workq.c).
 */
#include "adminq.h"
#include "carryover.h"
#include "cmd_table.h"
#include "cmdq.h"
#include "config.h"
#include "cstatus.h"
#include "db.h"
#include "filesvc.h"
#include "frames.h"
#include "http.h"
#include "link.h"
#include "metrics.h"
#include "pchat_log.h"
#include "poolsync.h"
#include "ready.h"
#include "retention.h"
#include "query.h"
#include "reload.h"
#include "roompost.h"
#include "rooms.h"
#include "searchindex.h"
#include "webapi.h"
#include "websess.h"
#include "xccos.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <mysql.h>

static struct event_base *base;
/* SIGINT, SIGTERM (shutdown), SIGUSR1, SIGUSR2 (log level) */
#define NSIGS 4
static struct event *sig_events[NSIGS];
static struct event *drain_timer;
static int shutting_down;
static int flushing; /* all commands done; waiting for output to be written */
static int exit_code;
static struct timespec deadline;

/* What arrives on the module socket: a module link's frames go to the frames layer,
 * a query connection's QUERY to the query layer. */
static const struct link_handlers link_handlers = {.on_frame = frames_on_frame,
		.on_close = frames_on_close,
		.on_query = query_on_frame};

static void on_libevent_log(int severity, const char *msg)
{
	enum log_level l = severity >= EVENT_LOG_ERR ? LL_ERROR
			: severity == EVENT_LOG_WARN ? LL_WARN
						     : LL_DEBUG;
	log_msg(l, "libevent: %s", msg);
}

static void on_links_closed(void)
{
	event_base_loopbreak(base);
}

static int past_deadline(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
			(now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* Every 50 ms while shutting down: are we done yet? */
static void on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if(!flushing && cmdq_outstanding() == 0) {
		log_info("all accepted commands finished; closing module connections");
		flushing = 1;
		link_close_all(on_links_closed);
		return;
	}
	if(!past_deadline())
		return;
	if(!flushing) {
		log_error("shutdown timeout: %u accepted command(s) not finished, %zu database "
			  "job(s) pending (is the database down?)",
				cmdq_outstanding(), db_backlog());
		exit_code = 1;
	} else {
		log_warn("shutdown timeout while writing to the modules");
	}
	event_base_loopbreak(base);
}

static void begin_shutdown(void)
{
	struct timeval tick = {0, 50000};

	shutting_down = 1;
	frames_set_stopping(1);
	ready_stopping();
	filesvc_quiesce(); /* uploads under way may finish */
	reload_stop();
	link_stop_listening();
	log_info("shutting down: %u accepted command(s) to finish", cmdq_outstanding());
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += cfg.shutdown_timeout;
	drain_timer = event_new(base, -1, EV_PERSIST, on_drain_tick, NULL);
	event_add(drain_timer, &tick);
	event_active(drain_timer, EV_TIMEOUT, 0); /* maybe there is nothing to wait for */
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	if(shutting_down) {
		log_warn("signal %d again: exiting now", (int)sig);
		exit_code = 1;
		event_base_loopbreak(base);
		return;
	}
	log_info("signal %d: shutting down", (int)sig);
	begin_shutdown();
}

/* A file post the file service stored: to the room, like any grpchat.  A room not
 * in the cache has nobody present. */
static void deliver_file_post(const struct filesvc_post *p)
{
	struct room *r = room_find(p->room_uri);
	if(r) {
		struct xccos_chat m = {r->uri, p->author, p->ts, p->msg_id, p->body, p->body_len};
		room_post_deliver(r, &m, p->seq);
	}
}

static void on_level_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	log_step(sig == SIGUSR1 ? 1 : -1, sig == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
}

static int setup(void)
{
	const int sigs[NSIGS] = {SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
	int i;

	base = event_base_new();
	if(base == NULL) {
		log_error("cannot create the event base");
		return -1;
	}
	for(i = 0; i < NSIGS; i++) {
		sig_events[i] = evsignal_new(
				base, sigs[i], i < 2 ? on_signal : on_level_signal, NULL);
		if(sig_events[i] == NULL || event_add(sig_events[i], NULL) < 0)
			return -1;
	}
	return 0;
}

/* Done: a late duplicate signal must not turn a finished run into a kill (nor a
 * SIGUSR1, whose default action is to terminate). */
static void ignore_signals(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
}

/* A clean exit frees everything, so that leak checkers see real leaks only. */
static void cleanup(void)
{
	int i;
	/* The file service's threads first: they may still store a post. */
	filesvc_stop();
	retention_stop();
	searchindex_stop();
	/* Sessions first: closing one may still hand a post to the worker. */
	link_free_all();
	frames_close_all();
	reload_stop();
	poolsync_stop();
	db_stop(1); /* runs every callback still due */
	cstatus_stop();
	adminq_stop(); /* answers the web requests still waiting, before... */
	http_stop();   /* ...their connections go */
	webapi_stop();
	websess_free_all();
	rooms_free_all();
	cmd_table_free();
	link_stop_listening();
	if(drain_timer)
		event_free(drain_timer);
	ready_free();
	for(i = 0; i < NSIGS; i++)
		event_free(sig_events[i]); /* restores the default action... */
	ignore_signals();		   /* ...which we do not want now */
	event_base_free(base);
	xccos_cleanup();
	mysql_library_end();
	pchat_dbopts_free(&cfg.db); /* the password, wiped */
}

int main(int argc, char **argv)
{
	config_defaults(&cfg);
	switch(config_parse(&cfg, argc, argv, stdout, stderr)) {
		case CONFIG_OK: break;
		case CONFIG_HELP: return 0;
		default: return 2;
	}
	log_threshold = cfg.log_level;
	/* A module that goes away mid-write must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	event_set_log_callback(on_libevent_log);
	metrics_mark_start();
	xccos_init();
	if(mysql_library_init(0, NULL, NULL) != 0) {
		log_error("cannot initialise the MariaDB client library");
		return 1;
	}
	if(setup() < 0)
		return 1;
	frames_init();
	if(link_listen(base, cfg.socket_path, cfg.module_uid, &link_handlers) < 0)
		return 1;
	if(db_start(base, &cfg) < 0)
		return 1;
	if(reload_start(base) < 0) /* server_config and room changes */
		return 1;
	if(carryover_start(base) < 0) /* parked sessions' time */
		return 1;
	if(poolsync_start(base, &cfg) < 0) /* a pool's other nodes (--pool-listen) */
		return 1;
	if(ready_watch(base) < 0) /* systemd's READY=1 once the database answers */
		return 1;
	/* The web service (--http): off unless asked for. */
	if(cfg.http_addr) {
		webapi_start(&cfg.web_login_user, &cfg.web_login_addr);
		if(adminq_start(base, &cfg) < 0 || cstatus_start(base) < 0 ||
				http_start(base, cfg.http_addr, cfg.web_root, cfg.web_hosts,
						cfg.web_host_count, webapi_handle) < 0)
			return 1;
	}
	/* The file service (--file-listen): off unless asked for. */
	if(cfg.file_listen && filesvc_start(base, &cfg, deliver_file_post) < 0)
		return 1;
	/* The purge job (--retention-interval; 0: off). */
	if(retention_start(base, &cfg) < 0)
		return 1;
	/* The search indexer (--search-index-interval; 0: off). */
	if(searchindex_start(base, &cfg) < 0)
		return 1;
	log_info("pchatd ready (queue limit %u, message limit %u bytes)", cfg.queue_limit,
			cfg.message_max_bytes);
	event_base_dispatch(base);
	ignore_signals();
	if(exit_code != 0) {
		/* The worker may be stuck in a database call: do not wait for it. */
		db_stop(0);
		link_stop_listening();
		log_info("pchatd exiting (%d)", exit_code);
		fflush(stderr);
		_exit(exit_code);
	}
	cleanup();
	log_info("pchatd stopped");
	return 0;
}
