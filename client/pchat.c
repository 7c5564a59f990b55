/* pchat: command-line persistent chat client (XCCOS over SIP).
 *
 *   pchat --user alice [--domain example.com] [--server 127.0.0.1:5060]
 *         [--password-file FILE|-] [--chat-uri sip:pchat@example.com]
 *         [--transport tcp|tls|udp] [--tls-ca FILE] [--linger SECONDS]
 *         [--limit-rate BYTES[k|M]]
 *
 * Reads commands and posts from standard input, one per line (see /help). Works with a
 * terminal or a pipe: at end of input it keeps printing what arrives for --linger
 * seconds, then says BYE and exits.
 * Exit status: 0 ok, 1 could not connect (or the session was lost), 2 usage.
 */
#define _GNU_SOURCE
#include "fileposts.h"
#include "filexfer.h"
#include "pchat_client.h"
#include "xccos_view.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 5000
#define SIP_TIMEOUT_MS 5000

typedef struct {
	char *uri;
	char *name;
} room_t;

static struct {
	pc_context *ctx;
	pc_client *c;
	const char *server, *transport;
	const char *tls_ca; /* --tls-ca */
	char *user_uri;
	room_t *rooms; /* known rooms (from /rooms and joins) */
	size_t nrooms;
	char *cur_uri;	      /* room posts go to */
	struct fp_list files; /* the file posts shown, numbered for /download */
	int verbose;
	int interactive;
} S;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* The password pchat answers challenges with (--password-file), or NULL. */
static char password[256];

static const char *password_of(const char *user_uri, void *arg)
{
	(void)user_uri;
	(void)arg;
	return password[0] ? password : NULL;
}

/* The first line of path ("-": standard input, read a byte at a time so that the
 * commands after it stay unread) into password; -1 with a message if there is none. */
static int read_password(const char *path)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	char ch;
	if(fd < 0) {
		fprintf(stderr, "pchat: --password-file: cannot open %s: %s\n", path,
				strerror(errno));
		return -1;
	}
	while(n + 1 < sizeof password && read(fd, &ch, 1) == 1 && ch != '\n')
		if(ch != '\r')
			password[n++] = ch;
	password[n] = '\0';
	if(fd != STDIN_FILENO)
		close(fd);
	if(n == 0) {
		fprintf(stderr, "pchat: --password-file: no password on the first line of %s\n",
				path);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
			"usage: pchat --user NAME|sip:URI [--domain example.com] [--server 127.0.0.1:5060]\n"
			"             [--chat-uri sip:pchat@DOMAIN] [--transport tcp|tls|udp] [--tls-ca FILE]\n"
			"             [--linger SECONDS] [--limit-rate BYTES[k|M]] [--password-file FILE|-]\n"
			"             [--verbose]\n"
			"  --transport    how to reach --server: tcp (default), tls (SIP over TLS: give\n"
			"                 the server's TLS port, make run's 5061) or udp\n"
			"  --tls-ca       with --transport tls: the CA certificates (PEM) the server's\n"
			"                 certificate must be signed by (make run's private CA:\n"
			"                 var/tls/ca.pem); default %s\n"
			"  --password-file  the user's SIP password: the first line of FILE (-: of\n"
			"                 standard input, the commands following it), for a server\n"
			"                 that challenges (Digest)\n"
			"  --limit-rate   at most BYTES per second for /upload and /download\n"
			"                 (k: KiB, M: MiB)\n"
			"Commands on standard input:\n"
			"  /rooms              list rooms\n"
			"  /join NAME|URI      join a room (by name or ma-chan:// URI) and show its history\n"
			"  /history [N]        last N messages of the current room (default 25)\n"
			"  /part               leave the current room\n"
			"  /search WORDS [--room NAME|URI] [--author USER] [--since TIME] [--until TIME]\n"
			"          [--before MSGID] [--limit N]\n"
			"                      search the rooms you may read, newest first (\"quotes\"\n"
			"                      make a phrase; TIME is UTC, 2024-05-01T12:00:00Z)\n"
			"  /feeds              list your saved feeds (keyword alerts)\n"
			"  /feed add WORDS [--room NAME|URI] [--author USER]\n"
			"                      save a feed: a post with every one of WORDS (in that\n"
			"                      room, by that author) is an alert, sent as a SIP\n"
			"                      MESSAGE to your registered endpoints and listed by /alerts\n"
			"  /feed rm ID         remove the feed ID (as /feeds shows it)\n"
			"  /alerts [N]         the N newest posts your feeds matched (default 50)\n"
			"  /filetoken up NAME  ask for a token to upload a file named NAME to the current\n"
			"                      room; prints token=... serveruri=...\n"
			"  /filetoken down STORED  the same to download the file stored as STORED\n"
			"                      (<GUID>.<ext>) from the current room\n"
			"  /upload PATH        upload the file PATH to the current room, named as PATH's\n"
			"                      last part; it arrives in the room as a file post\n"
			"  /download N [PATH]  download the file post shown as [file N] to PATH (a file,\n"
			"                      or a directory to put it in; default: its name, made\n"
			"                      safe, in the current directory); never overwrites\n"
			"  /quit               end the session\n"
			"  anything else       post to the current room\n"
			"File posts are shown as [file N] NAME (SIZE bytes), numbered from 1 in the\n"
			"order they are first shown (history, live or /search) while pchat runs.\n",
			PC_SYSTEM_CA_FILE);
}

