/*
 * test_misc.c - the small pieces: dict, list, sbuf, timestamps,
 * room URIs, option parsing, the module socket's peer and directory checks, systemd's
 * readiness datagram.
 */
#define _GNU_SOURCE /* struct ucred, for pchat_peer.h */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "dict.h"
#include "list.h"
#include "pchat_log.h"
#include "peer.h"
#include "../../common/pchat_peer.h"
#include "rooms.h"
#include "sbuf.h"
#include "sdnotify.h"
#include "util.h"

Test(dict, put_get_del_and_grow)
{
	struct dict *d = dict_new();
	char key[32];
	long i;
	for(i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		cr_assert_null(dict_puts(d, key, (void *)(i + 1)));
	}
	cr_assert_eq(dict_count(d), 1000);
	cr_assert_eq((long)dict_gets(d, "k777"), 778);
	cr_assert_eq((long)dict_puts(d, "k777", (void *)5L), 778, "replace returns the old value");
	cr_assert_eq((long)dict_dels(d, "k777"), 5);
	cr_assert_null(dict_gets(d, "k777"));
	cr_assert_null(dict_dels(d, "k777"));
	cr_assert_eq(dict_count(d), 999);
	dict_free(d, NULL);
}

Test(dict, binary_keys_and_delete_while_iterating)
{
	struct dict *d = dict_new();
	struct dict_iter it;
	unsigned char k1[3] = {0, 1, 0}, k2[3] = {0, 1, 1};
	void *v;
	size_t seen = 0;
	dict_put(d, k1, 3, (void *)1L);
	dict_put(d, k2, 3, (void *)2L);
	cr_assert_eq((long)dict_get(d, k2, 3), 2);
	cr_assert_null(dict_get(d, k1, 2));
	dict_iter_init(&it, d);
	while(dict_next(&it, &v, NULL, NULL)) {
		seen++;
		dict_del(d, v == (void *)1L ? k1 : k2, 3);
	}
	cr_assert_eq(seen, 2);
	cr_assert_eq(dict_count(d), 0);
	dict_free(d, NULL);
}

struct item {
	int v;
	struct list link;
};

static int below(const void *val, const void *limit)
{
	return *(const long long *)val < *(const long long *)limit;
}

static long long rank_of(const void *val)
{
	return *(const long long *)val;
}

static long long *int_val(long long v)
{
	long long *p = malloc(sizeof(*p));
	*p = v;
	return p;
}

Test(dict, make_room_drops_the_stale_else_the_lowest)
{
	struct dict *d = dict_new();
	long long limit = 5;
	dict_puts(d, "a", int_val(7));
	dict_puts(d, "b", int_val(3));
	dict_puts(d, "c", int_val(9));
	dict_puts(d, "e", int_val(1));
	dict_make_room(d, below, rank_of, &limit, free);
	cr_assert_eq(dict_count(d), 2, "both entries under the limit went");
	cr_assert_null(dict_gets(d, "b"));
	cr_assert_null(dict_gets(d, "e"));
	dict_make_room(d, below, rank_of, &limit, free);
	cr_assert_eq(dict_count(d), 1, "none stale: the lowest went");
	cr_assert_null(dict_gets(d, "a"));
	cr_assert_not_null(dict_gets(d, "c"));
	dict_free(d, free);
}

