/*
 * config.h - command-line options (getopt_long) and the global configuration.
 */
#ifndef PCHAT_CONFIG_H
#define PCHAT_CONFIG_H

#include <stdio.h>
#include <sys/types.h>

#include "pchat_dbopts.h"
#include "pchat_log.h"
#include "weblimit.h"

/* Most --web-host options. */
#define CONFIG_WEB_HOSTS_MAX 16
/* Most --pool-peer options: the other chat nodes of a pool. */
#define CONFIG_POOL_PEERS_MAX 16

struct config {
	const char *socket_path; /* --socket, required */
	/* --module-uid: the only uid whose connections the socket accepts (SO_PEERCRED);
	 * default pchatd's own effective uid */
	uid_t module_uid;
	/* --db-socket, --db-host, --db-port, --db-user, --db-password-file, --db-name
	 * (common/pchat_dbopts.h) and pchatd's own --db-password; no password: "" */
	struct pchat_dbopts db;
	const char *channel_uri;	   /* --channel-uri; NULL: the session's local URI */
	unsigned queue_limit;		   /* accepted-but-unfinished commands before BUSY */
	unsigned message_max_bytes;	   /* grpchat text limit (bytes, after XML decoding) */
	unsigned xml_max_bytes;		   /* XCCOS envelope limit, checked before parsing */
	unsigned bccontext_max;		   /* cap of bcq last cnt */
	unsigned participant_update_limit; /* rooms with more users: no roster notices */
	/* server_config rows (reload.c) override message_max_bytes and
	 * participant_update_limit, and set these two (no options): */
	unsigned default_chat_history; /* bccontext/bjoin count when none is asked (30) */
	unsigned search_limit;	       /* most rooms one chansrch returns (999) */
	unsigned shutdown_timeout;     /* seconds to flush the DB queue on SIGTERM */
	/* ms a post may wait for the database before it is refused (503), never stored
	 * afterwards; below the module's backend_timeout, so pchatd answers first */
	unsigned post_timeout_ms;
	/* seconds a closed session of an endpoint (epid) keeps its rooms for the
	 * endpoint's next session (carryover.c); 0: off */
	unsigned carryover_sec;
	/* per-user post rate limit (cmd_post.c): average per second (0: off) and burst */
	unsigned post_rate;
	unsigned post_burst;
	/* feeds and alerts (feeds.c, docs/XCCOS.md Feeds): per-user bounds, and the
	 * per-user alert rate (average per second, 0: off; burst) */
	unsigned feeds_max, feed_words_max, feed_word_max_bytes;
	unsigned alert_rate, alert_burst;
	const char *http_addr; /* --http ADDR:PORT (web service); NULL: off */
	const char *web_root;  /* --web-root DIR: the room management page */
	/* --web-host NAME...: the Host names the web service answers besides those of
	 * --http itself (DNS rebinding defence, http.c) */
	const char *web_hosts[CONFIG_WEB_HOSTS_MAX];
	unsigned web_host_count;
	/* --web-login-*: failed sign-ins per user name and per client address (the
	 * two differ only in failures; weblimit.h) */
	struct weblimit_opts web_login_user, web_login_addr;
	/* the file service (filesvc.h, docs/FILES.md) */
	const char *file_listen;	     /* --file-listen ADDR:PORT; NULL: off */
	const char *file_store;		     /* --file-store DIR (required with it) */
	const char *file_prefix;	     /* --file-path-prefix, "/PersistentChat" */
	unsigned file_threads;		     /* --file-threads (4) */
	unsigned file_soap_max_kb;	     /* --file-soap-max-kb (512) */
	unsigned file_sweep_interval;	     /* --file-sweep-interval SEC (60) */
	unsigned retention_interval;	     /* --retention-interval SEC (60; 0: no purge) */
	unsigned retention_share;	     /* --retention-share PERCENT (50) */
	unsigned search_index_interval;	     /* --search-index-interval SEC (1; 0: none) */
	unsigned long long test_store_limit; /* --test-store-limit BYTES (0: none) */
	/* --test-search-delay-ms MS: tests only, each message search that found its rows
	 * sleeps MS in the DB reader (dbj_search.c) as a slow one would (0: none) */
	unsigned test_search_delay_ms;
	/* --file-service-url URL: the file service's SOAP endpoint as clients see it,
	 * sent with every file-transfer token (rpl:getftok serveruri), and without its
	 * CONFIG_SOAP_PATH the base of file posts' links; by default the --file-listen
	 * address with --file-path-prefix, else http://ADDR:PORT+1 with ADDR:PORT of
	 * --http and CONFIG_FILE_SERVICE_PATH.  NULL (neither): no file service, token
	 * requests are answered 501. */
	const char *file_service_url;
	/* a pool of chat nodes on one Galera cluster (poolsync.c, docs/OPERATIONS.md
	 * "Deploying a pool"): --pool-listen ADDR:PORT, the UDP address this node hears
	 * the others' "room R reached N" signals on (NULL: not in a pool); --pool-peer
	 * ADDR:PORT..., where to send this node's; --pool-poll-ms, how often every room's
	 * head is read, for a signal that was lost (1000) */
	const char *pool_listen;
	const char *pool_peers[CONFIG_POOL_PEERS_MAX];
	unsigned pool_peer_count;
	unsigned pool_poll_ms;
	/* this pchatd's incarnation in a pool, "<--pool-listen>#<pid>.<start time>" (set
	 * by config_parse; "" off a pool): its session_rooms rows and pool_nodes row */
	char pool_node[100];
	enum log_level log_level;
};

/* Where the file service answers SOAP (the reference's path). */
#define CONFIG_FILE_PREFIX "/PersistentChat" /* --file-path-prefix's default */
#define CONFIG_SOAP_PATH "/MGCWebService.asmx"
#define CONFIG_FILE_SERVICE_PATH CONFIG_FILE_PREFIX CONFIG_SOAP_PATH
/* The longest file service base URL (config_file_base) and its NUL. */
#define CONFIG_URL_MAX 1024

extern struct config cfg;

void config_defaults(struct config *c);

enum config_result {
	CONFIG_OK = 0,
	CONFIG_HELP = 1,  /* --help or --version was printed: exit 0 */
	CONFIG_ERROR = 2, /* the error was printed: exit 2 */
};

/* Parses argv into c (after config_defaults).  --help goes to out, errors to err. */
enum config_result config_parse(struct config *c, int argc, char **argv, FILE *out, FILE *err);

/* The file service's public URL, the base of its file URLs (<base>/files/<room id>/
 * <GUID>.<ext>: file posts' links, the web page's downloads): --file-service-url
 * without its CONFIG_SOAP_PATH, into out.  0, or -1 if there is no file service or its
 * URL does not end with that path (a --file-service-url given without --file-listen,
 * which config_parse does not check), or out is too small. */
int config_file_base(const struct config *c, char *out, size_t outlen);

#endif
