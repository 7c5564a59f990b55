/*
 * pca_core.c - pca_run: the verb table, the actor check, the transaction around
 * every change and the revision bump; errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include "pca_int.h"

/* Changes something with autocommit on, each statement committing by itself:
 * compliance.run commits its request, then waits for pchat-compliance to see it. */
#define SELF_COMMIT 2
/* Changes something in one transaction, without bumping the revision: the file
 * service's transfers change no room, and pchatd would reload every room at each. */
#define NO_REVISION 3
/* Changes a user's feeds in one transaction: the verb bumps FeedsRevision (not the
 * revision: no room changed), and pchatd reloads its feed index. */
#define FEEDS 4

struct verb {
	const char *name;
	pca_handler fn;
	int admin_only; /* users (the web service) may not run it */
	int mutates;	/* 0 reads; 1 runs in a transaction and bumps the revision;
			   or SELF_COMMIT, NO_REVISION, FEEDS */
};

static const struct verb verbs[] = {
		{"room.new", pca_room_new, 0, 1},
		{"room.set", pca_room_set, 0, 1},
		{"room.get", pca_room_get, 0, 0},
		{"room.remove", pca_room_remove, 0, 1},
		{"room.clear", pca_room_clear, 0, 1},
		{"category.new", pca_category_new, 1, 1},
		{"category.set", pca_category_set, 1, 1},
		{"category.get", pca_category_get, 0, 0},
		{"category.remove", pca_category_remove, 1, 1},
		{"policy.new", pca_policy_new, 1, 1},
		{"policy.set", pca_policy_set, 1, 1},
		{"policy.get", pca_policy_get, 1, 0},
		{"policy.remove", pca_policy_remove, 1, 1},
		{"policy.grant", pca_policy_grant, 1, 1},
		{"config.get", pca_config_get, 1, 0},
		{"config.set", pca_config_set, 1, 1},
		{"message.get", pca_message_get, 1, 0},
		{"message.remove", pca_message_remove, 1, 1},
		{"message.replace", pca_message_replace, 1, 1},
		{"message.remove_one", pca_message_remove_one, 0, 1},
		{"message.replace_one", pca_message_replace_one, 0, 1},
		{"message.history", pca_message_history, 0, 0},
		{"message.search", pca_message_search, 0, 0},
		{"addin.new", pca_addin_new, 1, 1},
		{"addin.set", pca_addin_set, 1, 1},
		{"addin.get", pca_addin_get, 1, 0},
		{"addin.remove", pca_addin_remove, 1, 1},
		{"compliance.get", pca_compliance_get, 1, 0},
		{"compliance.set", pca_compliance_set, 1, 1},
		{"compliance.status", pca_compliance_status, 1, 0},
		{"compliance.run", pca_compliance_run, 1, SELF_COMMIT},
		{"file.get", pca_file_get, 1, 0},
		{"file.remove", pca_file_remove, 1, 1},
		{"file.usage", pca_file_usage, 1, 0},
		{"file.list_room", pca_file_list_room, 0, 0},
		{"file.download_token", pca_file_download_token, 0, NO_REVISION},
		{"file.token_check", pca_file_token_check, 1, 0},
		{"file.upload_begin", pca_file_upload_begin, 1, NO_REVISION},
		{"file.upload_complete", pca_file_upload_complete, 1, NO_REVISION},
		{"file.upload_abort", pca_file_upload_abort, 1, NO_REVISION},
		{"file.download_begin", pca_file_download_begin, 1, NO_REVISION},
		{"file.sweep_list", pca_file_sweep_list, 1, 0},
		{"file.sweep_done", pca_file_sweep_done, 1, NO_REVISION},
		{"auth.check", pca_auth_check, 0, 0},
		{"user.new", pca_user_new, 1, NO_REVISION},
		{"user.set", pca_user_set, 1, NO_REVISION},
		{"user.get", pca_user_get, 1, 0},
		{"user.remove", pca_user_remove, 1, NO_REVISION},
		{"retention.status", pca_retention_status, 1, 0},
		{"retention.purge", pca_retention_purge, 1, NO_REVISION},
		{"retention.run_done", pca_retention_run_done, 1, NO_REVISION},
		{"retention.release", pca_retention_release, 1, NO_REVISION},
		{"search.index", pca_search_index, 1, NO_REVISION},
		{"lease.hold", pca_lease_hold_verb, 1, NO_REVISION},
		{"lease.release", pca_lease_release_verb, 1, NO_REVISION},
		{"search.status", pca_search_status, 1, 0},
		{"reload", pca_reload, 1, 1},
		{"feed.get", pca_feed_get, 0, 0},
		{"feed.add", pca_feed_add, 0, FEEDS},
		{"feed.remove", pca_feed_remove, 0, FEEDS},
		{"feed.alerts", pca_feed_alerts, 0, 0},
};

