/* e2e-fidelity: what the client sees must be right (issue 13), over real SIP.
 *
 *   e2e-fidelity --proxy 127.0.0.1:PORT --db-socket PATH [--db-name pchat]
 *                [--db-user root] [--db-password PW] [--chat-uri sip:pchat@example.com]
 *                [--verbose]
 *
 * Creates, by SQL in the stack's MariaDB, two categories of its own (one with every
 * switch on, one with chat history, file upload and invitations off) and four rooms:
 * "on" (a manager and a presenter), "noinv" (invitations off in the room itself),
 * "off" (in the second category) and an auditorium.  Then checks over SIP, each case
 * both ways:
 *   - the history pushed after cmd:bjoin is decided by what the session did, never by
 *     its User-Agent: a client with sipe's User-Agent that never asks is pushed the
 *     history; a client with Lync's that asks after its bjoin (as sipe does) and one
 *     that asked before its bjoin see every message exactly once;
 *   - the room list's logged/invite/filepost follow the rooms' and categories' settings;
 *   - managers and presenters carry the operator key (aib 12276) in join replies and
 *     ntc:join, members the ordinary one (3984);
 *   - cmd:getinv returns only the invitations after inv@inviteId;
 *   - a refused post comes back as a line the client shows, saying why, and is not
 *     stored; an accepted one gets no such line.
 *
 * Prints "PASS name" / "FAIL name: why" lines and "N passed, M failed"; exits 0 only
 * if nothing failed.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET_WAIT 1500 /* "nothing more arrives" */

static struct e2e_stack opt = E2E_STACK_INIT;
static pc_context *ctx;

#define SIPE_UA "Purple/2.14.1 Sipe/1.25.0 (Linux)"
#define LYNC_UA "UCCAPI/15.0.4420.1017 OC/15.0.4420.1017 (Microsoft Lync)"

enum { ON, NOINV, OFF, AUD, NROOMS };
static const char *const room_label[NROOMS] = {"on", "noinv", "off", "aud"};
static char room_chan[NROOMS][64], room_uri[NROOMS][128], room_name[NROOMS][96];
static char cat_on[64], cat_off[64];
static char manager[96], presenter[96], member[96], reader[96];

/* ------------------------------------------------------------------ setup */

static long long sql(const char *T, const char *q, const char *const *args)
{
	return e2e_sql(opt.db, T, q, args, NULL, 0);
}

static int add_category(const char *T, const char *id, const char *on)
{
	return sql(T,
			       "INSERT INTO categories (domain, cat_id, name, invitations, file_upload,"
			       " chat_history) VALUES ('example.com', ?, ?, ?, ?, ?)",
			       ARGS(id, id, on, on, on)) == 1 &&
					sql(T,
							"INSERT INTO category_principals (category_id, role,"
							" principal) SELECT id, 'allowed', 'example.com' FROM"
							" categories WHERE cat_id = ?",
							ARGS(id)) == 1
			? 0
			: -1;
}

static int add_room(const char *T, int r, const char *cat, const char *type, const char *inv)
{
	snprintf(room_chan[r], sizeof room_chan[r], "fid-%s-%s", token, room_label[r]);
	snprintf(room_uri[r], sizeof room_uri[r], "ma-chan://example.com/%.63s", room_chan[r]);
	snprintf(room_name[r], sizeof room_name[r], "Fidelity %s %s", token, room_label[r]);
	return sql(T,
			       "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy,"
			       " room_type, invitations, category_id) SELECT 'example.com', ?, ?,"
			       " 'fidelity', '', 'open', ?, ?, id FROM categories WHERE cat_id = ?",
			       ARGS(room_chan[r], room_name[r], type, inv, cat)) == 1
			? 0
			: -1;
}

static int grant(const char *T, int r, const char *role, const char *user)
{
	return sql(T,
			       "INSERT INTO room_principals (room_id, role, principal) SELECT id,"
			       " ?, ? FROM rooms WHERE chan_id = ?",
			       ARGS(role, user, room_chan[r])) == 1
			? 0
			: -1;
}

