/* e2e-feeds: topic feeds and keyword alerts (cmd:feed, our extension) over real SIP.
 *
 *   e2e-feeds --proxy 127.0.0.1:PORT --db-socket PATH --pchat PCHAT [--db-name pchat]
 *             [--db-user root] [--db-password PW] [--chat-uri sip:pchat@example.com]
 *             [--verbose]
 *
 * Creates by SQL a category (allowed: example.com) with an open room and a secret one
 * whose only member is the poster.  The reader saves a feed over a chat session; two
 * plain SIP user agents (raw SIP over UDP, below) register for the reader and never
 * open a chat session.  Then: a matching post in the open room reaches BOTH endpoints
 * as a MESSAGE from the pool's alert URI (the module's MESSAGE forked by Kamailio's
 * registrar); a post with one keyword only, a matching post in the secret room (the
 * reader may not read it: nothing leaked across rooms) and the reader's own matching
 * post reach neither; op alerts lists exactly the open room's post, and nothing once
 * that room is made secret.  Bad input: too
 * many keywords (11, and 5,000 in one attribute), a keyword too long, too short or
 * too common, no keywords, a room the reader may not see (404 as bccontext), more
 * feeds than --feeds-max (403), removing a feed that is not the reader's (404): each
 * a clear error, the session still serving.  Last, client/pchat's /feeds and /alerts.
 * Deletes its rows at the end.
 *
 * Prints "PASS name" / "FAIL name: why" lines and "N passed, M failed"; exits 0 only
 * if nothing failed.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct e2e_stack opt = E2E_STACK_INIT;
static const char *pchat; /* --pchat */

#define ALERT_WAIT 4000 /* ms an alert may take to arrive */
#define QUIET_WAIT 1200 /* ms without an alert that counts as none */
#define FEEDS_MAX 20	/* pchatd's --feeds-max default */

enum { OPEN, SECRET, NROOMS };
static char cat[64], chan[NROOMS][80], uri[NROOMS][512], rname[NROOMS][160];
static char poster[96], reader[96], w1[40], w2[40];
static MYSQL *db;
static pc_context *ctx;
static pc_client *psess, *rsess; /* the poster's and the reader's chat sessions */

static long long sql(const char *T, const char *q, const char *const *in)
{
	return e2e_sql(db, T, q, in, NULL, 0);
}

/* ------------------------------------------------------------------ a plain SIP UA */

/* A user agent that registers over UDP and answers what it receives 200: the
 * "any SIP client" an alert must reach, which never opens a chat session. */
typedef struct {
	int fd;
	int port;
	struct sockaddr_in proxy;
} ua;

