/*
 * config.c - see config.h.
 */
#include "config.h"
#include "pchat_feeds.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Where the web page is when --web-root is not given (backend/Makefile sets it). */
#ifndef PCHAT_WEB_ROOT
#define PCHAT_WEB_ROOT "/usr/share/pchat/web"
#endif
/* The release (the top-level VERSION file; backend/Makefile sets it). */
#ifndef PCHAT_VERSION
#define PCHAT_VERSION "unknown"
#endif

struct config cfg;

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->module_uid = geteuid();
	c->db.user = "root";
	c->db.name = "pchat";
	c->queue_limit = 10000;
	c->message_max_bytes = 8192;
	c->xml_max_bytes = 65536;
	c->bccontext_max = 500;
	c->participant_update_limit = 75;
	c->default_chat_history = 30;
	c->search_limit = 999;
	c->shutdown_timeout = 10;
	c->post_timeout_ms = 2000;
	c->carryover_sec = 120;
	c->pool_poll_ms = 1000;
	c->post_rate = 10;
	c->post_burst = 30;
	c->feeds_max = PCHAT_FEEDS_MAX_DEFAULT;
	c->feed_words_max = PCHAT_FEED_WORDS_MAX_DEFAULT;
	c->feed_word_max_bytes = PCHAT_FEED_WORD_MAX_BYTES_DEFAULT;
	c->alert_rate = 1;
	c->alert_burst = 10;
	c->log_level = LL_INFO;
	c->web_root = PCHAT_WEB_ROOT;
	c->web_login_user = (struct weblimit_opts){.failures = 5,
			.window_sec = 900,
			.backoff_sec = 30,
			.backoff_max_sec = 900,
			.slots = 4096};
	/* many people may share an address (a NAT, a proxy): more failures there */
	c->web_login_addr = c->web_login_user;
	c->web_login_addr.failures = 20;
	c->file_prefix = CONFIG_FILE_PREFIX;
	c->file_threads = 4;
	c->file_soap_max_kb = 512;
	c->file_sweep_interval = 60;
	c->retention_interval = 60;
	c->retention_share = 50;
	c->search_index_interval = 1;
}

