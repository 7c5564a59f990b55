/* e2e-pool: a room's members on three chat nodes of a pool (tests/pool/run.sh starts
 * the pool; issue 14), over real SIP to each node's Kamailio:
 *
 *   presence a visitor joins on node 1: the members on every node are told (ntc:join),
 *            a later joiner on node 3 is given every user of every node; the
 *            visitor's session ends: every member is told (ntc:part);
 *   writes   a room made through Galera node 1 is joined at once on chat node 3, and
 *            disabled, posts to it there are refused within the reload's second;
 *   order    two members per node join the room; posts are sent in turn from every
 *            member (so each node's next post follows posts it learned of only by
 *            signal or poll); every member gets every post once, all in the same
 *            order, which is the order of their sequence numbers in the database;
 *   kill     (--kill-cmd) during a second stream, one node is killed with kill -9:
 *            every post answered 200 is stored once and reaches every member that
 *            stayed, in the same order; the killed node's members sign in again on a
 *            live node from the same endpoint (epid) without joining, as pidgin-sipe
 *            does: their room is carried over, they are sent every post the dead
 *            node had not sent them (none before they ACK the 200 to their
 *            INVITE, which they do ACK_DELAY ms late), and the next post reaches
 *            them.
 *
 * The program talks to each node's Kamailio directly, not through the pool's front, so
 * the nodes authenticate its users as a single server does (SIP Digest in a 407): it
 * makes them subscribers (through --db-socket, password = the user name, as the demo
 * users') and answers the challenges.
 *
 * Counts are printed ("# ..." lines); PASS/FAIL lines as the other e2e programs.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NODES = 3, PER_NODE = 2, MEMBERS = NODES * PER_NODE };
#define MAX_POSTS 512
#define DELIVERY_WAIT 20000 /* ms for every member to have every post */
/* ms a carried-over member waits before it ACKs the 200 to its new INVITE: the posts
 * it missed are sent at once, and must wait for the ACK (the module's ack_wait) */
#define ACK_DELAY 500

static struct e2e_stack opt = E2E_STACK_INIT;
static const char *nodes_arg, *posts_arg = "60", *kill_cmd, *kill_node_arg = "2";
static pc_context *ctx;
static char room[160];
static const char *node_addr[NODES];

struct member {
	pc_client *c;
	int node; /* 0-based */
	char user[96];
	int dead; /* its node was killed */
	int got[MAX_POSTS * 2];
	size_t ngot;
	char notices[2048]; /* "join <uri>\n" / "part <uri>\n" as they came (ntc:join/part) */
	char epid[32];	    /* its endpoint id ("" none) */
};
static struct member mem[MEMBERS + 2]; /* + the visitor and the late joiner */

/* ------------------------------------------------------------------ setup */

static int split_nodes(void)
{
	static char buf[256];
	char *save = NULL, *s;
	int n = 0;
	snprintf(buf, sizeof buf, "%s", nodes_arg ? nodes_arg : "");
	for(s = strtok_r(buf, ",", &save); s && n < NODES; s = strtok_r(NULL, ",", &save))
		node_addr[n++] = s;
	return n == NODES ? 0 : -1;
}

static int find_room(void)
{
	char *uri = NULL;
	if(e2e_sql(opt.db, "setup",
			   "SELECT CONCAT('ma-chan://', domain, '/', chan_id) FROM rooms"
			   " WHERE name = 'Lobby'",
			   NULL, &uri, 1) != 1 ||
			uri == NULL)
		return -1;
	snprintf(room, sizeof room, "%s", uri);
	free(uri);
	return 0;
}

/* ------------------------------------------------------------------ users */

/* The user part of a "sip:user@domain" URI into out ("" if there is none). */
static void user_part(const char *uri, char *out, size_t on)
{
	const char *u = strncmp(uri, "sip:", 4) == 0 ? uri + 4 : uri;
	const char *at = strchr(u, '@');
	size_t n = at ? (size_t)(at - u) : 0;
	if(n >= on)
		n = 0;
	memcpy(out, u, n);
	out[n] = '\0';
}

/* pc_set_password_fn's function: a user's password is its user name (add_user). */
static const char *password_of(const char *user_uri, void *arg)
{
	static char pw[96];
	(void)arg;
	user_part(user_uri, pw, sizeof pw);
	return pw[0] ? pw : NULL;
}

/* Makes uri ("sip:user@example.com") a subscriber whose password is its user name
 * (Digest hashes as pchat-admin user new writes them); 0 on success. */
