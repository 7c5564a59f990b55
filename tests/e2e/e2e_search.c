/* e2e-search: message search (cmd:search, our extension) over real SIP, with the roles
 * of the authorization matrix (e2e_authz.c).
 *
 *   e2e-search --proxy 127.0.0.1:PORT --db-socket PATH --pchat PCHAT [--db-name pchat]
 *              [--db-user root] [--db-password PW] [--chat-uri sip:pchat@example.com]
 *              [--control "CMD"] [--verbose]
 *
 * Creates by SQL a category of its own (allowed: example.com; denied: the "denied"
 * user) with an open, a closed, a secret and a disabled room, whose members are the
 * "member" (and the denied user: denial must override it), and a second category with
 * chat history switched off holding an open room; then stores in every room a message
 * with the run's word.  For every role (denied, a user of another domain, outsider,
 * member) it checks over SIP that a search across rooms finds exactly the rooms whose
 * history the role may read (nothing leaked across rooms), and that a search in one
 * room is refused as cmd:bccontext refuses it.  Then: author and time filters, paging
 * under the client's count with the "more" flag, bad input (operators, quotes,
 * SQL-looking text, 10 KB, empty: clear errors, the table intact), and client/pchat's
 * /search for the member and the outsider.
 *
 * With --control (scripts/stack.sh's command line, as e2e-chat takes it), then the DB
 * reader (docs/ARCHITECTURE.md, "Database workers"): pchatd restarted with
 * --test-search-delay-ms 3000, a post sent while a search runs is answered 200 well
 * before the search's reply (with one worker it would wait behind the search, and be
 * refused 503 at its 2 s deadline); with MariaDB stopped, a search in one room (the
 * reader's job) and one across rooms (the writer's room list first) are answered
 * 503 ERR_UNAVAILABLE within the deadline; with MariaDB back, a search is answered
 * again (the reader reconnected).  pchatd is restarted as it was after.  Deletes its
 * rows at the end.
 *
 * Prints "PASS name" / "FAIL name: why" lines and "N passed, M failed"; exits 0 only
 * if nothing failed.  The expected sets are written out, not computed with the rules.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

static struct e2e_stack opt = E2E_STACK_INIT;
static const char *pchat, *control; /* --pchat, --control */

enum { OPEN, CLOSED, SECRET, DISABLED, NOHIST, NROOMS };
enum { DENIED, FOREIGN, OUTSIDER, MEMBER, NROLES };
static const char *const label[NROOMS] = {"open", "closed", "secret", "disabled", "nohist"};
static const char *const role_name[NROLES] = {"denied", "foreign", "outsider", "member"};
static const char *const users[NROLES] = {"sip:srch-denied@example.com", "sip:srch-eve@other.org",
		"sip:srch-outsider@example.com", "sip:srch-member@example.com"};
/* Which rooms' messages each role finds (history readable: join right, history on). */
static const int want_found[NROLES][NROOMS] = {
		[DENIED] = {0, 0, 0, 0, 0},
		[FOREIGN] = {0, 0, 0, 0, 0},
		[OUTSIDER] = {1, 0, 0, 0, 0},
		[MEMBER] = {1, 1, 1, 0, 0},
};
/* A search in one room: the code, as cmd:bccontext answers (200 in the room without
 * history: an empty result). */
static const int want_code[NROLES][NROOMS] = {
		[DENIED] = {404, 404, 404, 404, 200},
		[FOREIGN] = {404, 404, 404, 404, 404},
		[OUTSIDER] = {200, 403, 404, 423, 200},
		[MEMBER] = {200, 200, 200, 423, 200},
};

static MYSQL *db;
static pc_context *ctx;
static pc_client *sess[NROLES];
static char cat[2][64], chan[NROOMS][80], uri[NROOMS][512], rname[NROOMS][160];
static char word[32], pager[32]; /* the run's words: found in no other run's rows */

static long long sql(const char *T, const char *q, const char *const *in)
{
	return e2e_sql(db, T, q, in, NULL, 0);
}

/* ------------------------------------------------------------------ the model */

