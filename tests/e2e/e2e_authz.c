/* e2e-authz: the authorization matrix over real SIP.
 *
 *   e2e-authz --proxy 127.0.0.1:PORT --db-socket PATH --admin PCHAT_ADMIN [--db-name pchat]
 *             [--db-user root] [--db-password PW] [--chat-uri sip:pchat@example.com]
 *             [--verbose]
 *
 * Creates, by SQL in the stack's MariaDB, a category of its own (allowed: example.com;
 * denied: the "denied" user) with one room per privacy (open, closed, secret) x type
 * (normal, auditorium) plus a disabled open room; in each room the member, presenter
 * and manager users have their role (the denied user is a member too: denial must
 * override it). Then, for every role (denied, outsider, member, presenter, manager, and
 * a user of another domain) and every room, it checks over SIP: chansrch visibility,
 * cmd:join, cmd:bccontext, and a grpchat post (accepted and echoed, or refused with the
 * expected SIP reason), and in the database that a refused post was not stored; and
 * that one cmd:bjoin of all the rooms agrees with cmd:join (chanib or fib key); and the
 * manage path shared by pchat-admin and the web service (the admin library): each user
 * runs `pchat-admin --as USER room set --topic` on each room, which only managers may
 * do, and the row is checked in SQL.  Last,
 * it changes the rows, bumps server_config.revision and checks that pchatd put out
 * who lost the right (ntc:part to the others) and refuses their posts saying why; it
 * also checks cmd:getinv and cmd:nodespermcreatechild, and ends by deleting its rows
 * (checking that removed rooms empty and answer like unknown ones).
 *
 * Prints the matrix, "PASS name" / "FAIL name: why" lines and "N passed, M failed";
 * exits 0 only if nothing failed. The expected values are written out here, not
 * computed with common/pchat_acl.c, so that the test checks the rules too.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIP_WAIT 4000
#define REPLY_WAIT 4000
#define RELOAD_WAIT 5000 /* pchatd polls server_config every second */

static struct e2e_stack opt = E2E_STACK_INIT;

/* ------------------------------------------------------------------ the model */

enum { OPEN_N, OPEN_A, CLOSED_N, CLOSED_A, SECRET_N, SECRET_A, DISABLED, NROOMS };
enum { DENIED, FOREIGN, OUTSIDER, MEMBER, PRESENTER, MANAGER, NROLES };

static const struct {
	const char *privacy, *type, *label;
	int disabled;
} room_def[NROOMS] = {
		{"open", "normal", "open", 0},
		{"open", "auditorium", "open-aud", 0},
		{"closed", "normal", "closed", 0},
		{"closed", "auditorium", "closed-aud", 0},
		{"secret", "normal", "secret", 0},
		{"secret", "auditorium", "secret-aud", 0},
		{"open", "normal", "disabled", 1},
};
static const char *const role_name[NROLES] = {
		"denied", "foreign", "outsider", "member", "presenter", "manager"};

/* What each role may do, written out (X: refused). Join and bccontext answer with
 * the same code; posts with a SIP reason ("" = accepted). */
#define NF 404 /* may not see it: exactly like a room that does not exist */
static const int want_see[NROLES][NROOMS] = {
		[DENIED] = {0, 0, 0, 0, 0, 0, 0},
		[FOREIGN] = {0, 0, 0, 0, 0, 0, 0},
		[OUTSIDER] = {1, 1, 1, 1, 0, 0, 1},
		[MEMBER] = {1, 1, 1, 1, 1, 1, 1},
		[PRESENTER] = {1, 1, 1, 1, 1, 1, 1},
		[MANAGER] = {1, 1, 1, 1, 1, 1, 1},
};
static const int want_join[NROLES][NROOMS] = {
		[DENIED] = {NF, NF, NF, NF, NF, NF, NF},
		[FOREIGN] = {NF, NF, NF, NF, NF, NF, NF},
		[OUTSIDER] = {200, 200, 403, 403, NF, NF, 423},
		[MEMBER] = {200, 200, 200, 200, 200, 200, 423},
		[PRESENTER] = {200, 200, 200, 200, 200, 200, 423},
		[MANAGER] = {200, 200, 200, 200, 200, 200, 423},
};
#define OK ""
#define NIR "Not In The Room"
#define MO "Members Only"
#define PO "Only Presenters May Post"
#define RD "Room Disabled"
static const char *const want_post[NROLES][NROOMS] = {
		[DENIED] = {NIR, NIR, NIR, NIR, NIR, NIR, NIR},
		[FOREIGN] = {NIR, NIR, NIR, NIR, NIR, NIR, NIR},
		[OUTSIDER] = {OK, PO, MO, MO, NIR, NIR, RD},
		[MEMBER] = {OK, PO, OK, PO, OK, PO, RD},
		[PRESENTER] = {OK, OK, OK, OK, OK, OK, RD},
		[MANAGER] = {OK, PO, OK, PO, OK, PO, RD},
};

