/*
 * pca_auth.c - auth.check: the web service's sign-in, against the same subscriber
 * table Kamailio's auth_db uses for SIP Digest (password, or ha1 when only the
 * hash is stored).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pca_int.h"

#define BAD_LOGIN "wrong user name or password"

/* A bare user name: the one domain that has such a user. */
static int only_domain(struct pca_ctx *c, const char *name, char *domain, size_t sz)
{
	json_t *rows = pca_rows(c, "SELECT domain FROM subscriber WHERE username = ?", P(PS(name)));
	if(!rows)
		return -1;
	size_t n = json_array_size(rows);
	if(n == 1)
		snprintf(domain, sz, "%s", pca_col(json_array_get(rows, 0), 0));
	json_decref(rows);
	if(n == 0)
		return pca_fail(c, 403, BAD_LOGIN);
	if(n > 1)
		return pca_fail(c, 400, "there are several users \"%s\": give user@domain", name);
	return 0;
}

int pca_auth_check(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", "password", NULL};
	const char *user, *password;
	char name[128], domain[128], uri[300];
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "user", 1, 255, &user) < 0 ||
			pca_str(c, args, "password", 1, 255, &password) < 0)
		return -1;
	if(strncasecmp(user, "sip:", 4) == 0)
		user += 4;
	const char *at = strchr(user, '@');
	size_t nlen = at ? (size_t)(at - user) : strlen(user);
	if(nlen == 0 || nlen >= sizeof(name) ||
			(at && (!at[1] || strlen(at + 1) >= sizeof(domain))))
		return pca_fail(c, 400, "\"%s\" is not a user name", user);
	snprintf(name, sizeof(name), "%.*s", (int)nlen, user);
	if(at)
		snprintf(domain, sizeof(domain), "%s", at + 1);
	else if(only_domain(c, name, domain, sizeof(domain)) < 0)
		return -1;
	json_t *row = NULL;
	int rc = pca_row(c, &row,
			"SELECT username, domain FROM subscriber"
			" WHERE username = ? AND domain = ? AND ((password <> '' AND password = BINARY ?)"
			" OR (ha1 <> '' AND LOWER(ha1) = MD5(CONCAT(username, ':', domain, ':', ?))))",
			P(PS(name), PS(domain), PS(password), PS(password)));
	if(rc <= 0)
		return rc < 0 ? -1 : pca_fail(c, 403, BAD_LOGIN);
	snprintf(uri, sizeof(uri), "sip:%s@%s", pca_col(row, 0), pca_col(row, 1));
	json_decref(row);
	for(char *p = uri; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	*result = json_pack("{ss}", "user", uri);
	return 0;
}
