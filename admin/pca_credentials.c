/*
 * pca_credentials.c - what a password becomes in the subscriber table: the SIP Digest
 * HA1s Kamailio's auth_db checks (ha1 for a plain user name, ha1b for "user@domain",
 * which pidgin-sipe sends) and the NT hash NTLM needs ([MS-NLMP] 3.3.1, NTOWFv1:
 * MD4 of the password in UTF-16LE).  The password itself is never stored; none of
 * these hashes can be turned into another, so each is computed while the password is
 * at hand (user.new, user.set).
 *
 * MD5 comes from OpenSSL's libcrypto, which the library already uses; the NT hash
 * from common/pchat_ntlm.c, the NTLM core that checks it, on nettle's MD4 (OpenSSL 3
 * has MD4 only in its legacy provider, which a system need not enable).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pca_int.h"
#include "pchat_ntlm.h"

/* The n bytes of md as lowercase hex in out (2n + 1 bytes). */
static void to_hex(const unsigned char *md, size_t n, char *out)
{
	for(size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

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
	to_hex(md, mdlen, out);
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

int pca_nt_hash(const char *password, char out[PCA_HA1_SIZE])
{
	uint8_t md[PCHAT_NTLM_HASH_LEN];
	if(strlen(password) > PCA_PASSWORD_MAX || pchat_ntlm_nt_hash(password, md) < 0)
		return -1;
	to_hex(md, sizeof(md), out);
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

int pca_credentials(const char *user, const char *domain, const char *password,
		struct pca_credentials *out)
{
	char name[300];
	snprintf(name, sizeof(name), "%s@%s", user, domain);
	if(pca_ha1(user, domain, password, out->ha1) < 0 ||
			pca_ha1(name, domain, password, out->ha1b) < 0 ||
			pca_nt_hash(password, out->nt_hash) < 0)
		return -1;
	return 0;
}
