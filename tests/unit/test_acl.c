/*
 * test_acl.c - the access rules (common/pchat_acl.c), one test per rule.
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif

#include "../../common/pchat_acl.h"

#define ALICE "sip:alice@example.com"
#define BOB "sip:bob@example.com"
#define EVE "sip:eve@other.org"

#define LIST(...)                                              \
	((struct acl_list){(const char *const[]){__VA_ARGS__}, \
			sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)})
static const struct acl_list none = {0};

static const char *const alice_v[] = {ALICE}, *const example_v[] = {"example.com"};

/* A room of a category that allows example.com, with alice as its only member. */
static struct acl_room room(enum acl_privacy p, enum acl_type t)
{
	return (struct acl_room){p, t, 0, {alice_v, 1}, none, none, {example_v, 1}, none};
}

Test(acl, principals_are_users_or_domains_case_insensitive)
{
	cr_assert(acl_principal_matches("sip:Alice@Example.com", ALICE));
	cr_assert(acl_principal_matches("EXAMPLE.com", ALICE));
	cr_assert_not(acl_principal_matches("example.com", EVE));
	cr_assert_not(acl_principal_matches("sip:alice@example.co", ALICE));
	cr_assert_not(acl_principal_matches("ample.com", ALICE), "no suffix matching");
	cr_assert_not(acl_principal_matches("", ALICE));
	cr_assert_not(acl_principal_matches(NULL, ALICE));
	cr_assert_not(acl_principal_matches("example.com", "sip:nodomain"));
	cr_assert(acl_list_matches(&LIST("other.org", "sip:bob@example.com"), BOB));
	cr_assert_not(acl_list_matches(&none, BOB));
}

Test(acl, open_rooms_admit_every_allowed_user)
{
	struct acl_room r = room(ACL_OPEN, ACL_NORMAL);
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE | ACL_JOIN | ACL_POST);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_JOIN | ACL_POST);
}

Test(acl, users_the_category_does_not_allow_have_no_right)
{
	struct acl_room r = room(ACL_OPEN, ACL_NORMAL);
	r.members = LIST(EVE);
	r.managers = LIST(EVE);
	cr_assert_eq(acl_rights(&r, EVE), 0, "not even as member and manager");
}

Test(acl, denied_overrides_everything)
{
	struct acl_room r = room(ACL_OPEN, ACL_NORMAL);
	r.managers = LIST(ALICE);
	r.presenters = LIST(ALICE);
	r.denied = LIST(ALICE);
	cr_assert_eq(acl_rights(&r, ALICE), 0);
	r.denied = LIST("example.com");
	cr_assert_eq(acl_rights(&r, BOB), 0, "a denied domain covers its users");
}

Test(acl, closed_rooms_are_seen_by_all_and_entered_by_members)
{
	struct acl_room r = room(ACL_CLOSED, ACL_NORMAL);
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_JOIN | ACL_POST);
	r.members = LIST("example.com");
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE | ACL_JOIN | ACL_POST, "domain members");
}

Test(acl, secret_rooms_are_invisible_to_non_members)
{
	struct acl_room r = room(ACL_SECRET, ACL_NORMAL);
	cr_assert_eq(acl_rights(&r, BOB), 0);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_JOIN | ACL_POST);
}

Test(acl, managers_and_presenters_are_members)
{
	struct acl_room r = room(ACL_SECRET, ACL_NORMAL);
	r.members = none;
	r.managers = LIST(ALICE);
	r.presenters = LIST(BOB);
	cr_assert(acl_is_member(&r, ALICE));
	cr_assert(acl_is_member(&r, BOB));
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_JOIN | ACL_POST | ACL_MANAGE);
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE | ACL_JOIN | ACL_POST);
	cr_assert_not(acl_is_member(&r, "sip:carol@example.com"));
}

Test(acl, in_auditoriums_only_presenters_post)
{
	struct acl_room r = room(ACL_OPEN, ACL_AUDITORIUM);
	r.presenters = LIST(BOB);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_JOIN, "a member");
	cr_assert_eq(acl_rights(&r, "sip:carol@example.com"), ACL_SEE | ACL_JOIN);
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE | ACL_JOIN | ACL_POST);
	r.managers = LIST("sip:carol@example.com");
	cr_assert_eq(acl_rights(&r, "sip:carol@example.com"), ACL_SEE | ACL_JOIN | ACL_MANAGE,
			"managers are no presenters");
}

Test(acl, disabled_rooms_refuse_join_and_post_but_not_management)
{
	struct acl_room r = room(ACL_OPEN, ACL_NORMAL);
	r.disabled = 1;
	r.managers = LIST(ALICE);
	cr_assert_eq(acl_rights(&r, BOB), ACL_SEE);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_MANAGE);
	r.privacy = ACL_SECRET;
	cr_assert_eq(acl_rights(&r, BOB), 0);
	cr_assert_eq(acl_rights(&r, ALICE), ACL_SEE | ACL_MANAGE);
}

Test(acl, creators_create_when_allowed_and_not_denied)
{
	struct acl_list allowed = LIST("example.com"), creators = LIST(ALICE, "other.org");
	cr_assert(acl_may_create(&allowed, &none, &creators, ALICE));
	cr_assert_not(acl_may_create(&allowed, &none, &creators, BOB), "not a creator");
	cr_assert_not(acl_may_create(&allowed, &none, &creators, EVE), "not allowed");
	cr_assert_not(acl_may_create(&allowed, &LIST(ALICE), &creators, ALICE), "denied");
}

Test(acl, names_parse_and_print)
{
	cr_assert_eq(acl_privacy_parse("Open"), ACL_OPEN);
	cr_assert_eq(acl_privacy_parse("closed"), ACL_CLOSED);
	cr_assert_eq(acl_privacy_parse("secret"), ACL_SECRET);
	cr_assert_eq(acl_privacy_parse("public"), -1);
	cr_assert_eq(acl_privacy_parse(NULL), -1);
	cr_assert_eq(acl_type_parse("AUDITORIUM"), ACL_AUDITORIUM);
	cr_assert_eq(acl_type_parse("normal"), ACL_NORMAL);
	cr_assert_eq(acl_type_parse("x"), -1);
	cr_assert_str_eq(acl_privacy_name(ACL_SECRET), "secret");
	cr_assert_str_eq(acl_type_name(ACL_AUDITORIUM), "auditorium");
	cr_assert_str_eq(acl_privacy_name((enum acl_privacy)7), "?");
	cr_assert_str_eq(acl_type_name((enum acl_type)7), "?");
}

Test(acl, history_needs_the_join_right_and_the_category_keeping_it)
{
	cr_assert(acl_history_readable(ACL_SEE | ACL_JOIN, 1));
	cr_assert(acl_history_readable(ACL_JOIN | ACL_POST | ACL_MANAGE, 1));
	cr_assert_not(acl_history_readable(ACL_SEE | ACL_JOIN | ACL_POST | ACL_MANAGE, 0),
			"a category with history off serves none, even to managers");
	cr_assert_not(acl_history_readable(ACL_SEE | ACL_MANAGE, 1),
			"managing a disabled room is no right to read it");
	cr_assert_not(acl_history_readable(0, 1));
}