static int add_room(const char *T, int r, int c, const char *privacy, int disabled)
{
	snprintf(chan[r], sizeof chan[r], "srch-%s-%s", token, label[r]);
	snprintf(uri[r], sizeof uri[r], "ma-chan://example.com/%s", chan[r]);
	snprintf(rname[r], sizeof rname[r], "Search %s %s", token, label[r]);
	if(sql(T,
			   "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy,"
			   " disabled, category_id) SELECT 'example.com', ?, ?, '', '', ?, ?, id"
			   " FROM categories WHERE cat_id = ?",
			   ARGS(chan[r], rname[r], privacy, disabled ? "1" : "0", cat[c])) != 1)
		return -1;
	for(int u = 0; u < NROLES; u++)
		if(u == MEMBER || u == DENIED)
			sql(T,
					"INSERT INTO room_principals (room_id, role, principal)"
					" SELECT id, 'member', ? FROM rooms WHERE chan_id = ?",
					ARGS(users[u], chan[r]));
	return 0;
}

/* One message in room r by author, posted at `at` (UTC). */
static void add_msg(const char *T, int r, const char *author, const char *at, const char *body)
{
	sql(T,
			"INSERT INTO messages (room_id, author, posted_at, body)"
			" SELECT id, ?, ?, ? FROM rooms WHERE chan_id = ?",
			ARGS(author, at, body, chan[r]));
}

