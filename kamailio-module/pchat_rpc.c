/*
 * pchat_rpc.c - the module's RPC commands (kamcmd pchat.*, docs/OPERATIONS.md "RPC
 * commands").
 *
 * pchat.status reads the link processes' shared state.  The others ask pchatd, which
 * owns the chat sessions, rooms and presence (a link process owns only its dialogs):
 * the process running the RPC opens a connection of its own to backend_socket, sends
 * one QUERY frame, waits for the RESULT at most backend_timeout ms (poll()) and closes
 * (common/pchat_frame.h).  That process is the ctl module's (kamcmd) or another RPC
 * transport's; never a SIP worker: there the commands are refused rather than wait.
 *
 * A RESULT's JSON becomes RPC values as it is (Kamailio's srjson parses it): objects
 * become structs, arrays arrays (a top-level array one record per element), integral
 * numbers ints, strings strings.  So a new query is one line in backend_rpcs below
 * (and its handler in pchatd's backend/query.c).
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/dprint.h"
#include "../../core/rpc.h"
#include "../../core/rpc_lookup.h"
#include "../../core/sr_module.h"
#include "../../core/utils/srjson.h"
#include "pchat_frame.h" /* common/, on the include path */
#include "pchat_link.h"
#include "pchat_mod.h"
#include "pchat_rpc.h"

/* This process's rank (child_init), to tell a SIP worker. */
static int my_rank = PROC_NOCHLDINIT;

void pchat_rpc_child_init(int rank)
{
	my_rank = rank;
}

/* ---- pchat.status ------------------------------------------------------------------ */

static const char *rpc_status_doc[] = {
		"Link state: backend_up (every link process connected), sessions, pending INFOs "
		"(at the backend), inflight INFOs (admitted, not answered), link processes "
		"connected of all, backend socket, free shared memory and the reserve below "
		"which chat requests are refused (bytes).",
		0};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	void *h;
	struct pchat_link_state t = pchat_links_total();
	if(rpc->add(ctx, "{", &h) < 0)
		return;
	rpc->struct_add(h, "ddddddsjj", "backend_up", t.backend_up == pchat_link_processes,
			"sessions", t.sessions, "pending", t.pending, "inflight", t.inflight,
			"links_up", t.backend_up, "link_processes", pchat_link_processes,
			"backend_socket", pchat_backend_socket, "shm_free", pchat_shm_free(),
			"shm_reserve", pchat_shm_reserve_bytes());
}

/* ---- asking pchatd ------------------------------------------------------------------ */