static int add_user(const char *uri)
{
	char user[96];
	user_part(uri, user, sizeof user);
	return e2e_sql(opt.db, "setup",
			       "INSERT INTO subscriber (username, domain, ha1, ha1b)"
			       " VALUES (?, 'example.com', MD5(CONCAT(?, ':example.com:', ?)),"
			       " MD5(CONCAT(?, '@example.com:example.com:', ?)))",
			       ARGS(user, user, user, user, user), NULL, 0) == 1
			? 0
			: -1;
}

/* ------------------------------------------------------------------ SIP */

/* Keeps an ntc:join / ntc:part of body in m->notices. */
static void note_notice(struct member *m, const char *body)
{
	xv_envelope *e = xv_parse(body, strlen(body));
	size_t len = strlen(m->notices);
	if(e && (xv_is(e, "ntc:join") || xv_is(e, "ntc:part")) && e->nusers > 0)
		snprintf(m->notices + len, sizeof m->notices - len, "%s %s\n",
				xv_is(e, "ntc:join") ? "join" : "part", e->users[0]);
	xv_free(e);
}

/* Takes in what arrives for m within ms: the numbers of this run's posts, in order
 * (and the notices). */
static void collect(struct member *m, int ms)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "<chat>po-%s-", token);
	for(long long deadline = now_ms() + ms, left; (left = deadline - now_ms()) > 0;) {
		char *body = pc_next_info(m->c, (int)left);
		if(!body)
			return;
		for(const char *s = body; (s = strstr(s, prefix)) != NULL; s += strlen(prefix)) {
			int k = atoi(s + strlen(prefix));
			if(m->ngot < sizeof m->got / sizeof m->got[0])
				m->got[m->ngot++] = k;
		}
		note_notice(m, body);
		free(body);
	}
}

/* Opens m's session on node (from m's endpoint, as sipe's From;epid=); 0 on success. */
static int open_session(struct member *m, int node)
{
	int st = 0;
	m->node = node;
	pc_set_epid(ctx, m->epid);
	m->c = pc_open(ctx, m->user, opt.chat_uri, node_addr[node], "tcp", E2E_SIP_WAIT, &st);
	pc_set_epid(ctx, NULL);
	if(m->c == NULL)
		note("%s on node %d: INVITE got %d", m->user, node + 1, st);
	return m->c ? 0 : -1;
}

/* Opens m's session on node and joins the room; 0 on success. */
static int sign_in(struct member *m, int node)
{
	if(open_session(m, node) < 0)
		return -1;
	xv_envelope *e = e2e_request(m->c, xv_item_join(room), "rpl:join", opt.verbose);
	int ok = e && e->resp_code == 200;
	xv_free(e);
	return ok ? 0 : -1;
}

/* A post of text to chan_uri from m; returns the INFO's SIP status. */
static int post_to(struct member *m, const char *chan_uri, const char *text)
{
	char *item = xv_item_grpchat(chan_uri, NULL, NULL, text);
	int st = item ? pc_send_xccos(m->c, item, E2E_SIP_WAIT, NULL) : 0;
	free(item);
	return st;
}

/* Post number k from m to the room; returns the INFO's SIP status. */
static int post(struct member *m, int k)
{
	char text[64];
	snprintf(text, sizeof text, "po-%s-%d", token, k);
	return post_to(m, room, text);
}

/* ------------------------------------------------------------------ checks */

/* Has m every number of want[0..n) (in any order)?  Sets *dup if one came twice. */
static int has_all(const struct member *m, const int *want, size_t n, int *dup)
{
	static unsigned char seen[MAX_POSTS * 2];
	memset(seen, 0, sizeof seen);
	*dup = 0;
	for(size_t i = 0; i < m->ngot; i++) {
		int k = m->got[i];
		if(k >= 0 && k < (int)sizeof seen && seen[k]++)
			*dup = 1;
	}
	for(size_t i = 0; i < n; i++)
		if(!seen[want[i]])
			return 0;
	return 1;
}

/* How many numbers of want[0..n) m lacks (*first: the first of them). */
static size_t count_missing(const struct member *m, const int *want, size_t n, int *first)
{
	size_t miss = 0;
	for(size_t i = 0; i < n; i++) {
		int dup;
		if(has_all(m, want + i, 1, &dup))
			continue;
		if(miss++ == 0)
			*first = want[i];
	}
	return miss;
}