static int setup(void)
{
	const char *T = "search_setup";
	char name[96], body[160];
	snprintf(word, sizeof word, "needle%s", token);
	snprintf(pager, sizeof pager, "pager%s", token);
	for(int c = 0; c < 2; c++) {
		snprintf(cat[c], sizeof cat[c], "srch-%s-%d", token, c);
		snprintf(name, sizeof name, "Search %s %d", token, c);
		sql(T,
				"INSERT INTO categories (domain, cat_id, name, chat_history)"
				" VALUES ('example.com', ?, ?, ?)",
				ARGS(cat[c], name, c ? "0" : "1"));
		sql(T,
				"INSERT INTO category_principals (category_id, role, principal)"
				" SELECT id, 'allowed', 'example.com' FROM categories WHERE cat_id = ?",
				ARGS(cat[c]));
	}
	sql(T,
			"INSERT INTO category_principals (category_id, role, principal)"
			" SELECT id, 'denied', ? FROM categories WHERE cat_id = ?",
			ARGS(users[DENIED], cat[0]));
	static const char *const privacy[NROOMS] = {"open", "closed", "secret", "open", "open"};
	for(int r = 0; r < NROOMS; r++) {
		if(add_room(T, r, r == NOHIST, privacy[r], r == DISABLED) < 0)
			return -1;
		snprintf(body, sizeof body, "the %s in %s", word, label[r]);
		add_msg(T, r, users[MEMBER], "2024-03-01 12:00:00", body);
	}
	/* for the filters and the paging: five in the open room, two by the outsider */
	for(int i = 1; i <= 5; i++) {
		char at[32];
		snprintf(at, sizeof at, "2024-04-0%d 12:00:00", i);
		snprintf(body, sizeof body, "%s page %d", pager, i);
		add_msg(T, OPEN, users[i <= 2 ? OUTSIDER : MEMBER], at, body);
	}
	sql(T, "UPDATE server_config SET value = CAST(value AS UNSIGNED) + 1 WHERE name = 'revision'",
			ARGS(NULL));
	for(int u = 0; u < NROLES && !n_fail; u++) {
		int st = 0;
		sess[u] = pc_open(ctx, users[u], opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
		if(!sess[u])
			fail(T, "INVITE as %s: %d %s", users[u], st, pc_last_error(ctx));
	}
	return n_fail ? -1 : 0;
}

static void cleanup(void)
{
	const char *T = "search_cleanup";
	for(int c = 0; c < 2; c++) {
		sql(T,
				"DELETE r FROM rooms r JOIN categories c ON c.id = r.category_id"
				" WHERE c.cat_id = ?",
				ARGS(cat[c]));
		sql(T, "DELETE FROM categories WHERE cat_id = ?", ARGS(cat[c]));
	}
}

/* ------------------------------------------------------------------ SIP */

static xv_envelope *request(pc_client *c, char *items, const char *id)
{
	return e2e_request(c, items, id, opt.verbose);
}

/* cmd:search on c; the reply, or NULL. */
static xv_envelope *search(pc_client *c, const xv_search *q)
{
	return request(c, xv_item_search(q), "rpl:search");
}

/* Does the result hold the message of room r? */
static int holds(const xv_envelope *e, int r)
{
	char body[160];
	snprintf(body, sizeof body, "the %s in %s", word, label[r]);
	for(size_t i = 0; i < e->nmsgs; i++)
		if(e->msgs[i].text && strcmp(e->msgs[i].text, body) == 0 && e->msgs[i].chan_uri &&
				strcmp(e->msgs[i].chan_uri, uri[r]) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ checks */

/* Across rooms: exactly the rooms each role may read, and nothing else. */
static void check_matrix(void)
{
	for(int u = 0; u < NROLES; u++) {
		char T[64];
		snprintf(T, sizeof T, "search_across_rooms_%s", role_name[u]);
		xv_envelope *e = search(sess[u], &(xv_search){.text = word});
		int before = n_fail;
		size_t want = 0;
		if(!e || e->resp_code != 200) {
			fail(T, "no 200 rpl:search (%d)", e ? e->resp_code : -1);
			xv_free(e);
			continue;
		}
		for(int r = 0; r < NROOMS; r++) {
			want += (size_t)want_found[u][r];
			if(holds(e, r) != want_found[u][r])
				fail(T, "%s room's message %s", label[r],
						want_found[u][r] ? "missing" : "leaked");
		}
		if(e->nmsgs != want)
			fail(T, "%zu results, expected %zu", e->nmsgs, want);
		if(n_fail == before)
			pass(T);
		xv_free(e);
	}
}

/* In one room: refused as cmd:bccontext refuses it (404 exactly like an unknown room). */
static void check_one_room(void)
{
	xv_envelope *unknown = search(sess[OUTSIDER],
			&(xv_search){.text = word, .room_uri = "ma-chan://example.com/srch-none"});
	for(int u = 0; u < NROLES; u++) {
		char T[64];
		snprintf(T, sizeof T, "search_in_one_room_%s", role_name[u]);
		int before = n_fail;
		for(int r = 0; r < NROOMS; r++) {
			xv_envelope *e = search(
					sess[u], &(xv_search){.text = word, .room_uri = uri[r]});
			int code = e ? e->resp_code : -1;
			if(code != want_code[u][r])
				fail(T, "%s room: %d, expected %d", label[r], code,
						want_code[u][r]);
			else if(code == 200 &&
					(e->nmsgs != (size_t)want_found[u][r] ||
							(want_found[u][r] && !holds(e, r))))
				fail(T, "%s room: %zu results, expected %d", label[r], e->nmsgs,
						want_found[u][r]);
			else if(code == 404 &&
					(!unknown || unknown->resp_code != 404 || e->error_reason ||
							unknown->error_reason))
				fail(T, "%s room: the 404 differs from an unknown room's",
						label[r]);
			xv_free(e);
		}
		if(n_fail == before)
			pass(T);
	}
	xv_free(unknown);
}

/* Checks a page's size and more flag; the next page's msgid into before. */
static int page_ids(
		const char *T, xv_envelope *e, int want_n, int want_more, char *before, size_t bsz)
{
	if(!e || e->resp_code != 200) {
		fail(T, "no 200 rpl:search");
		return -1;
	}
	if((int)e->nmsgs != want_n || e->search_more != want_more) {
		fail(T, "%zu results more=%d, expected %d more=%d", e->nmsgs, e->search_more,
				want_n, want_more);
		return -1;
	}
	snprintf(before, bsz, "%s", e->search_before ? e->search_before : "");
	return 0;
}

/* Newest first, pages of 2 with the more flag, then the last page of 1. */
static void check_paging(void)
{
	const char *T = "search_pages_with_more_flag";
	char before[32] = "", text[64];
	int before_fail = n_fail, page = 0;
	static const int want_n[] = {2, 2, 1}, want_more[] = {1, 1, 0};
	static const char *const first[] = {"page 5", "page 3", "page 1"};
	for(; page < 3; page++) {
		xv_search q = {.text = pager, .cnt = 2};
		if(page > 0)
			q.before = before;
		xv_envelope *e = search(sess[MEMBER], &q);
		if(page_ids(T, e, want_n[page], want_more[page], before, sizeof before) == 0) {
			snprintf(text, sizeof text, "%s %s", pager, first[page]);
			if(strcmp(e->msgs[0].text, text) != 0)
				fail(T, "page %d starts with '%s', expected '%s'", page + 1,
						e->msgs[0].text, text);
		}
		xv_free(e);
		if(n_fail != before_fail)
			break;
	}
	if(n_fail == before_fail)
		pass(T);
}

static void check_filters(void)
{
	const char *T = "search_author_and_time_filters";
	int before = n_fail;
	xv_envelope *e = search(
			sess[MEMBER], &(xv_search){.text = pager, .author = users[OUTSIDER]});
	if(!e || e->resp_code != 200 || e->nmsgs != 2)
		fail(T, "author: %zu results, expected the outsider's 2", e ? e->nmsgs : 0);
	xv_free(e);
	e = search(sess[MEMBER],
			&(xv_search){.text = pager,
					.since = "2024-04-02T00:00:00Z",
					.until = "2024-04-04T00:00:00Z"});
	if(!e || e->resp_code != 200 || e->nmsgs != 2 || !strstr(e->msgs[0].text, "page 3") ||
			!strstr(e->msgs[1].text, "page 2"))
		fail(T, "since/until: %zu results, expected pages 3 and 2", e ? e->nmsgs : 0);
	xv_free(e);
	if(n_fail == before)
		pass(T);
}

/* Expects a 400 whose reason contains want. */
static void refused(const char *T, const char *text, const char *want)
{
	xv_envelope *e = search(sess[MEMBER], &(xv_search){.text = text});
	if(!e || e->resp_code != 400 || !e->error_reason || !strstr(e->error_reason, want))
		fail(T, "'%.40s': %d (%s), expected 400 with '%s'", text, e ? e->resp_code : -1,
				e && e->error_reason ? e->error_reason : "no reason", want);
	xv_free(e);
}

static void check_bad_input(void)
{
	const char *T = "search_bad_input";
	int before = n_fail;
	char big[10 * 1024 + 1], text[128];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	refused(T, "", "empty");
	refused(T, big, "longer than 1024 bytes");
	refused(T, "+- () ~* @8", "nothing to search for");
	/* operators and quotes are words: the same as the plain word */
	snprintf(text, sizeof text, "-%s* \"%s\" (%s)", word, word, word);
	xv_envelope *e = search(sess[OUTSIDER], &(xv_search){.text = text});
	if(!e || e->resp_code != 200 || e->nmsgs != 1 || !holds(e, OPEN))
		fail(T, "operators: %zu results, expected the open room's", e ? e->nmsgs : 0);
	xv_free(e);
	snprintf(text, sizeof text, "%s'; DROP TABLE messages; --", word);
	e = search(sess[MEMBER], &(xv_search){.text = text});
	if(!e || e->resp_code != 200 || e->nmsgs != 0)
		fail(T, "SQL-looking text: %d, %zu results", e ? e->resp_code : -1,
				e ? e->nmsgs : 0);
	xv_free(e);
	char *n = NULL;
	if(e2e_sql(db, T, "SELECT COUNT(*) FROM messages WHERE body LIKE CONCAT('%', ?, '%')",
			   ARGS(pager), &n, 1) != 1 ||
			!n || strcmp(n, "5") != 0)
		fail(T, "the messages table after it: %s", n ? n : "no row");
	free(n);
	if(n_fail == before)
		pass(T);
}

/* client/pchat's /search: room, author and text of each result, the more line. */
static void check_client(void)
{
	const char *T = "search_client_cli";
	int before = n_fail;
	for(int u = OUTSIDER; u <= MEMBER; u++) {
		char *cmd = NULL, out[16384] = "", want[256];
		if(asprintf(&cmd,
				   "printf '/rooms\\n/search %s\\n/search %s --limit 2\\n/search\\n/quit\\n'"
				   " | timeout 30 '%s' --user '%s' --server '%s' --linger 0 2>&1",
				   word, pager, pchat, users[u], opt.proxy) < 0)
			return;
		FILE *f = popen(cmd, "r");
		free(cmd);
		size_t len = f ? fread(out, 1, sizeof out - 1, f) : 0;
		out[len] = '\0';
		int st = f ? pclose(f) : -1;
		if(opt.verbose)
			fprintf(stderr, "%s", out);
		if(!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fail(T, "pchat exited with status %d", st);
		snprintf(want, sizeof want, "] <%s> srch-member@example.com: the %s in open\n",
				rname[OPEN], word);
		if(!strstr(out, want))
			fail(T, "%s: no line '%s'", role_name[u], want);
		for(int r = 0; r < NROOMS; r++) {
			snprintf(want, sizeof want, "> srch-member@example.com: the %s in %s\n",
					word, label[r]);
			if((strstr(out, want) != NULL) != want_found[u][r])
				fail(T, "%s: the %s room's result %s", role_name[u], label[r],
						want_found[u][r] ? "missing" : "leaked");
		}
		if(!strstr(out, "--- more: add --before "))
			fail(T, "%s: no more line in: %.300s", role_name[u], out);
		if(!strstr(out, "error: search failed: 400 ERR_BAD_REQUEST (the search text is empty"))
			fail(T, "%s: no 400 with its reason for an empty search", role_name[u]);
	}
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ the DB reader */

#define SEARCH_DELAY_MS 3000 /* pchatd --test-search-delay-ms */
#define POST_TIMEOUT_MS 2000 /* pchatd's --post-timeout-ms, the search's deadline too */
#define RESTART_WAIT 20000

/* A session of user, retried while pchatd (re)starts; NULL after RESTART_WAIT. */
static pc_client *open_when_serving(const char *user)
{
	for(long long deadline = now_ms() + RESTART_WAIT; now_ms() < deadline;) {
		int st = 0;
		pc_client *c = pc_open(
				ctx, user, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
		if(c)
			return c;
		usleep(300 * 1000);
	}
	return NULL;
}

static void close_sessions(void)
{
	for(int u = 0; u < NROLES; u++) {
		if(sess[u])
			pc_close(sess[u], E2E_SIP_WAIT);
		sess[u] = NULL;
	}
}

/* pchatd restarted with env ("PCHATD_ARGS=..."; NULL: as the stack starts it), and
 * the outsider's and the member's sessions opened again. */
static int restart_backend(const char *T, const char *env)
{
	close_sessions();
	run_control_cmd(control, NULL, "backend-stop");
	if(run_control_cmd(control, env, "backend-start") != 0) {
		fail(T, "'%s backend-start' failed", control);
		return -1;
	}
	for(int u = OUTSIDER; u <= MEMBER; u++)
		if((sess[u] = open_when_serving(users[u])) == NULL) {
			fail(T, "no session for %s within %d ms of the restart", users[u],
					RESTART_WAIT);
			return -1;
		}
	return 0;
}

/* A post answered 200 while a 3 s search runs, long before the search's reply. */
static void check_post_beside_slow_search(void)
{
	const char *T = "search_does_not_hold_posts";
	char text[96];
	int retry = -1;
	xv_envelope *j = request(sess[OUTSIDER], xv_item_join(uri[OPEN]), "rpl:join");
	if(!j || j->resp_code != 200) {
		fail(T, "the outsider's join: %d", j ? j->resp_code : -1);
		xv_free(j);
		return;
	}
	xv_free(j);
	char *items = xv_item_search(&(xv_search){.text = word});
	long long t0 = now_ms();
	int st = pc_send_xccos(sess[MEMBER], items, E2E_SIP_WAIT, NULL);
	free(items);
	if(st != 200) {
		fail(T, "the member's search: SIP %d", st);
		return;
	}
	usleep(300 * 1000); /* the search is running in the reader by now */
	snprintf(text, sizeof text, "posted beside a slow search %s", token);
	items = xv_item_grpchat(uri[OPEN], users[OUTSIDER], NULL, text);
	long long t1 = now_ms();
	st = pc_send_xccos(sess[OUTSIDER], items, E2E_SIP_WAIT, &retry);
	long long post_ms = now_ms() - t1;
	free(items);
	xv_envelope *e = e2e_next_item(
			sess[MEMBER], "rpl:search", SEARCH_DELAY_MS + E2E_REPLY_WAIT, opt.verbose);
	long long search_ms = now_ms() - t0;
	if(!e || e->resp_code != 200 || !holds(e, OPEN))
		fail(T, "the search: %d after %lld ms, expected 200 with the open room's message",
				e ? e->resp_code : -1, search_ms);
	else if(search_ms < SEARCH_DELAY_MS)
		fail(T, "the search took %lld ms: --test-search-delay-ms %d had no effect",
				search_ms, SEARCH_DELAY_MS);
	else if(st != 200 || post_ms > 1000)
		fail(T,
				"the post during the search: SIP %d (Retry-After %d) after %lld ms, expected "
				"200 within 1000 ms (the search took %lld ms)",
				st, retry, post_ms, search_ms);
	else {
		note("post answered in %lld ms during a search of %lld ms", post_ms, search_ms);
		pass(T);
	}
	xv_free(e);
}

/* A search with the database down: 503 ERR_UNAVAILABLE with its reason, within the
 * deadline; name says which. */
static void expect_unavailable(const char *T, const char *name, const xv_search *q)
{
	long long t0 = now_ms();
	xv_envelope *e = search(sess[MEMBER], q);
	long long took = now_ms() - t0;
	if(!e || e->resp_code != 503 || !e->error_reason ||
			!strstr(e->error_reason, "try again later") ||
			took > POST_TIMEOUT_MS + 1500)
		fail(T,
				"%s with the database down: %d (%s) after %lld ms, expected 503 with "
				"'try again later' within about %d ms",
				name, e ? e->resp_code : -1,
				e && e->error_reason ? e->error_reason : "no reason", took,
				POST_TIMEOUT_MS);
	xv_free(e);
}

/* Database down: searches answered 503 in time; back: the reader answers again. */
static void check_database_down(void)
{
	const char *T = "search_database_down_503_then_back";
	char why[512];
	int before = n_fail, ok = 0;
	run_control_cmd(control, NULL, "db-stop");
	expect_unavailable(T, "a search in one room",
			&(xv_search){.text = word, .room_uri = uri[OPEN]});
	expect_unavailable(T, "a search across rooms", &(xv_search){.text = word});
	if(run_control_cmd(control, NULL, "db-start") != 0)
		fail(T, "'%s db-start' failed", control);
	mysql_close(db); /* the server restarted under it; e2e_finish closes the new one */
	db = opt.db = e2e_db_connect(
			opt.db_socket, opt.db_user, opt.db_password, opt.db_name, why, sizeof why);
	if(!db)
		fail(T, "%s", why);
	for(long long deadline = now_ms() + RESTART_WAIT; !ok && now_ms() < deadline;) {
		xv_envelope *e = search(
				sess[MEMBER], &(xv_search){.text = word, .room_uri = uri[OPEN]});
		ok = e && e->resp_code == 200 && holds(e, OPEN);
		xv_free(e);
	}
	if(!ok)
		fail(T, "no 200 to a search within %d ms of the database's return", RESTART_WAIT);
	if(n_fail == before)
		pass(T);
}

static void check_reader(void)
{
	const char *T = "search_reader_restart";
	char env[64];
	snprintf(env, sizeof env, "PCHATD_ARGS='--test-search-delay-ms %d'", SEARCH_DELAY_MS);
	if(restart_backend(T, env) == 0) {
		check_post_beside_slow_search();
		check_database_down();
	}
	run_control_cmd(control, NULL, "db-start"); /* whatever happened */
	restart_backend(T, NULL);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-search --proxy HOST:PORT --db-socket PATH --pchat PCHAT\n"
			"                  [--db-name pchat] [--db-user root] [--db-password PW]"
			" [--chat-uri URI] [--control CMD] [--verbose]\n");
}

int main(int argc, char **argv)
{
	const struct e2e_opt opts[] = {{"pchat", &pchat}, {"control", &control}, {NULL, NULL}};
	static const char *const required[] = {"db-socket", "pchat", NULL};
	int status = e2e_start(&opt, argc, argv, opts, required, usage, "search_setup");
	if(status >= 0)
		return status;
	db = opt.db;
	ctx = db ? pc_context_new() : NULL;
	if(ctx && setup() == 0) {
		check_matrix();
		check_one_room();
		check_paging();
		check_filters();
		check_bad_input();
		check_client();
		if(control)
			check_reader();
		else
			skip("search_does_not_hold_posts", "no --control");
	}
	close_sessions();
	if(ctx)
		pc_context_free(ctx);
	if(db)
		cleanup();
	return e2e_finish(&opt);
}