/* ---------- rooms ---------- */

static const char *room_name(const char *uri)
{
	for(size_t i = 0; uri && i < S.nrooms; i++)
		if(strcmp(S.rooms[i].uri, uri) == 0)
			return S.rooms[i].name;
	return uri ? uri : "?";
}

static void remember_room(const char *uri, const char *name)
{
	if(!uri)
		return;
	for(size_t i = 0; i < S.nrooms; i++)
		if(strcmp(S.rooms[i].uri, uri) == 0) {
			if(name && *name) {
				free(S.rooms[i].name);
				S.rooms[i].name = strdup(name);
			}
			return;
		}
	room_t *r = realloc(S.rooms, (S.nrooms + 1) * sizeof *r);
	if(!r)
		return;
	S.rooms = r;
	S.rooms[S.nrooms].uri = strdup(uri);
	S.rooms[S.nrooms].name = strdup(name && *name ? name : uri);
	S.nrooms++;
}

static const char *find_room_by_name(const char *name)
{
	for(size_t i = 0; i < S.nrooms; i++)
		if(strcasecmp(S.rooms[i].name, name) == 0)
			return S.rooms[i].uri;
	return NULL;
}

/* ---------- output ---------- */

static const char *short_uri(const char *u)
{
	if(!u)
		return "?";
	return strncmp(u, "sip:", 4) == 0 ? u + 4 : u;
}

/* "HH:MM:SS" local time of an ISO 8601 UTC timestamp (now if unparsable). */
static void clock_of(const char *ts, char *out, size_t n)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	time_t t;
	const char *end = ts ? strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if(end)
		t = timegm(&tm);
	else
		t = time(NULL);
	struct tm lt;
	localtime_r(&t, &lt);
	strftime(out, n, "%H:%M:%S", &lt);
}

/* A post, at when; a file post (ma-filelink) as "[file N] NAME (SIZE bytes)", numbered
 * (history, live posts and search results alike). */
static void print_msg(const char *when, const xv_msg *m)
{
	const struct fp_file *f = fp_note(&S.files, m->chan_uri, m->text);
	if(!f) {
		printf("[%s] <%s> %s: %s\n", when, room_name(m->chan_uri), short_uri(m->author),
				m->text ? m->text : "");
		return;
	}
	printf("[%s] <%s> %s: [file %lu] %s (%llu bytes)\n", when, room_name(m->chan_uri),
			short_uri(m->author), f->n, f->shown, f->size);
}

static void print_post(const xv_msg *m)
{
	char hh[16];
	clock_of(m->ts, hh, sizeof hh);
	print_msg(hh, m);
}

