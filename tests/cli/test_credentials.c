/*
 * test_credentials.c - the hashes a password becomes (admin/pca_credentials.c),
 * against known vectors: no database needed.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pca_int.h"

/* [MS-NLMP] 4.2.2.1.2: NTOWFv1("Password") */
Test(credentials, nt_hash_of_ms_nlmp_example)
{
	char nt[PCA_HA1_SIZE];
	cr_assert_eq(pca_nt_hash("Password", nt), 0);
	cr_assert_str_eq(nt, "a4f49c406510bdcab6824ee7c30fd852");
}

/* The empty password's NT hash (the well-known 31d6...), and passwords beyond ASCII:
 * Latin-1 and the euro sign (one UTF-16 unit each), an emoji (a surrogate pair).  The
 * expected values come from an independent path:
 *   printf %s "$p" | iconv -t UTF-16LE | openssl dgst -md4 -provider legacy */
Test(credentials, nt_hash_utf16le_encoding)
{
	char nt[PCA_HA1_SIZE];
	cr_assert_eq(pca_nt_hash("", nt), 0);
	cr_assert_str_eq(nt, "31d6cfe0d16ae931b73c59d7e0c089c0");
	cr_assert_eq(pca_nt_hash("P\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac", nt), 0);
	cr_assert_str_eq(nt, "04e9d4087e1303bea8e5239aa5ddd064");
	cr_assert_eq(pca_nt_hash("p\xf0\x9f\x98\x80", nt), 0);
	cr_assert_str_eq(nt, "ff2fe73a072cf9ba38094a9caa713cf2");
}

Test(credentials, nt_hash_refuses_bad_utf8_and_long_passwords)
{
	char nt[PCA_HA1_SIZE], big[PCA_PASSWORD_MAX + 2];
	const char *bad[] = {"\xff", "a\xc3", "\xc0\xaf" /* overlong '/' */,
			"\xed\xa0\x80" /* a surrogate */, "\xf4\x90\x80\x80" /* > U+10FFFF */};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(pca_nt_hash(bad[i], nt), -1, "bad UTF-8 #%zu", i);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(pca_nt_hash(big, nt), -1);
	big[PCA_PASSWORD_MAX] = '\0'; /* the longest accepted */
	cr_assert_eq(pca_nt_hash(big, nt), 0);
}

/* What sql/demo.sql stores for alice: ha1 for "alice", ha1b for "alice@example.com"
 * (pidgin-sipe's Digest user name), the NT hash. */
Test(credentials, all_hashes_of_the_demo_user)
{
	struct pca_credentials cr;
	cr_assert_eq(pca_credentials("alice", "example.com", "alice", &cr), 0);
	cr_assert_str_eq(cr.ha1, "32c948344f7ae7e43e2217cf62dde3da");
	cr_assert_str_eq(cr.ha1b, "60c1fc74b80837d2dec7151a20462e06");
	cr_assert_str_eq(cr.nt_hash, "4039730e1bf6e10dd01eaac983db4d7c");
}