/* Managing (room set through the admin library): done, refused like a room that does
 * not exist (404: may not see it), or refused as not a manager (403). */
#define MG 200
#define FB 403
static const int want_manage[NROLES][NROOMS] = {
		[DENIED] = {NF, NF, NF, NF, NF, NF, NF},
		[FOREIGN] = {NF, NF, NF, NF, NF, NF, NF},
		[OUTSIDER] = {FB, FB, FB, FB, NF, NF, FB},
		[MEMBER] = {FB, FB, FB, FB, FB, FB, FB},
		[PRESENTER] = {FB, FB, FB, FB, FB, FB, FB},
		[MANAGER] = {MG, MG, MG, MG, MG, MG, MG},
};

static char cat_id[64], room_chan[NROOMS][64], room_uri[NROOMS][128], room_name[NROOMS][96];
static char user_uri[NROLES][96];

/* ------------------------------------------------------------------ database */

/* Runs q with the string parameters args on the stack's database; returns the affected
 * rows, or -1 (reported as a failure of test T). */
static long long sql(const char *T, const char *q, const char *const *args)
{
	return e2e_sql(opt.db, T, q, args, NULL, 0);
}

static void bump_revision(const char *T)
{
	sql(T,
			"UPDATE server_config SET value = CAST(value AS UNSIGNED) + 1"
			" WHERE name = 'revision'",
			ARGS(NULL));
}

/* The category, its rooms and their principals; names carry the run token. */
static int create_model(void)
{
	const char *T = "setup_model";
	char name[96];
	snprintf(cat_id, sizeof cat_id, "authz-%s", token);
	snprintf(name, sizeof name, "Authz %s", token);
	static const char *const users[NROLES] = {"sip:authz-denied@example.com",
			"sip:authz-eve@other.org", "sip:authz-outsider@example.com",
			"sip:authz-member@example.com", "sip:authz-presenter@example.com",
			"sip:authz-manager@example.com"};
	for(int u = 0; u < NROLES; u++)
		snprintf(user_uri[u], sizeof user_uri[u], "%s", users[u]);
	if(sql(T, "INSERT INTO categories (domain, cat_id, name) VALUES ('example.com', ?, ?)",
			   ARGS(cat_id, name)) != 1)
		return -1;
	sql(T,
			"INSERT INTO category_principals (category_id, role, principal) SELECT id, 'allowed',"
			" 'example.com' FROM categories WHERE cat_id = ?",
			ARGS(cat_id));
	sql(T,
			"INSERT INTO category_principals (category_id, role, principal) SELECT id, 'denied',"
			" ? FROM categories WHERE cat_id = ?",
			ARGS(user_uri[DENIED], cat_id));
	for(int r = 0; r < NROOMS; r++) {
		snprintf(room_chan[r], sizeof room_chan[r], "authz-%s-%s", token,
				room_def[r].label);
		/* %.63s: room_chan[r] is at most that long (gcc cannot tell) */
		snprintf(room_uri[r], sizeof room_uri[r], "ma-chan://example.com/%.63s",
				room_chan[r]);
		snprintf(room_name[r], sizeof room_name[r], "Authz %s %s", token,
				room_def[r].label);
		if(sql(T,
				   "INSERT INTO rooms (domain, chan_id, name, description, topic, privacy,"
				   " room_type, disabled, category_id) SELECT 'example.com', ?, ?, 'authz', '',"
				   " ?, ?, ?, id FROM categories WHERE cat_id = ?",
				   ARGS(room_chan[r], room_name[r], room_def[r].privacy,
						   room_def[r].type,
						   room_def[r].disabled ? "1" : "0", cat_id)) != 1)
			return -1;
		static const struct {
			int user;
			const char *role;
		} grants[] = {{MEMBER, "member"}, {PRESENTER, "presenter"}, {MANAGER, "manager"},
				{DENIED, "member"}};
		for(size_t g = 0; g < sizeof grants / sizeof grants[0]; g++)
			sql(T,
					"INSERT INTO room_principals (room_id, role, principal) SELECT id, ?, ?"
					" FROM rooms WHERE chan_id = ?",
					ARGS(grants[g].role, user_uri[grants[g].user],
							room_chan[r]));
	}
	bump_revision(T); /* the rooms are new to pchatd anyway; this exercises the reload */
	return n_fail ? -1 : 0;
}