static void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fputs("error: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ntc:msgchg (our extension): a moderator removed or replaced a message shown. */
static void print_msgchg(const xv_envelope *e)
{
	for(size_t i = 0; i < e->nmsgs; i++) {
		const xv_msg *m = &e->msgs[i];
		int replaced = m->action && strcmp(m->action, "replaced") == 0;
		printf("*** <%s> message %s %s%s%s\n", room_name(m->chan_uri),
				m->msgid ? m->msgid : "?", replaced ? "replaced: " : "removed",
				replaced ? m->text : "", replaced ? "" : " by a moderator");
	}
}

/* Prints an item that nobody waits for. */
static void print_incoming(const xv_envelope *e)
{
	if(e->kind == XV_GRPCHAT && e->chat.notice) {
		/* the server's line: why a post of ours was refused */
		printf("*** <%s> %s\n", room_name(e->chat.chan_uri),
				e->chat.text ? e->chat.text : "");
	} else if(e->kind == XV_GRPCHAT) {
		print_post(&e->chat);
	} else if(xv_is(e, "ntc:join") || xv_is(e, "ntc:bjoin")) {
		for(size_t u = 0; u < e->nusers; u++)
			for(size_t r = 0; r < (e->nrooms ? e->nrooms : 1); r++)
				printf("*** %s joined <%s>\n", short_uri(e->users[u]),
						e->nrooms ? room_name(e->rooms[r].uri) : "?");
	} else if(xv_is(e, "ntc:msgchg")) {
		print_msgchg(e);
	} else if(xv_is(e, "ntc:part")) {
		for(size_t u = 0; u < e->nusers; u++)
			printf("*** %s left <%s>\n", short_uri(e->users[u]),
					e->nrooms ? room_name(e->rooms[0].uri) : "?");
	} else if(e->kind == XV_RPL && e->resp_code != 200) {
		print_error("server: %s failed: %d %s", e->id ? e->id : "reply", e->resp_code,
				e->resp_text ? e->resp_text : "");
	} else if(e->resp_code >= 0) {
		printf("*** server sent %s (%d %s)\n", e->id ? e->id : "an item", e->resp_code,
				e->resp_text ? e->resp_text : "");
	} else {
		printf("*** server sent %s\n", e->id ? e->id : "an empty envelope");
	}
}

/* Takes one incoming body (if any within timeout_ms) and returns it parsed. */
static xv_envelope *next_envelope(int timeout_ms)
{
	char *body = pc_next_info(S.c, timeout_ms);
	if(!body)
		return NULL;
	if(S.verbose)
		fprintf(stderr, "<<< %s\n", body);
	xv_envelope *e = xv_parse(body, strlen(body));
	if(!e)
		print_error("unreadable message from the server: %.200s", body);
	free(body);
	return e;
}

static void drain_incoming(void)
{
	xv_envelope *e;
	while((e = next_envelope(0)) != NULL) {
		print_incoming(e);
		xv_free(e);
	}
}

/* Waits for the reply rpl_id, printing everything else that arrives meanwhile. */
static xv_envelope *await_reply(const char *rpl_id, int timeout_ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for(;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long el = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if(el >= timeout_ms)
			return NULL;
		xv_envelope *e = next_envelope((int)(timeout_ms - el));
		if(!e)
			continue;
		if(xv_is(e, rpl_id))
			return e;
		print_incoming(e);
		xv_free(e);
	}
}

/* Sends items; reports a non-200 INFO status. Returns 1 if accepted (200). */
static int send_items(const char *items, const char *what)
{
	if(!items) {
		print_error("cannot build %s", what);
		return 0;
	}
	if(S.verbose)
		fprintf(stderr, ">>> %s\n", items);
	int retry = -1;
	int st = pc_send_xccos(S.c, items, SIP_TIMEOUT_MS, &retry);
	if(st == 200)
		return 1;
	if(st == 503 && retry >= 0)
		print_error("%s: server busy or backend down (SIP 503, retry after %d s)", what,
				retry);
	else if(st == 403)
		print_error("%s: refused by the server (SIP 403)", what);
	else if(st == 481)
		print_error("%s: the chat session is gone (SIP 481); restart pchat", what);
	else
		print_error("%s failed: %s", what, pc_last_error(S.ctx));
	return 0;
}

/* Sends a command and waits for its reply; NULL (already reported) on failure. */
static xv_envelope *command(char *items, const char *rpl_id, const char *what)
{
	int ok = send_items(items, what);
	free(items);
	if(!ok)
		return NULL;
	xv_envelope *e = await_reply(rpl_id, REPLY_TIMEOUT_MS);
	if(!e) {
		print_error("%s: no %s from the server", what, rpl_id);
		return NULL;
	}
	if(e->resp_code != 200) {
		print_error("%s failed: %d %s%s%s%s", what, e->resp_code,
				e->resp_text ? e->resp_text : "", e->error_reason ? " (" : "",
				e->error_reason ? e->error_reason : "", e->error_reason ? ")" : "");
		xv_free(e);
		return NULL;
	}
	return e;
}

/* ---------- commands ---------- */

static int cmd_rooms(int print)
{
	xv_envelope *e = command(xv_item_chansrch(""), "rpl:chansrch", "room list");
	if(!e)
		return 0;
	for(size_t i = 0; i < e->nrooms; i++) {
		remember_room(e->rooms[i].uri, e->rooms[i].name);
		if(print)
			printf("  %-20s %s%s%s%s\n", e->rooms[i].name ? e->rooms[i].name : "?",
					e->rooms[i].uri,
					e->rooms[i].filepost == 1 ? "  [files]" : "",
					e->rooms[i].description && *e->rooms[i].description
							? "  -- "
							: "",
					e->rooms[i].description ? e->rooms[i].description : "");
	}
	if(print && e->nrooms == 0)
		printf("  (no rooms)\n");
	xv_free(e);
	return 1;
}

static void cmd_history(int n)
{
	if(!S.cur_uri) {
		print_error("not in a room; /join one first");
		return;
	}
	xv_envelope *e = command(xv_item_bccontext(S.cur_uri, n), "rpl:bccontext", "history");
	if(!e)
		return;
	printf("--- history of <%s> (%zu message%s) ---\n", room_name(S.cur_uri), e->nmsgs,
			e->nmsgs == 1 ? "" : "s");
	for(size_t i = 0; i < e->nmsgs; i++)
		print_post(&e->msgs[i]);
	printf("--- end of history ---\n");
	xv_free(e);
}

/* "YYYY-MM-DD HH:MM:SS" local time of an ISO 8601 UTC timestamp (as is if unparsable). */
static void date_of(const char *ts, char *out, size_t n)
{
	struct tm tm, lt;
	memset(&tm, 0, sizeof tm);
	if(!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, n, "%s", ts ? ts : "?");
		return;
	}
	time_t t = timegm(&tm);
	localtime_r(&t, &lt);
	strftime(out, n, "%Y-%m-%d %H:%M:%S", &lt);
}

static int cmd_rooms(int print);

/* A room's URI by name, asking for the room list if it is not known yet. */
static const char *room_by_name(const char *name)
{
	const char *uri = find_room_by_name(name);
	if(!uri && cmd_rooms(0))
		uri = find_room_by_name(name);
	return uri;
}

/* Splits "/search" arguments: the words up to the first " --option", then the options
 * (each with one value: a room name with blanks is given by its URI). 0, or -1. */