static void usage(FILE *out)
{
	fputs("Usage: pchatd --socket PATH [options]\n"
	      "Persistent chat backend: serves XCCOS for the Kamailio pchat module.\n"
	      "\n"
	      "  --socket PATH            Unix socket to listen on for module connections (required)\n"
	      "  --module-uid UID         the only uid allowed to connect to the socket\n"
	      "                           (default: pchatd's own effective uid)\n" PCHAT_DBOPTS_HELP(
			      "root",
			      "pchat") "  --db-password PW         database password (visible in ps: prefer\n"
				       "                           --db-password-file)\n"
				       "  --channel-uri URI        channel URI returned by cmd:requri\n"
				       "                           (default: the URI the client invited)\n"
				       "  --queue-limit N          accepted-but-unfinished commands before BUSY (10000)\n"
				       "  --message-max-bytes N    longest chat text accepted, in bytes (8192)\n"
				       "  --xml-max-bytes N        largest XCCOS envelope parsed, in bytes (65536)\n"
				       "  --bccontext-max N        most messages one bccontext returns (500)\n"
				       "  --participant-update-limit N  rooms with more present users get no\n"
				       "                           ntc:join/bjoin/part, and join replies list at\n"
				       "                           most N users (75)\n"
				       "  --shutdown-timeout SEC   time to flush pending DB work on SIGTERM (10)\n"
				       "  --post-timeout-ms MS     a post not stored within MS is refused with 503 and\n"
				       "                           never stored (2000; below the module's backend_timeout)\n"
				       "  --carryover-sec SEC      a session that ends keeps its rooms SEC seconds for\n"
				       "                           the next session of the same endpoint (epid),\n"
				       "                           which takes them over quietly (120; 0: off)\n"
				       "  --post-rate N            posts per second one user may send on average; more\n"
				       "                           are refused with 503 + Retry-After (10; 0: no limit)\n"
				       "  --post-burst N           posts one user may send at once (30)\n"
				       "  --feeds-max N            feeds one user may save (20; docs/XCCOS.md, Feeds)\n"
				       "  --feed-words-max N       keywords in one feed (10)\n"
				       "  --feed-word-max-bytes N  bytes of one keyword (64)\n"
				       "  --alert-rate N           feed alerts (SIP MESSAGEs) per second one user gets on\n"
				       "                           average; more are not sent, only listed (1; 0: no limit)\n"
				       "  --alert-burst N          alerts one user may get at once (10)\n"
				       "  --test-search-delay-ms MS  tests only: each message search takes MS longer in\n"
				       "                           the database reader, as a slow one would\n"
				       "  --log-level LEVEL        error, warn, info or debug (info); at run time SIGUSR1\n"
				       "                           raises it one level, SIGUSR2 lowers it\n"
				       "  --http ADDR:PORT         serve the room management web page and its JSON\n"
				       "                           API there (default: off), e.g. 127.0.0.1:8080\n"
				       "  --web-root DIR           the web page's files (default " PCHAT_WEB_ROOT
				       ")\n"
				       "  --web-host NAME          a Host name (NAME or NAME:PORT) the web service answers\n"
				       "                           besides ADDR:PORT of --http and localhost:PORT,\n"
				       "                           127.0.0.1:PORT, [::1]:PORT; repeatable (421 for others)\n"
				       "  --web-login-user-failures N  failed sign-ins of one user name before further\n"
				       "                           attempts are refused with 429 (5; 0: no limit)\n"
				       "  --web-login-addr-failures N  the same per client address (20; 0: no limit)\n"
				       "  --web-login-window SEC   failures are forgotten after SEC without one (900)\n"
				       "  --web-login-backoff SEC  the first refusal; each further failure doubles it (30)\n"
				       "  --web-login-backoff-max SEC  the longest refusal (900)\n"
				       "  --web-login-slots N      user names, and addresses, remembered at most (4096)\n"
				       "  --file-listen ADDR:PORT  serve file uploads and downloads there (default: off;\n"
				       "                           docs/FILES.md), e.g. 127.0.0.1:8081\n"
				       "  --file-store DIR         where files are stored (required with --file-listen)\n"
				       "  --file-path-prefix PATH  the service's path (/PersistentChat)\n"
				       "  --file-threads N         threads serving transfers, each with its own database\n"
				       "                           connection (4)\n"
				       "  --file-soap-max-kb N     largest SOAP request, GetMaxRequestContentInKB (512)\n"
				       "  --file-sweep-interval SEC  how often stored files without a post and uploads\n"
				       "                           never completed are deleted (60)\n"
				       "  --retention-interval SEC  how often this node purges the messages older\n"
				       "                           than their room's retention, when it holds the\n"
				       "                           purge lease (60; 0: this node never purges)\n"
				       "  --retention-share PERCENT  the share of the time the purge spends deleting:\n"
				       "                           after each batch it pauses so long (50; 100: no pause)\n"
				       "  --search-index-interval SEC  how often this node indexes the messages queued\n"
				       "                           for message search, until none is left (1; 0: never)\n"
				       "  --test-store-limit BYTES  tests only: a file's writes past BYTES fail as on a\n"
				       "                           full disk\n"
				       "  --file-service-url URL   the file service's SOAP endpoint as clients reach it,\n"
				       "                           sent with file-transfer tokens; the links of file\n"
				       "                           posts are this URL without /MGCWebService.asmx;\n"
				       "                           default with --file-listen ADDR:PORT:\n"
				       "                           http://ADDR:PORT<prefix>/MGCWebService.asmx, else with\n"
				       "                           --http ADDR:PORT: http://ADDR:PORT+1" CONFIG_FILE_SERVICE_PATH
				       "\n"
				       "                           (with neither, token requests are answered 501)\n"
				       "  --pool-listen ADDR:PORT  a node of a pool (docs/OPERATIONS.md): hear the other\n"
				       "                           nodes' new-post signals on this UDP address\n"
				       "  --pool-peer ADDR:PORT    another node's --pool-listen (once per node): where\n"
				       "                           this node signals its posts\n"
				       "  --pool-poll-ms MS        in a pool, read every room's last post number each MS,\n"
				       "                           for signals that were lost (1000)\n"
				       "  --version                print the version\n"
				       "  --help                   show this help\n",
			out);
}