/* Waits until every live member has every number of want[0..n). */
static void await_all(const int *want, size_t n)
{
	long long deadline = now_ms() + DELIVERY_WAIT;
	for(int i = 0; i < MEMBERS; i++) {
		int dup;
		while(!mem[i].dead && !has_all(&mem[i], want, n, &dup) && now_ms() < deadline)
			collect(&mem[i], 200);
	}
	for(int i = 0; i < MEMBERS; i++) /* and anything more: a post twice would show */
		if(!mem[i].dead)
			collect(&mem[i], 300);
}

/* The database's order of this run's posts numbered from..to (their sequence numbers). */
static size_t db_order(int from, int to, int *out, size_t max)
{
	char like[64];
	MYSQL_STMT *st = mysql_stmt_init(opt.db);
	MYSQL_BIND par[1], res[1];
	char body[64];
	unsigned long len = 0, plen;
	size_t n = 0;
	snprintf(like, sizeof like, "po-%s-%%", token);
	plen = strlen(like);
	const char *q = "SELECT body FROM messages WHERE body LIKE ? ORDER BY room_id, seq";
	memset(par, 0, sizeof par);
	memset(res, 0, sizeof res);
	par[0].buffer_type = MYSQL_TYPE_STRING;
	par[0].buffer = like;
	par[0].buffer_length = plen;
	par[0].length = &plen;
	res[0].buffer_type = MYSQL_TYPE_STRING;
	res[0].buffer = body;
	res[0].buffer_length = sizeof body - 1;
	res[0].length = &len;
	if(st == NULL || mysql_stmt_prepare(st, q, strlen(q)) || mysql_stmt_bind_param(st, par) ||
			mysql_stmt_execute(st) || mysql_stmt_bind_result(st, res)) {
		fail("db_order", "%s", st ? mysql_stmt_error(st) : "no statement");
		if(st)
			mysql_stmt_close(st);
		return 0;
	}
	while(mysql_stmt_fetch(st) == 0 && n < max) {
		body[len < sizeof body ? len : sizeof body - 1] = '\0';
		int k = atoi(body + strlen(like) - 1);
		if(k >= from && k <= to)
			out[n++] = k;
	}
	mysql_stmt_close(st);
	return n;
}

/* m's numbers from..to, in the order received. */
static size_t received(const struct member *m, int from, int to, int *out)
{
	size_t n = 0;
	for(size_t i = 0; i < m->ngot; i++)
		if(m->got[i] >= from && m->got[i] <= to)
			out[n++] = m->got[i];
	return n;
}

/* Every live member got exactly the numbers of want (each once), in the database's
 * order of from..to. */
static void check_order(const char *T, const int *want, size_t n, int from, int to)
{
	static int dbo[MAX_POSTS * 2], got[MAX_POSTS * 2];
	size_t ndb = db_order(from, to, dbo, (size_t)MAX_POSTS * 2), live = 0;
	int bad = 0;
	for(int i = 0; i < MEMBERS && !bad; i++) {
		int dup;
		if(mem[i].dead)
			continue;
		live++;
		size_t ng = received(&mem[i], from, to, got);
		if(!has_all(&mem[i], want, n, &dup) || dup) {
			fail(T, "%s (node %d) got %zu of %zu posts%s", mem[i].user, mem[i].node + 1,
					ng, n, dup ? ", one twice" : "");
			bad = 1;
		} else if(ng != ndb || memcmp(got, dbo, ng * sizeof *got) != 0) {
			size_t at = 0;
			while(at < ng && at < ndb && got[at] == dbo[at])
				at++;
			fail(T,
					"%s (node %d): order differs from the sequence numbers at %zu"
					" (got %d, stored %d)",
					mem[i].user, mem[i].node + 1, at, at < ng ? got[at] : -1,
					at < ndb ? dbo[at] : -1);
			bad = 1;
		}
	}
	note("%s: %zu posts, %zu members on %d nodes, each got every post once, in the "
	     "stored order: %s",
			T, n, live, NODES, bad ? "no" : "yes");
	if(!bad)
		pass(T);
}

/* ------------------------------------------------------------------ cases */