static int search_args(char *arg, xv_search *q)
{
	char *opt = strstr(arg, "--"), *save = NULL;
	while(opt && opt != arg && opt[-1] != ' ')
		opt = strstr(opt + 2, "--");
	if(opt) {
		char *end = opt;
		while(end > arg && end[-1] == ' ')
			end--;
		*end = '\0'; /* arg now holds the words only */
	}
	q->text = arg;
	for(char *k = opt ? strtok_r(opt, " ", &save) : NULL; k; k = strtok_r(NULL, " ", &save)) {
		char *v = strtok_r(NULL, " ", &save);
		if(!v)
			return -1;
		if(!strcmp(k, "--room"))
			q->room_uri = strncmp(v, "ma-chan://", 10) ? room_by_name(v) : v;
		else if(!strcmp(k, "--author"))
			q->author = v;
		else if(!strcmp(k, "--since"))
			q->since = v;
		else if(!strcmp(k, "--until"))
			q->until = v;
		else if(!strcmp(k, "--before"))
			q->before = v;
		else if(!strcmp(k, "--limit"))
			q->cnt = atoi(v);
		else
			return -1;
		if(!strcmp(k, "--room") && !q->room_uri) {
			print_error("search: no room named %s (try /rooms)", v);
			return -2;
		}
	}
	return 0;
}

/* /search: cmd:search, then one line per result (local date, room, author, text). */
static void cmd_search(char *arg)
{
	xv_search q = {0};
	int rc = search_args(arg, &q);
	if(rc == -1) {
		print_error("usage: /search WORDS [--room NAME|URI] [--author USER] [--since TIME]"
			    " [--until TIME] [--before MSGID] [--limit N]");
		return;
	}
	if(rc < 0)
		return;
	xv_envelope *e = command(xv_item_search(&q), "rpl:search", "search");
	if(!e)
		return;
	printf("--- search: %zu result%s, newest first ---\n", e->nmsgs, e->nmsgs == 1 ? "" : "s");
	for(size_t i = 0; i < e->nmsgs; i++) {
		char when[64];
		date_of(e->msgs[i].ts, when, sizeof when);
		print_msg(when, &e->msgs[i]);
	}
	if(e->search_more)
		printf("--- more: add --before %s ---\n",
				e->search_before ? e->search_before : "?");
	else
		printf("--- end of results ---\n");
	xv_free(e);
}

/* ---------- feeds ---------- */

/* Prints the feeds of a rpl:feed. */
static void print_feeds(const xv_envelope *e)
{
	for(size_t i = 0; i < e->nfeeds; i++) {
		const xv_feed *f = &e->feeds[i];
		printf("  [%s] %s", f->id ? f->id : "?", f->words ? f->words : "");
		if(f->room && *f->room)
			printf("  (room %s)", room_name(f->room));
		if(f->author && *f->author)
			printf("  (author %s)", short_uri(f->author));
		printf("\n");
	}
	if(e->nfeeds == 0)
		printf("  (no feeds)\n");
}

static void feed_command(const xv_feed_req *q, const char *what)
{
	xv_envelope *e = command(xv_item_feed(q), "rpl:feed", what);
	if(!e)
		return;
	print_feeds(e);
	xv_free(e);
}

/* /feed add WORDS [--room NAME|URI] [--author USER]: the words and options of /search,
 * only --room and --author. */
static void feed_add(char *arg)
{
	xv_search q = {0};
	int rc = search_args(arg, &q);
	if(rc == -1 || (rc == 0 && (q.since || q.until || q.before || q.cnt))) {
		print_error("usage: /feed add WORDS [--room NAME|URI] [--author USER]");
		return;
	}
	if(rc < 0)
		return;
	feed_command(&(xv_feed_req){.op = "add",
				     .words = q.text,
				     .room_uri = q.room_uri,
				     .author = q.author},
			"feed add");
}

static void cmd_feed(char *arg)
{
	char *op = strsep(&arg, " \t");
	while(arg && (*arg == ' ' || *arg == '\t'))
		arg++;
	if(!strcmp(op, "add") && arg && *arg)
		feed_add(arg);
	else if(!strcmp(op, "rm") && arg && *arg)
		feed_command(&(xv_feed_req){.op = "rm", .id = arg}, "feed rm");
	else
		print_error("usage: /feed add WORDS [--room NAME|URI] [--author USER] | /feed rm ID");
}

/* /alerts [N]: the posts the feeds matched, newest first. */
static void cmd_alerts(const char *arg)
{
	xv_envelope *e = command(xv_item_feed(&(xv_feed_req){.op = "alerts", .cnt = atoi(arg)}),
			"rpl:feed", "alerts");
	if(!e)
		return;
	printf("--- alerts: %zu, newest first ---\n", e->nmsgs);
	for(size_t i = 0; i < e->nmsgs; i++) {
		char when[64];
		date_of(e->msgs[i].ts, when, sizeof when);
		printf("(feed %s) ", e->msgs[i].feed ? e->msgs[i].feed : "?");
		print_msg(when, &e->msgs[i]);
	}
	xv_free(e);
}