static const struct verb *verb_find(const char *name)
{
	for(size_t i = 0; name && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if(strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int pca_verb_mutates(const char *verb)
{
	const struct verb *v = verb_find(verb);
	if(v == NULL)
		return -1;
	if(v->mutates == FEEDS)
		return 3;
	return v->mutates == NO_REVISION ? 2 : v->mutates != 0;
}

int pca_fail(struct pca_ctx *c, int status, const char *fmt, ...)
{
	va_list ap;
	c->err->status = status;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* Lost connections and lock timeouts can be retried (503); duplicates and rows
 * still referenced are conflicts (409). */
static int db_status(unsigned int errnum)
{
	switch(errnum) {
		case CR_CONNECTION_ERROR:
		case CR_CONN_HOST_ERROR:
		case CR_SERVER_GONE_ERROR:
		case CR_SERVER_LOST:
		case ER_LOCK_DEADLOCK:
		case ER_LOCK_WAIT_TIMEOUT: return 503;
		case ER_DUP_ENTRY:
		case ER_ROW_IS_REFERENCED_2: return 409;
		default: return errnum >= 2000 && errnum < 3000 ? 503 : 500;
	}
}

int pca_db_fail(struct pca_ctx *c, unsigned int errnum, const char *msg)
{
	return pca_fail(c, db_status(errnum), "database error %u: %s", errnum, msg);
}

json_t *pca_count(const char *key, long long n)
{
	return json_pack("{sI}", key, (json_int_t)n);
}

int pca_list(struct pca_ctx *c, json_t *rows, pca_row_fn fn, void *arg, const char *what,
		const char *ref, json_t **result)
{
	if(!rows)
		return -1;
	json_t *out = json_array();
	size_t i;
	json_t *row;
	int rc = 0;
	json_array_foreach(rows, i, row)
	{
		if((rc = fn(c, row, out, arg)) < 0)
			break;
	}
	json_decref(rows);
	if(rc == 0 && ref && json_array_size(out) == 0)
		rc = pca_fail(c, 404, "no %s \"%s\"", what, ref);
	if(rc < 0) {
		json_decref(out);
		return -1;
	}
	*result = out;
	return 0;
}

int pca_bump_revision(struct pca_ctx *c)
{
	long long n = pca_exec(c,
			"UPDATE server_config SET value = CAST(value AS UNSIGNED) + 1"
			" WHERE name = 'revision'",
			P0);
	if(n == 0)
		n = pca_exec(c, "INSERT INTO server_config (name, value) VALUES ('revision', '1')",
				P0);
	return n < 0 ? -1 : 0;
}

/* pca_run has bumped the revision already (reload is a change like any other). */
int pca_reload(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	json_t *row = NULL;
	/* a hand edit of a retention setting: keep_sec computed again */
	if(pca_keys(c, args, keys) < 0 || pca_retention_refresh(c, 0) < 0 ||
			pca_row(c, &row, "SELECT value FROM server_config WHERE name = 'revision'",
					P0) < 0)
		return -1;
	*result = pca_count("revision", row ? pca_col_int(row, 0) : 0);
	json_decref(row);
	return 0;
}

/* The handler inside a transaction, with the revision bumped unless NO_REVISION or
 * FEEDS. */
static int run_change(struct pca_ctx *c, const struct verb *v, json_t *args, json_t **res)
{
	if(mysql_autocommit(c->db, 0))
		return pca_db_fail(c, mysql_errno(c->db), mysql_error(c->db));
	int rc = v->mutates == 1 ? pca_bump_revision(c) : 0;
	if(rc == 0)
		rc = v->fn(c, args, res);
	if(rc == 0 && mysql_commit(c->db))
		rc = pca_db_fail(c, mysql_errno(c->db), mysql_error(c->db));
	if(rc != 0)
		mysql_rollback(c->db);
	mysql_autocommit(c->db, 1);
	return rc;
}

int pca_run(MYSQL *db, const struct pca_actor *actor, const char *verb, json_t *args,
		json_t **result, struct pca_error *err)
{
	struct pca_ctx c = {db, actor ? actor->user : NULL, err, 0, actor ? actor->feeds : NULL};
	const struct verb *v = verb_find(verb);
	*result = NULL;
	err->status = 0;
	err->msg[0] = '\0';
	if(!v)
		return pca_fail(&c, 400, "unknown operation \"%s\"", verb ? verb : "");
	if(c.user && v->admin_only)
		return pca_fail(&c, 403, "%s is for the administrator only", v->name);
	if(args && !json_is_object(args))
		return pca_fail(&c, 400, "the arguments of %s must be an object", v->name);
	json_t *empty = args ? NULL : json_object();
	json_t *res = NULL;
	int rc;
	if(v->mutates == 1 || v->mutates == NO_REVISION || v->mutates == FEEDS)
		rc = run_change(&c, v, args ? args : empty, &res);
	else if(v->mutates == SELF_COMMIT && mysql_autocommit(c.db, 1))
		rc = pca_db_fail(&c, mysql_errno(c.db), mysql_error(c.db));
	else
		rc = v->fn(&c, args ? args : empty, &res);
	json_decref(empty);
	if(rc != 0) {
		json_decref(res);
		return -1;
	}
	*result = res;
	return 0;
}
