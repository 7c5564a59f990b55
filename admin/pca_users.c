/*
 * pca_users.c - user.new, user.set, user.get, user.remove: the SIP users of the
 * subscriber table Kamailio's auth_db and the web sign-in (pca_auth.c) read.  A
 * password given here becomes every hash the SIP side needs (pca_credentials.c:
 * ha1, ha1b for Digest, nt_hash for NTLM); the password itself is never stored and
 * never shown, nor are the hashes (whoever has them can answer challenges).
 *
 * Names are stored in lower case: the hashes are computed from them, and a client
 * signs in with the name as stored (docs/OPERATIONS.md, "Users and passwords").
 * Removing a user removes only their credentials: their posts, grants and feeds stay.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "pca_int.h"

/* username, domain, has Digest hashes, has the NT hash, chat policy */
#define USER_COLS                                                           \
	"SELECT username, domain, ha1 <> '' AND ha1b <> '', nt_hash <> ''," \
	" pchat_policy_enabled(CONCAT('sip:', username, '@', domain)) FROM subscriber"

/* RFC 3261's user-unreserved and unreserved characters but '?', '/' and escapes:
 * nothing that would need quoting in a URI or change what is hashed. */
static int user_char(int ch)
{
	return isalnum(ch) || (ch && strchr("-_.!~*'()&=+$,;", ch));
}

/* A domain: letters, digits, '-' and '.' between labels. */
static int domain_ok(const char *d)
{
	if(!*d || *d == '.' || d[strlen(d) - 1] == '.' || strstr(d, ".."))
		return 0;
	for(; *d; d++)
		if(!isalnum((unsigned char)*d) && *d != '-' && *d != '.')
			return 0;
	return 1;
}

/* args' "user" into lower-case name and domain: a new user must give user@domain
 * (is_new), an existing one may be named alone when one domain has it. */
