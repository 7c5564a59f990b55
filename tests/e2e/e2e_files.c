/* e2e-files: file-transfer tokens over real SIP (cmd:getfutok / cmd:getfdtok ->
 * rpl:getftok; docs/XCCOS.md, "File transfer tokens").
 *
 *   e2e-files --proxy 127.0.0.1:PORT --db-socket PATH --admin PCHAT_ADMIN --pchat PCHAT
 *             --serveruri URL [--db-name pchat] [--db-user root] [--db-password PW]
 *             [--chat-uri sip:pchat@example.com] [--verbose]
 *
 * Makes, with pchat-admin, a category of its own (allowed: example.com) with an open room
 * and a secret one (member: the owner), and by SQL a stored, posted file in each.  Then,
 * over SIP: an upload token is answered with a GUID and the configured serveruri (pchatd's
 * --file-service-url, given here as --serveruri) and its file_tokens row holds the SIP
 * identity, the room, the direction, the name and an expiry 30 minutes after issue; a
 * download token names the file's row; and each refusal (unknown room, a secret room the
 * user is no member of, file upload switched off in the category with pchat-admin, bad
 * names, a stored name the room does not have) gets its code and reason and stores no
 * row.  chansrch's filepost follows the category's switch.  Last, client/pchat's
 * /filetoken prints "token=... serveruri=..." and the server's reasons.  Ends by deleting
 * what it made.
 *
 * Prints "PASS name" / "FAIL name: why" lines and "N passed, M failed"; exits 0 only if
 * nothing failed.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RELOAD_WAIT 5000 /* pchatd polls server_config every second */

static struct e2e_stack opt = E2E_STACK_INIT;
static const char *pchat, *serveruri; /* --pchat, --serveruri */

#define USER "sip:files-user@example.com"
#define OWNER "sip:files-owner@example.com"
#define CLI_USER "files-cli"

static pc_context *ctx;
static pc_client *user, *owner;
/* made by setup(): names, URIs and ids of the category and its two rooms, the stored
 * names of a file in each */
static char cat_name[64], open_name[80], secret_name[80];
static char open_uri[160], secret_uri[160], open_id[24], secret_id[24];
static char open_file[64], secret_file[64], open_file_id[24];

/* Runs q (parameters in) on the stack's database; a failure is one of test T. */
static long long sql(const char *T, const char *q, const char *const *in, char **out, size_t nout)
{
	return e2e_sql(opt.db, T, q, in, out, nout);
}

/* Runs pchat-admin with args (already quoted for the shell); 0 if it exited 0. */
static int admin(const char *T, const char *args)
{
	return e2e_admin(&opt, T, args);
}

/* ------------------------------------------------------------------ SIP */

static xv_envelope *request(pc_client *c, char *items, const char *rpl_id)
{
	return e2e_request(c, items, rpl_id, opt.verbose);
}

static xv_envelope *ftok(pc_client *c, int upload, const char *room, const char *name)
{
	return request(c, xv_item_ftdb(upload, room, name), "rpl:getftok");
}

/* Is t a GUID as pchatd makes them: lower-case hex, dashes at 8, 13, 18 and 23? */
static int guid_form(const char *t)
{
	if(!t || strlen(t) != 36)
		return 0;
	for(int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if(dash ? t[i] != '-'
			: !isxdigit((unsigned char)t[i]) || isupper((unsigned char)t[i]))
			return 0;
	}
	return 1;
}

/* The reply is a refusal with code and, if reason is not NULL, a reason containing it
 * (reason "" : none at all, as for a room that does not exist). */
static void expect_refusal(
		const char *T, const char *what, xv_envelope *e, int code, const char *reason)
{
	if(!e) {
		fail(T, "%s: no rpl:getftok", what);
	} else if(e->resp_code != code || e->token) {
		fail(T, "%s: code %d%s, want %d", what, e->resp_code,
				e->token ? " with a token" : "", code);
	} else if(reason && !*reason && e->error_reason) {
		fail(T, "%s: reason \"%s\", want none (like an unknown room)", what,
				e->error_reason);
	} else if(reason && *reason && (!e->error_reason || !strstr(e->error_reason, reason))) {
		fail(T, "%s: reason \"%s\", want \"%s\"", what,
				e->error_reason ? e->error_reason : "(none)", reason);
	}
	xv_free(e);
}

