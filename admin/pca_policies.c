/*
 * pca_policies.c - policy.new/set/get/remove/grant: the named chat policies of
 * sql/migrations/005 ('global', 'site:<domain>', 'tag:<name>') and their grants.
 * The effective policy of a user is the rule of SQL pchat_policy_enabled(),
 * told with where it comes from.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pca_int.h"

#define POLICY_SELECT "SELECT id, identity, enabled, description FROM chat_policies"

/* identity in its stored form into out ('site:' domains in lower case). */
static int identity(struct pca_ctx *c, const char *in, int tag_only, char *out, size_t sz)
{
	if(!tag_only && strcasecmp(in, "global") == 0) {
		snprintf(out, sz, "global");
		return 0;
	}
	if(!tag_only && strncasecmp(in, "site:", 5) == 0) {
		char dom[240];
		if(pca_principal(c, in + 5, 0, dom, sizeof(dom)) < 0 || strchr(dom, '@'))
			return pca_fail(c, 400, "\"%s\": a site policy is site:<SIP domain>", in);
		snprintf(out, sz, "site:%s", dom);
		return 0;
	}
	if(strncasecmp(in, "tag:", 4) == 0 && in[4] && strlen(in) < sz) {
		snprintf(out, sz, "tag:%s", in + 4);
		return 0;
	}
	return pca_fail(c, 400,
			tag_only ? "\"%s\" is not a policy to grant (tag:<name>)"
				 : "\"%s\" is not a policy (global, site:<domain> or tag:<name>)",
			in);
}

static int policy_obj(struct pca_ctx *c, const json_t *row, json_t **obj)
{
	json_t *grants = pca_rows(c,
			"SELECT principal FROM chat_policy_grants"
			" WHERE policy_id = ? ORDER BY principal",
			P(PI(pca_col_int(row, 0))));
	if(!grants)
		return -1;
	json_t *list = json_array();
	size_t i;
	json_t *g;
	json_array_foreach(grants, i, g)
	{
		json_array_append(list, json_array_get(g, 0));
	}
	json_decref(grants);
	*obj = json_pack("{s:O,s:o,s:O,s:o}", "identity", json_array_get(row, 1), "enabled",
			pca_col_bool(row, 2), "description", json_array_get(row, 3), "grants",
			list);
	return 0;
}

static int policy_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	json_t *obj;
	(void)arg;
	if(policy_obj(c, row, &obj) < 0)
		return -1;
	return json_array_append_new(out, obj);
}

/* The policy of args["identity"]: 1 (row set), 0 (404), -1. */
static int policy_find(struct pca_ctx *c, const json_t *args, char *id, size_t sz, json_t **row)
{
	const char *in;
	if(pca_str(c, args, "identity", 1, 255, &in) < 0 || identity(c, in, 0, id, sz) < 0)
		return -1;
	int rc = pca_row(c, row, POLICY_SELECT " WHERE identity = ?", P(PS(id)));
	return rc == 0 ? (pca_fail(c, 404, "no policy \"%s\"", id), 0) : rc;
}

static int policy_result(struct pca_ctx *c, const char *id, json_t **result)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row, POLICY_SELECT " WHERE identity = ?", P(PS(id)));
	if(rc > 0)
		rc = policy_obj(c, row, result);
	json_decref(row);
	return rc < 0 ? -1 : 0;
}

static int policy_update(struct pca_ctx *c, const json_t *args, const char *id)
{
	int enabled;
	const char *desc;
	int has = pca_bool(c, args, "enabled", &enabled);
	if(has < 0 || pca_str(c, args, "description", 0, 1024, &desc) < 0)
		return -1;
	if((has &&
			   pca_exec(c, "UPDATE chat_policies SET enabled = ? WHERE identity = ?",
					   P(PI(enabled), PS(id))) < 0) ||
			(desc &&
					pca_exec(c, "UPDATE chat_policies SET description = ? WHERE identity = ?",
							P(PS(desc), PS(id))) < 0))
		return -1;
	return 0;
}

int pca_policy_new(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"identity", "enabled", "description", NULL};
	char id[256];
	json_t *row = NULL;
	int enabled;
	if(pca_keys(c, args, keys) < 0)
		return -1;
	int rc = policy_find(c, args, id, sizeof(id), &row);
	json_decref(row);
	if(rc != 0)
		return rc < 0 ? -1 : pca_fail(c, 409, "policy \"%s\" exists already", id);
	if((rc = pca_bool(c, args, "enabled", &enabled)) <= 0)
		return rc < 0 ? -1 : pca_fail(c, 400, "\"enabled\" is required");
	if(pca_exec(c, "INSERT INTO chat_policies (identity, enabled) VALUES (?, ?)",
			   P(PS(id), PI(enabled))) < 0 ||
			policy_update(c, args, id) < 0)
		return -1;
	return policy_result(c, id, result);
}

int pca_policy_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"identity", "enabled", "description", NULL};
	char id[256];
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || policy_find(c, args, id, sizeof(id), &row) <= 0)
		return -1;
	json_decref(row);
	if(policy_update(c, args, id) < 0)
		return -1;
	return policy_result(c, id, result);
}