static void cmd_join(const char *arg)
{
	if(!*arg) {
		print_error("usage: /join NAME|ma-chan://...");
		return;
	}
	const char *uri = NULL;
	if(strncmp(arg, "ma-chan://", 10) == 0) {
		uri = arg;
	} else {
		uri = find_room_by_name(arg);
		if(!uri && cmd_rooms(0))
			uri = find_room_by_name(arg);
		if(!uri) {
			print_error("no room named '%s' (see /rooms)", arg);
			return;
		}
	}
	char *target = strdup(uri);
	xv_envelope *e = command(xv_item_join(target), "rpl:join", "join");
	if(!e) {
		free(target);
		return;
	}
	for(size_t i = 0; i < e->nrooms; i++)
		remember_room(e->rooms[i].uri, e->rooms[i].name);
	free(S.cur_uri);
	S.cur_uri = target;
	printf("*** joined <%s>", room_name(target));
	if(e->nusers) {
		printf(" -- present:");
		for(size_t i = 0; i < e->nusers; i++)
			printf(" %s", short_uri(e->users[i]));
	}
	printf("\n");
	xv_free(e);
	cmd_history(25);
}

static void cmd_part(void)
{
	if(!S.cur_uri) {
		print_error("not in a room");
		return;
	}
	xv_envelope *e = command(xv_item_part(S.cur_uri), "rpl:part", "part");
	if(!e)
		return;
	printf("*** left <%s>\n", room_name(S.cur_uri));
	free(S.cur_uri);
	S.cur_uri = NULL;
	xv_free(e);
}

/* A file-transfer token for name in room (cmd:getfutok to upload a file so named,
 * cmd:getfdtok to download the one stored as name): the rpl:getftok with its token and
 * serveruri, or NULL (reported, as what). */
static xv_envelope *file_token(int upload, const char *room, const char *name, const char *what)
{
	xv_envelope *e = command(xv_item_ftdb(upload, room, name), "rpl:getftok", what);
	if(e && (!e->token || !e->serveruri)) {
		print_error("%s: the reply has no token", what);
		xv_free(e);
		e = NULL;
	}
	return e;
}

/* /filetoken up NAME | /filetoken down STORED: a file-transfer token for the current
 * room, printed as "token=T serveruri=U" (for a transfer by other means). */
static void cmd_filetoken(char *arg)
{
	char *dir = strsep(&arg, " \t");
	int upload = strcmp(dir, "up") == 0;
	if((!upload && strcmp(dir, "down") != 0) || !arg || !*arg) {
		print_error("usage: /filetoken up NAME | /filetoken down STORED-NAME");
		return;
	}
	if(!S.cur_uri) {
		print_error("not in a room; /join one first");
		return;
	}
	xv_envelope *e = file_token(upload, S.cur_uri, arg, "filetoken");
	if(!e)
		return;
	printf("token=%s serveruri=%s\n", e->token, e->serveruri);
	xv_free(e);
}

/* ---------- file transfers (/upload, /download) ---------- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A transfer blocks this (the only) thread in libcurl: its progress callback brings us
 * here (filexfer.h), at least once a second, and we run the SIP stack for a moment (at
 * most every 50 ms) so that the session lives on: the server's INFOs are answered and
 * queued (printed once the transfer is over), the session refreshed.  Simpler than
 * driving curl_multi from the input loop, and /upload and /download read as a sequence.
 * A transfer that stalls ends after FX_STALL_SECONDS; ^C ends it at once. */
static int xfer_tick(void *arg)
{
	static long long last;
	(void)arg;
	long long now = now_ms();
	if(now - last >= 50) {
		last = now;
		pc_run(S.ctx, 0);
	}
	return stop_flag;
}

static struct fx_opts xfer_opts = {.tick = xfer_tick}; /* max_speed: --limit-rate */

/* The API's base for a token reply; NULL (reported) if its serveruri is not usable. */
static char *api_base(const xv_envelope *e, const char *what)
{
	char *base = fx_api_base(e->serveruri);
	if(!base)
		print_error("%s: the server's serveruri %s does not end with /MGCWebService.asmx",
				what, e->serveruri);
	return base;
}

/* /upload PATH: a token for PATH's last part in the current room, then a PUT of the
 * file, streamed from disk. */
static void cmd_upload(const char *path)
{
	if(!*path) {
		print_error("usage: /upload PATH");
		return;
	}
	if(!S.cur_uri) {
		print_error("not in a room; /join one first");
		return;
	}
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	struct stat st;
	FILE *f = fopen(path, "rb");
	if(!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || !*name) {
		print_error("upload: cannot read %s: %s", path,
				!f ? strerror(errno) : "not a regular file");
		if(f)
			fclose(f);
		return;
	}
	xv_envelope *e = file_token(1, S.cur_uri, name, "upload");
	char *base = e ? api_base(e, "upload") : NULL;
	struct fx_stored out;
	char err[600];
	if(base &&
			fx_upload(base, e->token, f, (unsigned long long)st.st_size, &xfer_opts,
					&out, err, sizeof err) == 0)
		printf("uploaded %s (%llu bytes) as %s\n", name, out.size, out.file);
	else if(base)
		print_error("upload of %s failed: %s", name, err);
	free(base);
	xv_free(e);
	fclose(f);
}

/* Where /download N [PATH] writes: PATH, or the file's name made safe inside PATH if
 * it is a directory, or in the current directory without PATH (malloc'd). */
