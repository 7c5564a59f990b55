/*
 * test_args.c - the administration library's argument checking (admin/pca_args.c):
 * no database needed.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "pca_int.h"

static struct pca_error err;
static struct pca_ctx ctx = {NULL, NULL, &err, 0, NULL};

static json_t *args(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	cr_assert(j, "bad test JSON: %s", je.text);
	return j;
}

Test(principal, users_and_domains_normalized)
{
	char p[256];
	cr_assert_eq(pca_principal(&ctx, "Alice@Example.COM", 0, p, sizeof(p)), 0);
	cr_assert_str_eq(p, "sip:alice@example.com");
	cr_assert_eq(pca_principal(&ctx, "SIP:bob@example.com", 1, p, sizeof(p)), 0);
	cr_assert_str_eq(p, "sip:bob@example.com");
	cr_assert_eq(pca_principal(&ctx, "Example.org", 0, p, sizeof(p)), 0);
	cr_assert_str_eq(p, "example.org");
}

Test(principal, bad_ones_refused)
{
	char p[256];
	const char *bad[] = {"", "a b@example.com", "@example.com", "alice@", "sip:example.com",
			"alice@exa mple.com", "a,b", "x@y@z"};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.status = 0;
		cr_assert_eq(pca_principal(&ctx, bad[i], 0, p, sizeof(p)), -1, "%s", bad[i]);
		cr_assert_eq(err.status, 400);
	}
	cr_assert_eq(pca_principal(&ctx, "example.com", 1, p, sizeof(p)), -1,
			"a domain is not a user");
	cr_assert(strstr(err.msg, "not a user"));
}

Test(time, iso_forms)
{
	char t[PCA_TIME_LEN];
	json_t *a = args("{\"a\":\"2024-05-01\",\"b\":\"2024-05-01T12:34:56Z\","
			 "\"c\":\"2024-05-01 12:34:56.5\",\"d\":\"2024-05-01T12:34Z\"}");
	cr_assert_eq(pca_time(&ctx, a, "a", t), 1);
	cr_assert_str_eq(t, "2024-05-01 00:00:00.000");
	cr_assert_eq(pca_time(&ctx, a, "b", t), 1);
	cr_assert_str_eq(t, "2024-05-01 12:34:56.000");
	cr_assert_eq(pca_time(&ctx, a, "c", t), 1);
	cr_assert_str_eq(t, "2024-05-01 12:34:56.500");
	cr_assert_eq(pca_time(&ctx, a, "d", t), 1);
	cr_assert_str_eq(t, "2024-05-01 12:34:00.000");
	cr_assert_eq(pca_time(&ctx, a, "absent", t), 0);
	json_decref(a);
}

Test(time, bad_ones_refused)
{
	char t[PCA_TIME_LEN];
	json_t *a = args("{\"a\":\"yesterday\",\"b\":\"2024-13-01\",\"c\":\"2024-05-01T25:00\","
			 "\"d\":\"2024-05-01+02:00\",\"e\":5}");
	const char *keys[] = {"a", "b", "c", "d", "e"};
	for(size_t i = 0; i < 5; i++) {
		cr_assert_eq(pca_time(&ctx, a, keys[i], t), -1, "%s", keys[i]);
		cr_assert_eq(err.status, 400);
	}
	json_decref(a);
}

Test(listop, array_replaces)
{
	struct pca_listop op;
	json_t *a = args("{\"m\":[\"Bob@Example.com\",\"example.org\",\"bob@example.com\"]}");
	cr_assert_eq(pca_listop(&ctx, a, "m", &op), 1);
	cr_assert_eq(json_array_size(op.set), 2, "duplicates dropped");
	cr_assert_str_eq(json_string_value(json_array_get(op.set, 0)), "sip:bob@example.com");
	cr_assert_null(op.add);
	pca_listop_free(&op);
	cr_assert_eq(pca_listop(&ctx, a, "absent", &op), 0);
	json_decref(a);
}

Test(listop, edits)
{
	struct pca_listop op;
	json_t *a = args("{\"m\":{\"add\":[\"a@x.org\"],\"remove\":[\"x.org\"]},"
			 "\"bad\":{\"put\":[]},\"worse\":\"a@x.org\",\"nope\":[\"a b\"]}");
	cr_assert_eq(pca_listop(&ctx, a, "m", &op), 1);
	cr_assert_str_eq(json_string_value(json_array_get(op.add, 0)), "sip:a@x.org");
	cr_assert_str_eq(json_string_value(json_array_get(op.remove, 0)), "x.org");
	pca_listop_free(&op);
	cr_assert_eq(pca_listop(&ctx, a, "bad", &op), -1);
	cr_assert(strstr(err.msg, "\"put\""), "names the field: %s", err.msg);
	cr_assert_eq(pca_listop(&ctx, a, "worse", &op), -1);
	cr_assert_eq(pca_listop(&ctx, a, "nope", &op), -1);
	json_decref(a);
}

Test(fields, unknown_field_named)
{
	static const char *const keys[] = {"name", "topic", NULL};
	json_t *a = args("{\"name\":\"x\",\"colour\":\"red\"}");
	cr_assert_eq(pca_keys(&ctx, a, keys), -1);
	cr_assert_eq(err.status, 400);
	cr_assert_str_eq(err.msg, "unknown field \"colour\"");
	json_decref(a);
}

Test(fields, types_and_ranges)
{
	static const char *const names[] = {"open", "closed", "secret", NULL};
	json_t *a = args("{\"s\":\"\",\"n\":501,\"b\":\"yes\",\"e\":\"Closed\",\"f\":\"hidden\"}");
	const char *s;
	long long n;
	int b, e;
	cr_assert_eq(pca_str(&ctx, a, "s", 1, 10, &s), -1, "required and empty");
	cr_assert_eq(pca_int(&ctx, a, "n", 1, 500, &n), -1);
	cr_assert(strstr(err.msg, "1 to 500"));
	cr_assert_eq(pca_bool(&ctx, a, "b", &b), -1);
	cr_assert_eq(pca_enum(&ctx, a, "e", names, &e), 1);
	cr_assert_eq(e, 1);
	cr_assert_eq(pca_enum(&ctx, a, "f", names, &e), -1);
	cr_assert_str_eq(err.msg, "\"f\" must be open, closed or secret");
	json_decref(a);
}

/* compliance_config.adapter_type: "" is off, and the message says it may be given. */
Test(fields, enum_with_an_empty_name)
{
	static const char *const types[] = {"", "XML", "Actiance", NULL};
	json_t *a = args("{\"off\":\"\",\"x\":\"xml\",\"a\":\"ACTIANCE\",\"c\":\"CSV\"}");
	int e = -1;
	cr_assert_eq(pca_enum(&ctx, a, "off", types, &e), 1);
	cr_assert_eq(e, 0);
	cr_assert_eq(pca_enum(&ctx, a, "x", types, &e), 1);
	cr_assert_eq(e, 1);
	cr_assert_eq(pca_enum(&ctx, a, "a", types, &e), 1);
	cr_assert_eq(e, 2);
	cr_assert_eq(pca_enum(&ctx, a, "c", types, &e), -1);
	cr_assert_str_eq(err.msg, "\"c\" must be \"\", XML or Actiance");
	json_decref(a);
}