static void order(int nposts)
{
	static int want[MAX_POSTS];
	size_t n = 0;
	long long t0 = now_ms();
	for(int k = 0; k < nposts; k++) {
		struct member *m = &mem[(k % NODES) * PER_NODE + (k / NODES) % PER_NODE];
		int st = post(m, k);
		if(st != 200) {
			fail("order", "post %d from node %d got %d", k, m->node + 1, st);
			return;
		}
		want[n++] = k;
	}
	await_all(want, n);
	note("order: %d posts sent in %lld ms, each from the next node in turn", nposts,
			now_ms() - t0);
	check_order("order_same_on_every_node", want, n, 0, nposts - 1);
}

/* The stored copies of post k (1 = once). */
static long long stored(int k)
{
	char text[64];
	snprintf(text, sizeof text, "po-%s-%d", token, k);
	return e2e_stored(opt.db, "kill_stored_once", text);
}

/* The killed node's members, as pidgin-sipe after a failed request: a new session of
 * the same endpoint (epid) on a live node, and no join: the server carries their rooms
 * over and sends them what the dead node had not.  Then they must have every post
 * acknowledged, none of them sent before their ACK (they ACK ACK_DELAY ms late, and
 * answer an INFO before it 481, as a client without the dialog), and the next post
 * reaches them with everyone's. */
static void resume(const int *acked, size_t nacked, int killed, int next)
{
	const char *T = "kill_clients_carried_over_and_caught_up";
	int live = (killed + 1) % NODES, ok = 1, dup;
	size_t caught = 0;
	long long t0 = now_ms();
	pc_set_ack_delay(ctx, ACK_DELAY);
	for(int i = 0; i < MEMBERS; i++) {
		struct member *m = &mem[i];
		if(!m->dead)
			continue;
		/* the dead session's dialog went with its node; what it got before is
		 * taken in first and kept */
		collect(m, 300);
		pc_close(m->c, 500);
		if(open_session(m, live) < 0) {
			fail(T, "%s could not sign in again on node %d", m->user, live + 1);
			pc_set_ack_delay(ctx, 0);
			return;
		}
		m->dead = 0;
	}
	pc_set_ack_delay(ctx, 0);
	for(int i = 0; i < MEMBERS; i++) {
		struct member *m = &mem[i];
		long long deadline = now_ms() + DELIVERY_WAIT;
		if(m->node != live || i / PER_NODE != killed)
			continue;
		while(!has_all(m, acked, nacked, &dup) && now_ms() < deadline)
			collect(m, 200);
		if(pc_infos_before_ack(m->c) > 0) {
			ok = 0;
			fail(T, "%s: %d INFO(s) sent before its ACK of the 200", m->user,
					pc_infos_before_ack(m->c));
		} else if(!has_all(m, acked, nacked, &dup)) {
			int first = -1;
			size_t miss = count_missing(m, acked, nacked, &first);
			ok = 0;
			fail(T,
					"%s: carried over to node %d without joining, %zu of %zu posts "
					"missing (the first: %d)",
					m->user, live + 1, miss, nacked, first);
		} else
			caught++;
	}
	note("kill: %zu member(s) of the killed node signed in again on node %d without "
	     "joining and had all %zu acknowledged posts after %lld ms",
			caught, live + 1, nacked, now_ms() - t0);
	/* the next post reaches them too: they are in the room */
	if(ok && post(&mem[0], next) == 200) {
		int last[1] = {next};
		await_all(last, 1);
		for(int i = 0; i < MEMBERS && ok; i++)
			if(!has_all(&mem[i], last, 1, &dup)) {
				ok = 0;
				fail(T, "%s (node %d) did not get the post after the carry-over",
						mem[i].user, mem[i].node + 1);
			}
	} else if(ok) {
		ok = 0;
		fail(T, "the post after the carry-over was not accepted");
	}
	if(ok)
		pass(T);
}