Test(list, add_del_splice)
{
	struct list a = LIST_INIT(a), b = LIST_INIT(b), *pos, *tmp;
	struct item it[4] = {{1, {0, 0}}, {2, {0, 0}}, {3, {0, 0}}, {4, {0, 0}}};
	int sum = 0, order[4], n = 0;
	list_add_tail(&a, &it[0].link);
	list_add_tail(&a, &it[1].link);
	list_add_tail(&b, &it[2].link);
	list_add_tail(&b, &it[3].link);
	list_splice_tail(&a, &b);
	cr_assert(list_empty(&b));
	list_for_each(pos, &a)
		order[n++] = list_entry(pos, struct item, link)->v;
	cr_assert_eq(n, 4);
	cr_assert(order[0] == 1 && order[1] == 2 && order[2] == 3 && order[3] == 4);
	list_for_each_safe(pos, tmp, &a) {
		struct item *i = list_entry(pos, struct item, link);
		if(i->v % 2 == 0)
			list_del(&i->link);
	}
	list_for_each(pos, &a)
		sum += list_entry(pos, struct item, link)->v;
	cr_assert_eq(sum, 4);
	cr_assert_eq(list_entry(list_first(&a), struct item, link)->v, 1);
	list_del(&it[1].link); /* a second del is harmless */
}

Test(sbuf, grows_and_formats)
{
	struct sbuf sb = SBUF_INIT;
	int i;
	cr_assert_str_eq(sbuf_str(&sb), "");
	for(i = 0; i < 1000; i++)
		sbuf_printf(&sb, "%d,", i);
	cr_assert_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
	cr_assert_eq(sb.len, strlen(sb.buf));
	sbuf_reset(&sb);
	sbuf_addc(&sb, 'x');
	cr_assert_str_eq(sb.buf, "x");
	sbuf_free(&sb);
}

Test(util, timestamps_are_utc_with_ms)
{
	char ts[TS_BUFSZ];
	format_ts(ts, 1795282265, 123);
	cr_assert_str_eq(ts, "2026-11-21T17:31:05.123Z");
	format_ts(ts, 0, 7);
	cr_assert_str_eq(ts, "1970-01-01T00:00:00.007Z");
}

Test(util, parse_uint)
{
	unsigned long long v;
	cr_assert_eq(parse_uint("42", 100, &v), 0);
	cr_assert_eq(v, 42);
	cr_assert_eq(parse_uint("101", 100, &v), -1);
	cr_assert_eq(parse_uint("-1", 100, &v), -1);
	cr_assert_eq(parse_uint(" 1", 100, &v), -1);
	cr_assert_eq(parse_uint("1x", 100, &v), -1);
	cr_assert_eq(parse_uint("", 100, &v), -1);
	cr_assert_eq(parse_uint(NULL, 100, &v), -1);
}

Test(rooms, uri_make_and_split)
{
	char *uri = room_uri_make("example.com", "6f1d-AB09"), *d, *c;
	cr_assert_str_eq(uri, "ma-chan://example.com/6f1d-AB09");
	cr_assert_eq(room_uri_split(uri, &d, &c), 0);
	cr_assert_str_eq(d, "example.com");
	cr_assert_str_eq(c, "6f1d-AB09");
	free(uri);
	free(d);
	free(c);
	cr_assert_null(room_uri_make("example.com", "a/b"));
	cr_assert_null(room_uri_make("example.com", ""));
	cr_assert_null(room_uri_make("ex ample.com", "a"));
	cr_assert_null(room_uri_make("", "a"));
	cr_assert_null(room_uri_make(NULL, "a"));
	cr_assert_eq(room_uri_split("ma-chan://example.com", &d, &c), -1);
	cr_assert_eq(room_uri_split("ma-chan://example.com/a/b", &d, &c), -1);
	cr_assert_eq(room_uri_split("ma-cat://example.com/a", &d, &c), -1);
	cr_assert_eq(room_uri_split("ma-chan:///a", &d, &c), -1);
	cr_assert_eq(room_uri_split(NULL, &d, &c), -1);
}

