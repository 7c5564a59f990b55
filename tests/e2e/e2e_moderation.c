/* e2e-moderation: moderation that reaches everywhere (issue 15), over the real stack.
 *
 *   e2e-moderation --proxy 127.0.0.1:PORT --db-socket PATH --admin PCHAT_ADMIN
 *                  --pchat PCHAT --file-base URL --store DIR --out DIR
 *                  [--db-name pchat] [--db-user root] [--db-password PW]
 *                  [--chat-uri sip:pchat@example.com] [--verbose]
 *
 * With pchat-admin: a room of its own, and the XML compliance adapter writing to --out.
 * Over SIP: a poster posts three messages and, through the file service (--file-base:
 * its plain HTTP API, a token from cmd:getfutok), a file; a watcher (the client
 * library) and client/pchat (the CLI) are in the room.  Then an administrator, with
 * pchat-admin straight against the database, removes one message, replaces another
 * and removes the file post.  Checked:
 *   - live: the watcher gets ntc:msgchg for each (msgid, action, new text), and the
 *     CLI prints "message N removed by a moderator" / "message N replaced: TEXT";
 *   - history: cmd:bccontext has neither removed post and the replaced one's new text;
 *   - search: cmd:search finds the new text, not the old one nor the removed post;
 *   - files: the sweeper (--file-sweep-interval 1) deletes the file from --store and
 *     its files row;
 *   - compliance: after pchat-admin compliance run, the XML output holds PURGE for
 *     both removed posts and REPLACE with the new text, by message id; then, with the
 *     Actiance adapter, the kept post edited and removed is a Message with UpdatedType
 *     EditedNewMsg (its new text) and one with Deleted, by MessageId.
 * Ends by switching compliance off and removing the room.  The web page's path (a
 * room manager) is tests/web/moderation.sh's.
 *
 * Prints "PASS name" / "FAIL name: why" lines and "N passed, M failed"; exits 0 only if
 * nothing failed.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOTICE_WAIT 6000 /* pchatd reads server_config every second */
#define SWEEP_WAIT 10000 /* the sweeper runs every second (run.sh) */
#define CLI_LINGER "8"	 /* s the CLI keeps printing after its input ends */

static struct e2e_stack opt = E2E_STACK_INIT;
static const char *pchat, *file_base, *store, *out_dir;

#define POSTER "sip:mod-poster@example.com"
#define WATCHER "sip:mod-watcher@example.com"
#define CLI_USER "mod-cli"

static pc_context *ctx;
static pc_client *poster, *watcher;
static char room_name[64], room_uri[160], room_id[24];
/* the posts: kept, removed, replaced; the file post; their ids */
enum { KEEP, REMOVE, REPLACE, FILEPOST, NPOSTS };
static char text[NPOSTS][96], id[NPOSTS][24], new_text[96], stored[64];

static long long sql(const char *T, const char *q, const char *const *in, char **out, size_t nout)
{
	return e2e_sql(opt.db, T, q, in, out, nout);
}

/* One value of the first row of q, into buf ("" if none); 1 if there was a row. */
static int sql_value(const char *T, const char *q, const char *const *in, char *buf, size_t n)
{
	char *v = NULL;
	long long rows = sql(T, q, in, &v, 1);
	snprintf(buf, n, "%s", v ? v : "");
	free(v);
	return rows == 1;
}

/* Runs pchat-admin with args (already quoted for the shell); 0 if it exited 0. */
static int admin(const char *T, const char *args)
{
	return e2e_admin(&opt, T, args);
}

static xv_envelope *request(pc_client *c, char *items, const char *rpl_id)
{
	return e2e_request(c, items, rpl_id, opt.verbose);
}

