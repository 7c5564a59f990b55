/*
 * pca_lease.c - the leases of the jobs exactly one node of a pool runs at a time
 * (job_leases, sql/migrations/019_job_leases.sql): the purge job, the file sweeper,
 * the search indexer.  A node takes the lease before each pass, or renews its own;
 * another node's lease that has expired (its node died) is taken over.
 */
#include "pca_int.h"

#define JOB_MAX 32
#define NODE_MAX 255

/* One statement: the assignments of ON DUPLICATE KEY UPDATE run in order, so the
 * holder is decided first and the expiry follows whoever holds it now. */
int pca_lease_hold(struct pca_ctx *c, const char *job, const char *node, long long seconds)
{
	json_t *row = NULL;
	if(pca_exec(c,
			   "INSERT INTO job_leases (job, holder, expires_at)"
			   " VALUES (?, ?, NOW(3) + INTERVAL ? SECOND) ON DUPLICATE KEY UPDATE"
			   " holder = IF(holder IS NULL OR holder = VALUES(holder)"
			   "   OR expires_at IS NULL OR expires_at < NOW(3), VALUES(holder), holder),"
			   " expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)",
			   P(PS(job), PS(node), PI(seconds))) < 0 ||
			pca_row(c, &row, "SELECT holder = ? FROM job_leases WHERE job = ?",
					P(PS(node), PS(job))) < 0)
		return -1;
	int held = row && pca_col_int(row, 0);
	json_decref(row);
	return held;
}

long long pca_lease_release(struct pca_ctx *c, const char *job, const char *node)
{
	return pca_exec(c,
			"UPDATE job_leases SET holder = NULL, expires_at = NULL"
			" WHERE job = ? AND holder = ?",
			P(PS(job), PS(node)));
}

/* The verbs' arguments: job, node (and lease). */
static int lease_args(struct pca_ctx *c, json_t *args, const char **job, const char **node,
		long long *lease)
{
	static const char *const keys[] = {"job", "node", "lease", NULL};
	return pca_keys(c, args, keys) < 0 || pca_str(c, args, "job", 1, JOB_MAX, job) < 0 ||
					pca_str(c, args, "node", 1, NODE_MAX, node) < 0 ||
					pca_int(c, args, "lease", PCA_LEASE_MIN, PCA_LEASE_MAX,
							lease) < 0
			? -1
			: 0;
}

int pca_lease_hold_verb(struct pca_ctx *c, json_t *args, json_t **result)
{
	const char *job, *node;
	long long lease = 60;
	if(lease_args(c, args, &job, &node, &lease) < 0)
		return -1;
	int held = pca_lease_hold(c, job, node, lease);
	if(held < 0)
		return -1;
	*result = json_pack("{s:b}", "held", held);
	return 0;
}

int pca_lease_release_verb(struct pca_ctx *c, json_t *args, json_t **result)
{
	const char *job, *node;
	long long lease = 60;
	if(lease_args(c, args, &job, &node, &lease) < 0)
		return -1;
	long long n = pca_lease_release(c, job, node);
	if(n < 0)
		return -1;
	*result = pca_count("released", n);
	return 0;
}