int pca_policy_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"identity", NULL};
	char id[256];
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || policy_find(c, args, id, sizeof(id), &row) <= 0)
		return -1;
	json_decref(row);
	/* without it nobody not otherwise covered could chat: as the reference, keep it */
	if(strcmp(id, "global") == 0)
		return pca_fail(c, 409,
				"the global policy cannot be removed (set --enabled instead)");
	if(pca_exec(c, "DELETE FROM chat_policies WHERE identity = ?", P(PS(id))) < 0)
		return -1;
	*result = pca_count("removed", 1);
	return 0;
}

/* The effective policy of user, with "grant" saying where it comes from; "enabled"
 * is what the SQL function pchat_policy_enabled() - the rule Kamailio applies -
 * answers, so the CLI can never tell a different story from the one enforced. */
static int effective(struct pca_ctx *c, const char *user, json_t **result)
{
	char uri[256], site[300];
	json_t *row = NULL, *obj = NULL;
	if(pca_principal(c, user, 1, uri, sizeof(uri)) < 0)
		return -1;
	const char *dom = strchr(uri, '@') + 1;
	snprintf(site, sizeof(site), "site:%s", dom);
	int rc = pca_row(c, &row,
			"SELECT p.id, p.identity, pchat_policy_enabled(?),"
			" p.description, w.why"
			" FROM (SELECT 1 AS o, policy_id AS id, principal AS why"
			"  FROM chat_policy_grants WHERE principal = ?"
			" UNION ALL SELECT 2, policy_id, principal FROM chat_policy_grants"
			"  WHERE principal = ?"
			" UNION ALL SELECT 3, id, identity FROM chat_policies WHERE identity = ?"
			" UNION ALL SELECT 4, id, identity FROM chat_policies WHERE identity = 'global')"
			" w JOIN chat_policies p ON p.id = w.id ORDER BY w.o LIMIT 1",
			P(PS(uri), PS(uri), PS(dom), PS(site)));
	if(rc == 0)
		*result = json_pack("[{s:n,s:b,s:s,s:[],s:n}]", "identity", "enabled", 0,
				"description", "no policy applies: persistent chat is disabled",
				"grants", "grant");
	if(rc <= 0)
		return rc;
	rc = policy_obj(c, row, &obj);
	if(rc == 0) {
		json_object_set(obj, "grant", json_array_get(row, 4));
		*result = json_pack("[o]", obj);
	}
	json_decref(row);
	return rc;
}

int pca_policy_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"identity", "user", NULL};
	const char *user;
	json_t *rows;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "user", 0, 255, &user) < 0)
		return -1;
	if(user && json_object_get(args, "identity"))
		return pca_fail(c, 400, "give \"identity\" or \"user\", not both");
	if(user)
		return effective(c, user, result);
	if(json_object_get(args, "identity")) {
		json_t *row = NULL;
		char id[256];
		if(policy_find(c, args, id, sizeof(id), &row) <= 0)
			return -1;
		rows = json_pack("[o]", row);
	} else {
		rows = pca_rows(c, POLICY_SELECT " ORDER BY identity", P0);
	}
	return pca_list(c, rows, policy_out, NULL, "policy", NULL, result);
}

/* The principal a grant is for: args "user" or "site" (exactly one). */
static int grantee(struct pca_ctx *c, const json_t *args, char *out, size_t sz)
{
	const char *user, *site;
	if(pca_str(c, args, "user", 0, 255, &user) < 0 ||
			pca_str(c, args, "site", 0, 255, &site) < 0)
		return -1;
	if(!user == !site)
		return pca_fail(c, 400, "give either \"user\" or \"site\"");
	if(user)
		return pca_principal(c, user, 1, out, sz);
	if(strncasecmp(site, "site:", 5) == 0)
		site += 5;
	if(pca_principal(c, site, 0, out, sz) < 0 || strchr(out, '@'))
		return pca_fail(c, 400, "\"%s\" is not a SIP domain", site);
	return 0;
}

int pca_policy_grant(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"policy", "user", "site", NULL};
	char who[256], id[256];
	const char *pol;
	json_t *row = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "policy", 0, 255, &pol) < 0 ||
			grantee(c, args, who, sizeof(who)) < 0)
		return -1;
	if(!pol && !json_is_null(json_object_get(args, "policy")))
		return pca_fail(c, 400,
				"\"policy\" is required (a tag:<name> policy, or null to revoke)");
	if(!pol) {
		long long n = pca_exec(c, "DELETE FROM chat_policy_grants WHERE principal = ?",
				P(PS(who)));
		*result = json_pack("{s:n,s:s}", "granted", "principal", who);
		return n < 0 ? -1 : 0;
	}
	if(identity(c, pol, 1, id, sizeof(id)) < 0)
		return -1;
	int rc = pca_row(c, &row, POLICY_SELECT " WHERE identity = ?", P(PS(id)));
	if(rc <= 0)
		return rc < 0 ? -1 : pca_fail(c, 404, "no policy \"%s\"", id);
	long long n = pca_exec(c,
			"INSERT INTO chat_policy_grants (principal, policy_id)"
			" VALUES (?, ?) ON DUPLICATE KEY UPDATE policy_id = VALUES(policy_id)",
			P(PS(who), PI(pca_col_int(row, 0))));
	json_decref(row);
	if(n < 0)
		return -1;
	*result = json_pack("{s:s,s:s}", "granted", id, "principal", who);
	return 0;
}