enum {
	OPT_SOCKET = 256,
	OPT_MODULE_UID,
	OPT_DB, /* the options of common/pchat_dbopts.h */
	OPT_DB_PASSWORD,
	OPT_CHANNEL_URI,
	OPT_QUEUE_LIMIT,
	OPT_MESSAGE_MAX,
	OPT_XML_MAX,
	OPT_BCCONTEXT_MAX,
	OPT_PARTICIPANT_LIMIT,
	OPT_SHUTDOWN_TIMEOUT,
	OPT_POST_TIMEOUT,
	OPT_POST_RATE,
	OPT_CARRYOVER,
	OPT_POST_BURST,
	OPT_LOG_LEVEL,
	OPT_HTTP,
	OPT_WEB_ROOT,
	OPT_WEB_HOST,
	OPT_LOGIN_USER_FAILURES,
	OPT_LOGIN_ADDR_FAILURES,
	OPT_LOGIN_WINDOW,
	OPT_LOGIN_BACKOFF,
	OPT_LOGIN_BACKOFF_MAX,
	OPT_LOGIN_SLOTS,
	OPT_FILE_LISTEN,
	OPT_FILE_STORE,
	OPT_FILE_PREFIX,
	OPT_FILE_THREADS,
	OPT_FILE_SOAP_MAX,
	OPT_FILE_SWEEP,
	OPT_TEST_STORE_LIMIT,
	OPT_TEST_SEARCH_DELAY,
	OPT_RETENTION_INTERVAL,
	OPT_RETENTION_SHARE,
	OPT_SEARCH_INDEX_INTERVAL,
	OPT_FEEDS_MAX,
	OPT_FEED_WORDS_MAX,
	OPT_FEED_WORD_BYTES,
	OPT_ALERT_RATE,
	OPT_ALERT_BURST,
	OPT_FILE_SERVICE_URL,
	OPT_POOL_LISTEN,
	OPT_POOL_PEER,
	OPT_POOL_POLL,
	OPT_HELP,
	OPT_VERSION,
};

