/*
 * pca_auth.c - auth.check: the web service's sign-in, against the same subscriber
 * table Kamailio's auth_db uses for SIP Digest.  Only hashes are stored (ha1, ha1b:
 * sql/migrations/007_hashed_passwords.sql), so the password given is checked by
 * computing its HA1, which is also what Digest needs.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pca_int.h"

#define BAD_LOGIN "wrong user name or password"

int pca_ha1(const char *user, const char *realm, const char *password, char out[PCA_HA1_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char a1[800];
	int n = snprintf(a1, sizeof(a1), "%s:%s:%s", user, realm, password);

	if(n < 0 || (size_t)n >= sizeof(a1) ||
			!EVP_Digest(a1, (size_t)n, md, &mdlen, EVP_md5(), NULL) ||
			mdlen * 2 + 1 != PCA_HA1_SIZE) {
		OPENSSL_cleanse(a1, sizeof(a1));
		return -1;
	}
	OPENSSL_cleanse(a1, sizeof(a1)); /* it holds the password */
	for(size_t i = 0; i < mdlen; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int pca_ha1_matches(const char *stored, const char computed[PCA_HA1_SIZE])
{
	char lower[PCA_HA1_SIZE];

	if(strlen(stored) != PCA_HA1_SIZE - 1)
		return 0; /* the length is no secret: every HA1 has 32 digits */
	for(size_t i = 0; i < PCA_HA1_SIZE; i++)
		lower[i] = (char)tolower((unsigned char)stored[i]);
	/* constant time: how much of a guess is right must not show in the timing */
	return CRYPTO_memcmp(lower, computed, PCA_HA1_SIZE - 1) == 0;
}

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

/* Splits user ("alice", "alice@example.com", "sip:alice@example.com") into name and
 * domain (looked up when not given). */
static int split_user(struct pca_ctx *c, const char *user, char name[128], char domain[128])
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
	return only_domain(c, name, domain, 128);
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
			split_user(c, user, name, domain) < 0)
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