/* ------------------------------------------------------------------ SIP */

typedef struct {
	pc_client *c;
	char **box; /* bodies received and not consumed */
	size_t nbox;
} session;

static session sess[NROLES];

static void box_add(session *s, char *body)
{
	char **b = realloc(s->box, (s->nbox + 1) * sizeof *b);
	if(!b) {
		free(body);
		return;
	}
	s->box = b;
	s->box[s->nbox++] = body;
}

/* The first received envelope (parsed) that pred accepts, waiting up to ms; removed
 * from the box.  raw (if not NULL) gets its body, to free. */
static xv_envelope *wait_raw(session *s, int (*pred)(const xv_envelope *, const void *),
		const void *arg, int ms, char **raw)
{
	long long deadline = now_ms() + ms;
	size_t i = 0;
	for(;;) {
		for(; i < s->nbox; i++) {
			xv_envelope *e = xv_parse(s->box[i], strlen(s->box[i]));
			if(e && pred(e, arg)) {
				if(raw)
					*raw = s->box[i];
				else
					free(s->box[i]);
				memmove(&s->box[i], &s->box[i + 1],
						(s->nbox - i - 1) * sizeof *s->box);
				s->nbox--;
				return e;
			}
			xv_free(e);
		}
		long long left = deadline - now_ms();
		if(left <= 0)
			return NULL;
		char *body = pc_next_info(s->c, (int)left);
		if(body && opt.verbose)
			fprintf(stderr, "<<< %s\n", body);
		if(body)
			box_add(s, body);
	}
}

static xv_envelope *wait_for(
		session *s, int (*pred)(const xv_envelope *, const void *), const void *arg, int ms)
{
	return wait_raw(s, pred, arg, ms, NULL);
}

static int p_id(const xv_envelope *e, const void *id)
{
	return xv_is(e, id);
}

static int p_chat(const xv_envelope *e, const void *text)
{
	return e->kind == XV_GRPCHAT && e->chat.text && strcmp(e->chat.text, text) == 0;
}

struct part {
	const char *user, *room;
};

static int p_part(const xv_envelope *e, const void *arg)
{
	const struct part *p = arg;
	int user = 0, room = 0;
	if(!xv_is(e, "ntc:part"))
		return 0;
	for(size_t i = 0; i < e->nusers; i++)
		user |= strcasecmp(e->users[i], p->user) == 0;
	for(size_t i = 0; i < e->nrooms; i++)
		room |= strcmp(e->rooms[i].uri, p->room) == 0;
	return user && room;
}

/* Sends items (freed) and returns the reply id_wanted, or NULL. */
static xv_envelope *request(session *s, char *items, const char *id_wanted)
{
	int st = items ? pc_send_xccos(s->c, items, SIP_WAIT, NULL) : 0;
	free(items);
	if(st != 200)
		return NULL;
	return wait_for(s, p_id, id_wanted, REPLY_WAIT);
}

static pc_context *ctx;

/* The SIP answer to a post: its status, and for a failure the reason phrase. */
static int post(session *s, const char *room, const char *text, char *reason, size_t n)
{
	char *items = xv_item_grpchat(room, NULL, NULL, text);
	int st = items ? pc_send_xccos(s->c, items, SIP_WAIT, NULL) : 0;
	free(items);
	reason[0] = '\0';
	if(st != 200) {
		/* "INFO: 403 Only Presenters May Post" */
		const char *e = pc_last_error(ctx), *sp = strchr(e, ' ');
		sp = sp ? strchr(sp + 1, ' ') : NULL;
		snprintf(reason, n, "%s", sp ? sp + 1 : e);
	}
	return st;
}

/* ------------------------------------------------------------------ the matrix */

