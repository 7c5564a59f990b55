/*
 * pca_credentials.c - what a password becomes in the subscriber table: the SIP Digest
 * HA1s Kamailio's auth_db checks (ha1 for a plain user name, ha1b for "user@domain",
 * which pidgin-sipe sends) and the NT hash NTLM needs ([MS-NLMP] 3.3.1, NTOWFv1:
 * MD4 of the password in UTF-16LE).  The password itself is never stored; none of
 * these hashes can be turned into another, so each is computed while the password is
 * at hand (user.new, user.set).
 *
 * MD5 comes from OpenSSL's libcrypto, which the library already uses; MD4 from
 * nettle (nettle-dev): OpenSSL 3 has MD4 only in its legacy provider, which a
 * system need not enable, and a hand-written MD4 would be code of our own to trust.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <nettle/md4.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "pca_int.h"

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

/* The next code point of the UTF-8 text at *s (advanced past it), or -1 if the bytes
 * there are not well-formed UTF-8 (overlong forms and surrogates included). */
static long utf8_next(const unsigned char **s)
{
	const unsigned char *p = *s;
	long cp;
	int len;
	if(p[0] < 0x80)
		cp = p[0], len = 1;
	else if((p[0] & 0xE0) == 0xC0)
		cp = p[0] & 0x1F, len = 2;
	else if((p[0] & 0xF0) == 0xE0)
		cp = p[0] & 0x0F, len = 3;
	else if((p[0] & 0xF8) == 0xF0)
		cp = p[0] & 0x07, len = 4;
	else
		return -1;
	for(int i = 1; i < len; i++) {
		if((p[i] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	if(cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*s = p + len;
	return cp;
}

/* password (UTF-8) as UTF-16LE in out (at most cap bytes): its length, or -1. */
static long utf16le(const char *password, unsigned char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)password;
	size_t n = 0;
	while(*s) {
		long cp = utf8_next(&s);
		if(cp < 0 || n + 4 > cap)
			return -1;
		if(cp >= 0x10000) { /* a surrogate pair */
			cp -= 0x10000;
			long hi = 0xD800 | (cp >> 10);
			out[n++] = (unsigned char)(hi & 0xFF);
			out[n++] = (unsigned char)(hi >> 8);
			cp = 0xDC00 | (cp & 0x3FF);
		}
		out[n++] = (unsigned char)(cp & 0xFF);
		out[n++] = (unsigned char)(cp >> 8);
	}
	return (long)n;
}

int pca_nt_hash(const char *password, char out[PCA_HA1_SIZE])
{
	/* UTF-8 takes at least as many bytes as UTF-16 per code point, but for ASCII
	 * (1 byte, 2 in UTF-16): twice the password's length is always enough */
	unsigned char u16[2 * PCA_PASSWORD_MAX + 4], md[MD4_DIGEST_SIZE];
	struct md4_ctx ctx;
	long n = strlen(password) <= PCA_PASSWORD_MAX ? utf16le(password, u16, sizeof(u16)) : -1;
	if(n < 0)
		return -1;
	md4_init(&ctx);
	md4_update(&ctx, (size_t)n, u16);
	md4_digest(&ctx, sizeof(md), md);
	OPENSSL_cleanse(u16, sizeof(u16)); /* the password */
	OPENSSL_cleanse(&ctx, sizeof(ctx));
	to_hex(md, sizeof(md), out);
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