/* config_parse with a NULL-terminated argument list; output discarded. */
static enum config_result parse_args(struct config *c, const char **args)
{
	char *argv[32];
	int argc = 0;
	FILE *null = fopen("/dev/null", "w");
	enum config_result r;
	argv[argc++] = (char *)"pchatd";
	while(*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	config_defaults(c);
	r = config_parse(c, argc, argv, null, null);
	fclose(null);
	return r;
}

Test(config, defaults_and_options)
{
	struct config c;
	const char *ok[] = {"--socket", "/tmp/s", "--db-socket", "/tmp/db", "--queue-limit", "7",
			"--log-level", "debug", "--channel-uri", "sip:c@d", "--db-password", "",
			NULL};
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_str_eq(c.socket_path, "/tmp/s");
	cr_assert_str_eq(c.db.socket, "/tmp/db");
	cr_assert_eq(c.queue_limit, 7);
	cr_assert_eq(c.log_level, LL_DEBUG);
	cr_assert_str_eq(c.channel_uri, "sip:c@d");
	cr_assert_str_eq(c.db.user, "root");
	cr_assert_str_eq(c.db.name, "pchat");
	cr_assert_eq(c.message_max_bytes, 8192);
	cr_assert_eq(c.xml_max_bytes, 65536);
	cr_assert_eq(c.bccontext_max, 500);
	cr_assert_eq(c.participant_update_limit, 75);
	cr_assert_eq(c.module_uid, geteuid(), "the module uid defaults to our own");
	cr_assert_str_eq(c.db.password, "", "--db-password \"\"");
	pchat_dbopts_free(&c.db);
	const char *none[] = {"--socket", "/s", NULL};
	cr_assert_eq(parse_args(&c, none), CONFIG_OK);
	cr_assert_null(c.db.password, "no password (the connection gives \"\")");
	const char *both[] = {"--socket", "/s", "--db-socket", "/a", "--db-host", "h", NULL};
	cr_assert_eq(parse_args(&c, both), CONFIG_ERROR, "--db-socket and --db-host");
	const char *port[] = {"--socket", "/s", "--db-port", "0", NULL};
	cr_assert_eq(parse_args(&c, port), CONFIG_ERROR, "--db-port 0");
}

Test(config, db_password_file)
{
	struct config c;
	char path[] = "/tmp/pchat-unit-pwXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "s3cret pw\nsecond line\n", 22), 22);
	close(fd);
	const char *ok[] = {"--socket", "/s", "--db-password-file", path, NULL};
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_str_eq(c.db.password, "s3cret pw", "the first line, without its line end");
	pchat_dbopts_free(&c.db);
	/* no line end at all, and an empty file */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_str_eq(c.db.password, "x");
	pchat_dbopts_free(&c.db);
	fd = open(path, O_WRONLY | O_TRUNC);
	close(fd);
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_str_eq(c.db.password, "");
	pchat_dbopts_free(&c.db);
	unlink(path);
	cr_assert_eq(parse_args(&c, ok), CONFIG_ERROR, "an unreadable file stops start-up");
}

Test(config, version)
{
	struct config c;
	const char *v[] = {"--version", NULL};
	cr_assert_eq(parse_args(&c, v), CONFIG_HELP, "--version exits 0 without --socket");
}

Test(config, module_uid)
{
	struct config c;
	const char *ok[] = {"--socket", "/s", "--module-uid", "998", NULL};
	const char *name[] = {"--socket", "/s", "--module-uid", "kamailio", NULL};
	const char *neg[] = {"--socket", "/s", "--module-uid", "-1", NULL};
	const char *big[] = {"--socket", "/s", "--module-uid", "4294967295", NULL};
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_eq(c.module_uid, 998);
	cr_assert_eq(parse_args(&c, name), CONFIG_ERROR, "a number, not a name");
	cr_assert_eq(parse_args(&c, neg), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, big), CONFIG_ERROR, "(uid_t)-1 is no uid");
}

Test(peer, only_the_module_uid_connects)
{
	cr_assert_null(peer_refusal(1, 998, 998));
	cr_assert_not_null(peer_refusal(1, 1000, 998));
	cr_assert_not_null(peer_refusal(1, 0, 998), "root gets no exception");
	cr_assert_null(peer_refusal(1, 0, 0), "unless root is the configured uid");
	cr_assert_not_null(peer_refusal(0, 998, 998), "unknown credentials: refused");
}

