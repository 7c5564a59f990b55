/*
 * filedb.c - see filedb.h.
 */
#include "filedb.h"
#include "dbsql.h"
#include "pchat_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int filedb_init(const struct config *c)
{
	static int done; /* the file service and the purge job both need it */
	if(done++)
		return 0;
	conf = c;
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
