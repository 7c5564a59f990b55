/*
 * pca_auth.c - auth.check: the web service's sign-in, against the same subscriber
 * table Kamailio's auth_db uses for SIP Digest.  Only hashes are stored (ha1, ha1b:
 * sql/migrations/007_hashed_passwords.sql), so the password given is checked by
 * computing its HA1 (pca_credentials.c), which is also what Digest needs.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pca_int.h"

#define BAD_LOGIN "wrong user name or password"

/* A bare user name: the one domain that has such a user (none: 403 for a sign-in,
 * which must not tell which names exist, else 404). */
static int only_domain(struct pca_ctx *c, const char *name, int login, char *domain, size_t sz)
{
	json_t *rows = pca_rows(c, "SELECT domain FROM subscriber WHERE username = ?", P(PS(name)));
	if(!rows)
		return -1;
	size_t n = json_array_size(rows);
	if(n == 1)
		snprintf(domain, sz, "%s", pca_col(json_array_get(rows, 0), 0));
	json_decref(rows);
	if(n == 0)
		return login ? pca_fail(c, 403, BAD_LOGIN)
			     : pca_fail(c, 404, "no user \"%s\"", name);
	if(n > 1)
		return pca_fail(c, 400, "there are several users \"%s\": give user@domain", name);
	return 0;
}

int pca_split_user(struct pca_ctx *c, const char *user, int login, char name[128], char domain[128])
{
	if(strncasecmp(user, "sip:", 4) == 0)
		user += 4;
	const char *at = strchr(user, '@');
	size_t nlen = at ? (size_t)(at - user) : strlen(user);
	if(nlen == 0 || nlen >= 128 || (at && (!at[1] || strlen(at + 1) >= 128)))
		return pca_fail(c, 400, "\"%s\" is not a user name", user);
	snprintf(name, 128, "%.*s", (int)nlen, user);
	if(at) {
		snprintf(domain, 128, "%s", at + 1);
		return 0;
	}
	return only_domain(c, name, login, domain, 128);
}

/* row: username, domain, ha1, chat policy.  The HA1 is computed from the stored
 * user name and domain, as Kamailio's was when the row was written. */
static int verify(struct pca_ctx *c, const json_t *row, const char *password, json_t **result)
{
	char ha1[PCA_HA1_SIZE], uri[300];

	if(pca_ha1(pca_col(row, 0), pca_col(row, 1), password, ha1) < 0)
		return pca_fail(c, 500, "cannot compute the password hash (MD5 unavailable)");
	if(!pca_ha1_matches(pca_col(row, 2), ha1))
		return pca_fail(c, 403, BAD_LOGIN);
	snprintf(uri, sizeof(uri), "sip:%s@%s", pca_col(row, 0), pca_col(row, 1));
	for(char *p = uri; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* The room page is part of persistent chat: whom the policy keeps out of chat
	 * (pchat_policy_enabled, as Kamailio applies it) it keeps out of the page. */
	if(pca_col_int(row, 3) != 1)
		return pca_fail(c, 403, "persistent chat is disabled for %s", uri);
	*result = json_pack("{ss}", "user", uri);
	return 0;
}

int pca_auth_check(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", "password", NULL};
	const char *user, *password;
	char name[128], domain[128];
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "user", 1, 255, &user) < 0 ||
			pca_str(c, args, "password", 1, 255, &password) < 0 ||
			pca_split_user(c, user, 1, name, domain) < 0)
		return -1;
	json_t *row = NULL;
	int rc = pca_row(c, &row,
			"SELECT username, domain, ha1,"
			" pchat_policy_enabled(CONCAT('sip:', username, '@', domain))"
			" FROM subscriber WHERE username = ? AND domain = ?",
			P(PS(name), PS(domain)));
	if(rc <= 0)
		return rc < 0 ? -1 : pca_fail(c, 403, BAD_LOGIN);
	rc = verify(c, row, password, result);
	json_decref(row);
	return rc;
}