static int create_model(void)
{
	const char *T = "setup_model";
	snprintf(cat_on, sizeof cat_on, "fid-%s-on", token);
	snprintf(cat_off, sizeof cat_off, "fid-%s-off", token);
	snprintf(manager, sizeof manager, "sip:fid-manager-%s@example.com", token);
	snprintf(presenter, sizeof presenter, "sip:fid-presenter-%s@example.com", token);
	snprintf(member, sizeof member, "sip:fid-member-%s@example.com", token);
	snprintf(reader, sizeof reader, "sip:fid-reader-%s@example.com", token);
	if(add_category(T, cat_on, "1") < 0 || add_category(T, cat_off, "0") < 0 ||
			add_room(T, ON, cat_on, "normal", "inherit") < 0 ||
			add_room(T, NOINV, cat_on, "normal", "off") < 0 ||
			add_room(T, OFF, cat_off, "normal", "inherit") < 0 ||
			add_room(T, AUD, cat_on, "auditorium", "inherit") < 0 ||
			grant(T, ON, "manager", manager) < 0 ||
			grant(T, ON, "presenter", presenter) < 0 ||
			grant(T, ON, "member", member) < 0 || grant(T, AUD, "member", member) < 0)
		return -1;
	return 0;
}

static void drop_model(void)
{
	const char *T = "cleanup";
	sql(T, "DELETE FROM rooms WHERE chan_id LIKE CONCAT('fid-', ?, '-%')", ARGS(token));
	sql(T, "DELETE FROM categories WHERE cat_id LIKE CONCAT('fid-', ?, '-%')", ARGS(token));
}

/* ------------------------------------------------------------------ SIP */

/* A session and every body it received, in order. */
typedef struct {
	pc_client *c;
	char **got;
	size_t n;
} peer;