/* A session of user in the room; NULL (a failure of T) if not. */
static pc_client *join(const char *T, const char *user)
{
	int st = 0;
	pc_client *c = pc_open(ctx, user, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
	if(!c) {
		fail(T, "INVITE as %s: %d %s", user, st, pc_last_error(ctx));
		return NULL;
	}
	xv_envelope *e = request(c, xv_item_join(room_uri), "rpl:join");
	if(!e || e->resp_code != 200)
		fail(T, "%s joins the room: %d", user, e ? e->resp_code : -1);
	xv_free(e);
	return c;
}

/* Posts text[i] as the poster; its id into id[i]. */
static void post(const char *T, int i)
{
	char *items = xv_item_grpchat(room_uri, POSTER, NULL, text[i]);
	int st = items ? pc_send_xccos(poster, items, E2E_SIP_WAIT, NULL) : -1;
	free(items);
	if(st != 200)
		fail(T, "post %d: SIP %d", i, st);
	else if(!sql_value(T, "SELECT MAX(id) FROM messages WHERE body = ?", ARGS(text[i]), id[i],
				sizeof id[i]) ||
			!*id[i])
		fail(T, "post %d is not stored", i);
}

/* The file post: a token over SIP, the bytes over HTTP (PUT), its row and message. */
static void upload(const char *T)
{
	char name[64], path[512], *cmd = NULL, code[8] = "";
	snprintf(name, sizeof name, "moderation-%s.txt", token);
	xv_envelope *e = request(poster, xv_item_ftdb(1, room_uri, name), "rpl:getftok");
	if(!e || e->resp_code != 200 || !e->token) {
		fail(T, "upload token: %d", e ? e->resp_code : -1);
		xv_free(e);
		return;
	}
	snprintf(path, sizeof path, "%s/%s", out_dir, "moderation-upload.txt");
	FILE *f = fopen(path, "w");
	if(f) {
		fprintf(f, "moderated file %s\n", token);
		fclose(f);
	}
	if(asprintf(&cmd,
			   "curl -s --max-time 15 -o /dev/null -w '%%{http_code}' -X PUT"
			   " --data-binary @'%s' '%s/files/%s'",
			   path, file_base, e->token) >= 0) {
		FILE *p = popen(cmd, "r");
		if(p) {
			if(!fgets(code, sizeof code, p))
				code[0] = '\0';
			pclose(p);
		}
	}
	free(cmd);
	xv_free(e);
	unlink(path);
	if(strcmp(code, "201") != 0) {
		fail(T, "PUT of the file: HTTP %s", code);
		return;
	}
	char *v[2] = {NULL, NULL};
	if(sql(T, "SELECT stored_name, message_id FROM files WHERE room_id = ? AND state = 'stored'",
			   ARGS(room_id), v, 2) != 1)
		fail(T, "no stored file in the room");
	snprintf(stored, sizeof stored, "%s", v[0] ? v[0] : "");
	snprintf(id[FILEPOST], sizeof id[FILEPOST], "%s", v[1] ? v[1] : "");
	e2e_free_strs(v, 2);
	snprintf(path, sizeof path, "%s/%s/%s", store, room_id, stored);
	if(access(path, F_OK) != 0)
		fail(T, "the file is not in the store: %s", path);
}

static int setup(void)
{
	const char *T = "moderation_setup";
	char args[1024];
	snprintf(room_name, sizeof room_name, "Moderation %s", token);
	snprintf(args, sizeof args, "room new --name '%s'", room_name);
	if(admin(T, args) < 0)
		return -1;
	char *v[2] = {NULL, NULL};
	if(sql(T,
			   "SELECT id, CONCAT('ma-chan://', domain, '/', chan_id) FROM rooms"
			   " WHERE name = ?",
			   ARGS(room_name), v, 2) == 1) {
		snprintf(room_id, sizeof room_id, "%s", v[0]);
		snprintf(room_uri, sizeof room_uri, "%s", v[1]);
	}
	e2e_free_strs(v, 2);
	snprintf(args, sizeof args, "compliance set --adapter-type XML --output-directory '%s'",
			out_dir);
	if(!*room_uri || admin(T, args) < 0)
		return -1;
	static const char *const what[] = {"kept", "removed", "replaced"};
	for(int i = KEEP; i <= REPLACE; i++)
		snprintf(text[i], sizeof text[i], "moderation%s %s post", token, what[i]);
	snprintf(new_text, sizeof new_text, "moderation%s edited by the moderator", token);
	poster = join(T, POSTER);
	watcher = poster ? join(T, WATCHER) : NULL;
	if(!watcher)
		return -1;
	for(int i = KEEP; i <= REPLACE; i++)
		post(T, i);
	upload(T);
	return n_fail ? -1 : 0;
}

static void cleanup(void)
{
	const char *T = "moderation_cleanup";
	char args[256];
	admin(T, "compliance set --adapter-type ''");
	snprintf(args, sizeof args, "room remove --room '%s'", room_name);
	if(*room_id)
		admin(T, args);
}

/* ------------------------------------------------------------------ live */

/* client/pchat in the room, printing what arrives (read by cli_output). */
static FILE *cli;

static void cli_start(const char *T)
{
	char *cmd = NULL, in_room[8] = "";
	if(asprintf(&cmd,
			   "printf '/join %s\\n' | timeout 40 '%s' --user '%s' --server '%s'"
			   " --linger " CLI_LINGER " 2>&1",
			   room_name, pchat, CLI_USER, opt.proxy) < 0)
		return;
	cli = popen(cmd, "r");
	free(cmd);
	long long end = now_ms() + 10000;
	while(cli && now_ms() < end && strcmp(in_room, "1") != 0) {
		usleep(100 * 1000);
		sql_value(T, "SELECT COUNT(*) > 0 FROM session_rooms WHERE user_uri = ? AND room_id = ?",
				ARGS("sip:" CLI_USER "@example.com", room_id), in_room,
				sizeof in_room);
	}
	if(strcmp(in_room, "1") != 0)
		fail(T, "client/pchat did not join the room");
}

/* What the CLI printed, once it has lingered and exited. */
static void cli_output(char *buf, size_t n)
{
	size_t len = cli ? fread(buf, 1, n - 1, cli) : 0;
	buf[len] = '\0';
	if(cli)
		pclose(cli);
	cli = NULL;
	if(opt.verbose)
		fprintf(stderr, "%s", buf);
}

/* The next ntc:msgchg on the watcher is about post i: action, and text (replaced). */
static void expect_notice(const char *T, int i, const char *action, const char *want_text)
{
	xv_envelope *e = e2e_next_item(watcher, "ntc:msgchg", NOTICE_WAIT, opt.verbose);
	const xv_msg *m = e && e->nmsgs == 1 ? &e->msgs[0] : NULL;
	if(!m)
		fail(T, "no ntc:msgchg about message %s within %d ms", id[i], NOTICE_WAIT);
	else if(!m->msgid || strcmp(m->msgid, id[i]) != 0 || !m->action ||
			strcmp(m->action, action) != 0 || !m->chan_uri ||
			strcmp(m->chan_uri, room_uri) != 0 ||
			strcmp(m->text ? m->text : "", want_text) != 0)
		fail(T, "ntc:msgchg: msgid %s action %s room %s text \"%s\"; want %s %s \"%s\"",
				m->msgid ? m->msgid : "-", m->action ? m->action : "-",
				m->chan_uri ? m->chan_uri : "-", m->text ? m->text : "", id[i],
				action, want_text);
	xv_free(e);
}

static void check_live(void)
{
	const char *T = "moderation_reaches_the_clients_live";
	int before = n_fail;
	char args[512], out[16384], want[256];
	cli_start(T);
	long long t0 = now_ms();
	snprintf(args, sizeof args, "message remove --id %s", id[REMOVE]);
	admin(T, args);
	expect_notice(T, REMOVE, "removed", "");
	note("a removal by pchat-admin reached the watcher in %lld ms", now_ms() - t0);
	snprintf(args, sizeof args, "message replace --id %s --replacement '%s'", id[REPLACE],
			new_text);
	admin(T, args);
	expect_notice(T, REPLACE, "replaced", new_text);
	snprintf(args, sizeof args, "message remove --room '%s' --id %s", room_name, id[FILEPOST]);
	admin(T, args);
	expect_notice(T, FILEPOST, "removed", "");
	cli_output(out, sizeof out);
	snprintf(want, sizeof want, "*** <%s> message %s removed by a moderator\n", room_name,
			id[REMOVE]);
	if(!strstr(out, want))
		fail(T, "client/pchat: no line '%s' in: %.400s", want, out);
	snprintf(want, sizeof want, "*** <%s> message %s replaced: %s\n", room_name, id[REPLACE],
			new_text);
	if(!strstr(out, want))
		fail(T, "client/pchat: no line '%s'", want);
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ the data */

/* Does e hold a message with this text (exactly), or, with sub, containing it? */
static int has_text(const xv_envelope *e, const char *t, int sub)
{
	for(size_t i = 0; e && i < e->nmsgs; i++)
		if(e->msgs[i].text &&
				(sub ? strstr(e->msgs[i].text, t) != NULL
				     : strcmp(e->msgs[i].text, t) == 0))
			return 1;
	return 0;
}

/* The kept post and the new text are there; neither removed post nor the old text. */
static void expect_moderated(const char *T, const char *what, const xv_envelope *e)
{
	if(!e) {
		fail(T, "%s: no reply", what);
		return;
	}
	if(!has_text(e, text[KEEP], 0) || !has_text(e, new_text, 0))
		fail(T, "%s: the kept post or the replaced one's new text is missing", what);
	if(has_text(e, text[REMOVE], 0) || has_text(e, text[REPLACE], 0))
		fail(T, "%s: the removed post or the replaced one's old text is still there", what);
	if(has_text(e, "ma-filelink:", 1))
		fail(T, "%s: the removed file post is still there", what);
}

static void check_history_and_search(void)
{
	const char *T = "moderation_reaches_history_and_search";
	int before = n_fail;
	xv_envelope *e = request(watcher, xv_item_bccontext(room_uri, 50), "rpl:bccontext");
	expect_moderated(T, "history (bccontext)", e);
	xv_free(e);
	char words[64];
	snprintf(words, sizeof words, "moderation%s", token);
	xv_search q = {.text = words};
	e = request(watcher, xv_item_search(&q), "rpl:search");
	expect_moderated(T, "search", e);
	xv_free(e);
	q.text = "removed post";
	q.room_uri = room_uri;
	e = request(watcher, xv_item_search(&q), "rpl:search");
	if(!e || e->nmsgs != 0)
		fail(T, "a search for the removed post's words finds %zu", e ? e->nmsgs : 0);
	xv_free(e);
	if(n_fail == before)
		pass(T);
}

static void check_file_store(void)
{
	const char *T = "moderation_reaches_the_file_store";
	char path[512], rows[8] = "1";
	snprintf(path, sizeof path, "%s/%s/%s", store, room_id, stored);
	long long end = now_ms() + SWEEP_WAIT;
	int gone = 0;
	while(!gone && now_ms() < end) {
		sql_value(T, "SELECT COUNT(*) FROM files WHERE stored_name = ?", ARGS(stored), rows,
				sizeof rows);
		gone = strcmp(rows, "0") == 0 && access(path, F_OK) != 0;
		if(!gone)
			usleep(200 * 1000);
	}
	if(!gone)
		fail(T, "after %d ms: %s files row(s), the file %s", SWEEP_WAIT, rows,
				access(path, F_OK) == 0 ? "still on disk" : "gone");
	else
		pass(T);
}

/* The XML output's Message elements about post i, of type, holding want_text. */
static int output_has(const char *xml, int i, const char *type, const char *want_text)
{
	char head[64], idattr[48];
	snprintf(head, sizeof head, "<Message type=\"%s\"", type);
	snprintf(idattr, sizeof idattr, " id=\"%s\"", id[i]);
	for(const char *p = strstr(xml, head); p; p = strstr(p + 1, head)) {
		const char *end = strchr(p, '>');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char *el = strndup(p, n);
		int ok = el && strstr(el, idattr) && (!want_text || strstr(el, want_text));
		free(el);
		if(ok)
			return 1;
	}
	return 0;
}

/* Every .xml file of dir, concatenated (malloc'd). */
static char *read_output(const char *dir)
{
	DIR *d = opendir(dir);
	char *all = NULL;
	size_t len = 0;
	FILE *acc = open_memstream(&all, &len);
	for(struct dirent *de; d && acc && (de = readdir(d)) != NULL;) {
		size_t n = strlen(de->d_name);
		char path[512], buf[4096];
		if(n < 4 || strcmp(de->d_name + n - 4, ".xml") != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "r");
		for(size_t got; f && (got = fread(buf, 1, sizeof buf, f)) > 0;)
			fwrite(buf, 1, got, acc);
		if(f)
			fclose(f);
	}
	if(d)
		closedir(d);
	if(acc)
		fclose(acc);
	return all;
}

static void check_compliance(void)
{
	const char *T = "moderation_reaches_the_compliance_output";
	int before = n_fail;
	if(admin(T, "compliance run --wait 30s") < 0)
		return;
	char *xml = read_output(out_dir);
	if(!xml || !*xml)
		fail(T, "no XML output in %s", out_dir);
	else if(!output_has(xml, REMOVE, "PURGE", NULL))
		fail(T, "no PURGE of message %s", id[REMOVE]);
	else if(!output_has(xml, REPLACE, "REPLACE", new_text))
		fail(T, "no REPLACE of message %s with its new text", id[REPLACE]);
	else if(!output_has(xml, FILEPOST, "PURGE", NULL))
		fail(T, "no PURGE of the file post %s", id[FILEPOST]);
	else if(!output_has(xml, REMOVE, "CHAT", text[REMOVE]))
		fail(T, "no CHAT of message %s (the lineage's start)", id[REMOVE]);
	free(xml);
	if(n_fail == before)
		pass(T);
}

/* Does the Actiance output hold a Message about post i updated as updated (its
 * UpdatedType), with want_text as its Content? */
static int actiance_has(const char *xml, int i, const char *updated, const char *want_text)
{
	char idel[64], upd[64], content[160];
	snprintf(idel, sizeof idel, "<MessageId>%s</MessageId>", id[i]);
	snprintf(upd, sizeof upd, "<UpdatedType>%s</UpdatedType>", updated);
	snprintf(content, sizeof content, "<Content>%s</Content>", want_text);
	for(const char *p = strstr(xml, "<Message>"); p; p = strstr(p + 1, "<Message>")) {
		const char *end = strstr(p, "</Message>");
		char *el = strndup(p, end ? (size_t)(end - p) : strlen(p));
		int ok = el && strstr(el, idel) && strstr(el, upd) &&
				(!*want_text ? strstr(el, "<Content/>") || strstr(el, "<Content></Content>")
					     : strstr(el, content) != NULL);
		free(el);
		if(ok)
			return 1;
	}
	return 0;
}

/* The Actiance adapter: the kept post edited, then removed, by pchat-admin. */
static void check_actiance(void)
{
	const char *T = "moderation_reaches_the_actiance_output";
	int before = n_fail;
	char dir[512], args[1024], edited[96];
	snprintf(dir, sizeof dir, "%s/actiance", out_dir);
	snprintf(edited, sizeof edited, "moderation%s edited again", token);
	if(mkdir(dir, 0755) < 0) {
		fail(T, "mkdir %s failed", dir);
		return;
	}
	snprintf(args, sizeof args,
			"compliance set --adapter-type Actiance --output-directory '%s'", dir);
	if(admin(T, args) < 0)
		return;
	snprintf(args, sizeof args, "message replace --id %s --replacement '%s'", id[KEEP], edited);
	admin(T, args);
	snprintf(args, sizeof args, "message remove --id %s", id[KEEP]);
	admin(T, args);
	if(admin(T, "compliance run --wait 30s") < 0)
		return;
	char *xml = read_output(dir);
	if(!xml || !*xml)
		fail(T, "no Actiance output in %s", dir);
	else if(!actiance_has(xml, KEEP, "EditedNewMsg", edited))
		fail(T, "no Message %s with UpdatedType EditedNewMsg and the new text", id[KEEP]);
	else if(!actiance_has(xml, KEEP, "Deleted", ""))
		fail(T, "no Message %s with UpdatedType Deleted and no content", id[KEEP]);
	free(xml);
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-moderation --proxy HOST:PORT --db-socket PATH --admin PCHAT_ADMIN"
			" --pchat PCHAT --file-base URL --store DIR --out DIR\n"
			"                      [--db-name pchat] [--db-user root] [--db-password PW]"
			" [--chat-uri URI] [--verbose]\n");
}

int main(int argc, char **argv)
{
	const struct e2e_opt opts[] = {{"pchat", &pchat}, {"file-base", &file_base},
			{"store", &store}, {"out", &out_dir}, {NULL, NULL}};
	static const char *const required[] = {
			"db-socket", "admin", "pchat", "file-base", "store", "out", NULL};
	int status = e2e_start(&opt, argc, argv, opts, required, usage, "moderation_setup");
	if(status >= 0)
		return status;
	ctx = opt.db ? pc_context_new() : NULL;
	if(ctx && setup() == 0) {
		check_live();
		check_history_and_search();
		check_file_store();
		check_compliance();
		check_actiance();
	}
	if(cli)
		pclose(cli);
	if(poster)
		pc_close(poster, E2E_SIP_WAIT);
	if(watcher)
		pc_close(watcher, E2E_SIP_WAIT);
	if(ctx)
		pc_context_free(ctx);
	if(opt.db)
		cleanup();
	return e2e_finish(&opt);
}