static const struct option long_options[] = {
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"module-uid", required_argument, NULL, OPT_MODULE_UID},
		{"db-socket", required_argument, NULL, OPT_DB},
		{"db-host", required_argument, NULL, OPT_DB},
		{"db-port", required_argument, NULL, OPT_DB},
		{"db-user", required_argument, NULL, OPT_DB},
		{"db-password", required_argument, NULL, OPT_DB_PASSWORD},
		{"db-password-file", required_argument, NULL, OPT_DB},
		{"db-name", required_argument, NULL, OPT_DB},
		{"channel-uri", required_argument, NULL, OPT_CHANNEL_URI},
		{"queue-limit", required_argument, NULL, OPT_QUEUE_LIMIT},
		{"message-max-bytes", required_argument, NULL, OPT_MESSAGE_MAX},
		{"xml-max-bytes", required_argument, NULL, OPT_XML_MAX},
		{"bccontext-max", required_argument, NULL, OPT_BCCONTEXT_MAX},
		{"participant-update-limit", required_argument, NULL, OPT_PARTICIPANT_LIMIT},
		{"shutdown-timeout", required_argument, NULL, OPT_SHUTDOWN_TIMEOUT},
		{"post-timeout-ms", required_argument, NULL, OPT_POST_TIMEOUT},
		{"post-rate", required_argument, NULL, OPT_POST_RATE},
		{"carryover-sec", required_argument, NULL, OPT_CARRYOVER},
		{"post-burst", required_argument, NULL, OPT_POST_BURST},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"http", required_argument, NULL, OPT_HTTP},
		{"web-root", required_argument, NULL, OPT_WEB_ROOT},
		{"web-host", required_argument, NULL, OPT_WEB_HOST},
		{"web-login-user-failures", required_argument, NULL, OPT_LOGIN_USER_FAILURES},
		{"web-login-addr-failures", required_argument, NULL, OPT_LOGIN_ADDR_FAILURES},
		{"web-login-window", required_argument, NULL, OPT_LOGIN_WINDOW},
		{"web-login-backoff", required_argument, NULL, OPT_LOGIN_BACKOFF},
		{"web-login-backoff-max", required_argument, NULL, OPT_LOGIN_BACKOFF_MAX},
		{"web-login-slots", required_argument, NULL, OPT_LOGIN_SLOTS},
		{"file-listen", required_argument, NULL, OPT_FILE_LISTEN},
		{"file-store", required_argument, NULL, OPT_FILE_STORE},
		{"file-path-prefix", required_argument, NULL, OPT_FILE_PREFIX},
		{"file-threads", required_argument, NULL, OPT_FILE_THREADS},
		{"file-soap-max-kb", required_argument, NULL, OPT_FILE_SOAP_MAX},
		{"file-sweep-interval", required_argument, NULL, OPT_FILE_SWEEP},
		{"test-store-limit", required_argument, NULL, OPT_TEST_STORE_LIMIT},
		{"retention-interval", required_argument, NULL, OPT_RETENTION_INTERVAL},
		{"retention-share", required_argument, NULL, OPT_RETENTION_SHARE},
		{"search-index-interval", required_argument, NULL, OPT_SEARCH_INDEX_INTERVAL},
		{"test-search-delay-ms", required_argument, NULL, OPT_TEST_SEARCH_DELAY},
		{"feeds-max", required_argument, NULL, OPT_FEEDS_MAX},
		{"feed-words-max", required_argument, NULL, OPT_FEED_WORDS_MAX},
		{"feed-word-max-bytes", required_argument, NULL, OPT_FEED_WORD_BYTES},
		{"alert-rate", required_argument, NULL, OPT_ALERT_RATE},
		{"alert-burst", required_argument, NULL, OPT_ALERT_BURST},
		{"file-service-url", required_argument, NULL, OPT_FILE_SERVICE_URL},
		{"pool-listen", required_argument, NULL, OPT_POOL_LISTEN},
		{"pool-peer", required_argument, NULL, OPT_POOL_PEER},
		{"pool-poll-ms", required_argument, NULL, OPT_POOL_POLL},
		{"help", no_argument, NULL, OPT_HELP},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
};

