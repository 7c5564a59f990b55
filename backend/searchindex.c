/*
 * searchindex.c - see searchindex.h.
 */
#include "searchindex.h"
#include "config.h"
#include "filedb.h"
#include "pchat_log.h"
#include "periodic.h"
#include "util.h"

#include <inttypes.h>

/* Worker thread only: did the last batch fail (its error is logged once, not at
 * every interval while the database is away). */
static int failing;

/* One batch: how many messages it took off the queue (*left: how many are still
 * queued), or -1 (logged; the next pass tries again). */
static json_int_t batch(json_int_t *left)
{
	struct pca_error err;
	json_t *res = NULL;
	if(filedb_run("search.index", json_object(), &res, &err) < 0) {
		if(failing)
			log_debug("search index: %s", err.msg);
		else
			log_warn("search index: %s (tried again every interval)", err.msg);
		failing = 1;
		return -1;
	}
	if(failing)
		log_info("search index: indexing again");
	failing = 0;
	json_int_t n = json_integer_value(json_object_get(res, "indexed"));
	*left = json_integer_value(json_object_get(res, "left"));
	json_decref(res);
	return n;
}

#define LEASE_JOB "search-index"
static unsigned lease_sec;

/* A pass: batches until the queue is empty, a batch fails or pchatd stops.  One node
 * of a pool indexes: two would take the same queued messages, and the second's
 * commit would fail certification. */
static void index_pass(struct workq *wq)
{
	uint64_t t0 = mono_ms();
	json_int_t total = 0, n, left = 0;

	if(filedb_lease(LEASE_JOB, lease_sec) <= 0)
		return;
	while(!workq_stopping(wq) && (n = batch(&left)) > 0) {
		total += n;
		if(left == 0)
			break;
	}
	if(total > 0)
		log_info("search index: indexed %" PRId64 " messages in %lld ms (%" PRId64
			 " queued)",
				(int64_t)total, (long long)(mono_ms() - t0), (int64_t)left);
}

static void thread_end(struct workq *wq)
{
	(void)wq;
	filedb_lease_release(LEASE_JOB);
	filedb_thread_end();
}

static struct periodic indexer = PERIODIC_INIT(indexer, index_pass, thread_end);

int searchindex_start(struct event_base *base, const struct config *c)
{
	if(c->search_index_interval == 0)
		return 0;
	lease_sec = filedb_lease_sec(c->search_index_interval);
	if(filedb_init(c) < 0) {
		log_error("search index: cannot start the indexer");
		return -1;
	}
	return periodic_start(&indexer, base, "search index", c->search_index_interval);
}

void searchindex_stop(void)
{
	periodic_stop(&indexer);
}
