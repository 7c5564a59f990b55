/*
 * query.c - see query.h.  One handler per command, in the table at the end.
 */
#include "query.h"
#include "db.h"
#include "frames.h"
#include "link.h"
#include "metrics.h"
#include "pchat_log.h"
#include "presence.h"
#include "reload.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <time.h>

/* One question being answered; freed by the answer. */
struct query {
	uint32_t conn_id; /* its connection, looked up again for a late answer */
	uint32_t token;
	const char *name; /* the command (static: the table's), for the metric */
	char *arg;	  /* a copy of the argument a late answer needs, or NULL */
};

struct query_def {
	const char *name;
	int min_args, max_args;
	const char *usage;
	void (*run)(struct query *q, const char *const *argv, int argc);
};

/* Status codes as static strings, for the metric's label. */
static const char *status_label(int status)
{
	switch(status) {
		case 200: return "200";
		case 400: return "400";
		case 404: return "404";
		case 413: return "413";
		case 503: return "503";
		default: return "500";
	}
}

/* ---- answering ---- */

static void answer(struct query *q, int status, const char *text, size_t len)
{
	struct link_conn *c = link_conn_find(q->conn_id);
	char head[8];
	struct iovec iov[2];

	metric_add(&m_queries, q->name, status_label(status), 1);
	if(c == NULL) {
		log_info("query %s: the asker is gone; answer %d not sent", q->name, status);
	} else {
		snprintf(head, sizeof(head), "%03d ", status);
		iov[0].iov_base = head;
		iov[0].iov_len = 4;
		iov[1].iov_base = (void *)text;
		iov[1].iov_len = len;
		link_sendv(c, PCHAT_F_RESULT, q->token, 0, iov, 2);
		link_close_after_send(c);
	}
	free(q->arg);
	free(q);
}

static void fail(struct query *q, int status, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
static void fail(struct query *q, int status, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	answer(q, status, text, strlen(text));
}

/* Answers 200 and doc (taken); one over a frame's payload is refused with 413. */
static void answer_json(struct query *q, json_t *doc, size_t records)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	size_t len = text ? strlen(text) : 0;
	json_decref(doc);
	if(text == NULL)
		fail(q, 500, "cannot format the answer");
	else if(len > PCHAT_FRAME_MAX_PAYLOAD - 4)
		fail(q, 413,
				"the answer (%zu records, %zu bytes) is larger than a frame (%zu "
				"bytes); narrow the question",
				records, len, PCHAT_FRAME_MAX_PAYLOAD - 4);
	else
		answer(q, 200, text, len);
	free(text);
}

/* ---- JSON pieces ---- */

/* A JSON string of s; bytes that are not valid UTF-8 (a client's User-Agent, say)
 * become '?'. */
static json_t *jstr(const char *s)
{
	json_t *j;
	char *copy, *p;
	if(s == NULL)
		s = "";
	j = json_string(s);
	if(j != NULL)
		return j;
	copy = xstrdup(s);
	for(p = copy; *p; p++)
		if((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *session_json(const struct session *s, time_t now)
{
	json_t *joined = json_array(), *o = json_object();
	const char *node = s->conn ? link_peer_node(s->conn) : NULL;
	char id[24];
	struct list *pos;

	list_for_each(pos, &s->rooms) {
		const struct member *m = list_entry(pos, struct member, sess_link);
		json_array_append_new(joined, jstr(m->room->name));
	}
	snprintf(id, sizeof(id), "%" PRIu64, s->sid);
	/* the id is a string: 64 bits do not survive the RPC layers' numbers (doubles) */
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "user", jstr(s->user));
	json_object_set_new(o, "epid", jstr(s->epid));
	json_object_set_new(o, "user_agent", jstr(s->ua));
	json_object_set_new(o, "local", jstr(s->local));
	json_object_set_new(o, "node", jstr(node));
	json_object_set_new(o, "link", json_integer(s->conn ? link_peer_index(s->conn) : -1));
	json_object_set_new(o, "opened", json_integer((json_int_t)s->opened));
	json_object_set_new(o, "age", json_integer((json_int_t)(now - s->opened)));
	json_object_set_new(o, "rooms", json_integer((json_int_t)json_array_size(joined)));
	json_object_set_new(o, "joined", joined);
	return o;
}

static size_t count_list(const struct list *l)
{
	const struct list *pos;
	size_t n = 0;
	list_for_each(pos, l)
		n++;
	return n;
}

/* A room's record: id, name, uri, participants (users present), sessions present. */
static json_t *room_record(
		uint64_t id, const char *name, const char *uri, unsigned users, size_t sessions)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_integer((json_int_t)id));
	json_object_set_new(o, "name", jstr(name));
	json_object_set_new(o, "uri", jstr(uri));
	json_object_set_new(o, "participants", json_integer(users));
	json_object_set_new(o, "sessions", json_integer((json_int_t)sessions));
	return o;
}