/* Tokens stored for a user. */
static long long tokens_of(const char *T, const char *who)
{
	char *n = NULL;
	long long rows = sql(
			T, "SELECT COUNT(*) FROM file_tokens WHERE user_uri = ?", ARGS(who), &n, 1);
	long long count = rows == 1 && n ? atoll(n) : -1;
	free(n);
	return count;
}

/* ------------------------------------------------------------------ set-up */

/* The URI and id of the room called name into uri and id. */
static int room_row(const char *T, const char *name, char *uri, size_t un, char *id, size_t in)
{
	char *v[2] = {NULL, NULL};
	long long rows = sql(T,
			"SELECT CONCAT('ma-chan://', domain, '/', chan_id), id FROM rooms WHERE name = ?",
			ARGS(name), v, 2);
	if(rows == 1 && v[0] && v[1]) {
		snprintf(uri, un, "%s", v[0]);
		snprintf(id, in, "%s", v[1]);
	}
	e2e_free_strs(v, 2);
	return rows == 1 ? 0 : -1;
}

/* A stored file with its post (a message), as the file service will leave one. */
static int stored_file(
		const char *T, const char *room_id, const char *stored, char *file_id, size_t n)
{
	char *v = NULL;
	if(sql(T,
			   "INSERT INTO messages (room_id, author, posted_at, body)"
			   " VALUES (?, '" OWNER "', UTC_TIMESTAMP(3), ?)",
			   ARGS(room_id, stored), NULL, 0) != 1 ||
			sql(T,
					"INSERT INTO files (room_id, stored_name, file_name, size, uploader,"
					" state, created_at, stored_at, message_id) SELECT ?, ?, 'e2e.txt', 3,"
					" '" OWNER
					"', 'stored', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), MAX(id)"
					" FROM messages WHERE room_id = ?",
					ARGS(room_id, stored, room_id), NULL, 0) != 1 ||
			sql(T, "SELECT id FROM files WHERE stored_name = ?", ARGS(stored), &v, 1) !=
					1)
		return -1;
	if(file_id)
		snprintf(file_id, n, "%s", v ? v : "");
	free(v);
	return 0;
}

static int setup(void)
{
	const char *T = "files_setup";
	char args[512];
	snprintf(cat_name, sizeof cat_name, "Files %s", token);
	snprintf(open_name, sizeof open_name, "Files %s open", token);
	snprintf(secret_name, sizeof secret_name, "Files %s secret", token);
	snprintf(open_file, sizeof open_file, "%.8s-0000-4000-8000-%.12s.txt", token, token);
	snprintf(secret_file, sizeof secret_file, "%.8s-0000-4000-8000-%.12s.pdf", token, token);
	snprintf(args, sizeof args, "category new --name '%s' --allowed example.com", cat_name);
	if(admin(T, args) < 0)
		return -1;
	snprintf(args, sizeof args, "room new --name '%s' --category '%s'", open_name, cat_name);
	if(admin(T, args) < 0)
		return -1;
	snprintf(args, sizeof args,
			"room new --name '%s' --category '%s' --privacy secret --members " OWNER,
			secret_name, cat_name);
	if(admin(T, args) < 0)
		return -1;
	if(room_row(T, open_name, open_uri, sizeof open_uri, open_id, sizeof open_id) < 0 ||
			room_row(T, secret_name, secret_uri, sizeof secret_uri, secret_id,
					sizeof secret_id) < 0 ||
			stored_file(T, open_id, open_file, open_file_id, sizeof open_file_id) < 0 ||
			stored_file(T, secret_id, secret_file, NULL, 0) < 0)
		return -1;
	int st = 0;
	user = pc_open(ctx, USER, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st);
	owner = user ? pc_open(ctx, OWNER, opt.chat_uri, opt.proxy, "tcp", E2E_SIP_WAIT, &st)
		     : NULL;
	if(!owner) {
		fail(T, "INVITE got %d (%s)", st, pc_last_error(ctx));
		return -1;
	}
	return 0;
}