static int user_arg(
		struct pca_ctx *c, const json_t *args, int is_new, char name[128], char domain[128])
{
	const char *user;
	if(pca_str(c, args, "user", 1, 255, &user) < 0)
		return -1;
	if(is_new && !strchr(user, '@'))
		return pca_fail(c, 400, "give the new user as user@domain, not \"%s\"", user);
	if(pca_split_user(c, user, 0, name, domain) < 0)
		return -1;
	for(char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for(char *p = domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int ok = strlen(name) <= 64 && strlen(domain) <= 64 && domain_ok(domain);
	for(const char *p = name; ok && *p; p++)
		ok = user_char((unsigned char)*p);
	if(!ok)
		return pca_fail(c, 400,
				"\"%s\" is not a SIP user: user@domain, at most 64 characters "
				"each, the user of letters, digits and -_.!~*'()&=+$,; and the "
				"domain a host name",
				user);
	return 0;
}

/* The hashes of args' "password" (required) for name@domain in *cr. */
static int password_arg(struct pca_ctx *c, const json_t *args, const char *name, const char *domain,
		struct pca_credentials *cr)
{
	const char *password;
	if(pca_str(c, args, "password", 1, PCA_PASSWORD_MAX, &password) < 0)
		return -1;
	if(pca_credentials(name, domain, password, cr) < 0)
		return pca_fail(c, 500, "cannot compute the password's hashes");
	return 0;
}

/* row (USER_COLS) as {user, name, domain, digest, ntlm, chat}. */
static int user_obj(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	char uri[300];
	(void)c;
	(void)arg;
	snprintf(uri, sizeof(uri), "sip:%s@%s", pca_col(row, 0), pca_col(row, 1));
	json_array_append_new(out,
			json_pack("{ss ss ss so so so}", "user", uri, "name", pca_col(row, 0),
					"domain", pca_col(row, 1), "digest", pca_col_bool(row, 2),
					"ntlm", pca_col_bool(row, 3), "chat",
					pca_col_bool(row, 4)));
	return 0;
}

/* The users named: name@domain, or all (name NULL), as a list in *result. */
static int user_list(struct pca_ctx *c, const char *name, const char *domain, json_t **result)
{
	char ref[300];
	if(!name)
		return pca_list(c, pca_rows(c, USER_COLS " ORDER BY domain, username", P0),
				user_obj, NULL, "user", NULL, result);
	snprintf(ref, sizeof(ref), "sip:%s@%s", name, domain);
	return pca_list(c,
			pca_rows(c, USER_COLS " WHERE username = ? AND domain = ?",
					P(PS(name), PS(domain))),
			user_obj, NULL, "user", ref, result);
}

/* The one user name@domain as the verb's result (an object, not a list). */
static int user_result(struct pca_ctx *c, const char *name, const char *domain, json_t **result)
{
	json_t *list = NULL;
	if(user_list(c, name, domain, &list) < 0)
		return -1;
	*result = json_incref(json_array_get(list, 0));
	json_decref(list);
	return 0;
}

/* Does name@domain exist?  1, 0, -1. */
static int user_exists(struct pca_ctx *c, const char *name, const char *domain)
{
	json_t *row = NULL;
	int rc = pca_row(c, &row, "SELECT 1 FROM subscriber WHERE username = ? AND domain = ?",
			P(PS(name), PS(domain)));
	json_decref(row);
	return rc;
}

int pca_user_new(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", "password", NULL};
	char name[128], domain[128];
	struct pca_credentials cr;
	if(pca_keys(c, args, keys) < 0 || user_arg(c, args, 1, name, domain) < 0)
		return -1;
	int rc = user_exists(c, name, domain);
	if(rc != 0)
		return rc < 0 ? -1
			      : pca_fail(c, 409, "user sip:%s@%s exists already", name, domain);
	if(password_arg(c, args, name, domain, &cr) < 0)
		return -1;
	long long n = pca_exec(c,
			"INSERT INTO subscriber (username, domain, ha1, ha1b, nt_hash)"
			" VALUES (?, ?, ?, ?, ?)",
			P(PS(name), PS(domain), PS(cr.ha1), PS(cr.ha1b), PS(cr.nt_hash)));
	OPENSSL_cleanse(&cr, sizeof(cr));
	return n < 0 ? -1 : user_result(c, name, domain, result);
}

int pca_user_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", "password", NULL};
	char name[128], domain[128];
	struct pca_credentials cr;
	if(pca_keys(c, args, keys) < 0 || user_arg(c, args, 0, name, domain) < 0)
		return -1;
	int rc = user_exists(c, name, domain);
	if(rc <= 0)
		return rc < 0 ? -1 : pca_fail(c, 404, "no user sip:%s@%s", name, domain);
	if(password_arg(c, args, name, domain, &cr) < 0)
		return -1;
	long long n = pca_exec(c,
			"UPDATE subscriber SET ha1 = ?, ha1b = ?, nt_hash = ?"
			" WHERE username = ? AND domain = ?",
			P(PS(cr.ha1), PS(cr.ha1b), PS(cr.nt_hash), PS(name), PS(domain)));
	OPENSSL_cleanse(&cr, sizeof(cr));
	return n < 0 ? -1 : user_result(c, name, domain, result);
}

int pca_user_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", NULL};
	char name[128], domain[128];
	if(pca_keys(c, args, keys) < 0)
		return -1;
	if(!json_object_get(args, "user"))
		return user_list(c, NULL, NULL, result);
	return user_arg(c, args, 0, name, domain) < 0 ? -1 : user_list(c, name, domain, result);
}

int pca_user_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"user", NULL};
	char name[128], domain[128];
	if(pca_keys(c, args, keys) < 0 || user_arg(c, args, 0, name, domain) < 0)
		return -1;
	long long n = pca_exec(c, "DELETE FROM subscriber WHERE username = ? AND domain = ?",
			P(PS(name), PS(domain)));
	if(n < 0)
		return -1;
	if(n == 0)
		return pca_fail(c, 404, "no user sip:%s@%s", name, domain);
	*result = pca_count("removed", n);
	return 0;
}