Test(peer, credentials_of_a_socketpair_are_ours)
{
	int sv[2];
	pid_t pid = 0;
	uid_t uid = 12345;
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(pchat_peer_cred(sv[0], &pid, &uid), 0);
	cr_assert_eq(pid, getpid());
	cr_assert_eq(uid, geteuid());
	close(sv[0]);
	close(sv[1]);
	cr_assert_eq(pchat_peer_cred(-1, &pid, &uid), -1);
}

Test(peer, socket_directory)
{
	cr_assert_null(peer_dir_problem(S_IFDIR | 0700, 998, 998));
	cr_assert_null(peer_dir_problem(S_IFDIR | 0750, 998, 998));
	cr_assert_null(peer_dir_problem(S_IFDIR | 0755, 0, 998), "root's directory");
	cr_assert_not_null(peer_dir_problem(S_IFDIR | 0770, 998, 998), "group-writable");
	cr_assert_not_null(peer_dir_problem(S_IFDIR | 0757, 998, 998), "world-writable");
	cr_assert_not_null(peer_dir_problem(S_IFDIR | 01777, 0, 998), "/tmp");
	cr_assert_not_null(peer_dir_problem(S_IFDIR | 0700, 1000, 998), "another user's");
	cr_assert_not_null(peer_dir_problem(S_IFREG | 0700, 998, 998));
}

Test(config, participant_update_limit)
{
	struct config c;
	const char *ok[] = {"--socket", "/s", "--participant-update-limit", "10", NULL};
	const char *bad[] = {"--socket", "/s", "--participant-update-limit", "0", NULL};
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_eq(c.participant_update_limit, 10);
	cr_assert_eq(parse_args(&c, bad), CONFIG_ERROR);
}

/* The search indexer's period: every second unless told, 0 turns it off. */
Test(config, search_index_interval)
{
	struct config c;
	const char *dflt[] = {"--socket", "/s", NULL};
	const char *off[] = {"--socket", "/s", "--search-index-interval", "0", NULL};
	const char *slow[] = {"--socket", "/s", "--search-index-interval", "30", NULL};
	const char *bad[] = {"--socket", "/s", "--search-index-interval", "86401", NULL};
	const char *word[] = {"--socket", "/s", "--search-index-interval", "often", NULL};
	cr_assert_eq(parse_args(&c, dflt), CONFIG_OK);
	cr_assert_eq(c.search_index_interval, 1);
	cr_assert_eq(parse_args(&c, off), CONFIG_OK);
	cr_assert_eq(c.search_index_interval, 0);
	cr_assert_eq(parse_args(&c, slow), CONFIG_OK);
	cr_assert_eq(c.search_index_interval, 30);
	cr_assert_eq(parse_args(&c, bad), CONFIG_ERROR, "over a day");
	cr_assert_eq(parse_args(&c, word), CONFIG_ERROR);
}

Test(config, errors_and_help)
{
	struct config c;
	const char *none[] = {NULL};
	const char *help[] = {"--help", NULL};
	const char *unknown[] = {"--socket", "/s", "--nope", NULL};
	const char *missing_arg[] = {"--socket", NULL};
	const char *bad_num[] = {"--socket", "/s", "--queue-limit", "0", NULL};
	const char *bad_level[] = {"--socket", "/s", "--log-level", "loud", NULL};
	const char *both[] = {"--socket", "/s", "--db-socket", "/a", "--db-host", "h", NULL};
	const char *stray[] = {"--socket", "/s", "extra", NULL};
	cr_assert_eq(parse_args(&c, none), CONFIG_ERROR, "--socket is required");
	cr_assert_eq(parse_args(&c, help), CONFIG_HELP);
	cr_assert_eq(parse_args(&c, unknown), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, missing_arg), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, bad_num), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, bad_level), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, both), CONFIG_ERROR);
	cr_assert_eq(parse_args(&c, stray), CONFIG_ERROR);
}