static void cleanup(void)
{
	const char *T = "files_cleanup";
	char args[256];
	/* files has no foreign key to rooms (a row outlives its room until swept) */
	sql(T, "DELETE FROM files WHERE stored_name IN (?, ?)", ARGS(open_file, secret_file), NULL,
			0);
	snprintf(args, sizeof args, "room remove --room '%s'", open_name);
	admin(T, args);
	snprintf(args, sizeof args, "room remove --room '%s'", secret_name);
	admin(T, args);
	snprintf(args, sizeof args, "category remove --category '%s'", cat_name);
	admin(T, args);
}

/* ------------------------------------------------------------------ the cases */

static void check_upload_token(void)
{
	const char *T = "files_upload_token_is_stored_then_sent";
	int before = n_fail;
	char name[96], *v[7] = {NULL};
	snprintf(name, sizeof name, "e2e report %s.txt", token);
	xv_envelope *e = ftok(user, 1, open_uri, name);
	if(!e || e->resp_code != 200 || !e->token) {
		fail(T, "reply %d%s", e ? e->resp_code : -1,
				e && !e->token ? " without token" : "");
		xv_free(e);
		return;
	}
	if(!guid_form(e->token))
		fail(T, "token \"%s\" is not a lower-case GUID with dashes", e->token);
	if(!e->serveruri || !serveruri || strcmp(e->serveruri, serveruri) != 0)
		fail(T, "serveruri \"%s\", want \"%s\"", e->serveruri ? e->serveruri : "(none)",
				serveruri);
	/* The reply came after the commit: the row is there at once. */
	if(sql(T,
			   "SELECT direction, user_uri, room_id, file_name,"
			   " TIMESTAMPDIFF(MICROSECOND, issued_at, expires_at),"
			   " ABS(TIMESTAMPDIFF(SECOND, issued_at, UTC_TIMESTAMP())) <= 60,"
			   " used_at IS NULL AND file_id IS NULL FROM file_tokens WHERE token = ?",
			   ARGS(e->token), v, 7) != 1) {
		fail(T, "no file_tokens row for token %s", e->token);
	} else {
		const char *want[7] = {"upload", USER, open_id, name, "1800000000", "1", "1"};
		static const char *const col[7] = {"direction", "user_uri", "room_id", "file_name",
				"expires_at - issued_at (us)", "issued now (UTC)", "unused"};
		for(int i = 0; i < 7; i++)
			if(!v[i] || strcmp(v[i], want[i]) != 0)
				fail(T, "%s is \"%s\", want \"%s\"", col[i], v[i] ? v[i] : "NULL",
						want[i]);
	}
	e2e_free_strs(v, 7);
	xv_free(e);
	if(n_fail == before)
		pass(T);
}

static void check_download_token(void)
{
	const char *T = "files_download_token_names_the_file";
	int before = n_fail;
	char *v[2] = {NULL};
	xv_envelope *e = ftok(user, 0, open_uri, open_file);
	if(!e || e->resp_code != 200 || !e->token)
		fail(T, "reply %d", e ? e->resp_code : -1);
	else if(sql(T, "SELECT direction, file_id FROM file_tokens WHERE token = ?", ARGS(e->token),
				v, 2) != 1 ||
			!v[0] || strcmp(v[0], "download") != 0 || !v[1] ||
			strcmp(v[1], open_file_id) != 0)
		fail(T, "row: %s, file %s; want download, file %s", v[0] ? v[0] : "-",
				v[1] ? v[1] : "-", open_file_id);
	e2e_free_strs(v, 2);
	xv_free(e);
	/* the secret room's member gets one there: the refusals below are about rights */
	e = ftok(owner, 0, secret_uri, secret_file);
	if(!e || e->resp_code != 200 || !e->token)
		fail(T, "the member's download token in the secret room: %d",
				e ? e->resp_code : -1);
	xv_free(e);
	if(n_fail == before)
		pass(T);
}

