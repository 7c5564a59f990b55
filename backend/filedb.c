/*
 * filedb.c - see filedb.h.
 */
#include "filedb.h"
#include "config.h"
#include "dbsql.h"
#include "pchat_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>

/* After a failed connection attempt, a thread's calls fail at once for this long
 * rather than each waiting for its own attempt. */
#define RECONNECT_HOLDOFF_SEC 1

struct filedb_conn {
	MYSQL *my;
	time_t failed_at;
};

static const struct config *conf;
static pthread_key_t key;
static int reported_down; /* logged once per outage (any thread; a hint only) */

static void conn_close(struct filedb_conn *fc)
{
	if(fc->my)
		mysql_close(fc->my);
	fc->my = NULL;
}

static void on_thread_exit(void *p)
{
	conn_close(p);
	free(p);
	mysql_thread_end();
}

static char node[300]; /* filedb_node() */

int filedb_init(const struct config *c)
{
	static int done; /* the file service and the purge job both need it */
	char host[256] = "localhost";
	if(done++)
		return 0;
	conf = c;
	(void)gethostname(host, sizeof(host) - 1);
	snprintf(node, sizeof(node), "%.60s:%.190s", host, c->socket_path); /* <= 255 */
	if(pthread_key_create(&key, on_thread_exit) != 0) {
		log_error("files: cannot create a thread key");
		return -1;
	}
	return 0;
}

static struct filedb_conn *this_conn(void)
{
	struct filedb_conn *fc = pthread_getspecific(key);
	if(fc == NULL) {
		fc = calloc(1, sizeof(*fc));
		if(fc == NULL || pthread_setspecific(key, fc) != 0) {
			free(fc);
			return NULL;
		}
		mysql_thread_init();
	}
	return fc;
}

static int connect_db(struct filedb_conn *fc)
{
	char err[256];

	if(fc->my)
		return 0;
	if(fc->failed_at && time(NULL) - fc->failed_at < RECONNECT_HOLDOFF_SEC)
		return -1;
	/* the admin library opens its own transaction per verb: autocommit stays on */
	fc->my = dbsql_open(conf, 30, err, sizeof(err));
	if(fc->my == NULL) {
		if(!__atomic_exchange_n(&reported_down, 1, __ATOMIC_RELAXED))
			log_warn("files: cannot connect to the database: %s (transfers answer 503)",
					err);
		fc->failed_at = time(NULL);
		return -1;
	}
	if(__atomic_exchange_n(&reported_down, 0, __ATOMIC_RELAXED))
		log_info("files: connected to the database again");
	fc->failed_at = 0;
	return 0;
}

int filedb_run(const char *verb, json_t *args, json_t **result, struct pca_error *err)
{
	struct pca_actor admin = {.user = NULL};
	struct filedb_conn *fc = this_conn();
	int attempt, rc = -1;

	*result = NULL;
	memset(err, 0, sizeof(*err));
	for(attempt = 0; fc && attempt < 2; attempt++) {
		if(connect_db(fc) < 0)
			break;
		rc = pca_run(fc->my, &admin, verb, args, result, err);
		if(rc == 0 || err->status != 503)
			break;
		conn_close(fc); /* nothing changed: safe to run again */
	}
	if(rc != 0 && (err->status == 0 || err->status == 503)) {
		err->status = 503;
		snprintf(err->msg, sizeof(err->msg), "the database is not available");
	}
	json_decref(args);
	return rc;
}

void filedb_thread_end(void)
{
	struct filedb_conn *fc = pthread_getspecific(key);
	if(fc) {
		pthread_setspecific(key, NULL);
		on_thread_exit(fc);
	}
}

/* ---- leases ---- */

const char *filedb_node(void)
{
	return node;
}

unsigned filedb_lease_sec(unsigned interval)
{
	unsigned sec = interval * 3 < 30 ? 30 : interval * 3;
	return sec > 3600 ? 3600 : sec;
}

int filedb_lease(const char *job, unsigned seconds)
{
	struct pca_error err;
	json_t *res = NULL;
	if(filedb_run("lease.hold",
			   json_pack("{s:s,s:s,s:i}", "job", job, "node", node, "lease",
					   (int)seconds),
			   &res, &err) < 0) {
		log_debug("%s: cannot take the lease: %s", job, err.msg);
		return -1;
	}
	int held = json_is_true(json_object_get(res, "held"));
	json_decref(res);
	return held;
}

void filedb_lease_release(const char *job)
{
	struct pca_error err;
	json_t *res = NULL;
	if(filedb_run("lease.release", json_pack("{s:s,s:s}", "job", job, "node", node), &res,
			   &err) < 0)
		log_debug("%s: cannot release the lease: %s", job, err.msg);
	json_decref(res);
}