static void kill_during_stream(int from, int nposts)
{
	static int acked[MAX_POSTS];
	size_t nacked = 0, lost = 0, before_kill = 0;
	int killed = atoi(kill_node_arg) - 1, twice = 0, missing = 0;
	for(int k = from; k < from + nposts; k++) {
		struct member *m = &mem[(k % NODES) * PER_NODE + (k / NODES) % PER_NODE];
		if(k == from + nposts / 3) {
			note("kill: kill -9 of chat node %d after %d posts", killed + 1, k - from);
			if(system(kill_cmd) != 0)
				fail("kill_during_stream", "the kill command failed: %s", kill_cmd);
			for(int i = 0; i < MEMBERS; i++)
				mem[i].dead = mem[i].node == killed;
			before_kill = nacked;
		}
		if(m->dead)
			continue;
		int st = post(m, k);
		if(st == 200)
			acked[nacked++] = k;
		else
			lost++;
	}
	await_all(acked, nacked);
	for(size_t i = 0; i < nacked; i++) {
		long long n = stored(acked[i]);
		twice += n > 1;
		missing += n < 1;
	}
	note("kill: %zu posts acknowledged (%zu before the kill), %zu refused; stored: %d "
	     "missing, %d twice",
			nacked, before_kill, lost, missing, twice);
	if(missing || twice)
		fail("kill_stored_once", "%d acknowledged post(s) missing, %d stored twice",
				missing, twice);
	else
		pass("kill_stored_once");
	check_order("kill_members_that_stayed_get_every_post_in_order", acked, nacked, from,
			from + nposts - 1);
	resume(acked, nacked, killed, from + nposts);
	(void)before_kill;
}

/* Has every member but except (-1: none) been told "<what> <uri>" within ms? */
static int all_told(const char *what, const char *uri, int except, int ms)
{
	char want[160];
	long long deadline = now_ms() + ms;
	snprintf(want, sizeof want, "%s %s\n", what, uri);
	for(int i = 0; i < MEMBERS; i++) {
		while(i != except && !strstr(mem[i].notices, want) && now_ms() < deadline)
			collect(&mem[i], 200);
		if(i != except && !strstr(mem[i].notices, want)) {
			note("presence: %s (node %d) was not told '%s %s'", mem[i].user,
					mem[i].node + 1, what, uri);
			return 0;
		}
	}
	return 1;
}

/* A user who joins on node 1 is announced to the members on every node and listed in
 * a later join reply on node 3; leaving, announced gone everywhere. */
static void presence(void)
{
	const char *T = "presence_spans_the_pool";
	struct member *v = &mem[MEMBERS]; /* the visitor: one slot past the members */
	char seen_user[96];
	long long t0;
	if(sign_in(v, 0) < 0) {
		fail(T, "the visitor could not join on node 1");
		return;
	}
	t0 = now_ms(); /* its join answered: stored */
	int joined = all_told("join", v->user, -1, DELIVERY_WAIT);
	long long t_join = now_ms() - t0;
	/* a later joiner on node 3 is given every present user, the visitor among them */
	struct member *w = &mem[MEMBERS + 1];
	int st = 0;
	w->c = pc_open(ctx, w->user, opt.chat_uri, node_addr[2], "tcp", E2E_SIP_WAIT, &st);
	xv_envelope *e = w->c ? e2e_request(w->c, xv_item_join(room), "rpl:join", opt.verbose)
			      : NULL;
	size_t listed = 0;
	int lists_visitor = 0;
	snprintf(seen_user, sizeof seen_user, "%s", v->user);
	for(size_t i = 0; e && i < e->nusers; i++) {
		listed += strstr(e->users[i], token) != NULL;
		lists_visitor |= strcmp(e->users[i], seen_user) == 0;
	}
	xv_free(e);
	t0 = now_ms();
	pc_close(v->c, 2000);
	v->c = NULL;
	int parted = all_told("part", v->user, -1, DELIVERY_WAIT);
	note("presence: the test's clients on 3 nodes saw a join on node 1 within %lld ms, "
	     "its session's end within %lld ms; a join reply on node 3 listed %zu of this "
	     "run's %d users",
			t_join, now_ms() - t0, listed, MEMBERS + 2);
	if(!joined || !parted)
		fail(T, "a member was not told of the visitor's %s", joined ? "end" : "join");
	else if(!lists_visitor || listed < MEMBERS + 2)
		fail(T, "the join reply on node 3 listed %zu of %d users (visitor: %s)", listed,
				MEMBERS + 2, lists_visitor ? "yes" : "no");
	else
		pass(T);
	if(w->c)
		pc_close(w->c, 1000);
	w->c = NULL;
}

/* What one node changes is in force on the others at once: a room made through
 * Galera node 1 is joined at once on chat node 3; disabled there, a post to it on
 * node 3 is refused within the second pchatd's reload takes. */