enum ask_outcome {
	ASK_OK,		 /* a RESULT arrived */
	ASK_UNREACHABLE, /* no connection (pchatd down, or not ours) or it broke */
	ASK_TIMEOUT,	 /* no RESULT within backend_timeout */
	ASK_BAD,	 /* what arrived is not our RESULT */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or the deadline passes: 1, 0 (time is up), -1. */
static int wait_fd(int fd, short events, long long deadline)
{
	for(;;) {
		struct pollfd p = {fd, events, 0};
		long long left = deadline - now_ms();
		int r;
		if(left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if(r > 0)
			return (p.revents & (events | POLLHUP | POLLERR)) ? 1 : -1;
		if(r == 0)
			return 0;
		if(errno != EINTR)
			return -1;
	}
}

static enum ask_outcome send_all(int fd, const unsigned char *buf, size_t len, long long deadline)
{
	while(len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		int w;
		if(n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if(n < 0 && errno != EAGAIN && errno != EINTR)
			return ASK_UNREACHABLE;
		w = wait_fd(fd, POLLOUT, deadline);
		if(w <= 0)
			return w == 0 ? ASK_TIMEOUT : ASK_UNREACHABLE;
	}
	return ASK_OK;
}

/* Reads one frame into *buf (malloc'ed, to free) until the deadline. */
static enum ask_outcome recv_frame(
		int fd, unsigned char **buf, struct pchat_frame *f, long long deadline)
{
	size_t have = 0, cap = 4096, used;
	unsigned char *b = malloc(cap);
	int r;

	*buf = b;
	if(b == NULL)
		return ASK_BAD;
	while((r = pchat_frame_decode(b, have, f, &used)) == PCHAT_FRAME_INCOMPLETE) {
		ssize_t n;
		if(have == cap) {
			unsigned char *nb;
			cap = PCHAT_FRAME_HEADER +
					PCHAT_FRAME_MAX_PAYLOAD; /* the most a frame takes */
			nb = realloc(b, cap);
			if(nb == NULL)
				return ASK_BAD;
			*buf = b = nb;
		}
		n = recv(fd, b + have, cap - have, 0);
		if(n > 0) {
			have += (size_t)n;
		} else if(n == 0) {
			return ASK_UNREACHABLE; /* closed before answering (pchatd stopping) */
		} else if(errno != EAGAIN && errno != EINTR) {
			return ASK_UNREACHABLE;
		} else if((r = wait_fd(fd, POLLIN, deadline)) <= 0) {
			return r == 0 ? ASK_TIMEOUT : ASK_UNREACHABLE;
		}
	}
	return r == PCHAT_FRAME_OK ? ASK_OK : ASK_BAD;
}

/*
 * Sends the QUERY payload[0..len) and waits for its RESULT: on ASK_OK, *status and
 * the text (*text, malloc'ed and NUL-terminated, to free).
 */
static enum ask_outcome ask_backend(const char *payload, size_t len, int *status, char **text)
{
	static uint32_t next_token;
	long long deadline = now_ms() + pchat_backend_timeout_ms;
	unsigned char out[PCHAT_FRAME_HEADER + PCHAT_QUERY_MAX_PAYLOAD], *in = NULL;
	uint32_t token = ++next_token, tlen;
	struct pchat_frame f;
	const char *t;
	enum ask_outcome o;
	int fd = pchat_backend_dial();

	if(fd < 0)
		return ASK_UNREACHABLE;
	pchat_frame_header(out, PCHAT_F_QUERY, token, 0, (uint32_t)len);
	memcpy(out + PCHAT_FRAME_HEADER, payload, len);
	o = send_all(fd, out, PCHAT_FRAME_HEADER + len, deadline);
	if(o == ASK_OK)
		o = recv_frame(fd, &in, &f, deadline);
	close(fd);
	if(o == ASK_OK &&
			(f.type != PCHAT_F_RESULT || f.token != token ||
					pchat_result_split(f.payload, f.payload_len, status, &t,
							&tlen) < 0))
		o = ASK_BAD;
	if(o == ASK_OK) {
		*text = malloc(tlen + 1);
		if(*text == NULL) {
			o = ASK_BAD;
		} else {
			memcpy(*text, t, tlen);
			(*text)[tlen] = '\0';
		}
	}
	free(in);
	return o;
}

/* ---- JSON to RPC values ------------------------------------------------------------ */

/* Where a value goes: the reply itself, a struct (under name) or an array. */
struct place {
	rpc_t *rpc;
	void *ctx; /* the reply */
	void *h;   /* the struct or array; NULL: the reply */
	int in_struct;
	const char *name;
};

static int put_int(const struct place *p, int v)
{
	if(p->h == NULL)
		return p->rpc->add(p->ctx, "d", v);
	if(p->in_struct)
		return p->rpc->struct_add(p->h, "d", p->name, v);
	return p->rpc->array_add(p->h, "d", v);
}

static int put_double(const struct place *p, double v)
{
	if(p->h == NULL)
		return p->rpc->add(p->ctx, "f", v);
	if(p->in_struct)
		return p->rpc->struct_add(p->h, "f", p->name, v);
	return p->rpc->array_add(p->h, "f", v);
}

static int put_str(const struct place *p, char *s)
{
	if(p->h == NULL)
		return p->rpc->add(p->ctx, "s", s);
	if(p->in_struct)
		return p->rpc->struct_add(p->h, "s", p->name, s);
	return p->rpc->array_add(p->h, "s", s);
}

/* Opens a struct ('{') or an array ('[') at p; *out is its handle. */
static int put_container(const struct place *p, char kind, void **out)
{
	char fmt[2] = {kind, '\0'};
	if(p->h == NULL)
		return p->rpc->add(p->ctx, fmt, out);
	if(p->in_struct)
		return p->rpc->struct_add(p->h, fmt, p->name, out);
	return p->rpc->array_add(p->h, fmt, out);
}

static int put_json(const struct place *p, srjson_t *v, int depth);

/* The members of an object, or the elements of an array, into the container h. */
static int put_children(const struct place *p, srjson_t *v, void *h, int depth)
{
	struct place in = {p->rpc, p->ctx, h, v->type == srjson_Object, NULL};
	srjson_t *c;
	for(c = v->child; c != NULL; c = c->next) {
		in.name = c->string;
		if(put_json(&in, c, depth + 1) < 0)
			return -1;
	}
	return 0;
}

static int put_json(const struct place *p, srjson_t *v, int depth)
{
	void *h;
	if(depth > 8)
		return -1; /* pchatd's answers are two or three levels deep */
	switch(v->type) {
		case srjson_False: return put_int(p, 0);
		case srjson_True: return put_int(p, 1);
		case srjson_NULL: return put_str(p, "");
		case srjson_Number:
			/* integral numbers in int range are ints; others stay doubles */
			if(v->valuedouble >= INT_MIN && v->valuedouble <= INT_MAX &&
					v->valuedouble == (double)(int)v->valuedouble)
				return put_int(p, (int)v->valuedouble);
			return put_double(p, v->valuedouble);
		case srjson_String: return put_str(p, v->valuestring);
		case srjson_Object:
		case srjson_Array:
			if(put_container(p, v->type == srjson_Object ? '{' : '[', &h) < 0)
				return -1;
			return put_children(p, v, h, depth);
		default: return -1;
	}
}

/* Adds the JSON document text to the reply: a top-level array one element at a time,
 * so that each record is one of the reply's values (as imc's listings are). */
static void reply_json(rpc_t *rpc, void *ctx, const char *text)
{
	srjson_doc_t *doc = srjson_NewDoc(NULL);
	struct place top = {rpc, ctx, NULL, 0, NULL};
	srjson_t *root, *c;
	int rc = 0;

	if(doc == NULL || (root = srjson_Parse(doc, text)) == NULL) {
		LM_ERR("pchatd's answer is not JSON: %.200s\n", text);
		rpc->fault(ctx, 502, "bad answer from the backend");
		if(doc)
			srjson_DeleteDoc(doc);
		return;
	}
	doc->root = root;
	if(root->type == srjson_Array) {
		for(c = root->child; c != NULL && rc == 0; c = c->next)
			rc = put_json(&top, c, 0);
	} else {
		rc = put_json(&top, root, 0);
	}
	if(rc < 0)
		LM_ERR("cannot add pchatd's answer to the RPC reply\n");
	srjson_DeleteDoc(doc);
}

/* ---- the commands that ask pchatd -------------------------------------------------- */

enum arg_kind {
	ARG_NONE,
	ARG_OPTIONAL, /* a string that may be left out */
	ARG_REQUIRED, /* a string, or a number taken as its decimal text */
	ARG_STRING,   /* a string only: a number cannot be told from a truncated one */
};

struct backend_rpc {
	const char *name;  /* the RPC's */
	const char *query; /* pchatd's command (backend/query.c) */
	enum arg_kind arg;
	const char *usage; /* the fault for a missing or wrong argument */
};

/* Reads the RPC's argument (if any) into *arg; faults 400 (usage) and returns -1 if
 * it is missing or not what the command takes. */
static int scan_arg(rpc_t *rpc, void *ctx, const struct backend_rpc *b, str *arg)
{
	int n = 1;
	arg->s = NULL;
	arg->len = 0;
	switch(b->arg) {
		case ARG_NONE: return 0;
		case ARG_OPTIONAL:
			/* left out: 0, and arg is set to junk (ctl's binrpc) */
			n = rpc->scan(ctx, "*S", arg);
			if(n == 0) {
				arg->s = NULL;
				arg->len = 0;
				n = 1;
			}
			break;
		case ARG_REQUIRED: n = rpc->scan(ctx, ".S", arg); break;
		case ARG_STRING: n = rpc->scan(ctx, "S", arg); break;
	}
	if(n < 1 || (arg->s != NULL && memchr(arg->s, '\0', (size_t)arg->len) != NULL)) {
		rpc->fault(ctx, 400, "usage: %s", b->usage);
		return -1;
	}
	return 0;
}

static void ask_and_reply(rpc_t *rpc, void *ctx, const struct backend_rpc *b)
{
	char payload[PCHAT_QUERY_MAX_PAYLOAD], *text = NULL;
	size_t qlen = strlen(b->query) + 1, len = qlen;
	str arg;
	int status = 0;
	long long t0;

	if(is_sip_worker(my_rank)) {
		rpc->fault(ctx, 500,
				"%s asks pchatd and is not run in a SIP worker: use the ctl "
				"module (kamcmd) or a jsonrpcs FIFO",
				b->name);
		return;
	}
	if(scan_arg(rpc, ctx, b, &arg) < 0)
		return;
	memcpy(payload, b->query, qlen);
	if(arg.s != NULL && arg.len > 0) {
		if(qlen + (size_t)arg.len + 1 > sizeof(payload)) {
			rpc->fault(ctx, 400, "argument too long");
			return;
		}
		memcpy(payload + len, arg.s, (size_t)arg.len);
		len += (size_t)arg.len;
		payload[len++] = '\0';
	} else if(arg.s != NULL) {
		payload[len++] = '\0'; /* an empty argument: pchatd says what is wrong */
	}
	t0 = now_ms();
	switch(ask_backend(payload, len, &status, &text)) {
		case ASK_OK: break;
		case ASK_UNREACHABLE: rpc->fault(ctx, 503, "backend not reachable"); return;
		case ASK_TIMEOUT:
			rpc->fault(ctx, 504, "backend did not answer within %d ms",
					pchat_backend_timeout_ms);
			return;
		case ASK_BAD: rpc->fault(ctx, 502, "bad answer from the backend"); return;
	}
	LM_DBG("%s: %d after %lld ms\n", b->name, status, now_ms() - t0);
	if(status == 200)
		reply_json(rpc, ctx, text);
	else
		rpc->fault(ctx, status, "%s", text);
	free(text);
}

static const struct backend_rpc rpc_sessions_def = {"pchat.sessions", "sessions", ARG_OPTIONAL,
		"pchat.sessions [user] (sip:user@domain or user@domain)"};
static const struct backend_rpc rpc_rooms_def = {"pchat.rooms", "rooms", ARG_NONE, "pchat.rooms"};
static const struct backend_rpc rpc_room_members_def = {"pchat.room_members", "room_members",
		ARG_REQUIRED, "pchat.room_members ROOM (its name, numeric id or ma-chan:// URI)"};
static const struct backend_rpc rpc_session_drop_def = {"pchat.session_drop", "session_drop",
		ARG_STRING,
		"pchat.session_drop ID, the id pchat.sessions shows, as a string (kamcmd turns a "
		"bare number into a 32-bit integer: write s:ID)"};
static const struct backend_rpc rpc_reload_def = {
		"pchat.reload", "reload", ARG_NONE, "pchat.reload"};

static void rpc_sessions(rpc_t *rpc, void *ctx)
{
	ask_and_reply(rpc, ctx, &rpc_sessions_def);
}

static void rpc_rooms(rpc_t *rpc, void *ctx)
{
	ask_and_reply(rpc, ctx, &rpc_rooms_def);
}

static void rpc_room_members(rpc_t *rpc, void *ctx)
{
	ask_and_reply(rpc, ctx, &rpc_room_members_def);
}

static void rpc_session_drop(rpc_t *rpc, void *ctx)
{
	ask_and_reply(rpc, ctx, &rpc_session_drop_def);
}

static void rpc_reload(rpc_t *rpc, void *ctx)
{
	ask_and_reply(rpc, ctx, &rpc_reload_def);
}

static const char *rpc_sessions_doc[] = {
		"Chat sessions (all, or a user's): id, user, epid, user_agent, local (the URI "
		"invited), node and link (the module's link process), opened (unix time) and "
		"age (s), rooms (how many joined) and joined (their names).",
		0};
static const char *rpc_rooms_doc[] = {
		"Rooms someone is in: id, name, uri, participants (users), sessions.", 0};
static const char *rpc_room_members_doc[] = {
		"Who is in a room (by name, id or URI): the room's id, name, uri, participants, "
		"sessions, and members (user, session, epid), in order of arrival.",
		0};
static const char *rpc_session_drop_doc[] = {
		"Ends the session with that id (pchatd parts its rooms and forgets it; the "
		"dialog is forgotten, its next request answered 481); returns what was dropped.",
		0};
static const char *rpc_reload_doc[] = {
		"pchatd reads its configuration and rooms from the database now; returns the "
		"revision in force.",
		0};

static rpc_export_t rpc_cmds[] = {{"pchat.status", rpc_status, rpc_status_doc, 0},
		{"pchat.sessions", rpc_sessions, rpc_sessions_doc, RET_ARRAY},
		{"pchat.rooms", rpc_rooms, rpc_rooms_doc, RET_ARRAY},
		{"pchat.room_members", rpc_room_members, rpc_room_members_doc, 0},
		{"pchat.session_drop", rpc_session_drop, rpc_session_drop_doc, RET_ARRAY},
		{"pchat.reload", rpc_reload, rpc_reload_doc, 0}, {0, 0, 0, 0}};

int pchat_rpc_register(void)
{
	return rpc_register_array(rpc_cmds);
}