static int open_peer(peer *p, const char *user, const char *ua)
{
	int st = 0;
	pc_set_user_agent(ctx, ua);
	p->c = pc_open(ctx, user, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
	p->got = NULL;
	p->n = 0;
	return p->c ? 0 : st;
}

static void close_peer(peer *p)
{
	if(p->c)
		pc_close(p->c, 2000);
	p->c = NULL;
	for(size_t i = 0; i < p->n; i++)
		free(p->got[i]);
	free(p->got);
	p->got = NULL;
	p->n = 0;
}

/* Takes in what arrives within ms. */
static void collect(peer *p, int ms)
{
	for(long long deadline = now_ms() + ms, left; (left = deadline - now_ms()) > 0;) {
		char *body = pc_next_info(p->c, (int)left);
		if(!body)
			return;
		if(opt.verbose)
			fprintf(stderr, "<<< %s\n", body);
		char **g = realloc(p->got, (p->n + 1) * sizeof *g);
		if(!g) {
			free(body);
			return;
		}
		p->got = g;
		p->got[p->n++] = body;
	}
}

/* How many received bodies contain needle; from: only bodies from index from. */
static size_t count_in(const peer *p, size_t from, const char *needle)
{
	size_t n = 0;
	for(size_t i = from; i < p->n; i++)
		n += strstr(p->got[i], needle) != NULL;
	return n;
}

/* Occurrences of needle over every body received (one body may hold several). */
static size_t occurrences(const peer *p, const char *needle)
{
	size_t n = 0;
	for(size_t i = 0; i < p->n; i++)
		for(const char *s = p->got[i]; (s = strstr(s, needle)) != NULL; s += strlen(needle))
			n++;
	return n;
}

/* The first body from index from containing needle, waiting up to ms for it; NULL
 * if none. */
static const char *wait_body(peer *p, size_t from, const char *needle, int ms)
{
	long long deadline = now_ms() + ms;
	for(;;) {
		for(size_t i = from; i < p->n; i++)
			if(strstr(p->got[i], needle))
				return p->got[i];
		long long left = deadline - now_ms();
		if(left <= 0)
			return NULL;
		collect(p, left > 200 ? 200 : (int)left);
	}
}

/* Sends items (freed); returns the INFO's SIP status. */
static int send_items(peer *p, char *items)
{
	int st = items ? pc_send_xccos(p->c, items, E2E_SIP_WAIT, NULL) : 0;
	if(opt.verbose && items)
		fprintf(stderr, ">>> %s\n", items);
	free(items);
	return st;
}

static char *cmd(const char *name, const char *data)
{
	char *r = NULL;
	if(asprintf(&r, "<cmd id=\"cmd:%s\" seqid=\"1\"><data>%s</data></cmd>", name, data) < 0)
		return NULL;
	return r;
}

static char *bjoin_item(int r)
{
	char data[256];
	snprintf(data, sizeof data, "<chanid key=\"0\" domain=\"example.com\" value=\"%.63s\"/>",
			room_chan[r]);
	return cmd("bjoin", data);
}

/* Joins room r (cmd:join) and waits for its reply; 0 on 200. */
static int join(peer *p, int r)
{
	size_t from = p->n;
	if(send_items(p, xv_item_join(room_uri[r])) != 200)
		return -1;
	const char *b = wait_body(p, from, "rpl:join", E2E_REPLY_WAIT);
	return b && strstr(b, "<resp code=\"200\">") ? 0 : -1;
}

/* ------------------------------------------------------------------ history once */

static char hist1[96], hist2[96];

/* Two posts in room ON by its manager, the history the cases below read. */
static int post_history(void)
{
	const char *T = "history_setup";
	peer m;
	int st = open_peer(&m, manager, NULL);
	if(st) {
		fail(T, "manager's INVITE got %d", st);
		return -1;
	}
	snprintf(hist1, sizeof hist1, "fid-history-1-%s", token);
	snprintf(hist2, sizeof hist2, "fid-history-2-%s", token);
	int ok = join(&m, ON) == 0 &&
			send_items(&m, xv_item_grpchat(room_uri[ON], NULL, NULL, hist1)) == 200 &&
			send_items(&m, xv_item_grpchat(room_uri[ON], NULL, NULL, hist2)) == 200;
	close_peer(&m);
	if(!ok)
		fail(T, "the manager could not join and post in %s", room_uri[ON]);
	return ok ? 0 : -1;
}

/* Each history post appears exactly once in what p received; else a failure. */
static void once_each(const char *T, const peer *p, const char *how)
{
	char c1[128], c2[128];
	snprintf(c1, sizeof c1, "<chat>%s</chat>", hist1);
	snprintf(c2, sizeof c2, "<chat>%s</chat>", hist2);
	size_t n1 = occurrences(p, c1), n2 = occurrences(p, c2);
	if(n1 != 1 || n2 != 1)
		fail(T, "%s: the two history posts came %zu and %zu times, want once each", how, n1,
				n2);
	else
		pass(T);
}

/* sipe's User-Agent, never asks (as Lync does): the push is its only history. */
static void history_pushed_whatever_the_user_agent(void)
{
	const char *T = "history_pushed_to_a_client_that_does_not_ask_even_with_sipe_ua";
	peer p;
	int st = open_peer(&p, reader, SIPE_UA);
	if(st) {
		fail(T, "INVITE got %d", st);
		return;
	}
	if(send_items(&p, bjoin_item(ON)) != 200 || !wait_body(&p, 0, "rpl:bjoin", E2E_REPLY_WAIT))
		fail(T, "no rpl:bjoin");
	else if(!wait_body(&p, 0, "rpl:bccontext", E2E_REPLY_WAIT))
		fail(T, "no history pushed after rpl:bjoin to a session that never asks");
	else {
		collect(&p, QUIET_WAIT);
		once_each(T, &p, "pushed");
	}
	close_peer(&p);
}

/* Lync's User-Agent, asks after rpl:bjoin as sipe does: still once. */
static void history_once_when_asked_after_bjoin(void)
{
	const char *T = "history_once_when_the_client_asks_after_bjoin_even_with_lync_ua";
	peer p;
	int st = open_peer(&p, reader, LYNC_UA);
	if(st) {
		fail(T, "INVITE got %d", st);
		return;
	}
	if(send_items(&p, bjoin_item(ON)) != 200 ||
			!wait_body(&p, 0, "rpl:bjoin", E2E_REPLY_WAIT)) {
		fail(T, "no rpl:bjoin");
	} else {
		size_t from = p.n;
		if(send_items(&p, xv_item_bccontext(room_uri[ON], 25)) != 200)
			fail(T, "bccontext INFO refused");
		else if(!wait_body(&p, from, "rpl:bccontext", E2E_REPLY_WAIT))
			fail(T, "no rpl:bccontext answering the client's own request");
		else {
			collect(&p, QUIET_WAIT);
			if(count_in(&p, 0, "rpl:bccontext") != 2)
				fail(T, "%zu rpl:bccontext, want the push and the answer",
						count_in(&p, 0, "rpl:bccontext"));
			else
				once_each(T, &p, "pushed, then asked");
		}
	}
	close_peer(&p);
}

/* Asked before its bjoin: nothing is pushed. */
static void history_not_pushed_after_asking(void)
{
	const char *T = "history_not_pushed_to_a_client_that_asked_before_bjoin";
	peer p;
	int st = open_peer(&p, reader, LYNC_UA);
	if(st) {
		fail(T, "INVITE got %d", st);
		return;
	}
	if(send_items(&p, xv_item_bccontext(room_uri[ON], 25)) != 200 ||
			!wait_body(&p, 0, "rpl:bccontext", E2E_REPLY_WAIT)) {
		fail(T, "no rpl:bccontext");
	} else {
		size_t from = p.n;
		if(send_items(&p, bjoin_item(ON)) != 200 ||
				!wait_body(&p, from, "rpl:bjoin", E2E_REPLY_WAIT))
			fail(T, "no rpl:bjoin");
		else {
			collect(&p, QUIET_WAIT);
			if(count_in(&p, from, "rpl:bccontext"))
				fail(T, "history pushed after bjoin although the client had asked");
			else
				once_each(T, &p, "asked, then bjoin");
		}
	}
	close_peer(&p);
}

/* ------------------------------------------------------------------ room list */

/* The props of room r in a chansrch reply: "logged invite filepost" as "ttf" etc. */
static void room_props(const char *raw, int r, char out[4])
{
	static const char *const ids[] = {"logged", "invite", "filepost"};
	char name[128];
	snprintf(name, sizeof name, "name=\"%.95s\"", room_name[r]);
	const char *at = strstr(raw, name), *end = at ? strstr(at, "</chanib>") : NULL;
	for(int i = 0; i < 3; i++) {
		char want[96];
		out[i] = '?';
		for(int v = 0; v < 2 && at; v++) {
			snprintf(want, sizeof want, "<prop id=\"urn:parlano:ma:prop:%s\">%s</prop>",
					ids[i], v ? "true" : "false");
			const char *hit = strstr(at, want);
			if(hit && hit < end)
				out[i] = v ? 't' : 'f';
		}
	}
	out[3] = '\0';
}

static void room_list_properties(void)
{
	const char *T = "room_list_properties_follow_room_and_category_settings";
	static const char *const want[NROOMS] = {"ttt", "tft", "fff", "ttt"};
	peer p;
	int st = open_peer(&p, reader, NULL);
	if(st) {
		fail(T, "INVITE got %d", st);
		return;
	}
	char criteria[64];
	snprintf(criteria, sizeof criteria, "Fidelity %s", token);
	const char *raw = send_items(&p, xv_item_chansrch(criteria)) == 200
			? wait_body(&p, 0, "rpl:chansrch", E2E_REPLY_WAIT)
			: NULL;
	int bad = 0;
	for(int r = 0; raw && r < NROOMS; r++) {
		char got[4];
		room_props(raw, r, got);
		if(strcmp(got, want[r]) != 0) {
			fail(T, "room %s: logged/invite/filepost %s, want %s", room_label[r], got,
					want[r]);
			bad = 1;
		}
	}
	if(!raw)
		fail(T, "no rpl:chansrch");
	else if(!bad)
		pass(T);
	close_peer(&p);
}

/* ------------------------------------------------------------------ operators */

/* The aib key of user in room ON's join reply raw: "3984", "12276" or NULL. */
static const char *roster_key(const char *raw, const char *user)
{
	char uib[160], id[16];
	snprintf(uib, sizeof uib, "uri=\"%s\"/>", user);
	const char *u = strstr(raw, uib);
	if(!u)
		return NULL;
	const char *open = u;
	while(open > raw && strncmp(open, "<uib id=\"", 9) != 0)
		open--;
	if(sscanf(open, "<uib id=\"%15[0-9]\"", id) != 1)
		return NULL;
	static const char *const keys[] = {"3984", "12276"};
	for(size_t k = 0; k < 2; k++) {
		char aib[32];
		snprintf(aib, sizeof aib, "<aib key=\"%s\" value=\"", keys[k]);
		const char *a = strstr(raw, aib);
		if(!a)
			continue;
		const char *v = a + strlen(aib), *q = strchr(v, '"');
		/* the id as one element of the comma-separated list */
		for(const char *s = v; s && s < q; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL) {
			size_t len = strlen(id);
			if(strncmp(s, id, len) == 0 && (s[len] == ',' || s[len] == '"'))
				return keys[k];
		}
	}
	return NULL;
}

static void operators_marked(void)
{
	const char *T = "managers_and_presenters_carry_the_operator_key_members_not";
	peer mb, mg, pr;
	int s1 = open_peer(&mb, member, NULL), s2 = open_peer(&mg, manager, NULL),
	    s3 = open_peer(&pr, presenter, NULL);
	if(s1 || s2 || s3) {
		fail(T, "INVITEs got %d/%d/%d", s1, s2, s3);
	} else if(join(&mb, ON) < 0 || join(&mg, ON) < 0 || join(&pr, ON) < 0) {
		fail(T, "joins of %s failed", room_uri[ON]);
	} else {
		char ntc_mg[200], ntc_pr[200];
		const char *rpl = wait_body(&pr, 0, "rpl:join", 10);
		snprintf(ntc_mg, sizeof ntc_mg, "uri=\"%s\"><aib key=\"12276\"", manager);
		snprintf(ntc_pr, sizeof ntc_pr, "uri=\"%s\"><aib key=\"12276\"", presenter);
		const char *kmb = rpl ? roster_key(rpl, member) : NULL,
			   *kmg = rpl ? roster_key(rpl, manager) : NULL,
			   *kpr = rpl ? roster_key(rpl, presenter) : NULL;
		if(!kmb || !kmg || !kpr)
			fail(T, "the presenter's rpl:join does not list all three: %.600s",
					rpl ? rpl : "(none)");
		else if(strcmp(kmb, "3984") != 0 || strcmp(kmg, "12276") != 0 ||
				strcmp(kpr, "12276") != 0)
			fail(T,
					"roster keys member %s, manager %s, presenter %s; want 3984, "
					"12276, 12276",
					kmb, kmg, kpr);
		else if(!wait_body(&mb, 0, ntc_mg, E2E_REPLY_WAIT) ||
				!wait_body(&mb, 0, ntc_pr, E2E_REPLY_WAIT))
			fail(T,
					"the member got no ntc:join with key 12276 for the manager and "
					"the presenter");
		else
			pass(T);
	}
	close_peer(&mb);
	close_peer(&mg);
	close_peer(&pr);
}

/* ------------------------------------------------------------------ getinv */

static void getinv_after_seen(void)
{
	const char *T = "getinv_returns_only_invitations_after_the_id_seen";
	char *id1 = NULL, *id2 = NULL;
	if(sql(T,
			   "INSERT INTO invitations (user_uri, room_id, inviter) SELECT ?, id, ?"
			   " FROM rooms WHERE chan_id = ?",
			   ARGS(reader, manager, room_chan[ON])) != 1 ||
			sql(T,
					"INSERT INTO invitations (user_uri, room_id, inviter) SELECT ?, id, ?"
					" FROM rooms WHERE chan_id = ?",
					ARGS(reader, manager, room_chan[NOINV])) != 1)
		return;
	char *ids[2] = {NULL, NULL};
	if(e2e_sql(opt.db, T,
			   "SELECT CAST(MIN(id) AS CHAR), CAST(MAX(id) AS CHAR) FROM invitations"
			   " WHERE user_uri = ?",
			   ARGS(reader), ids, 2) != 1 ||
			!ids[0] || !ids[1]) {
		e2e_free_strs(ids, 2);
		fail(T, "the invitations were not stored");
		return;
	}
	id1 = ids[0];
	id2 = ids[1];
	peer p;
	int st = open_peer(&p, reader, NULL);
	if(st) {
		fail(T, "INVITE got %d", st);
	} else {
		/* "1" is what sipe sends at every sign-in: ids start at 2 (migration 015) */
		const char *seen[] = {"1", id1, id2};
		char in1[64], in2[64];
		snprintf(in1, sizeof in1, "inviteId=\"%s\"", id1);
		snprintf(in2, sizeof in2, "inviteId=\"%s\"", id2);
		const int want1[] = {1, 0, 0}, want2[] = {1, 1, 0};
		int ok = 1;
		for(int i = 0; i < 3 && ok; i++) {
			char data[96];
			size_t from = p.n;
			snprintf(data, sizeof data, "<inv inviteId=\"%s\" domain=\"example.com\"/>",
					seen[i]);
			const char *raw = send_items(&p, cmd("getinv", data)) == 200
					? wait_body(&p, from, "rpl:getinv", E2E_REPLY_WAIT)
					: NULL;
			if(!raw) {
				fail(T, "no rpl:getinv for inviteId %s", seen[i]);
				ok = 0;
			} else if(!!strstr(raw, in1) != want1[i] ||
					!!strstr(raw, in2) != want2[i]) {
				fail(T, "inviteId %s (invitations %s, %s): %.500s", seen[i], id1,
						id2, raw);
				ok = 0;
			}
		}
		if(ok)
			pass(T);
	}
	close_peer(&p);
	free(id1);
	free(id2);
}

/* ------------------------------------------------------------------ refusals */

/* A member posts in the auditorium (refused: only presenters), then in a room it has
 * not joined, then where it may: the first two come back with a line saying why. */
static void refused_post_says_why(void)
{
	const char *T = "refused_post_reason_reaches_the_client_as_a_line";
	peer p;
	int st = open_peer(&p, member, NULL);
	if(st) {
		fail(T, "INVITE got %d", st);
		return;
	}
	char t1[96], t2[96], t3[96], notice[160];
	snprintf(t1, sizeof t1, "fid-refused-aud-%s", token);
	snprintf(t2, sizeof t2, "fid-refused-notin-%s", token);
	snprintf(t3, sizeof t3, "fid-accepted-%s", token);
	snprintf(notice, sizeof notice, "author=\"%s\"", opt.chat_uri);
	if(join(&p, AUD) < 0 || join(&p, ON) < 0) {
		fail(T, "the member could not join");
		close_peer(&p);
		return;
	}
	size_t from = p.n;
	int s1 = send_items(&p, xv_item_grpchat(room_uri[AUD], NULL, NULL, t1));
	const char *why1 = wait_body(&p, from, "notice=\"refused\"", E2E_REPLY_WAIT);
	from = p.n;
	int s2 = send_items(&p, xv_item_grpchat(room_uri[NOINV], NULL, NULL, t2));
	const char *why2 = wait_body(&p, from, "notice=\"refused\"", E2E_REPLY_WAIT);
	from = p.n;
	int s3 = send_items(&p, xv_item_grpchat(room_uri[ON], NULL, NULL, t3));
	wait_body(&p, from, t3, E2E_REPLY_WAIT); /* its echo */
	collect(&p, QUIET_WAIT);
	if(s1 != 403 || s2 != 403 || s3 != 200)
		fail(T, "SIP %d/%d/%d, want 403, 403, 200", s1, s2, s3);
	else if(!why1 || !strstr(why1, "only presenters may post in this room") ||
			!strstr(why1, room_uri[AUD]) || !strstr(why1, notice))
		fail(T, "no line saying only presenters may post: %.400s", why1 ? why1 : "(none)");
	else if(!why2 || !strstr(why2, "you are not in this room") ||
			!strstr(why2, room_uri[NOINV]))
		fail(T, "no line saying the member is not in the room: %.400s",
				why2 ? why2 : "(none)");
	else if(count_in(&p, from, "notice=\"refused\""))
		fail(T, "an accepted post came with a refusal line");
	else if(e2e_stored(opt.db, T, t1) != 0 || e2e_stored(opt.db, T, t2) != 0 ||
			e2e_stored(opt.db, T, t3) != 1)
		fail(T, "stored %lld/%lld/%lld, want 0, 0, 1", e2e_stored(opt.db, T, t1),
				e2e_stored(opt.db, T, t2), e2e_stored(opt.db, T, t3));
	else
		pass(T);
	close_peer(&p);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-fidelity --proxy HOST:PORT --db-socket PATH [--db-name N]"
			" [--db-user U] [--db-password PW] [--chat-uri URI] [--verbose]\n");
}

int main(int argc, char **argv)
{
	static const char *const required[] = {"proxy", "db-socket", NULL};
	int status = e2e_start(&opt, argc, argv, NULL, required, usage, "setup_database");
	if(status >= 0)
		return status;
	ctx = pc_context_new();
	if(!ctx)
		fail("setup_sip", "no SIP context");
	else if(opt.db && create_model() == 0) {
		if(post_history() == 0) {
			history_pushed_whatever_the_user_agent();
			history_once_when_asked_after_bjoin();
			history_not_pushed_after_asking();
		}
		room_list_properties();
		operators_marked();
		getinv_after_seen();
		refused_post_says_why();
	}
	if(ctx)
		pc_context_free(ctx);
	if(opt.db)
		drop_model();
	return e2e_finish(&opt);
}