/* Parses a whole number in [min, max] for option name; prints the error itself. */
static int number(const char *name, const char *arg, unsigned min, unsigned max, unsigned *out,
		FILE *err)
{
	unsigned long long v;
	if(parse_uint(arg, max, &v) < 0 || v < min) {
		fprintf(err, "pchatd: --%s wants a whole number from %u to %u, not '%s'\n", name,
				min, max, arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int nonempty(const char *name, const char *arg, const char **out, FILE *err)
{
	if(arg[0] == '\0') {
		fprintf(err, "pchatd: --%s must not be empty\n", name);
		return -1;
	}
	*out = arg;
	return 0;
}

/* --http / --file-listen / --pool-* ADDR:PORT: checked here so that a typo fails at start-up,
 * not later. */
static int http_address(const char *name, const char *arg, const char **out, FILE *err)
{
	const char *colon = strrchr(arg, ':');
	char what[32];
	unsigned port;
	if(colon == NULL || colon == arg) {
		fprintf(err, "pchatd: --%s wants ADDR:PORT (e.g. 127.0.0.1:8080), not '%s'\n", name,
				arg);
		return -1;
	}
	snprintf(what, sizeof(what), "%s port", name);
	if(number(what, colon + 1, 1, 65535, &port, err) < 0)
		return -1;
	*out = arg;
	return 0;
}

/* This pchatd's incarnation in the pool: its address, its pid and when it started
 * (unique to the process, so rows of a crashed predecessor are not taken for its own). */
static int pool_node_name(struct config *c, FILE *err)
{
	int n = snprintf(c->pool_node, sizeof(c->pool_node), "%s#%ld.%lld", c->pool_listen,
			(long)getpid(), (long long)time(NULL));
	if(n < 0 || (size_t)n >= sizeof(c->pool_node)) {
		fputs("pchatd: --pool-listen is too long\n", err);
		return 0;
	}
	return 1;
}

/* --pool-peer ADDR:PORT, once per other node. */
static int pool_peer(struct config *c, const char *arg, FILE *err)
{
	if(c->pool_peer_count >= CONFIG_POOL_PEERS_MAX) {
		fprintf(err, "pchatd: at most %d --pool-peer options\n", CONFIG_POOL_PEERS_MAX);
		return -1;
	}
	return http_address("pool-peer", arg, &c->pool_peers[c->pool_peer_count++], err);
}

/* --file-path-prefix: "" or "/seg/seg" of URL-safe segments (it goes into URLs and
 * file posts as it is); a trailing '/' is dropped. */
static int path_prefix(const char *arg, const char **out, FILE *err)
{
	static char buf[256];
	size_t n = strlen(arg);
	while(n > 0 && arg[n - 1] == '/')
		n--;
	if(n >= sizeof(buf) || (n > 0 && arg[0] != '/') ||
			strspn(arg, "/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") <
					n ||
			strstr(arg, "//") != NULL || strstr(arg, "/.") != NULL) {
		fprintf(err, "pchatd: --file-path-prefix wants a path like /PersistentChat, not '%s'\n",
				arg);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%.*s", (int)n, arg);
	*out = buf;
	return 0;
}

/* --file-service-url URL: an http or https URL with a host, nothing XML would
 * have to escape oddly in it (no blanks or control characters). */
static int file_service_url(const char *arg, const char **out, FILE *err)
{
	size_t i,
			skip = strncasecmp(arg, "https://", 8) == 0 ? 8
			: strncasecmp(arg, "http://", 7) == 0	    ? 7
								    : 0;
	for(i = 0; skip && arg[i]; i++) {
		if((unsigned char)arg[i] <= ' ' || arg[i] == 0x7f)
			skip = 0;
	}
	if(skip == 0 || arg[skip] == '\0' || arg[skip] == '/') {
		fprintf(err,
				"pchatd: --file-service-url wants an http:// or https:// URL with a "
				"host and no blanks, e.g. https://chat.example.com" CONFIG_FILE_SERVICE_PATH
				", not '%s'\n",
				arg);
		return -1;
	}
	*out = arg;
	return 0;
}

/* The --file-* options. */
static int file_option(struct config *c, int opt, const char *arg, FILE *err)
{
	unsigned long long v;
	switch(opt) {
		case OPT_FILE_LISTEN: return http_address("file-listen", arg, &c->file_listen, err);
		case OPT_FILE_STORE: return nonempty("file-store", arg, &c->file_store, err);
		case OPT_FILE_PREFIX: return path_prefix(arg, &c->file_prefix, err);
		case OPT_FILE_THREADS:
			return number("file-threads", arg, 1, 256, &c->file_threads, err);
		case OPT_FILE_SOAP_MAX:
			return number("file-soap-max-kb", arg, 4, 65536, &c->file_soap_max_kb, err);
		case OPT_FILE_SWEEP:
			return number("file-sweep-interval", arg, 1, 86400, &c->file_sweep_interval,
					err);
		default: /* OPT_TEST_STORE_LIMIT */
			if(parse_uint(arg, 1ULL << 62, &v) < 0 || v == 0) {
				fprintf(err, "pchatd: --test-store-limit wants a number of bytes, not '%s'\n",
						arg);
				return -1;
			}
			c->test_store_limit = v;
			return 0;
	}
}

/* http://ADDR:PORT+delta<prefix>/MGCWebService.asmx for a listener's ADDR:PORT; NULL if
 * there is none (no address, or no port after it). */
static const char *service_url_of(const char *addr, unsigned delta, const char *prefix)
{
	static char url[512];
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	unsigned long long port;
	int hlen, v6, n;
	if(colon == NULL || parse_uint(colon + 1, 65535 - delta, &port) < 0)
		return NULL;
	hlen = (int)(colon - addr);
	/* a bare IPv6 address ("::1:8080") needs its brackets in a URL */
	v6 = addr[0] != '[' && memchr(addr, ':', (size_t)hlen) != NULL;
	n = snprintf(url, sizeof(url), "http://%s%.*s%s:%llu%s" CONFIG_SOAP_PATH, v6 ? "[" : "",
			hlen, addr, v6 ? "]" : "", port + delta, prefix);
	return n > 0 && (size_t)n < sizeof(url) ? url : NULL;
}

/* The default of --file-service-url: the file service's own address (--file-listen),
 * else --http's address, the next port, the reference's path; NULL if neither. */
static const char *default_file_service_url(const struct config *c)
{
	if(c->file_listen)
		return service_url_of(c->file_listen, 0, c->file_prefix);
	return service_url_of(c->http_addr, 1, CONFIG_FILE_PREFIX);
}

/* With --file-listen, the links of file posts are --file-service-url without its
 * SOAP endpoint's name (config_file_base): it must end with it, and hold no query or
 * fragment. */
static int file_links_base_ok(const struct config *c, FILE *err)
{
	const char *url = c->file_service_url;
	char base[CONFIG_URL_MAX];
	if(config_file_base(c, base, sizeof(base)) == 0)
		return 1;
	fprintf(err,
			"pchatd: with --file-listen, --file-service-url must be the SOAP endpoint, "
			"ending with " CONFIG_SOAP_PATH " and shorter than %d bytes"
			" (e.g. https://chat.example.com" CONFIG_FILE_SERVICE_PATH "), not '%s'\n",
			CONFIG_URL_MAX, url);
	return 0;
}

int config_file_base(const struct config *c, char *out, size_t outlen)
{
	const char *url = c->file_service_url;
	size_t n = url ? strlen(url) : 0, e = sizeof(CONFIG_SOAP_PATH) - 1;
	if(n <= e || strcasecmp(url + n - e, CONFIG_SOAP_PATH) != 0 || strpbrk(url, "?#") ||
			n - e >= outlen)
		return -1;
	memcpy(out, url, n - e);
	out[n - e] = '\0';
	return 0;
}

/* --web-host NAME: a host name, optionally with ":PORT"; no spaces, slashes or '@'
 * (a URL or user name given by mistake). */
static int web_host(struct config *c, const char *arg, FILE *err)
{
	if(arg[0] == '\0' || arg[strcspn(arg, " \t/@")] != '\0') {
		fprintf(err,
				"pchatd: --web-host wants a host name, e.g. chat.example.com or "
				"chat.example.com:8443, not '%s'\n",
				arg);
		return -1;
	}
	if(c->web_host_count >= CONFIG_WEB_HOSTS_MAX) {
		fprintf(err, "pchatd: at most %d --web-host options\n", CONFIG_WEB_HOSTS_MAX);
		return -1;
	}
	c->web_hosts[c->web_host_count++] = arg;
	return 0;
}

/* The --web-login-* options other than the failures: one value for both limits. */
static int login_option(struct config *c, int opt, const char *arg, FILE *err)
{
	struct weblimit_opts *u = &c->web_login_user, *a = &c->web_login_addr;
	unsigned v = 0;
	switch(opt) {
		case OPT_LOGIN_WINDOW:
			if(number("web-login-window", arg, 1, 86400, &v, err) < 0)
				return -1;
			u->window_sec = a->window_sec = v;
			return 0;
		case OPT_LOGIN_BACKOFF:
			if(number("web-login-backoff", arg, 1, 86400, &v, err) < 0)
				return -1;
			u->backoff_sec = a->backoff_sec = v;
			return 0;
		case OPT_LOGIN_BACKOFF_MAX:
			if(number("web-login-backoff-max", arg, 1, 86400, &v, err) < 0)
				return -1;
			u->backoff_max_sec = a->backoff_max_sec = v;
			return 0;
		default: /* OPT_LOGIN_SLOTS */
			if(number("web-login-slots", arg, 1, 1000000, &v, err) < 0)
				return -1;
			u->slots = a->slots = v;
			return 0;
	}
}

/* --module-uid UID: a number (no name lookup: the daemon may start before NSS is up,
 * and a number is what SO_PEERCRED reports). */
static int uid_option(const char *arg, uid_t *out, FILE *err)
{
	unsigned long long v;
	if(parse_uint(arg, 4294967294ULL, &v) < 0) {
		fprintf(err, "pchatd: --module-uid wants a numeric uid, not '%s'\n", arg);
		return -1;
	}
	*out = (uid_t)v;
	return 0;
}

/* A database option of common/pchat_dbopts.h (name: its long name). */
static int db_option(struct config *c, const char *name, const char *arg, FILE *err)
{
	char why[512];
	if(pchat_dbopts_set(&c->db, name, arg, why, sizeof(why)) == 0)
		return 0;
	fprintf(err, "pchatd: %s\n", why);
	return -1;
}

/* --db-password PW: pchatd's alone (any local user sees it in ps). */
static int db_password(struct config *c, const char *arg, FILE *err)
{
	pchat_dbopts_free(&c->db);
	c->db.password = strdup(arg);
	if(c->db.password != NULL)
		return 0;
	fputs("pchatd: out of memory\n", err);
	return -1;
}

/* Handles one option; returns 0, or -1 after printing the error. */
static int apply(struct config *c, int opt, const char *name, const char *arg, FILE *err)
{
	switch(opt) {
		case OPT_SOCKET: return nonempty("socket", arg, &c->socket_path, err);
		case OPT_MODULE_UID: return uid_option(arg, &c->module_uid, err);
		case OPT_DB: return db_option(c, name, arg, err);
		case OPT_DB_PASSWORD: return db_password(c, arg, err);
		case OPT_CHANNEL_URI: return nonempty("channel-uri", arg, &c->channel_uri, err);
		case OPT_QUEUE_LIMIT:
			return number("queue-limit", arg, 1, 100000000, &c->queue_limit, err);
		case OPT_MESSAGE_MAX:
			/* Escaped (up to 6 bytes per byte) a post must still fit in one frame. */
			return number("message-max-bytes", arg, 1, 32768, &c->message_max_bytes,
					err);
		case OPT_XML_MAX:
			/* The frame payload limit is the hard ceiling. */
			return number("xml-max-bytes", arg, 64, 256 * 1024, &c->xml_max_bytes, err);
		case OPT_BCCONTEXT_MAX:
			return number("bccontext-max", arg, 1, 100000, &c->bccontext_max, err);
		case OPT_PARTICIPANT_LIMIT:
			return number("participant-update-limit", arg, 1, 1000000,
					&c->participant_update_limit, err);
		case OPT_SHUTDOWN_TIMEOUT:
			return number("shutdown-timeout", arg, 0, 3600, &c->shutdown_timeout, err);
		case OPT_POST_TIMEOUT:
			return number("post-timeout-ms", arg, 100, 600000, &c->post_timeout_ms,
					err);
		case OPT_CARRYOVER:
			return number("carryover-sec", arg, 0, 86400, &c->carryover_sec, err);
		case OPT_TEST_SEARCH_DELAY:
			return number("test-search-delay-ms", arg, 0, 600000,
					&c->test_search_delay_ms, err);
		case OPT_RETENTION_INTERVAL:
			return number("retention-interval", arg, 0, 86400, &c->retention_interval,
					err);
		case OPT_RETENTION_SHARE:
			return number("retention-share", arg, 1, 100, &c->retention_share, err);
		case OPT_SEARCH_INDEX_INTERVAL:
			return number("search-index-interval", arg, 0, 86400,
					&c->search_index_interval, err);
		case OPT_FEEDS_MAX: return number("feeds-max", arg, 0, 100000, &c->feeds_max, err);
		case OPT_FEED_WORDS_MAX:
			return number("feed-words-max", arg, 1, 100, &c->feed_words_max, err);
		case OPT_FEED_WORD_BYTES:
			return number("feed-word-max-bytes", arg, 3, 255, &c->feed_word_max_bytes,
					err);
		case OPT_ALERT_RATE:
			return number("alert-rate", arg, 0, 1000000, &c->alert_rate, err);
		case OPT_ALERT_BURST:
			return number("alert-burst", arg, 1, 1000000, &c->alert_burst, err);
		case OPT_POST_RATE: return number("post-rate", arg, 0, 1000000, &c->post_rate, err);
		case OPT_POST_BURST:
			return number("post-burst", arg, 1, 1000000, &c->post_burst, err);
		case OPT_HTTP: return http_address("http", arg, &c->http_addr, err);
		case OPT_WEB_ROOT: return nonempty("web-root", arg, &c->web_root, err);
		case OPT_WEB_HOST: return web_host(c, arg, err);
		case OPT_LOGIN_USER_FAILURES:
			return number("web-login-user-failures", arg, 0, 1000000,
					&c->web_login_user.failures, err);
		case OPT_LOGIN_ADDR_FAILURES:
			return number("web-login-addr-failures", arg, 0, 1000000,
					&c->web_login_addr.failures, err);
		case OPT_LOGIN_WINDOW:
		case OPT_LOGIN_BACKOFF:
		case OPT_LOGIN_BACKOFF_MAX:
		case OPT_LOGIN_SLOTS: return login_option(c, opt, arg, err);
		case OPT_FILE_LISTEN:
		case OPT_FILE_STORE:
		case OPT_FILE_PREFIX:
		case OPT_FILE_THREADS:
		case OPT_FILE_SOAP_MAX:
		case OPT_FILE_SWEEP:
		case OPT_TEST_STORE_LIMIT: return file_option(c, opt, arg, err);
		case OPT_FILE_SERVICE_URL: return file_service_url(arg, &c->file_service_url, err);
		case OPT_POOL_LISTEN: return http_address("pool-listen", arg, &c->pool_listen, err);
		case OPT_POOL_PEER: return pool_peer(c, arg, err);
		case OPT_POOL_POLL:
			return number("pool-poll-ms", arg, 50, 60000, &c->pool_poll_ms, err);
		case OPT_LOG_LEVEL:
			if(log_parse_level(arg, &c->log_level) == 0)
				return 0;
			fprintf(err, "pchatd: --log-level wants error, warn, info or debug, not '%s'\n",
					arg);
			return -1;
		default: return -1;
	}
}

enum config_result config_parse(struct config *c, int argc, char **argv, FILE *out, FILE *err)
{
	int opt, index = 0;
	char why[512];

	optind = 0; /* full rescan (GNU), so that tests may call this repeatedly */
	opterr = 0; /* we print our own messages */
	while((opt = getopt_long(argc, argv, "", long_options, &index)) != -1) {
		if(opt == OPT_HELP) {
			usage(out);
			return CONFIG_HELP;
		}
		if(opt == OPT_VERSION) {
			fputs("pchatd " PCHAT_VERSION "\n", out);
			return CONFIG_HELP;
		}
		if(opt == '?' || opt == ':') {
			fprintf(err, "pchatd: unknown option or missing argument: %s\n",
					argv[optind - 1]);
			fputs("Try 'pchatd --help'.\n", err);
			return CONFIG_ERROR;
		}
		if(apply(c, opt, long_options[index].name, optarg, err) < 0)
			return CONFIG_ERROR;
	}
	if(optind < argc) {
		fprintf(err, "pchatd: unexpected argument '%s'\n", argv[optind]);
		return CONFIG_ERROR;
	}
	if(c->socket_path == NULL) {
		fputs("pchatd: --socket PATH is required (try --help)\n", err);
		return CONFIG_ERROR;
	}
	if(c->web_login_user.backoff_max_sec < c->web_login_user.backoff_sec) {
		fputs("pchatd: --web-login-backoff-max must be at least --web-login-backoff\n",
				err);
		return CONFIG_ERROR;
	}
	if(c->file_listen && c->file_store == NULL) {
		fputs("pchatd: --file-listen needs --file-store DIR\n", err);
		return CONFIG_ERROR;
	}
	if(pchat_dbopts_check(&c->db, why, sizeof(why)) < 0) {
		fprintf(err, "pchatd: %s\n", why);
		return CONFIG_ERROR;
	}
	if(c->file_service_url == NULL)
		c->file_service_url = default_file_service_url(c);
	if(c->file_listen && !file_links_base_ok(c, err))
		return CONFIG_ERROR;
	if(c->pool_listen && !pool_node_name(c, err))
		return CONFIG_ERROR;
	return CONFIG_OK;
}