Test(config, web_hosts_and_login_limits)
{
	struct config c;
	const char *defaults[] = {"--socket", "/s", NULL};
	const char *ok[] = {"--socket", "/s", "--web-host", "chat.example.com", "--web-host",
			"chat.example.com:8443", "--web-login-user-failures", "3",
			"--web-login-addr-failures", "0", "--web-login-window", "60",
			"--web-login-backoff", "2", "--web-login-backoff-max", "8",
			"--web-login-slots", "10", NULL};
	const char *url[] = {"--socket", "/s", "--web-host", "http://chat.example.com/", NULL};
	const char *backwards[] = {"--socket", "/s", "--web-login-backoff", "60",
			"--web-login-backoff-max", "30", NULL};
	cr_assert_eq(parse_args(&c, defaults), CONFIG_OK);
	cr_assert_eq(c.web_host_count, 0);
	cr_assert_eq(c.web_login_user.failures, 5);
	cr_assert_eq(c.web_login_addr.failures, 20);
	cr_assert_eq(c.web_login_user.backoff_sec, 30);
	cr_assert_eq(parse_args(&c, ok), CONFIG_OK);
	cr_assert_eq(c.web_host_count, 2);
	cr_assert_str_eq(c.web_hosts[1], "chat.example.com:8443");
	cr_assert_eq(c.web_login_user.failures, 3);
	cr_assert_eq(c.web_login_addr.failures, 0, "0: no limit per address");
	cr_assert_eq(c.web_login_addr.window_sec, 60, "shared settings apply to both limits");
	cr_assert_eq(c.web_login_user.window_sec, 60);
	cr_assert_eq(c.web_login_addr.backoff_sec, 2);
	cr_assert_eq(c.web_login_user.backoff_max_sec, 8);
	cr_assert_eq(c.web_login_addr.slots, 10);
	cr_assert_eq(parse_args(&c, url), CONFIG_ERROR, "a URL is not a host name");
	cr_assert_eq(parse_args(&c, backwards), CONFIG_ERROR);
}

/* A datagram socket where systemd would listen: a path, or "@name" (abstract). */
static int notify_listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	size_t n = strlen(name);
	cr_assert(fd >= 0);
	memcpy(sa.sun_path, name, n);
	if(name[0] == '@')
		sa.sun_path[0] = '\0';
	cr_assert(bind(fd, (struct sockaddr *)&sa,
				  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == 0);
	return fd;
}

static void expect_datagram(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	cr_assert(n > 0, "no datagram");
	buf[n] = '\0';
	cr_expect_str_eq(buf, want);
}

Test(sdnotify, sends_to_a_path_and_to_the_abstract_namespace)
{
	char path[64], abstract[64];
	int fd;
	snprintf(path, sizeof(path), "/tmp/pchat-notify-%d", (int)getpid());
	unlink(path);
	fd = notify_listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	cr_expect_eq(sdnotify("READY=1"), 1);
	expect_datagram(fd, "READY=1");
	close(fd);
	unlink(path);

	snprintf(abstract, sizeof(abstract), "@pchat-notify-%d", (int)getpid());
	fd = notify_listener(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	cr_expect_eq(sdnotify("STOPPING=1"), 1);
	expect_datagram(fd, "STOPPING=1");
	close(fd);
}

Test(sdnotify, nothing_without_notify_socket_and_an_error_for_a_bad_one)
{
	unsetenv("NOTIFY_SOCKET");
	cr_expect_eq(sdnotify("READY=1"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	cr_expect_eq(sdnotify("READY=1"), -1);
	setenv("NOTIFY_SOCKET", "/nonexistent/pchat-notify", 1);
	cr_expect_eq(sdnotify("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}