static void read_your_writes(void)
{
	const char *T = "changes_on_one_node_in_force_on_the_others";
	struct member *m = &mem[(size_t)2 * PER_NODE]; /* on node 3 */
	char name[64], args[160], uri[160], text[64], *chan = NULL;
	long long t0, refused_ms = -1;
	int st = 0, n = 0;

	snprintf(name, sizeof name, "pool-rw-%s", token);
	snprintf(args, sizeof args, "room new --name '%s'", name);
	if(e2e_admin(&opt, T, args) < 0 ||
			e2e_sql(opt.db, T, "SELECT chan_id FROM rooms WHERE name = ?", ARGS(name),
					&chan, 1) != 1)
		return;
	snprintf(uri, sizeof uri, "ma-chan://example.com/%s", chan);
	free(chan);
	xv_envelope *e = e2e_request(m->c, xv_item_join(uri), "rpl:join", opt.verbose);
	int joined = e && e->resp_code == 200;
	xv_free(e);
	snprintf(text, sizeof text, "rw-%s-before", token);
	if(!joined || post_to(m, uri, text) != 200) {
		fail(T,
				"a room made through Galera node 1 could not be joined and posted to at once "
				"on chat node 3");
		return;
	}
	snprintf(args, sizeof args, "room set --room '%s' --disabled yes", name);
	t0 = now_ms();
	if(e2e_admin(&opt, T, args) < 0)
		return;
	while(now_ms() - t0 < 5000) {
		snprintf(text, sizeof text, "rw-%s-%d", token, n++);
		st = post_to(m, uri, text);
		if(st == 403) {
			refused_ms = now_ms() - t0;
			break;
		}
	}
	note("read-your-writes: a room made through Galera node 1 was joined on chat node 3 "
	     "at once; disabled, posts there were refused after %lld ms (%d tried)",
			refused_ms, n);
	if(refused_ms < 0 || refused_ms > 2500)
		fail(T, "a post to the disabled room on node 3 got %d after %lld ms", st,
				now_ms() - t0);
	else
		pass(T);
	snprintf(args, sizeof args, "room remove --room '%s'", name);
	e2e_admin(&opt, T, args);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-pool --nodes A:P,B:P,C:P --db-socket S [--posts N]\n"
			"                [--kill-cmd CMD --kill-node N] [--chat-uri URI] [--verbose]\n");
}

int main(int argc, char **argv)
{
	static const struct e2e_opt extra[] = {{"nodes", &nodes_arg}, {"posts", &posts_arg},
			{"kill-cmd", &kill_cmd}, {"kill-node", &kill_node_arg}, {NULL, NULL}};
	static const char *const required[] = {"nodes", "db-socket", NULL};
	int rc = e2e_start(&opt, argc, argv, extra, required, usage, "setup");
	int nposts = atoi(posts_arg);
	if(rc >= 0)
		return rc;
	if(split_nodes() < 0 || nposts < NODES || nposts > MAX_POSTS) {
		usage(stderr);
		return 2;
	}
	if(opt.db == NULL || find_room() < 0) {
		fail("setup", "no Lobby room in the database");
		return e2e_finish(&opt);
	}
	ctx = pc_context_new();
	pc_set_password_fn(ctx, password_of, NULL);
	for(int i = 0; i < MEMBERS; i++) {
		snprintf(mem[i].user, sizeof mem[i].user, "sip:po-%s-n%dm%d@example.com", token,
				i / PER_NODE + 1, i % PER_NODE);
		snprintf(mem[i].epid, sizeof mem[i].epid, "ep%dm%d", i / PER_NODE + 1,
				i % PER_NODE);
	}
	/* the visitor and the late joiner of presence() */
	snprintf(mem[MEMBERS].user, sizeof mem[MEMBERS].user, "sip:po-%s-visitor@example.com",
			token);
	snprintf(mem[MEMBERS + 1].user, sizeof mem[MEMBERS + 1].user, "sip:po-%s-late@example.com",
			token);
	for(int i = 0; i < MEMBERS + 2; i++)
		if(add_user(mem[i].user) < 0)
			return e2e_finish(&opt);
	for(int i = 0; i < MEMBERS; i++) {
		if(sign_in(&mem[i], i / PER_NODE) < 0) {
			fail("setup", "%s could not sign in and join on node %d", mem[i].user,
					i / PER_NODE + 1);
			return e2e_finish(&opt);
		}
	}
	pass("members_joined_on_every_node");
	presence();
	read_your_writes();
	order(nposts);
	if(kill_cmd)
		kill_during_stream(nposts, nposts);
	for(int i = 0; i < MEMBERS; i++)
		if(mem[i].c)
			pc_close(mem[i].c, 1000);
	pc_context_free(ctx);
	return e2e_finish(&opt);
}