static json_t *room_json(const struct room *r)
{
	return room_record(r->id, r->name, r->uri, r->nusers, count_list(&r->members));
}

/* ---- pchat.sessions [user] ---- */

static int all_sessions(const struct session *s, uint32_t unused)
{
	(void)s;
	(void)unused;
	return 1;
}

static int by_user_then_id(const void *a, const void *b)
{
	const struct session *x = *(struct session *const *)a, *y = *(struct session *const *)b;
	int c = strcasecmp(x->user, y->user);
	if(c != 0)
		return c;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* "alice@example.com" and "sip:alice@example.com" name the same user; "alice" names
 * alice of any domain. */
static int same_user(const char *user, const char *wanted)
{
	const char *at;
	if(strncasecmp(wanted, "sip:", 4) == 0)
		wanted += 4;
	if(strncasecmp(user, "sip:", 4) == 0)
		user += 4;
	if(strchr(wanted, '@') != NULL || (at = strchr(user, '@')) == NULL)
		return strcasecmp(user, wanted) == 0;
	return strlen(wanted) == (size_t)(at - user) &&
			strncasecmp(user, wanted, strlen(wanted)) == 0;
}

static void q_sessions(struct query *q, const char *const *argv, int argc)
{
	struct session **all;
	size_t n, i, kept = 0;
	json_t *list;
	time_t now = time(NULL);

	if(argc == 1 && argv[0][0] == '\0') {
		fail(q, 400, "the user is empty (sip:user@domain or user@domain)");
		return;
	}
	list = json_array();
	n = sessions_collect(all_sessions, 0, &all);
	if(n > 1)
		qsort(all, n, sizeof(*all), by_user_then_id);
	for(i = 0; i < n; i++) {
		if(argc == 0 || same_user(all[i]->user, argv[0])) {
			json_array_append_new(list, session_json(all[i], now));
			kept++;
		}
		session_unref(all[i]);
	}
	free(all);
	answer_json(q, list, kept);
}

/* ---- pchat.rooms ---- */

static int by_name(const void *a, const void *b)
{
	const struct room *x = *(struct room *const *)a, *y = *(struct room *const *)b;
	int c = strcasecmp(x->name, y->name);
	return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static void q_rooms(struct query *q, const char *const *argv, int argc)
{
	struct room **rooms;
	size_t n = rooms_collect(&rooms), i, kept = 0;
	json_t *list = json_array();
	(void)argv;
	(void)argc;
	if(n > 1)
		qsort(rooms, n, sizeof(*rooms), by_name);
	for(i = 0; i < n; i++)
		if(rooms[i]->nusers > 0) {
			json_array_append_new(list, room_json(rooms[i]));
			kept++;
		}
	free(rooms);
	answer_json(q, list, kept);
}

/* ---- pchat.room_members ROOM ---- */

/* Does key (a room's URI, its numeric id or its name) name the room? */
static int names_room(const char *key, uint64_t id, const char *name, const char *uri)
{
	unsigned long long n;
	if(strncasecmp(key, ROOM_URI_PREFIX, strlen(ROOM_URI_PREFIX)) == 0)
		return uri != NULL && strcasecmp(key, uri) == 0;
	if(parse_uint(key, UINT64_MAX, &n) == 0 && n == id)
		return 1;
	return name != NULL && strcasecmp(key, name) == 0;
}

/* The cached room key names; an id wins over another room's name. */
static struct room *find_cached(const char *key)
{
	struct room **rooms, *found = NULL;
	size_t n = rooms_collect(&rooms), i;
	unsigned long long id;
	int numeric = parse_uint(key, UINT64_MAX, &id) == 0;
	for(i = 0; i < n; i++) {
		struct room *r = rooms[i];
		if(names_room(key, r->id, r->name, r->uri) && (!found || (numeric && r->id == id)))
			found = r;
	}
	free(rooms);
	return found;
}

static void answer_members(struct query *q, const struct room *r)
{
	json_t *o = room_json(r), *members = json_array();
	struct list *pos;
	char id[24];
	list_for_each(pos, &r->members) {
		const struct member *m = list_entry(pos, struct member, room_link);
		json_t *e = json_object();
		snprintf(id, sizeof(id), "%" PRIu64, m->sess->sid);
		json_object_set_new(e, "user", jstr(m->sess->user));
		json_object_set_new(e, "session", json_string(id));
		json_object_set_new(e, "epid", jstr(m->sess->epid));
		json_array_append_new(members, e);
	}
	json_object_set_new(o, "members", members);
	answer_json(q, o, json_array_size(members));
}

/* A room nobody is in may not be cached: its row says whether it exists. */
static void on_all_rooms(struct db_job *job)
{
	struct query *q = job->arg;
	const struct db_rooms *rows = &job->u.rooms_all.out;
	struct room *r = find_cached(q->arg); /* someone may have entered meanwhile */
	size_t i;

	if(r != NULL) {
		answer_members(q, r);
		return;
	}
	if(job->status != DB_OK) {
		fail(q, 503, "the database could not be read");
		return;
	}
	for(i = 0; i < rows->n; i++) {
		const struct db_room *row = &rows->v[i];
		char *uri = room_uri_make(row->domain, row->chan_id);
		if(names_room(q->arg, row->id, row->name, uri)) {
			/* as answer_members() says it, with nobody present */
			json_t *o = room_record(row->id, row->name, uri, 0, 0);
			json_object_set_new(o, "members", json_array());
			free(uri);
			answer_json(q, o, 0);
			return;
		}
		free(uri);
	}
	fail(q, 404, "no such room");
}

static void q_room_members(struct query *q, const char *const *argv, int argc)
{
	struct room *r = find_cached(argv[0]);
	(void)argc;
	if(r != NULL) {
		answer_members(q, r);
		return;
	}
	q->arg = xstrdup(argv[0]);
	db_submit(db_rooms_all(on_all_rooms, q));
}

/* ---- pchat.session_drop ID ---- */

static void q_session_drop(struct query *q, const char *const *argv, int argc)
{
	struct session **all;
	unsigned long long sid;
	size_t n, i, dropped = 0;
	json_t *list;
	time_t now = time(NULL);
	(void)argc;

	if(parse_uint(argv[0], UINT64_MAX, &sid) != 0) {
		fail(q, 400, "bad session id '%.64s': the decimal id pchat.sessions shows",
				argv[0]);
		return;
	}
	list = json_array();
	n = sessions_collect(all_sessions, 0, &all);
	for(i = 0; i < n; i++) {
		/* ids are the module's, random: two nodes' sessions never share one in
		 * practice, but each session with the id is dropped if they do */
		if(all[i]->sid == sid && !all[i]->closed) {
			json_array_append_new(list, session_json(all[i], now));
			frames_drop_session(all[i], "dropped by an operator (pchat.session_drop)");
			dropped++;
		}
		session_unref(all[i]);
	}
	free(all);
	if(dropped == 0) {
		json_decref(list);
		fail(q, 404, "no such session");
		return;
	}
	answer_json(q, list, dropped);
}

/* ---- pchat.reload ---- */

static void on_reloaded(void *arg, int ok)
{
	struct query *q = arg;
	json_t *o;
	if(!ok) {
		fail(q, 503, "the configuration could not be read; revision %lld stays in force",
				reload_revision());
		return;
	}
	o = json_pack("{s:I, s:I}", "revision", (json_int_t)reload_revision(), "rooms_cached",
			(json_int_t)rooms_count());
	answer_json(q, o, 1);
}

static void q_reload(struct query *q, const char *const *argv, int argc)
{
	(void)argv;
	(void)argc;
	log_info("reload asked for by an operator (pchat.reload)");
	reload_now(on_reloaded, q);
}

/* ---- the table ---- */

static const struct query_def queries[] = {
		{"sessions", 0, 1, "sessions [user]", q_sessions},
		{"rooms", 0, 0, "rooms", q_rooms},
		{"room_members", 1, 1, "room_members ROOM (name, id or URI)", q_room_members},
		{"session_drop", 1, 1, "session_drop ID", q_session_drop},
		{"reload", 0, 0, "reload", q_reload},
};

void query_on_frame(struct link_conn *c, const struct pchat_frame *f)
{
	const char *fields[1 + PCHAT_QUERY_MAX_ARGS];
	struct query *q = xcalloc(1, sizeof(*q));
	int n = pchat_fields_split(f->payload, f->payload_len, fields, 1 + PCHAT_QUERY_MAX_ARGS);
	size_t i;

	q->conn_id = link_conn_id(c);
	q->token = f->token;
	q->name = "unknown";
	if(n < 1) {
		fail(q, 400, "malformed query");
		return;
	}
	for(i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		const struct query_def *d = &queries[i];
		if(strcmp(fields[0], d->name) != 0)
			continue;
		q->name = d->name;
		if(n - 1 < d->min_args || n - 1 > d->max_args)
			fail(q, 400, "usage: %s", d->usage);
		else if(frames_stopping())
			fail(q, 503, "pchatd is stopping");
		else
			d->run(q, fields + 1, n - 1);
		return;
	}
	fail(q, 400, "unknown query '%.64s'", fields[0]);
}