static int ua_open(ua *u)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	const char *colon = strrchr(opt.proxy, ':');
	memset(u, 0, sizeof *u);
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if(u->fd < 0 || bind(u->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
			getsockname(u->fd, (struct sockaddr *)&a, &al) < 0 || !colon)
		return -1;
	u->port = ntohs(a.sin_port);
	u->proxy = (struct sockaddr_in){.sin_family = AF_INET,
			.sin_port = htons((uint16_t)atoi(colon + 1)),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return 0;
}

static void ua_close(ua *u)
{
	if(u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

/* The next datagram within ms into buf (NUL-terminated); its length, or -1. */
static ssize_t ua_recv(ua *u, char *buf, size_t n, int ms)
{
	struct pollfd p = {u->fd, POLLIN, 0};
	long long end = now_ms() + ms;
	for(long long left = ms; left > 0; left = end - now_ms()) {
		if(poll(&p, 1, (int)left) <= 0)
			return -1;
		ssize_t r = recv(u->fd, buf, n - 1, 0);
		if(r > 0) {
			buf[r] = '\0';
			return r;
		}
	}
	return -1;
}

/* The value of header name (at a line start) in msg, into out; 0 if absent. */
static int header(const char *msg, const char *name, char *out, size_t on)
{
	size_t nl = strlen(name);
	for(const char *l = strstr(msg, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
		if(strncasecmp(l + 2, name, nl) == 0 && l[2 + nl] == ':') {
			const char *v = l + 3 + nl, *e = strstr(v, "\r\n");
			while(*v == ' ')
				v++;
			snprintf(out, on, "%.*s", (int)(e - v), v);
			return 1;
		}
	}
	return 0;
}

/* REGISTER for user (Contact: this UA's port); 1 if answered 200. */
static int ua_register(ua *u, const char *user)
{
	char req[1024], buf[4096];
	int n = snprintf(req, sizeof req,
			"REGISTER sip:example.com SIP/2.0\r\n"
			"Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s-%d;rport\r\n"
			"Max-Forwards: 70\r\nFrom: <%s>;tag=f%s%d\r\nTo: <%s>\r\n"
			"Call-ID: reg-%s-%d\r\nCSeq: 1 REGISTER\r\n"
			"Contact: <sip:ua@127.0.0.1:%d>\r\nExpires: 300\r\nContent-Length: 0\r\n\r\n",
			u->port, token, u->port, user, token, u->port, user, token, u->port,
			u->port);
	if(sendto(u->fd, req, (size_t)n, 0, (struct sockaddr *)&u->proxy, sizeof u->proxy) != n)
		return 0;
	for(long long end = now_ms() + E2E_SIP_WAIT; now_ms() < end;) {
		if(ua_recv(u, buf, sizeof buf, (int)(end - now_ms())) < 0)
			return 0;
		if(strncmp(buf, "SIP/2.0 1", 9) != 0)
			return strncmp(buf, "SIP/2.0 200", 11) == 0;
	}
	return 0;
}

/* Answers request m 200 (its Via lines, From, To with a tag, Call-ID, CSeq). */
static void ua_answer(ua *u, const char *m, const struct sockaddr_in *to)
{
	char out[4096], v[1024];
	size_t o = (size_t)snprintf(out, sizeof out, "SIP/2.0 200 OK\r\n");
	for(const char *l = strstr(m, "\r\n"); l && l[2] != '\r'; l = strstr(l + 2, "\r\n")) {
		const char *e = strstr(l + 2, "\r\n");
		if(strncasecmp(l + 2, "Via:", 4) == 0 && e && o + (size_t)(e - l) < sizeof out)
			o += (size_t)snprintf(out + o, sizeof out - o, "%.*s\r\n", (int)(e - l - 2),
					l + 2);
	}
	static const char *const copy[] = {"From", "Call-ID", "CSeq"};
	for(size_t i = 0; i < 3; i++)
		if(header(m, copy[i], v, sizeof v))
			o += (size_t)snprintf(out + o, sizeof out - o, "%s: %s\r\n", copy[i], v);
	if(header(m, "To", v, sizeof v))
		o += (size_t)snprintf(out + o, sizeof out - o, "To: %s%s\r\n", v,
				strstr(v, "tag=") ? "" : ";tag=ua");
	o += (size_t)snprintf(out + o, sizeof out - o, "Content-Length: 0\r\n\r\n");
	sendto(u->fd, out, o < sizeof out ? o : sizeof out - 1, 0, (const struct sockaddr *)to,
			sizeof *to);
}

/* The next MESSAGE within ms, answered 200: its From into from, its body into body.
 * 1 if one came. */
static int ua_message(ua *u, int ms, char *from, size_t fn, char *body, size_t bn)
{
	char buf[8192];
	struct sockaddr_in src;
	long long end = now_ms() + ms;
	while(now_ms() < end) {
		struct pollfd p = {u->fd, POLLIN, 0};
		socklen_t sl = sizeof src;
		if(poll(&p, 1, (int)(end - now_ms())) <= 0)
			return 0;
		ssize_t r = recvfrom(u->fd, buf, sizeof buf - 1, 0, (struct sockaddr *)&src, &sl);
		if(r <= 0)
			continue;
		buf[r] = '\0';
		if(strncmp(buf, "SIP/2.0", 7) == 0)
			continue; /* a response */
		ua_answer(u, buf, &src);
		if(strncmp(buf, "MESSAGE ", 8) != 0)
			continue;
		const char *b = strstr(buf, "\r\n\r\n");
		header(buf, "From", from, fn);
		snprintf(body, bn, "%s", b ? b + 4 : "");
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ the model */

static int setup(void)
{
	const char *T = "feeds_setup";
	char name[96];
	snprintf(poster, sizeof poster, "sip:feed-poster-%s@example.com", token);
	snprintf(reader, sizeof reader, "sip:feed-reader-%s@example.com", token);
	snprintf(w1, sizeof w1, "kiwi%s", token);
	snprintf(w2, sizeof w2, "mango%s", token);
	snprintf(cat, sizeof cat, "feed-%s", token);
	snprintf(name, sizeof name, "Feeds %s", token);
	sql(T, "INSERT INTO categories (domain, cat_id, name) VALUES ('example.com', ?, ?)",
			ARGS(cat, name));
	sql(T,
			"INSERT INTO category_principals (category_id, role, principal)"
			" SELECT id, 'allowed', 'example.com' FROM categories WHERE cat_id = ?",
			ARGS(cat));
	for(int r = 0; r < NROOMS; r++) {
		snprintf(chan[r], sizeof chan[r], "feed-%s-%d", token, r);
		snprintf(uri[r], sizeof uri[r], "ma-chan://example.com/%s", chan[r]);
		snprintf(rname[r], sizeof rname[r], "Feeds %s %s", token, r ? "secret" : "open");
		if(sql(T,
				   "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy,"
				   " category_id) SELECT 'example.com', ?, ?, '', '', ?, id"
				   " FROM categories WHERE cat_id = ?",
				   ARGS(chan[r], rname[r], r ? "secret" : "open", cat)) != 1)
			return -1;
	}
	sql(T,
			"INSERT INTO room_principals (room_id, role, principal)"
			" SELECT id, 'member', ? FROM rooms WHERE chan_id = ?",
			ARGS(poster, chan[SECRET]));
	sql(T, "UPDATE server_config SET value = CAST(value AS UNSIGNED) + 1 WHERE name = 'revision'",
			ARGS(NULL));
	int st = 0;
	psess = pc_open(ctx, poster, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
	rsess = psess ? pc_open(ctx, reader, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st)
		      : NULL;
	if(!psess || !rsess)
		fail(T, "INVITE: %d %s", st, pc_last_error(ctx));
	return n_fail ? -1 : 0;
}

static void cleanup(void)
{
	const char *T = "feeds_cleanup";
	sql(T, "DELETE FROM feeds WHERE user_uri IN (?, ?)", ARGS(poster, reader));
	sql(T,
			"DELETE r FROM rooms r JOIN categories c ON c.id = r.category_id"
			" WHERE c.cat_id = ?",
			ARGS(cat));
	sql(T, "DELETE FROM categories WHERE cat_id = ?", ARGS(cat));
}

/* ------------------------------------------------------------------ SIP */

static xv_envelope *request(pc_client *c, char *items, const char *id)
{
	return e2e_request(c, items, id, opt.verbose);
}

static xv_envelope *feed(pc_client *c, const xv_feed_req *q)
{
	return request(c, xv_item_feed(q), "rpl:feed");
}

/* An add expected to be refused with code and a reason containing want. */
static void refused(const char *T, const xv_feed_req *q, int code, const char *want)
{
	xv_envelope *e = feed(rsess, q);
	if(!e)
		fail(T, "no rpl:feed");
	else if(e->resp_code != code || !e->error_reason || !strstr(e->error_reason, want))
		fail(T, "got %d (%s), want %d with a reason containing \"%s\"", e->resp_code,
				e->error_reason ? e->error_reason : "no reason", code, want);
	else
		pass(T);
	xv_free(e);
}

static int post(pc_client *c, int r, const char *text)
{
	char *items = xv_item_grpchat(uri[r], NULL, NULL, text);
	int st = items ? pc_send_xccos(c, items, E2E_SIP_WAIT, NULL) : 0;
	free(items);
	return st;
}

static int join(pc_client *c, int r)
{
	xv_envelope *e = request(c, xv_item_join(uri[r]), "rpl:join");
	int ok = e && e->resp_code == 200;
	xv_free(e);
	return ok;
}

/* ------------------------------------------------------------------ checks */

static char feed_id[24];

static void check_add(void)
{
	const char *T = "feeds_add";
	char words[96], want[96];
	snprintf(words, sizeof words, "%s, %s!", w1, w2);
	words[0] = 'K'; /* the keywords are case-folded: "Kiwi..." is "kiwi..." */
	snprintf(want, sizeof want, "%s %s", w1, w2);
	xv_envelope *e = feed(rsess, &(xv_feed_req){.op = "add", .words = words});
	if(!e || e->resp_code != 200 || e->nfeeds != 1)
		fail(T, "rpl:feed %d with %zu feeds, want 200 with 1", e ? e->resp_code : -1,
				e ? e->nfeeds : 0);
	else if(strcmp(e->feeds[0].words, want) != 0)
		fail(T, "words \"%s\", want \"%s\"", e->feeds[0].words, want);
	else {
		snprintf(feed_id, sizeof feed_id, "%s", e->feeds[0].id);
		pass(T);
	}
	xv_free(e);
}

/* Does neither endpoint get a MESSAGE within QUIET_WAIT? */
static void none_for(const char *T, ua *ua1, ua *ua2)
{
	char from[256], body[2048];
	int got1 = ua_message(ua1, QUIET_WAIT, from, sizeof from, body, sizeof body);
	int got2 = ua_message(ua2, 0, from, sizeof from, body, sizeof body);
	if(got1 || got2)
		fail(T, "an endpoint got an alert: %.200s", body);
	else
		pass(T);
}

/* Rooms changed by hand: bumps the revision (pchatd then reloads its rooms, polling
 * each second), then asks for the reader's alerts until the list holds want (at most
 * 5 s): 1 if it did. */
static int alerts_become(const char *T, size_t want)
{
	sql(T, "UPDATE server_config SET value = CAST(value AS UNSIGNED) + 1 WHERE name = 'revision'",
			ARGS(NULL));
	for(int i = 0; i < 50; i++) {
		xv_envelope *e = feed(rsess, &(xv_feed_req){.op = "alerts"});
		int ok = e && e->resp_code == 200 && e->nmsgs == want;
		xv_free(e);
		if(ok)
			return 1;
		usleep(100 * 1000);
	}
	return 0;
}

static void check_alerts(ua *ua1, ua *ua2)
{
	char text[256], from[256], body[2048];
	if(!join(psess, OPEN) || !join(psess, SECRET) || !join(rsess, OPEN)) {
		fail("feeds_alert_join", "the poster or the reader could not join");
		return;
	}
	/* one keyword only: no match */
	snprintf(text, sizeof text, "only %s here", w1);
	if(post(psess, OPEN, text) != 200)
		fail("feeds_partial_post", "post not answered 200");
	none_for("feeds_no_alert_one_keyword", ua1, ua2);
	/* the secret room: the reader may not read it */
	snprintf(text, sizeof text, "secret %s and %s", w2, w1);
	if(post(psess, SECRET, text) != 200)
		fail("feeds_secret_post", "post not answered 200");
	none_for("feeds_no_alert_unreadable_room", ua1, ua2);
	/* the reader's own post */
	snprintf(text, sizeof text, "mine %s %s", w1, w2);
	if(post(rsess, OPEN, text) != 200)
		fail("feeds_own_post", "post not answered 200");
	none_for("feeds_no_alert_own_post", ua1, ua2);
	/* a match, mixed case and punctuation: both endpoints */
	snprintf(text, sizeof text, "Fresh %s-%s at noon", w2, w1);
	for(char *p = text + 6; *p && *p != '-'; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	if(post(psess, OPEN, text) != 200)
		fail("feeds_match_post", "post not answered 200");
	ua *uas[2] = {ua1, ua2};
	for(int i = 0; i < 2; i++) {
		char T[40];
		snprintf(T, sizeof T, "feeds_alert_endpoint_%d", i + 1);
		if(!ua_message(uas[i], ALERT_WAIT, from, sizeof from, body, sizeof body))
			fail(T, "no MESSAGE within %d ms", ALERT_WAIT);
		else if(!strstr(from, "sip:alerts@example.com"))
			fail(T, "From %s, want the pool's alert URI", from);
		else if(!strstr(body, text) || !strstr(body, rname[OPEN]) ||
				!strstr(body, poster + 4))
			fail(T, "body lacks the text, room or author: %.300s", body);
		else
			pass(T);
	}
	/* the list: the open room's match only */
	xv_envelope *e = feed(rsess, &(xv_feed_req){.op = "alerts"});
	const char *T = "feeds_alerts_list";
	if(!e || e->resp_code != 200 || e->nmsgs != 1)
		fail(T, "rpl:feed %d with %zu alerts, want 200 with 1", e ? e->resp_code : -1,
				e ? e->nmsgs : 0);
	else if(strcmp(e->msgs[0].text, text) != 0 || strcmp(e->msgs[0].chan_uri, uri[OPEN]) != 0 ||
			!e->msgs[0].feed || strcmp(e->msgs[0].feed, feed_id) != 0)
		fail(T, "alert %s in %s (feed %s), want the match in the open room (feed %s)",
				e->msgs[0].text, e->msgs[0].chan_uri,
				e->msgs[0].feed ? e->msgs[0].feed : "?", feed_id);
	else
		pass(T);
	xv_free(e);
	/* the room made secret by hand: its post leaves the list once pchatd has reloaded
	 * its rooms (the revision bumped, as the admin library does) */
	T = "feeds_alerts_list_follows_access";
	sql(T, "UPDATE rooms SET privacy = 'secret' WHERE chan_id = ?", ARGS(chan[OPEN]));
	if(!alerts_become(T, 0))
		fail(T, "the list still has the secret room's post 5 s after the reload was asked");
	else
		pass(T);
	/* open again: listed again */
	sql(T, "UPDATE rooms SET privacy = 'open' WHERE chan_id = ?", ARGS(chan[OPEN]));
	if(!alerts_become(T, 1))
		fail(T, "open again: the post not listed 5 s after the reload was asked");
}

static void check_bad_input(void)
{
	char words[64], big[48 * 1024], longw[128];
	size_t o = 0;
	snprintf(words, sizeof words, "aaa1 aaa2 aaa3 aaa4 aaa5 aaa6 aaa7 aaa8 aaa9 aaa10 aaa11");
	refused("feeds_too_many_keywords", &(xv_feed_req){.op = "add", .words = words}, 400,
			"at most 10 keywords");
	for(int i = 0; i < 5000 && o + 16 < sizeof big; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "kw%d ", i);
	refused("feeds_thousands_of_keywords", &(xv_feed_req){.op = "add", .words = big}, 400,
			"at most 10 keywords");
	memset(longw, 'x', 100);
	longw[100] = '\0';
	refused("feeds_keyword_too_long", &(xv_feed_req){.op = "add", .words = longw}, 400,
			"longer than 64 bytes");
	refused("feeds_keyword_too_common", &(xv_feed_req){.op = "add", .words = "the kiwi"}, 400,
			"too short or too common");
	refused("feeds_no_keywords", &(xv_feed_req){.op = "add", .words = " ,;"}, 400,
			"needs keywords");
	refused("feeds_bad_author", &(xv_feed_req){.op = "add", .words = "kiwi", .author = "x y"},
			400, "SIP URI");
	refused("feeds_bad_op", &(xv_feed_req){.op = "frobnicate"}, 400, "op is one of");
	/* a room the reader may not see: answered as an unknown room */
	xv_envelope *e = feed(rsess,
			&(xv_feed_req){.op = "add", .words = "kiwi", .room_uri = uri[SECRET]});
	if(!e || e->resp_code != 404)
		fail("feeds_secret_room_404", "got %d, want 404", e ? e->resp_code : -1);
	else
		pass("feeds_secret_room_404");
	xv_free(e);
	refused("feeds_rm_not_mine", &(xv_feed_req){.op = "rm", .id = "999999999"}, 404,
			"no feed with that id");
}

/* Up to --feeds-max feeds, then 403; removing one lists one fewer. */
static void check_limit(void)
{
	const char *T = "feeds_max_per_user";
	char words[64], want[64], extra2[24] = "";
	for(int i = 1; i < FEEDS_MAX; i++) { /* the first exists already */
		xv_feed_req q = {.op = "add", .words = words};
		snprintf(words, sizeof words, "extra%d%s", i, token);
		if(i == 1)
			q.room_uri = uri[OPEN]; /* one feed of a room, for the client's list */
		xv_envelope *e = feed(rsess, &q);
		int ok = e && e->resp_code == 200 && e->nfeeds == (size_t)i + 1;
		if(ok && i == 2)
			snprintf(extra2, sizeof extra2, "%s", e->feeds[2].id);
		xv_free(e);
		if(!ok) {
			fail(T, "feed %d of %d refused", i + 1, FEEDS_MAX);
			return;
		}
	}
	snprintf(want, sizeof want, "you have %d feeds", FEEDS_MAX);
	refused(T, &(xv_feed_req){.op = "add", .words = "onemore"}, 403, want);
	/* not the first feed: its match stays listed for the client's /alerts */
	xv_envelope *e = feed(rsess, &(xv_feed_req){.op = "rm", .id = extra2});
	if(!e || e->resp_code != 200 || e->nfeeds != FEEDS_MAX - 1)
		fail("feeds_rm", "got %d with %zu feeds, want 200 with %d", e ? e->resp_code : -1,
				e ? e->nfeeds : 0, FEEDS_MAX - 1);
	else
		pass("feeds_rm");
	xv_free(e);
}

/* client/pchat's /feeds and /alerts for the reader. */
static void check_client(void)
{
	const char *T = "feeds_client_cli";
	char *cmd = NULL, out[32768] = "", want[256];
	if(asprintf(&cmd,
			   "printf '/feed add %s --room %s\\n/feed add onemore\\n/feeds\\n/alerts\\n"
			   "/feed rm x\\n/quit\\n'"
			   " | timeout 30 '%s' --user '%s' --server '%s' --linger 0 2>&1",
			   w2, uri[OPEN], pchat, reader, opt.proxy) < 0)
		return;
	FILE *f = popen(cmd, "r");
	free(cmd);
	size_t len = f ? fread(out, 1, sizeof out - 1, f) : 0;
	out[len] = '\0';
	int st = f ? pclose(f) : -1;
	if(opt.verbose)
		fprintf(stderr, "%s", out);
	snprintf(want, sizeof want, "] extra1%s  (room ", token);
	if(!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail(T, "pchat exited with status %d", st);
	else if(!strstr(out, "error: feed add failed: 403"))
		fail(T, "no 403 for a feed over the limit in: %.400s", out);
	else if(!strstr(out, want))
		fail(T, "no line with '%s' in: %.400s", want, out);
	else if(!strstr(out, "--- alerts: 1, newest first ---") || !strstr(out, w1))
		fail(T, "no alert listed in: %.600s", out);
	else if(!strstr(out, "error: feed rm failed: 400"))
		fail(T, "no 400 for /feed rm x in: %.400s", out);
	else
		pass(T);
}

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-feeds --proxy HOST:PORT --db-socket PATH --pchat PCHAT [--db-name N]"
			" [--db-user U] [--db-password PW] [--chat-uri URI] [--verbose]\n");
}

int main(int argc, char **argv)
{
	const struct e2e_opt extra[] = {{"pchat", &pchat}, {NULL, NULL}};
	static const char *const required[] = {"db-socket", "pchat", NULL};
	int rc = e2e_start(&opt, argc, argv, extra, required, usage, "feeds_db");
	ua ua1 = {.fd = -1}, ua2 = {.fd = -1};
	if(rc >= 0)
		return rc;
	db = opt.db;
	ctx = db ? pc_context_new() : NULL;
	if(ctx && setup() == 0) {
		if(ua_open(&ua1) < 0 || ua_open(&ua2) < 0 || !ua_register(&ua1, reader) ||
				!ua_register(&ua2, reader))
			fail("feeds_register_two_endpoints", "REGISTER not answered 200");
		else
			pass("feeds_register_two_endpoints");
		check_add();
		if(!n_fail)
			check_alerts(&ua1, &ua2);
		check_bad_input();
		check_limit();
		check_client();
	}
	ua_close(&ua1);
	ua_close(&ua2);
	if(ctx)
		pc_context_free(ctx);
	if(db)
		cleanup();
	return e2e_finish(&opt);
}