static void check_room_refusals(void)
{
	const char *T = "files_refused_for_rooms";
	int before = n_fail;
	long long had = tokens_of(T, USER);
	char unknown[160];
	snprintf(unknown, sizeof unknown, "ma-chan://example.com/files-none-%s", token);
	expect_refusal(T, "upload to an unknown room", ftok(user, 1, unknown, "a.txt"), 404, "");
	expect_refusal(T, "download from an unknown room", ftok(user, 0, unknown, open_file), 404,
			"");
	/* exactly what an unknown room answers, although the file is there */
	expect_refusal(T, "download from a secret room by a non-member",
			ftok(user, 0, secret_uri, secret_file), 404, "");
	expect_refusal(T, "download of a name the room does not have",
			ftok(user, 0, open_uri, "0a0b0c0d-0000-4000-8000-000000000000.txt"), 404,
			"no stored file of that name in this room");
	expect_refusal(T, "download in one room of another room's file",
			ftok(user, 0, open_uri, secret_file), 404, "no stored file");
	if(tokens_of(T, USER) != had)
		fail(T, "a refused request stored a token");
	if(n_fail == before)
		pass(T);
}

static void check_bad_names(void)
{
	const char *T = "files_bad_names_are_400";
	int before = n_fail;
	long long had = tokens_of(T, USER);
	char big[1001];
	memset(big, 'x', 1000);
	big[1000] = '\0';
	static const struct {
		const char *name, *why;
	} bad[] = {{"dir/evil.txt", "path separator"}, {"..\\evil.txt", "path separator"},
			{"tab\there.txt", "control character"},
			{"del\x7f.txt", "control character"}, {"..", "may not be"},
			{"", "the file name is empty"}};
	for(size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_refusal(T, bad[i].name, ftok(user, 1, open_uri, bad[i].name), 400,
				bad[i].why);
	expect_refusal(T, "1000 bytes", ftok(user, 1, open_uri, big), 400,
			"the file name is longer than 255 bytes");
	expect_refusal(T, "a download name with a slash", ftok(user, 0, open_uri, "a/b"), 400,
			"path separator");
	if(tokens_of(T, USER) != had)
		fail(T, "a refused request stored a token");
	if(n_fail == before)
		pass(T);
}

/* chansrch's filepost for the open room: 1, 0, or -1 if the room is not listed. */
static int filepost(const char *T)
{
	int v = -1;
	xv_envelope *e = request(user, xv_item_chansrch(cat_name), "rpl:chansrch");
	if(!e || e->resp_code != 200)
		fail(T, "chansrch: %d", e ? e->resp_code : -1);
	for(size_t i = 0; e && i < e->nrooms; i++)
		if(e->rooms[i].uri && strcmp(e->rooms[i].uri, open_uri) == 0)
			v = e->rooms[i].filepost;
	xv_free(e);
	return v;
}

/* Asks for an upload token until the answer has code (pchatd applies a change within
 * about a second of the revision bump); returns the last reply. */
static xv_envelope *upload_until(int code)
{
	long long deadline = now_ms() + RELOAD_WAIT;
	for(;;) {
		xv_envelope *e = ftok(user, 1, open_uri, "switch.txt");
		if((e && e->resp_code == code) || now_ms() > deadline)
			return e;
		xv_free(e);
		usleep(200 * 1000);
	}
}

static void check_category_switch(void)
{
	const char *T = "files_category_switch";
	int before = n_fail;
	char args[256];
	if(filepost(T) != 1)
		fail(T, "chansrch: filepost of the open room is not true while uploads are on");
	snprintf(args, sizeof args, "category set --category '%s' --file-upload no", cat_name);
	/* the upload first: chansrch would refresh the cached room itself, and this is
	 * about pchatd's reload after pchat-admin's revision bump */
	if(admin(T, args) == 0) {
		expect_refusal(T, "upload with the category's switch off", upload_until(403), 403,
				"file upload is off in this room's category");
		if(filepost(T) != 0)
			fail(T, "chansrch: filepost is not false with uploads off");
		xv_envelope *e = ftok(user, 0, open_uri, open_file);
		if(!e || e->resp_code != 200)
			fail(T, "download with uploads off: %d, want 200", e ? e->resp_code : -1);
		xv_free(e);
	}
	snprintf(args, sizeof args, "category set --category '%s' --file-upload yes", cat_name);
	if(admin(T, args) == 0) {
		xv_envelope *e = upload_until(200);
		if(!e || e->resp_code != 200)
			fail(T, "upload with the switch on again: %d", e ? e->resp_code : -1);
		xv_free(e);
		if(filepost(T) != 1)
			fail(T, "chansrch: filepost is not true again");
	}
	if(n_fail == before)
		pass(T);
}

/* client/pchat: /rooms marks the room [files]; /filetoken prints the token and the
 * server's reasons. */
static void check_client(void)
{
	const char *T = "files_client_filetoken";
	int before = n_fail;
	char *cmd = NULL, out[16384] = "", want[512], *v = NULL;
	if(asprintf(&cmd,
			   "printf '/join %s\\n/rooms\\n/filetoken up cli %s.txt\\n/filetoken up a/b\\n"
			   "/filetoken down nothing.txt\\n/quit\\n' | timeout 30 '%s' --user " CLI_USER
			   " --server '%s' --linger 0 2>&1",
			   open_uri, token, pchat, opt.proxy) < 0)
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
	snprintf(want, sizeof want, "%s  [files]", open_uri);
	if(!strstr(out, want))
		fail(T, "/rooms does not mark the room with [files]");
	const char *line = strstr(out, "\ntoken=");
	char tok[40] = "";
	if(!line || sscanf(line, "\ntoken=%39s", tok) != 1 || !guid_form(tok))
		fail(T, "no \"token=GUID\" line in: %.400s", out);
	snprintf(want, sizeof want, "token=%s serveruri=%s\n", tok, serveruri);
	if(line && !strstr(line, want))
		fail(T, "the token line is not \"%s\"", want);
	if(!strstr(out,
			   "error: filetoken failed: 400 ERR_BAD_REQUEST (the file name contains a "
			   "path separator (/ or \\))"))
		fail(T, "no 400 with its reason for a/b in: %.600s", out);
	if(!strstr(out,
			   "error: filetoken failed: 404 ERR_NOT_FOUND (no stored file of that name "
			   "in this room)"))
		fail(T, "no 404 with its reason for a missing file");
	if(*tok &&
			(sql(T, "SELECT user_uri FROM file_tokens WHERE token = ?", ARGS(tok), &v,
					 1) != 1 ||
					!v || strcmp(v, "sip:" CLI_USER "@example.com") != 0))
		fail(T, "the client's token row belongs to %s", v ? v : "nobody");
	free(v);
	if(n_fail == before)
		pass(T);
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-files --proxy HOST:PORT --db-socket PATH --admin PCHAT_ADMIN"
			" --pchat PCHAT --serveruri URL\n"
			"                 [--db-name pchat] [--db-user root] [--db-password PW]"
			" [--chat-uri URI] [--verbose]\n");
}

int main(int argc, char **argv)
{
	const struct e2e_opt opts[] = {{"pchat", &pchat}, {"serveruri", &serveruri}, {NULL, NULL}};
	static const char *const required[] = {"db-socket", "admin", "pchat", "serveruri", NULL};
	int status = e2e_start(&opt, argc, argv, opts, required, usage, "files_setup");
	if(status >= 0)
		return status;
	ctx = opt.db ? pc_context_new() : NULL;
	if(ctx && setup() == 0) {
		check_upload_token();
		check_download_token();
		check_room_refusals();
		check_bad_names();
		check_category_switch();
		check_client();
	}
	if(user)
		pc_close(user, E2E_SIP_WAIT);
	if(owner)
		pc_close(owner, E2E_SIP_WAIT);
	if(ctx)
		pc_context_free(ctx);
	if(opt.db)
		cleanup();
	return e2e_finish(&opt);
}