Test(verbs, mutating_and_unknown)
{
	cr_assert_eq(pca_verb_mutates("room.new"), 1);
	cr_assert_eq(pca_verb_mutates("room.get"), 0);
	cr_assert_eq(pca_verb_mutates("auth.check"), 0);
	cr_assert_eq(pca_verb_mutates("reload"), 1);
	cr_assert_eq(pca_verb_mutates("room.frob"), -1);
	cr_assert_eq(pca_verb_mutates("compliance.get"), 0);
	cr_assert_eq(pca_verb_mutates("compliance.status"), 0);
	cr_assert_eq(pca_verb_mutates("compliance.set"), 1);
	cr_assert_eq(pca_verb_mutates("compliance.run"), 1, "it commits its request");
	cr_assert_eq(pca_verb_mutates("file.list_room"), 0);
	cr_assert_eq(pca_verb_mutates("file.download_token"), 2,
			"a token changes no room: the web service does not reload them");
	cr_assert_eq(pca_verb_mutates("file.upload_complete"), 2);
	cr_assert_eq(pca_verb_mutates("feed.add"), 3,
			"a feed changes no room: pchatd reloads its feed index, not the rooms");
	cr_assert_eq(pca_verb_mutates("feed.remove"), 3);
	cr_assert_eq(pca_verb_mutates("feed.get"), 0);
	cr_assert_eq(pca_verb_mutates("feed.alerts"), 0);
}

Test(verbs, users_refused_admin_verbs_without_database)
{
	struct pca_actor alice = {.user = "sip:alice@example.com"};
	json_t *res = NULL;
	cr_assert_eq(pca_run(NULL, &alice, "config.set", NULL, &res, &err), -1);
	cr_assert_eq(err.status, 403);
	cr_assert_null(res);
	/* compliance.run blocks: no user (the web service) may reach it */
	cr_assert_eq(pca_run(NULL, &alice, "compliance.run", NULL, &res, &err), -1);
	cr_assert_eq(err.status, 403);
	cr_assert_eq(pca_run(NULL, NULL, "nope", NULL, &res, &err), -1);
	cr_assert_eq(err.status, 400);
}

/* The SIP Digest HA1 that the web sign-in compares with subscriber.ha1. */
Test(auth, ha1_of_known_vectors)
{
	char ha1[PCA_HA1_SIZE];
	/* RFC 2617, section 3.5 */
	cr_assert_eq(pca_ha1("Mufasa", "testrealm@host.com", "Circle Of Life", ha1), 0);
	cr_assert_str_eq(ha1, "939e7578ed9e3c518a452acee763bce9");
	/* the demo's alice: printf 'alice:example.com:alice' | md5sum */
	cr_assert_eq(pca_ha1("alice", "example.com", "alice", ha1), 0);
	cr_assert_str_eq(ha1, "32c948344f7ae7e43e2217cf62dde3da");
}

Test(auth, ha1_matches_either_case_and_nothing_else)
{
	char ha1[PCA_HA1_SIZE];
	cr_assert_eq(pca_ha1("alice", "example.com", "alice", ha1), 0);
	cr_assert(pca_ha1_matches("32c948344f7ae7e43e2217cf62dde3da", ha1));
	cr_assert(pca_ha1_matches("32C948344F7AE7E43E2217CF62DDE3DA", ha1), "hex in capitals");
	cr_assert_not(pca_ha1_matches("32c948344f7ae7e43e2217cf62dde3db", ha1), "last digit");
	cr_assert_not(pca_ha1_matches("22c948344f7ae7e43e2217cf62dde3da", ha1), "first digit");
	cr_assert_not(pca_ha1_matches("32c948344f7ae7e43e2217cf62dde3d", ha1), "too short");
	cr_assert_not(pca_ha1_matches("32c948344f7ae7e43e2217cf62dde3da0", ha1), "too long");
	cr_assert_not(pca_ha1_matches("", ha1), "no hash stored");
}

Test(auth, a1_too_long_is_refused)
{
	char ha1[PCA_HA1_SIZE], big[900];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(pca_ha1("alice", "example.com", big, ha1), -1);
}
