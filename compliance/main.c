/*
 * main.c - pchat-compliance, the compliance service (docs/COMPLIANCE.md): a daemon of
 * its own, with its own database connection, so that a compliance failure never
 * stops chat.  Options and start-up checks, then the loop: every --poll-ms it reads
 * the configuration (changes take effect without a restart), holds or takes the
 * lease, and runs an output (run.c) when one is due.
 *
 * --replay writes kept events again (run_replay) and exits.
 *
 * SIGUSR1 raises the log level by one (info -> debug), SIGUSR2 lowers it, without a
 * restart (docs/OPERATIONS.md, Logs); the change is made, and logged, at the next
 * wait of the loop (within --poll-ms), not in the signal handler.
 *
 * Exit status: 0 stopped (SIGTERM, SIGINT) or --once or --replay done; 1 --once
 * failed, or --replay failed or found nothing; 2 bad options or configuration; 3
 * --once while another node holds the lease.
 */
#include "cconfig.h"
#include "cdb.h"
#include "pchat_log.h"
#include "lease.h"
#include "run.h"
#include "store.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef PCHAT_VERSION
#define PCHAT_VERSION "unknown"
#endif

#define EXIT_BAD_CONFIG 2
#define EXIT_LEASE_HELD 3
/* the longest wait between two attempts after a failure (connect, run) */
#define BACKOFF_MAX_MS 30000

static volatile sig_atomic_t stop;
/* SIGUSR1 and SIGUSR2 received; only the handler writes them (apply_level_signals). */
static volatile sig_atomic_t level_ups, level_downs;

struct opts {
	char node[256];
	unsigned lease_seconds, poll_ms;
	uint64_t batch_events;
	unsigned keep_days;
	int once;
	int replay; /* --replay first-last */
	uint64_t replay_first, replay_last;
	const char *output_dir; /* --output-dir */
	enum run_crash crash_at;
	struct pchat_dbopts db;
};

/* ---- options ---- */

static void usage(FILE *out, const char *node)
{
	fputs("Usage: pchat-compliance [options]\n"
	      "The compliance service of pchat: outputs the chat events recorded in the\n"
	      "database to files for archiving, with the adapter, directory and interval\n"
	      "configured there (compliance_config; pchat-admin compliance set).\n"
	      "\n",
			out);
	fprintf(out,
			"  --node NAME              this node's name in the lease, unique in the pool\n"
			"                           (default: the host name, here '%s')\n",
			node);
	fputs("  --lease-seconds N        the lease: another node takes over when it was not\n"
	      "                           renewed for N seconds (60)\n"
	      "  --poll-ms MS             how often the configuration is read and the lease\n"
	      "                           renewed (1000)\n"
	      "  --batch-events N         the most events in one batch, one output file (100000)\n"
	      "  --keep-days N            keep the events output N days (0 to 3650) in\n"
	      "                           compliance_kept, for --replay; 0, the default: keep\n"
	      "                           none (and delete those kept before)\n"
	      "  --once                   one output run now, then exit: 0 done, 1 failed,\n"
	      "                           3 another node holds the lease\n"
	      "  --replay FIRST-LAST --output-dir DIR\n"
	      "                           write the kept events FIRST..LAST (the ids in a lost\n"
	      "                           file's name) again, with the current adapter settings,\n"
	      "                           under the same name, into DIR (absolute, existing),\n"
	      "                           then exit: 0 done, 1 failed or no such event kept;\n"
	      "                           neither the lease nor the state is touched\n"
	      "  --log-level LEVEL        error, warn, info or debug (info); at run time SIGUSR1\n"
	      "                           raises it one level, SIGUSR2 lowers it\n" PCHAT_DBOPTS_HELP(
			      "pchat",
			      "pchat") "  --test-crash-at POINT    FOR TESTS ONLY: SIGKILL itself in "
				       "the first batch at\n"
				       "                           POINT: after-write (files written, "
				       "not renamed) or\n"
				       "                           after-rename (renamed, not "
				       "recorded as done)\n"
				       "  --version                print the version\n"
				       "  --help                   show this help\n"
				       "\n"
				       "Exit status: 0 stopped by SIGTERM or SIGINT; 2 bad options or "
				       "configuration\n"
				       "at start-up (the configuration changed later is logged and "
				       "recorded instead).\n",
			out);
}