struct cell {
	int see, join, bcc, post_st, manage;
	char reason[64];
};
static struct cell got[NROLES][NROOMS];

/* Is room r listed in a chansrch reply? */
static int listed(const xv_envelope *e, int r)
{
	for(size_t i = 0; e && i < e->nrooms; i++)
		if(strcmp(e->rooms[i].uri, room_uri[r]) == 0)
			return 1;
	return 0;
}

/* One cmd:bjoin of every room: each is joined (a chanib) or refused with the
 * token of the code cmd:join gave (a fib), in the same reply. */
static void check_bjoin(const char *T, int u)
{
	char *items = NULL, *raw = NULL, ids[2048] = "";
	for(int r = 0; r < NROOMS; r++) {
		size_t len = strlen(ids);
		snprintf(ids + len, sizeof ids - len,
				"<chanid key=\"%d\" domain=\"example.com\" value=\"%s\"/>", r,
				room_chan[r]);
	}
	if(asprintf(&items, "<cmd id=\"cmd:bjoin\" seqid=\"1\"><data>%s</data></cmd>", ids) < 0)
		return;
	int st = pc_send_xccos(sess[u].c, items, SIP_WAIT, NULL);
	free(items);
	xv_envelope *e = st == 200 ? wait_raw(&sess[u], p_id, "rpl:bjoin", REPLY_WAIT, &raw) : NULL;
	if(!e || e->resp_code != 200) {
		fail(T, "bjoin: %s", e ? "not 200" : "no reply");
	} else {
		for(int r = 0; r < NROOMS; r++) {
			char want[1024];
			int code = want_join[u][r];
			const char *key = code == 404 ? "ERR_NOT_FOUND"
					: code == 403 ? "ERR_ACCESS_DENIED"
						      : "ERR_ROOM_DISABLED";
			if(code == 200)
				snprintf(want, sizeof want, "<chanib uri=\"%s\"", room_uri[r]);
			else
				snprintf(want, sizeof want,
						"<fib key=\"%s\" domain=\"example.com\" value=\"%s\"",
						key, room_chan[r]);
			if(!strstr(raw, want))
				fail(T, "%s: bjoin reply lacks %s", room_def[r].label, want);
		}
	}
	xv_free(e);
	free(raw);
}

/* Room r's topic into buf ("" on error, a failure of test T). */
static void room_topic(const char *T, int r, char *buf, size_t n)
{
	char *topic = NULL;
	e2e_sql(opt.db, T, "SELECT topic FROM rooms WHERE chan_id = ?", ARGS(room_chan[r]), &topic,
			1);
	snprintf(buf, n, "%s", topic ? topic : "");
	free(topic);
}

/* User u sets room r's topic with pchat-admin --as; returns MG, NF or FB by the exit
 * status and the error line, -1 for anything else (then why says what). */
static int manage(int u, int r, const char *topic, char *why, size_t n)
{
	char args[512], out[512] = "";
	snprintf(args, sizeof args, "--as '%s' room set --room '%s' --topic '%s'", user_uri[u],
			room_uri[r], topic);
	char *cmd = e2e_admin_cmd(&opt, args, "2>&1");
	FILE *f = cmd ? popen(cmd, "r") : NULL;
	free(cmd);
	if(!f) {
		snprintf(why, n, "cannot run pchat-admin");
		return -1;
	}
	size_t len = fread(out, 1, sizeof out - 1, f);
	out[len] = '\0';
	int st = pclose(f);
	int code = !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
	snprintf(why, n, "exit %d: %.200s", code, out);
	if(code == 0)
		return MG;
	if(code == 1 && strstr(out, "no room"))
		return NF;
	if(code == 1 && strstr(out, "do not manage"))
		return FB;
	return -1;
}

/* The manage cell of (u, r): the outcome, and the topic changed only when allowed. */
static void check_manage(const char *T, int u, int r, struct cell *c)
{
	char topic[128], why[300], now[256];
	snprintf(topic, sizeof topic, "authz %s managed by %s", token, role_name[u]);
	c->manage = manage(u, r, topic, why, sizeof why);
	if(c->manage != want_manage[u][r])
		fail(T, "%s: room set got %d, want %d (%s)", room_def[r].label, c->manage,
				want_manage[u][r], why);
	room_topic(T, r, now, sizeof now);
	if((strcmp(now, topic) == 0) != (want_manage[u][r] == MG))
		fail(T, "%s: topic is \"%s\" after room set by %s", room_def[r].label, now,
				role_name[u]);
}