static char *download_target(const struct fp_file *f, const char *path)
{
	struct stat st;
	char *name = NULL, *target = NULL;
	if(*path && (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
		return strdup(path);
	name = fp_local_name(f->name);
	if(name && *path) {
		if(asprintf(&target, "%s/%s", path, name) < 0)
			target = NULL;
		free(name);
		return target;
	}
	return name;
}

/* A new temporary file beside target (same directory, so that it can be renamed):
 * its name in *tmp (malloc'd), opened for writing; NULL and errno on failure. */
static FILE *open_temp(const char *target, char **tmp)
{
	const char *slash = strrchr(target, '/');
	int dlen = slash ? (int)(slash - target) + 1 : 0;
	if(asprintf(tmp, "%.*s.pchat-download-XXXXXX", dlen, target) < 0) {
		*tmp = NULL;
		return NULL;
	}
	int fd = mkstemp(*tmp);
	if(fd < 0) {
		free(*tmp);
		*tmp = NULL;
		return NULL;
	}
	mode_t mask = umask(0); /* mkstemp's 0600, as a new file would have */
	umask(mask);
	if(fchmod(fd, 0666 & ~mask) < 0) {
		/* harmless: the file stays private */
	}
	return fdopen(fd, "wb");
}

/* Gives the complete temporary file its name, never replacing a file: renameat2's
 * RENAME_NOREPLACE, or link + unlink where the file system has no such rename. */
static int publish(const char *tmp, const char *target)
{
	if(renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
		return 0;
	if(errno != EINVAL && errno != ENOSYS)
		return -1;
	if(link(tmp, target) < 0)
		return -1;
	unlink(tmp);
	return 0;
}

/* The download itself, into a temporary file renamed to target when it is complete
 * and of the post's size; the temporary file removed otherwise. 0 or -1 (reported). */
static int fetch_to(const struct fp_file *f, const xv_envelope *tok, const char *target)
{
	char *tmp = NULL, err[600];
	FILE *out = open_temp(target, &tmp);
	if(!out) {
		print_error("download: cannot create a file beside %s: %s", target,
				strerror(errno));
		if(tmp)
			unlink(tmp);
		free(tmp);
		return -1;
	}
	unsigned long long bytes = 0;
	int r = fx_download(f->url, tok->token, out, &xfer_opts, &bytes, err, sizeof err);
	if(r == 0 && bytes != f->size) {
		snprintf(err, sizeof err, "got %llu bytes, the post says %llu", bytes, f->size);
		r = -1;
	}
	if(r == 0 && fsync(fileno(out)) < 0) {
		snprintf(err, sizeof err, "cannot write the file: %s", strerror(errno));
		r = -1;
	}
	if(fclose(out) != 0 && r == 0) {
		snprintf(err, sizeof err, "cannot write the file: %s", strerror(errno));
		r = -1;
	}
	if(r == 0 && publish(tmp, target) < 0) {
		snprintf(err, sizeof err, "cannot create %s: %s", target, strerror(errno));
		r = -1;
	}
	if(r < 0) {
		unlink(tmp);
		print_error("download of [file %lu] %s failed: %s", f->n, f->shown, err);
	}
	free(tmp);
	return r;
}

/* The post's link is on the file service the token is for: a post is text anyone may
 * type, and the token must go to this server only. */
static int link_is_ours(const struct fp_file *f, const char *base)
{
	size_t n = strlen(base);
	return strncmp(f->url, base, n) == 0 && strncmp(f->url + n, "/files/", 7) == 0;
}

/* A download token for the file post f (in its room), then a GET of its link. */
static void download_file(const struct fp_file *f, const char *target)
{
	xv_envelope *e = file_token(0, f->room_uri, fp_stored_name(f), "download");
	char *base = e ? api_base(e, "download") : NULL;
	if(base && !link_is_ours(f, base))
		print_error("download: [file %lu] links to %s, not to this server's file service "
			    "(%s)",
				f->n, f->url, base);
	else if(base && fetch_to(f, e, target) == 0)
		printf("downloaded %s (%llu bytes) to %s\n", f->shown, f->size, target);
	free(base);
	xv_free(e);
}

/* /download N [PATH] */
static void cmd_download(char *arg)
{
	char *n_arg = strsep(&arg, " \t"), *end = NULL;
	unsigned long n = strtoul(n_arg, &end, 10);
	const struct fp_file *f = fp_get(&S.files, n);
	if(!*n_arg || *end) {
		print_error("usage: /download N [PATH], for a file post shown as [file N]");
		return;
	}
	if(!f) {
		print_error("download: no [file %s] was shown (file posts are numbered as they "
			    "are shown: see /history)",
				n_arg);
		return;
	}
	while(arg && (*arg == ' ' || *arg == '\t'))
		arg++;
	char *target = download_target(f, arg ? arg : "");
	if(!target)
		print_error("download: out of memory");
	else if(access(target, F_OK) == 0)
		print_error("download: %s exists; not overwritten (give another PATH)", target);
	else
		download_file(f, target);
	free(target);
}

static void post(const char *text)
{
	if(!S.cur_uri) {
		print_error("not in a room; /join one first (or /help)");
		return;
	}
	/* XML 1.0 allows no C0 control characters but tab, LF and CR: blank them out. */
	char *clean = strdup(text);
	if(!clean)
		return;
	for(char *p = clean; *p; p++)
		if((unsigned char)*p < 0x20 && *p != '\t')
			*p = ' ';
	char *items = xv_item_grpchat(S.cur_uri, S.user_uri, NULL, clean);
	if(!send_items(items, "post"))
		print_error("message not delivered to <%s>: %s", room_name(S.cur_uri), clean);
	free(items);
	free(clean);
}

/* Returns 0 to quit. */
static int handle_line(char *line)
{
	size_t n = strlen(line);
	while(n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	if(n == 0)
		return 1;
	if(line[0] != '/') {
		post(line);
		return 1;
	}
	char *arg = line + 1;
	char *cmd = strsep(&arg, " \t");
	if(!arg)
		arg = "";
	while(*arg == ' ' || *arg == '\t')
		arg++;
	if(!strcmp(cmd, "quit") || !strcmp(cmd, "exit"))
		return 0;
	if(!strcmp(cmd, "rooms"))
		cmd_rooms(1);
	else if(!strcmp(cmd, "join"))
		cmd_join(arg);
	else if(!strcmp(cmd, "history")) {
		int k = *arg ? atoi(arg) : 25;
		cmd_history(k > 0 ? k : 25);
	} else if(!strcmp(cmd, "part"))
		cmd_part();
	else if(!strcmp(cmd, "filetoken"))
		cmd_filetoken(arg);
	else if(!strcmp(cmd, "search"))
		cmd_search(arg);
	else if(!strcmp(cmd, "feeds"))
		feed_command(&(xv_feed_req){.op = "list"}, "feeds");
	else if(!strcmp(cmd, "feed"))
		cmd_feed(arg);
	else if(!strcmp(cmd, "alerts"))
		cmd_alerts(arg);
	else if(!strcmp(cmd, "upload"))
		cmd_upload(arg);
	else if(!strcmp(cmd, "download"))
		cmd_download(arg);
	else if(!strcmp(cmd, "help"))
		usage(stdout);
	else if(cmd[0] == '/') /* "//text" posts "/text" */
		post(line + 1);
	else
		print_error("unknown command /%s (try /help)", cmd);
	return 1;
}

/* Handles the complete lines in buf[0..*used) (all of it at EOF, or when the buffer is
 * full); keeps the incomplete rest. buf has room for a terminating NUL at buf[cap-1].
 * Returns 0 when a line asked to quit. */
static int process_input(char *buf, size_t *used, size_t cap, int eof)
{
	size_t off = 0;
	int go = 1;
	while(go && off < *used) {
		char *nl = memchr(buf + off, '\n', *used - off);
		size_t end;
		if(nl)
			end = (size_t)(nl - buf);
		else if(eof || (off == 0 && *used >= cap - 1))
			end = *used;
		else
			break;
		buf[end] = '\0';
		go = handle_line(buf + off);
		off = end + 1 > *used ? *used : end + 1;
	}
	if(!go)
		off = *used;
	memmove(buf, buf + off, *used - off);
	*used -= off;
	return go;
}

/* ---------- session ---------- */

static pc_client *open_session(const char *chat_uri)
{
	int st = 0;
	pc_client *c = pc_open(
			S.ctx, S.user_uri, chat_uri, S.server, S.transport, SIP_TIMEOUT_MS, &st);
	if(!c)
		print_error("cannot open a chat session with %s via %s (%s): %s", chat_uri,
				S.server, S.transport, pc_last_error(S.ctx));
	(void)st;
	return c;
}

/* cmd:requri on the lookup URI; re-INVITE the channel URI it names if it differs. */
static int connect_chat(const char *lookup_uri)
{
	S.c = open_session(lookup_uri);
	if(!S.c)
		return 0;
	xv_envelope *e = command(xv_item_requri(), "rpl:requri", "channel lookup");
	if(!e) {
		print_error("continuing on %s", lookup_uri);
		return 1;
	}
	const char *chan = e->nusers ? e->users[0] : NULL;
	if(chan && strncasecmp(chan, "sip:", 4) == 0 && strcasecmp(chan, lookup_uri) != 0) {
		char *target = strdup(chan);
		pc_close(S.c, 2000);
		S.c = open_session(target);
		free(target);
	}
	xv_free(e);
	return S.c != NULL;
}

static char *normalise_user(const char *user, const char *domain)
{
	char *u = NULL;
	if(strncmp(user, "sip:", 4) == 0)
		u = strdup(user);
	else if(strchr(user, '@')) {
		if(asprintf(&u, "sip:%s", user) < 0)
			u = NULL;
	} else if(asprintf(&u, "sip:%s@%s", user, domain) < 0)
		u = NULL;
	return u;
}

/* --limit-rate: BYTES, or with k (KiB) or M (MiB), as curl's option; above 0. */
static int parse_rate(const char *arg, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	unsigned long long unit = *end == 'k' || *end == 'K' ? 1024 : *end == 'M' ? 1048576 : 1;
	if(unit > 1)
		end++;
	if(errno || end == arg || *end || arg[0] == '-' || v == 0 || v > (1ULL << 40))
		return -1;
	*out = v * unit;
	return 0;
}

int main(int argc, char **argv)
{
	const char *user = NULL, *domain = "example.com", *chat_uri = NULL, *pw_file = NULL;
	const char *tls_ca = NULL;
	double linger = 2.0;
	S.server = "127.0.0.1:5060";
	S.transport = "tcp";

	static const struct option opts[] = {{"user", required_argument, NULL, 'u'},
			{"domain", required_argument, NULL, 'd'},
			{"server", required_argument, NULL, 's'},
			{"chat-uri", required_argument, NULL, 'c'},
			{"transport", required_argument, NULL, 't'},
			{"tls-ca", required_argument, NULL, 'C'},
			{"linger", required_argument, NULL, 'l'},
			{"limit-rate", required_argument, NULL, 'r'},
			{"password-file", required_argument, NULL, 'P'},
			{"verbose", no_argument, NULL, 'v'}, {"help", no_argument, NULL, 'h'},
			{NULL, 0, NULL, 0}};
	int o;
	while((o = getopt_long(argc, argv, "u:d:s:c:t:C:l:r:P:vh", opts, NULL)) != -1) {
		switch(o) {
			case 'u': user = optarg; break;
			case 'd': domain = optarg; break;
			case 's': S.server = optarg; break;
			case 'c': chat_uri = optarg; break;
			case 't': S.transport = optarg; break;
			case 'C': tls_ca = optarg; break;
			case 'l': {
				char *end;
				linger = strtod(optarg, &end);
				if(*end || linger < 0) {
					fprintf(stderr, "pchat: bad --linger '%s'\n", optarg);
					return 2;
				}
				break;
			}
			case 'r':
				if(parse_rate(optarg, &xfer_opts.max_speed) < 0) {
					fprintf(stderr, "pchat: bad --limit-rate '%s'\n", optarg);
					return 2;
				}
				break;
			case 'P': pw_file = optarg; break;
			case 'v': S.verbose++; break;
			case 'h': usage(stdout); return 0;
			default: usage(stderr); return 2;
		}
	}
	if(optind != argc || !user || !*user || !*domain) {
		usage(stderr);
		return 2;
	}
	if(strcmp(S.transport, "tcp") != 0 && strcmp(S.transport, "udp") != 0 &&
			strcmp(S.transport, "tls") != 0) {
		fprintf(stderr, "pchat: --transport must be tcp, tls or udp\n");
		return 2;
	}
	if(tls_ca && strcmp(S.transport, "tls") != 0) {
		fprintf(stderr, "pchat: --tls-ca goes with --transport tls\n");
		return 2;
	}
	S.tls_ca = tls_ca;
	if(pw_file && read_password(pw_file) < 0)
		return 2;
	S.user_uri = normalise_user(user, domain);
	char *default_chat = NULL;
	if(!chat_uri) {
		if(asprintf(&default_chat, "sip:pchat@%s", domain) < 0)
			return 1;
		chat_uri = default_chat;
	}
	if(!S.user_uri)
		return 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	S.interactive = isatty(STDIN_FILENO);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if(S.verbose > 1)
		pc_set_sofia_log_level(9);
	if(fx_init() < 0) {
		print_error("cannot initialise libcurl");
		return 1;
	}
	S.ctx = pc_context_new();
	if(!S.ctx) {
		print_error("cannot initialise the SIP stack");
		return 1;
	}
	pc_set_password_fn(S.ctx, password_of, NULL);
	pc_set_tls_ca(S.ctx, S.tls_ca);
	if(!connect_chat(chat_uri)) {
		pc_context_free(S.ctx);
		free(default_chat);
		return 1;
	}
	printf("*** connected to %s as %s (/help for commands)\n", pc_chat_uri(S.c),
			short_uri(S.user_uri));

	char buf[8192];
	size_t used = 0;
	int eof = 0, quit = 0, lost = 0;
	while(!quit && !eof && !stop_flag) {
		if(!pc_is_up(S.c)) {
			lost = 1;
			break;
		}
		struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
		int r = poll(&p, 1, 0);
		if(r > 0) {
			ssize_t k = read(STDIN_FILENO, buf + used, sizeof buf - 1 - used);
			if(k < 0 && errno != EINTR && errno != EAGAIN)
				eof = 1;
			else if(k == 0)
				eof = 1;
			else if(k > 0)
				used += (size_t)k;
			if(!process_input(buf, &used, sizeof buf, eof))
				quit = 1;
		}
		if(!pc_is_up(S.c))
			continue;
		pc_run(S.ctx, 50);
		drain_incoming();
	}

	if(eof && !quit && !stop_flag && pc_is_up(S.c)) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for(;;) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double el = (double)(t1.tv_sec - t0.tv_sec) +
					(t1.tv_nsec - t0.tv_nsec) / 1e9;
			if(el >= linger || stop_flag || !pc_is_up(S.c))
				break;
			pc_run(S.ctx, 50);
			drain_incoming();
		}
	}
	drain_incoming();
	if(lost || pc_peer_hung_up(S.c)) {
		print_error("the server ended the chat session");
		lost = 1;
	}
	pc_close(S.c, 2000);
	S.c = NULL;
	pc_context_free(S.ctx);
	printf("*** bye\n");
	for(size_t i = 0; i < S.nrooms; i++) {
		free(S.rooms[i].uri);
		free(S.rooms[i].name);
	}
	free(S.rooms);
	fp_free(&S.files);
	fx_cleanup();
	free(S.cur_uri);
	free(S.user_uri);
	free(default_chat);
	return lost ? 1 : 0;
}