/* "pchat-compliance: <message>" on stderr; -1. */
static int complain(const char *fmt, const char *arg)
{
	fputs("pchat-compliance: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	return -1;
}

/* The same, for exit status 2. */
static int bad(const char *fmt, const char *arg)
{
	complain(fmt, arg);
	return EXIT_BAD_CONFIG;
}

static int number(const char *name, const char *arg, unsigned long long min, unsigned long long max,
		unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	if(errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr,
				"pchat-compliance: --%s wants a whole number from %llu to %llu, not "
				"'%s'\n",
				name, min, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

enum {
	OPT_NODE = 256,
	OPT_LEASE,
	OPT_POLL,
	OPT_BATCH,
	OPT_KEEP,
	OPT_ONCE,
	OPT_REPLAY,
	OPT_OUTPUT_DIR,
	OPT_LOG,
	OPT_CRASH,
	OPT_DB,
	OPT_VERSION,
	OPT_HELP
};

static const struct option long_options[] = {
		{"node", required_argument, NULL, OPT_NODE},
		{"lease-seconds", required_argument, NULL, OPT_LEASE},
		{"poll-ms", required_argument, NULL, OPT_POLL},
		{"batch-events", required_argument, NULL, OPT_BATCH},
		{"keep-days", required_argument, NULL, OPT_KEEP},
		{"once", no_argument, NULL, OPT_ONCE},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"output-dir", required_argument, NULL, OPT_OUTPUT_DIR},
		{"log-level", required_argument, NULL, OPT_LOG},
		{"test-crash-at", required_argument, NULL, OPT_CRASH},
		{"db-socket", required_argument, NULL, OPT_DB},
		{"db-host", required_argument, NULL, OPT_DB},
		{"db-port", required_argument, NULL, OPT_DB},
		{"db-user", required_argument, NULL, OPT_DB},
		{"db-password-file", required_argument, NULL, OPT_DB},
		{"db-name", required_argument, NULL, OPT_DB},
		{"version", no_argument, NULL, OPT_VERSION},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0},
};

/* --test-crash-at POINT: 0, -1 (said why). */
static int crash_point(struct opts *o, const char *arg)
{
	if(strcmp(arg, "after-write") == 0)
		o->crash_at = RUN_CRASH_AFTER_WRITE;
	else if(strcmp(arg, "after-rename") == 0)
		o->crash_at = RUN_CRASH_AFTER_RENAME;
	else
		return complain("--test-crash-at wants after-write or after-rename, not '%s'", arg);
	return 0;
}

/* --replay FIRST-LAST: 0, -1 (said why). */
static int replay_range(struct opts *o, const char *arg)
{
	char *end;
	const char *p = arg;

	errno = 0;
	if(*p >= '0' && *p <= '9') {
		o->replay_first = strtoull(p, &end, 10);
		if(errno == 0 && *end == '-' && end[1] >= '0' && end[1] <= '9') {
			o->replay_last = strtoull(end + 1, &end, 10);
			if(errno == 0 && *end == '\0' && o->replay_first >= 1 &&
					o->replay_first <= o->replay_last) {
				o->replay = 1;
				return 0;
			}
		}
	}
	return complain("--replay wants FIRST-LAST, two event ids with 1 <= FIRST <= LAST "
			"(as in an output file's name), not '%s'",
			arg);
}

/* One option: 0, -1 (said why). */
static int apply(struct opts *o, int opt, int index, const char *arg)
{
	unsigned long long v;
	char err[512];

	switch(opt) {
		case OPT_NODE:
			if(arg[0] == '\0' || strlen(arg) >= sizeof(o->node))
				return complain("--node wants a name of 1 to 255 bytes, not '%s'",
						arg);
			snprintf(o->node, sizeof(o->node), "%s", arg);
			return 0;
		case OPT_LEASE:
			if(number("lease-seconds", arg, 5, 86400, &v) < 0)
				return -1;
			o->lease_seconds = (unsigned)v;
			return 0;
		case OPT_POLL:
			if(number("poll-ms", arg, 10, 60000, &v) < 0)
				return -1;
			o->poll_ms = (unsigned)v;
			return 0;
		case OPT_BATCH:
			if(number("batch-events", arg, 1, 100000000, &v) < 0)
				return -1;
			o->batch_events = v;
			return 0;
		case OPT_KEEP:
			if(number("keep-days", arg, 0, 3650, &v) < 0)
				return -1;
			o->keep_days = (unsigned)v;
			return 0;
		case OPT_ONCE: o->once = 1; return 0;
		case OPT_REPLAY: return replay_range(o, arg);
		case OPT_OUTPUT_DIR: o->output_dir = arg; return 0;
		case OPT_LOG: {
			enum log_level level;
			if(log_parse_level(arg, &level) < 0)
				return complain("--log-level wants error, warn, info or debug, not '%s'",
						arg);
			log_threshold = level;
			return 0;
		}
		case OPT_CRASH: return crash_point(o, arg);
		case OPT_DB:
			if(pchat_dbopts_set(&o->db, long_options[index].name, arg, err,
					   sizeof(err)) != 0)
				return complain("%s", err);
			return 0;
		default: return -1;
	}
}

/* Returns -1 to go on, else the exit status. */
static int parse(struct opts *o, int argc, char **argv)
{
	int opt, index = 0;
	char err[512];

	memset(o, 0, sizeof(*o));
	if(gethostname(o->node, sizeof(o->node) - 1) != 0 || o->node[0] == '\0')
		snprintf(o->node, sizeof(o->node), "pchat-compliance");
	o->lease_seconds = 60;
	o->poll_ms = 1000;
	o->batch_events = 100000;
	o->db.user = "pchat";
	o->db.name = "pchat";
	opterr = 0;
	while((opt = getopt_long(argc, argv, "", long_options, &index)) != -1) {
		if(opt == OPT_HELP) {
			usage(stdout, o->node);
			return 0;
		}
		if(opt == OPT_VERSION) {
			puts("pchat-compliance " PCHAT_VERSION);
			return 0;
		}
		if(opt == '?' || opt == ':')
			return bad("unknown option or missing value: %s (try --help)",
					argv[optind - 1]);
		if(apply(o, opt, index, optarg) < 0)
			return EXIT_BAD_CONFIG;
	}
	if(optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if(pchat_dbopts_check(&o->db, err, sizeof(err)) < 0)
		return bad("%s", err);
	if(o->replay != (o->output_dir != NULL))
		return bad("%s", "--replay and --output-dir go together");
	if(o->replay && o->once)
		return bad("%s", "--replay and --once do not go together");
	if(o->replay && cconfig_check_dir_as("--output-dir", o->output_dir, err, sizeof(err)) < 0)
		return bad("%s", err);
	/* a lease renewed less often than it lasts would lapse between renewals */
	if((unsigned long long)o->poll_ms * 3 > (unsigned long long)o->lease_seconds * 1000)
		return bad("%s", "--poll-ms must be under a third of --lease-seconds");
	return -1;
}

/* ---- waiting ---- */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_level_signal(int sig)
{
	if(sig == SIGUSR1)
		level_ups++;
	else
		level_downs++;
}

/* The level changes asked for since the last call, in the loop: logging is not
 * async-signal-safe. */
static void apply_level_signals(void)
{
	static sig_atomic_t ups_seen, downs_seen;
	while(ups_seen != level_ups) {
		ups_seen++;
		log_step(1, "SIGUSR1");
	}
	while(downs_seen != level_downs) {
		downs_seen++;
		log_step(-1, "SIGUSR2");
	}
}

/* SA_RESTART: a signal does not break a database call in the middle of a step (the
 * step finishes, then the loop sees stop); the sleeps below still wake up. */
static void signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_level_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Sleeps ms, or less when a signal asks to stop; applies the log level signals. */
static void nap(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	apply_level_signals();
	while(!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		apply_level_signals();
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next wait after failures in a row: 1 s, 2 s, 4 s ... BACKOFF_MAX_MS. */
static unsigned backoff_ms(unsigned failures)
{
	unsigned ms = 1000;
	while(failures-- > 1 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

/* Connects, retrying while the database is down (not a configuration error).
 * 0, or -1 when stopped meanwhile. */
static int connect_wait(struct cdb *db)
{
	unsigned failures = 0;
	while(!stop) {
		if(cdb_connect(db) == 0) {
			log_info("database: connected (%s)", mysql_get_host_info(db->my));
			return 0;
		}
		unsigned ms = backoff_ms(++failures);
		/* the first failure, then about once a minute */
		if(failures == 1 || failures % 3 == 0)
			log_warn("%s (retrying in %u s)", db->err, ms / 1000);
		nap(ms);
	}
	return -1;
}

/* Reads the configuration, reconnecting as needed: 0, or -1 when stopped. */
static int read_config(struct cdb *db, struct cconfig_row *row)
{
	unsigned failures = 0;
	while(!stop) {
		if(!cdb_up(db) && connect_wait(db) < 0)
			return -1;
		if(cconfig_read(db, row) == 0)
			return 0;
		if(++failures == 1 || failures % 3 == 0)
			log_warn("cannot read compliance_config: %s (retrying)", db->err);
		nap(backoff_ms(failures));
	}
	return -1;
}

/* libxml2's own messages ("I/O error : write error"), in pieces: the failure they
 * come with is reported with its cause by the code that met it, so they are only
 * debugging detail. */
static void libxml_message(void *ctx, const char *fmt, ...)
{
	char piece[512];
	va_list ap;

	(void)ctx;
	if(log_threshold < LL_DEBUG)
		return;
	va_start(ap, fmt);
	vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	piece[strcspn(piece, "\n")] = '\0';
	if(piece[0] != '\0')
		log_debug("libxml2: %s", piece);
}

/* ---- the loop ---- */

struct daemon {
	struct opts *o;
	struct cdb db;
	struct cconfig cfg;
	struct cconfig_row seen; /* the row cfg comes from, or the bad row last seen */
	int valid;		 /* cfg is usable */
	int holding;		 /* we held the lease at the last tick */
	unsigned failures;	 /* failed runs in a row */
	int64_t retry_at;	 /* no run before (monotonic ms) */
};

static void describe(const struct cconfig *c)
{
	if(c->adapter == NULL) {
		log_info("compliance is off (AdapterType ''): idle");
		return;
	}
	log_info("compliance: AdapterType %s, AdapterOutputDirectory %s, RunInterval %d s%s%s%s%s%s",
			c->adapter->type, c->row.output_directory, c->row.run_interval_sec,
			c->row.one_room_per_file ? ", OneChatRoomPerOutputFile" : "",
			c->row.room_details ? ", AddChatRoomDetails" : "",
			c->row.user_details ? ", AddUserDetails" : "",
			c->row.attachments_manifest ? ", CreateFileAttachmentsManifest" : "",
			c->xslt ? ", CustomConfiguration" : "");
}

/* A changed row: checked and taken, or refused (logged and recorded once). */
static void take_config(struct daemon *d, const struct cconfig_row *row)
{
	struct cconfig next;
	char err[1024];

	d->seen = *row;
	if(cconfig_load(row, &next, err, sizeof(err)) < 0) {
		char recorded[1024 + 300];
		cconfig_free(&next);
		log_error("configuration not used: %s", err);
		/* which node: the directory is checked on each node's own file system */
		snprintf(recorded, sizeof(recorded), "node %s: %s", d->o->node, err);
		if(store_run_failed(&d->db, recorded) < 0)
			log_warn("cannot record the error: %s", d->db.err);
		if(d->valid)
			cconfig_free(&d->cfg);
		d->valid = 0;
		return;
	}
	if(d->valid)
		cconfig_free(&d->cfg);
	d->cfg = next;
	d->valid = 1;
	d->failures = 0;
	d->retry_at = 0;
	describe(&d->cfg);
}

/* Not outputting (off, or a bad configuration): the lease is given up, so that a
 * node that can output takes it. */
static void idle(struct daemon *d)
{
	if(!d->holding)
		return;
	if(lease_release(&d->db, d->o->node) == 0) {
		log_info("lease released node=%s", d->o->node);
		d->holding = 0;
	}
}

/* Holds the lease: 1 held, 0 not, -1 database error. */
static int hold(struct daemon *d)
{
	int held = lease_hold(&d->db, d->o->node, d->o->lease_seconds);
	if(held < 0) {
		log_warn("lease: %s", d->db.err);
		return -1;
	}
	if(held && !d->holding)
		log_info("lease taken, this node outputs node=%s", d->o->node);
	else if(!held && d->holding)
		log_warn("lease lost, another node outputs node=%s", d->o->node);
	d->holding = held;
	return held;
}

/* An output run; after a failure the next waits (1 s, 2 s, ... 30 s). */
static enum run_status run(struct daemon *d, int64_t requested_ms)
{
	const struct run_opts ro = {d->o->node, d->o->lease_seconds, d->o->batch_events,
			d->o->keep_days, d->o->crash_at, &stop};
	char err[1024];
	enum run_status st = run_output(&d->db, &d->cfg, &ro, requested_ms, err, sizeof(err));

	switch(st) {
		case RUN_OK: d->failures = 0; break;
		case RUN_LOST: d->holding = 0; break;
		case RUN_FAILED:
			d->failures++;
			d->retry_at = now_ms() + backoff_ms(d->failures);
			break;
	}
	return st;
}

static void tick(struct daemon *d)
{
	struct cconfig_row row;
	struct store_state s;

	if(cconfig_read(&d->db, &row) < 0) {
		log_warn("cannot read compliance_config: %s", d->db.err);
		return;
	}
	if(memcmp(&row, &d->seen, sizeof(row)) != 0)
		take_config(d, &row);
	if(!d->valid || d->cfg.adapter == NULL) {
		idle(d);
		return;
	}
	if(hold(d) <= 0)
		return;
	if(store_state(&d->db, (unsigned)d->cfg.row.run_interval_sec, &s) < 0) {
		log_warn("cannot read compliance_state: %s", d->db.err);
		return;
	}
	if(!s.due && s.run_requested_ms < 0 && s.claimed_batch <= s.done_batch)
		return;
	if(now_ms() < d->retry_at)
		return;
	run(d, s.run_requested_ms);
}

static int loop(struct daemon *d)
{
	unsigned failures = 0;
	while(!stop) {
		if(!cdb_up(&d->db)) {
			if(d->db.my != NULL)
				log_warn("database connection lost: %s", d->db.err);
			if(connect_wait(&d->db) < 0)
				break;
		}
		tick(d);
		failures = cdb_up(&d->db) ? 0 : failures + 1;
		nap(failures ? backoff_ms(failures) : d->o->poll_ms);
	}
	if(d->holding && cdb_up(&d->db))
		idle(d);
	log_info("stopped");
	return 0;
}

/* --once: take the lease, run, give it back. */
static int once(struct daemon *d)
{
	struct store_state s;

	if(d->cfg.adapter == NULL)
		return 0; /* off: nothing to output (describe() said so) */
	int held = lease_hold(&d->db, d->o->node, d->o->lease_seconds);
	if(held < 0 || store_state(&d->db, (unsigned)d->cfg.row.run_interval_sec, &s) < 0) {
		log_error("%s", d->db.err);
		return 1;
	}
	if(!held) {
		char holder[256];
		int left = 0;
		if(lease_holder(&d->db, holder, sizeof(holder), &left) < 0)
			snprintf(holder, sizeof(holder), "?");
		fprintf(stderr, "pchat-compliance: node %s holds the lease (%d s left): not running\n",
				holder, left);
		return EXIT_LEASE_HELD;
	}
	d->holding = 1;
	enum run_status st = run(d, s.run_requested_ms);
	idle(d);
	return st == RUN_OK ? 0 : 1;
}

/* --replay: 0 written, 1 failed or nothing kept in the range. */
static int replay(struct daemon *d)
{
	const struct opts *o = d->o;
	uint64_t first = 0, last = 0;
	unsigned days = 0;
	char err[1024];
	long long n = run_replay(
			&d->db, &d->cfg, o->replay_first, o->replay_last, err, sizeof(err));

	if(n > 0) {
		log_info("replay: %lld events of %" PRIu64 "-%" PRIu64 " written to %s", n,
				o->replay_first, o->replay_last, o->output_dir);
		return 0;
	}
	if(n < 0) {
		log_error("replay failed: %s", err);
		return 1;
	}
	if(store_kept(&d->db, &first, &last, &days) < 0) {
		log_error("replay: no event %" PRIu64 "-%" PRIu64 " kept (%s)", o->replay_first,
				o->replay_last, d->db.err);
		return 1;
	}
	if(days == 0)
		snprintf(err, sizeof(err),
				"the last run had --keep-days 0: events output are not kept");
	else
		snprintf(err, sizeof(err), "the last run had --keep-days %u", days);
	if(first == 0)
		log_error("replay: no event %" PRIu64 "-%" PRIu64 " kept: none is (%s)",
				o->replay_first, o->replay_last, err);
	else
		log_error("replay: no event %" PRIu64 "-%" PRIu64 " kept: those kept are within "
			  "%" PRIu64 "-%" PRIu64 " (%s)",
				o->replay_first, o->replay_last, first, last, err);
	return 1;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct daemon d;
	struct cconfig_row row;
	int rc;

	log_ident = "pchat-compliance";
	rc = parse(&o, argc, argv);

	if(rc >= 0) {
		pchat_dbopts_free(&o.db);
		return rc;
	}
	signals();
	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, libxml_message);
	memset(&d, 0, sizeof(d));
	d.o = &o;
	cdb_init(&d.db, &o.db);
	log_info("starting (version " PCHAT_VERSION ", node %s)", o.node);
	rc = 0;
	if(read_config(&d.db, &row) == 0) {
		char err[1024];
		d.seen = row;
		/* a replay writes into its own directory, whatever the configured one */
		if(o.replay)
			snprintf(row.output_directory, sizeof(row.output_directory), "%s",
					o.output_dir);
		if(cconfig_load(&row, &d.cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "pchat-compliance: bad configuration: %s\n", err);
			rc = EXIT_BAD_CONFIG;
		} else if(o.replay && d.cfg.adapter == NULL) {
			fprintf(stderr,
					"pchat-compliance: --replay: compliance is off (AdapterType "
					"''): no adapter to write with\n");
			rc = EXIT_BAD_CONFIG;
		} else {
			d.valid = 1;
			describe(&d.cfg);
			rc = o.replay ? replay(&d) : o.once ? once(&d) : loop(&d);
		}
	}
	cconfig_free(&d.cfg);
	cdb_close(&d.db);
	pchat_dbopts_free(&o.db);
	xmlCleanupParser();
	return rc;
}