static void check_role(int u)
{
	char T[64];
	int before = n_fail;
	session *s = &sess[u];
	snprintf(T, sizeof T, "authz_%s", role_name[u]);

	char crit[64];
	snprintf(crit, sizeof crit, "Authz %s", token);
	xv_envelope *list = request(s, xv_item_chansrch(crit), "rpl:chansrch");
	if(!list || list->resp_code != 200)
		fail(T, "chansrch: %s", list ? "not 200" : "no reply");
	for(int r = 0; r < NROOMS; r++) {
		struct cell *c = &got[u][r];
		c->see = listed(list, r);
		if(c->see != want_see[u][r])
			fail(T, "%s: chansrch %s it", room_def[r].label,
					c->see ? "lists" : "does not list");

		xv_envelope *e = request(s, xv_item_join(room_uri[r]), "rpl:join");
		c->join = e ? e->resp_code : -1;
		xv_free(e);
		if(c->join != want_join[u][r])
			fail(T, "%s: join got %d, want %d", room_def[r].label, c->join,
					want_join[u][r]);

		e = request(s, xv_item_bccontext(room_uri[r], 5), "rpl:bccontext");
		c->bcc = e ? e->resp_code : -1;
		xv_free(e);
		if(c->bcc != want_join[u][r])
			fail(T, "%s: bccontext got %d, want %d", room_def[r].label, c->bcc,
					want_join[u][r]);

		char text[128];
		snprintf(text, sizeof text, "authz %s %s by %s", token, room_def[r].label,
				role_name[u]);
		c->post_st = post(s, room_uri[r], text, c->reason, sizeof c->reason);
		const char *want = want_post[u][r];
		if(!*want) {
			xv_envelope *echo = c->post_st == 200
					? wait_for(s, p_chat, text, REPLY_WAIT)
					: NULL;
			if(c->post_st != 200)
				fail(T, "%s: post got SIP %d %s, want 200", room_def[r].label,
						c->post_st, c->reason);
			else if(!echo)
				fail(T, "%s: post accepted but not delivered", room_def[r].label);
			xv_free(echo);
			long long times = e2e_stored(opt.db, T, text);
			if(times != 1)
				fail(T, "%s: accepted post stored %lld times", room_def[r].label,
						times);
		} else {
			if(c->post_st != 403 || strcmp(c->reason, want) != 0)
				fail(T, "%s: post got SIP %d \"%s\", want 403 \"%s\"",
						room_def[r].label, c->post_st, c->reason, want);
			if(e2e_stored(opt.db, T, text) != 0)
				fail(T, "%s: a refused post was stored", room_def[r].label);
		}
		check_manage(T, u, r, c);
	}
	xv_free(list);
	check_bjoin(T, u); /* last: for non-sipe clients it pushes history */
	if(n_fail == before)
		pass(T);
}

/* The matrix's short form of a post refusal. */
static const char *abbrev(const char *reason)
{
	static const char *const map[][2] = {{NIR, "NIR"}, {MO, "MO"}, {PO, "PO"}, {RD, "RD"}};
	for(size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if(strcmp(reason, map[i][0]) == 0)
			return map[i][1];
	return reason;
}

static void print_matrix(void)
{
	note("matrix: S/- chansrch lists it, join code, bccontext code, post: ok or the SIP 403");
	note("reason (NIR Not In The Room, MO Members Only, PO Only Presenters May Post, RD Room "
	     "Disabled)");
	note("then room set through the admin library (M done, 404 as if no such room, "
	     "403 not a manager)");
	printf("# %-10s", "");
	for(int r = 0; r < NROOMS; r++)
		printf(" %-18s", room_def[r].label);
	printf("\n");
	for(int u = 0; u < NROLES; u++) {
		printf("# %-10s", role_name[u]);
		for(int r = 0; r < NROOMS; r++) {
			const struct cell *c = &got[u][r];
			char cellbuf[64], mg[8];
			snprintf(mg, sizeof mg, "%d", c->manage);
			snprintf(cellbuf, sizeof cellbuf, "%s %d %d %s %s", c->see ? "S" : "-",
					c->join, c->bcc,
					c->post_st == 200 ? "ok" : abbrev(c->reason),
					c->manage == MG ? "M" : mg);
			printf(" %-18.18s", cellbuf);
		}
		printf("\n");
	}
}

/* ------------------------------------------------------------------ invitations */

/* The body of the reply to "<cmd id=cmd:NAME>" with data (to free), or NULL. */
static char *command(session *s, const char *name, const char *data)
{
	char *items = NULL, id[64], *raw = NULL;
	if(asprintf(&items, "<cmd id=\"cmd:%s\" seqid=\"1\"><data>%s</data></cmd>", name, data) < 0)
		return NULL;
	snprintf(id, sizeof id, "rpl:%s", name);
	int st = pc_send_xccos(s->c, items, SIP_WAIT, NULL);
	free(items);
	xv_envelope *e = st == 200 ? wait_raw(s, p_id, id, REPLY_WAIT, &raw) : NULL;
	int ok = e && e->resp_code == 200;
	xv_free(e);
	if(!ok) {
		free(raw);
		return NULL;
	}
	return raw;
}

/* getinv lists the user's invitations to rooms the user may see; nodespermcreatechild
 * the categories the user may create rooms in (creators, unless denied). */
static void check_invitations_and_creation(void)
{
	const char *T = "authz_getinv_and_nodespermcreatechild";
	int before = n_fail;
	char want[512];
	sql(T,
			"INSERT INTO invitations (user_uri, room_id, inviter) SELECT ?, id, ? FROM rooms"
			" WHERE chan_id = ?",
			ARGS(user_uri[OUTSIDER], user_uri[MANAGER], room_chan[CLOSED_N]));
	sql(T,
			"INSERT INTO invitations (user_uri, room_id, inviter) SELECT ?, id, ? FROM rooms"
			" WHERE chan_id = ?",
			ARGS(user_uri[OUTSIDER], user_uri[MANAGER], room_chan[SECRET_N]));
	char *raw = command(
			&sess[OUTSIDER], "getinv", "<inv inviteId=\"1\" domain=\"example.com\"/>");
	snprintf(want, sizeof want, "chanUri=\"%s\" name=\"%s\" inviter=\"%s\" ts=\"",
			room_uri[CLOSED_N], room_name[CLOSED_N], user_uri[MANAGER]);
	if(!raw || !strstr(raw, "<inv inviteId=\"") || !strstr(raw, want))
		fail(T, "getinv does not list the invitation to the closed room: %.400s",
				raw ? raw : "no reply");
	else if(strstr(raw, room_chan[SECRET_N]))
		fail(T, "getinv lists an invitation to a secret room the user may not see");
	free(raw);

	sql(T,
			"INSERT INTO category_principals (category_id, role, principal) SELECT id, 'creator', ?"
			" FROM categories WHERE cat_id = ?",
			ARGS(user_uri[MANAGER], cat_id));
	sql(T,
			"INSERT INTO category_principals (category_id, role, principal) SELECT id, 'creator', ?"
			" FROM categories WHERE cat_id = ?",
			ARGS(user_uri[DENIED], cat_id));
	snprintf(want, sizeof want, "<catib uri=\"ma-cat://example.com/%s\"", cat_id);
	static const int who[] = {MANAGER, DENIED, OUTSIDER};
	for(size_t i = 0; i < sizeof who / sizeof who[0]; i++) {
		raw = command(&sess[who[i]], "nodespermcreatechild", "");
		int shown = raw && strstr(raw, want) != NULL;
		if(!raw)
			fail(T, "nodespermcreatechild of %s: no 200 reply", role_name[who[i]]);
		else if(shown != (who[i] == MANAGER))
			fail(T, "nodespermcreatechild of %s %s the category", role_name[who[i]],
					shown ? "lists" : "does not list");
		free(raw);
	}
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ reload */

/* The manager watches; the member loses membership of the closed room and the
 * presenter sees the open room disabled: both are put out and told why. */
static void check_reload(void)
{
	const char *T = "authz_reload_puts_out";
	int before = n_fail;
	char reason[64];
	sql(T,
			"DELETE FROM room_principals WHERE principal = ? AND room_id ="
			" (SELECT id FROM rooms WHERE chan_id = ?)",
			ARGS(user_uri[MEMBER], room_chan[CLOSED_N]));
	sql(T, "UPDATE rooms SET disabled = 1 WHERE chan_id = ?", ARGS(room_chan[OPEN_N]));
	bump_revision(T);
	struct part p1 = {user_uri[MEMBER], room_uri[CLOSED_N]};
	struct part p2 = {user_uri[PRESENTER], room_uri[OPEN_N]};
	xv_envelope *e1 = wait_for(&sess[MANAGER], p_part, &p1, RELOAD_WAIT);
	xv_envelope *e2 = wait_for(&sess[MANAGER], p_part, &p2, RELOAD_WAIT);
	if(!e1)
		fail(T, "no ntc:part for the member who lost the closed room");
	if(!e2)
		fail(T, "no ntc:part for the presenter in the disabled room");
	xv_free(e1);
	xv_free(e2);
	int st = post(&sess[MEMBER], room_uri[CLOSED_N], "authz late member", reason,
			sizeof reason);
	if(st != 403 || strcmp(reason, MO) != 0)
		fail(T, "member's post after losing membership: SIP %d \"%s\", want \"" MO "\"", st,
				reason);
	st = post(&sess[PRESENTER], room_uri[OPEN_N], "authz late presenter", reason,
			sizeof reason);
	if(st != 403 || strcmp(reason, RD) != 0)
		fail(T, "post to the room disabled meanwhile: SIP %d \"%s\", want \"" RD "\"", st,
				reason);
	if(n_fail == before)
		pass(T);
}

/* Deleting the rooms (and the category) is the clean-up, and a check: pchatd puts
 * everyone out of a removed room (ntc:part to the others) and answers it like a room
 * that never existed. */
static void check_removal(void)
{
	const char *T = "authz_removed_rooms";
	int before = n_fail;
	char reason[64];
	sql(T, "DELETE FROM rooms WHERE category_id = (SELECT id FROM categories WHERE cat_id = ?)",
			ARGS(cat_id));
	sql(T, "DELETE FROM categories WHERE cat_id = ?", ARGS(cat_id));
	bump_revision(T);
	struct part p = {user_uri[PRESENTER], room_uri[CLOSED_N]};
	xv_envelope *e = wait_for(&sess[MANAGER], p_part, &p, RELOAD_WAIT);
	if(!e)
		fail(T, "no ntc:part for the presenter when the closed room was removed");
	xv_free(e);
	int st = post(&sess[MANAGER], room_uri[CLOSED_N], "authz after removal", reason,
			sizeof reason);
	if(st != 403 || strcmp(reason, NIR) != 0)
		fail(T, "post to a removed room: SIP %d \"%s\", want \"" NIR "\"", st, reason);
	e = request(&sess[MANAGER], xv_item_join(room_uri[CLOSED_N]), "rpl:join");
	if(!e || e->resp_code != 404)
		fail(T, "join of a removed room: %d, want 404", e ? e->resp_code : -1);
	xv_free(e);
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-authz --proxy HOST:PORT --db-socket PATH --admin PCHAT_ADMIN\n"
			"                 [--db-name pchat]\n"
			"                 [--db-user root] [--db-password PW] [--chat-uri URI]"
			" [--verbose]\n");
}

static int open_sessions(void)
{
	for(int u = 0; u < NROLES; u++) {
		int st = 0;
		sess[u].c = pc_open(
				ctx, user_uri[u], opt.chat_uri, opt.proxy, "tcp", SIP_WAIT, &st);
		if(!sess[u].c) {
			fail("setup_sessions", "INVITE as %s got %d (%s)", user_uri[u], st,
					pc_last_error(ctx));
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const required[] = {"db-socket", "admin", NULL};
	int status = e2e_start(&opt, argc, argv, NULL, required, usage, "setup");
	if(status >= 0)
		return status;
	ctx = opt.db ? pc_context_new() : NULL;
	if(ctx && create_model() == 0 && open_sessions() == 0) {
		for(int u = 0; u < NROLES; u++)
			check_role(u);
		print_matrix();
		check_invitations_and_creation();
		check_reload();
		check_removal();
	}
	for(int u = 0; u < NROLES; u++) {
		if(sess[u].c)
			pc_close(sess[u].c, SIP_WAIT);
		for(size_t i = 0; i < sess[u].nbox; i++)
			free(sess[u].box[i]);
		free(sess[u].box);
	}
	if(ctx)
		pc_context_free(ctx);
	return e2e_finish(&opt);
}
