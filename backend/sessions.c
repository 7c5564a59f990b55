/*
 * sessions.c - see sessions.h.
 */
#include "sessions.h"
#include "commands.h"
#include "dict.h"
#include "frames.h"
#include "link.h"
#include "log.h"
#include "rooms.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

static struct dict *table; /* key (conn_id, sid) -> session */

#define KEY_LEN 12

static void make_key(unsigned char key[KEY_LEN], uint32_t conn_id, uint64_t sid)
{
	memcpy(key, &conn_id, 4);
	memcpy(key + 4, &sid, 8);
}

struct session *session_find(uint32_t conn_id, uint64_t sid)
{
	unsigned char key[KEY_LEN];
	if(table == NULL)
		return NULL;
	make_key(key, conn_id, sid);
	return dict_get(table, key, KEY_LEN);
}

size_t sessions_count(void)
{
	return table ? dict_count(table) : 0;
}

static void set_fields(struct session *s, const char *const f[PCHAT_OPEN_NFIELDS])
{
	free(s->local);
	free(s->epid);
	free(s->ua);
	s->local = xstrdup(f[PCHAT_OPEN_LOCAL]);
	s->epid = xstrdup(f[PCHAT_OPEN_EPID]);
	s->ua = xstrdup(f[PCHAT_OPEN_USER_AGENT]);
}

static struct session *session_new(struct link_conn *conn, uint64_t sid, const char *user)
{
	struct session *s = xcalloc(1, sizeof(*s));
	unsigned char key[KEY_LEN];

	s->conn = conn;
	s->conn_id = link_conn_id(conn);
	s->sid = sid;
	s->user = xstrdup(user);
	/* Random-ish start, well inside 64 bits, so envids of a new session do not
	 * repeat those of a previous one on the same dialog. */
	s->next_envid = 1000000000ULL + random_u64() % 1000000000000ULL;
	list_init(&s->rooms);
	list_init(&s->queue);
	s->refs = 1; /* the table's */
	if(table == NULL)
		table = dict_new();
	make_key(key, s->conn_id, sid);
	dict_put(table, key, KEY_LEN, s);
	return s;
}

struct session *session_open(
		struct link_conn *conn, uint64_t sid, const char *const fields[PCHAT_OPEN_NFIELDS])
{
	const char *user = fields[PCHAT_OPEN_USER];
	struct session *s = session_find(link_conn_id(conn), sid);
	int fresh;

	if(user[0] == '\0') {
		log_warn("link %u session %" PRIu64 ": OPEN without a user; ignored",
				link_conn_id(conn), sid);
		return NULL;
	}
	if(s && strcmp(s->user, user) != 0) {
		/* Another identity on the same session id: nothing carries over. */
		session_close(s, "reopened for another user");
		s = NULL;
	}
	fresh = s == NULL;
	if(fresh)
		s = session_new(conn, sid, user);
	set_fields(s, fields);
	log_info(SESS_FMT " open: local %s, epid '%s', user agent '%s'", SESS_ARGS(s), s->local,
			s->epid, s->ua);
	if(fresh)
		commands_restore(s); /* after a restart of pchatd: back into its rooms */
	return s;
}

/* forget: the session ended for good (not a shutdown of pchatd), so the rooms
 * stored for a restart go too. */
static void close_session(struct session *s, const char *why, int forget)
{
	unsigned char key[KEY_LEN];
	if(s->closed)
		return;
	log_info(SESS_FMT " closed: %s", SESS_ARGS(s), why);
	if(forget)
		commands_forget_rooms(s);
	s->closed = 1;
	make_key(key, s->conn_id, s->sid);
	dict_del(table, key, KEY_LEN);
	commands_session_closed(s);
	rooms_leave_all(s);
	s->conn = NULL;
	session_unref(s);
}

void session_close(struct session *s, const char *why)
{
	close_session(s, why, 1);
}

void session_drop(struct session *s, const char *why)
{
	if(s->closed)
		return;
	link_send(s->conn, PCHAT_F_DROP, 0, s->sid, NULL, 0);
	session_close(s, why);
}

/* Closes every session for which match() is true. */
static void close_matching(int (*match)(const struct session *, uint32_t), uint32_t arg,
		const char *why, int forget)
{
	struct dict_iter it;
	struct session **list, *s;
	size_t n = 0, i;
	void *v;

	if(table == NULL || dict_count(table) == 0)
		return;
	/* Collect first: closing changes the table. */
	list = xmalloc(dict_count(table) * sizeof(*list));
	dict_iter_init(&it, table);
	while(dict_next(&it, &v, NULL, NULL)) {
		s = v;
		if(match(s, arg)) {
			session_ref(s);
			list[n++] = s;
		}
	}
	for(i = 0; i < n; i++) {
		close_session(list[i], why, forget);
		/* our reference keeps it alive through session_close(); the analyzer
		 * cannot see the count */
		session_unref(list[i]); /* NOLINT(clang-analyzer-unix.Malloc) */
	}
	free(list);
}

static int on_conn(const struct session *s, uint32_t conn_id)
{
	return s->conn_id == conn_id;
}

static int any(const struct session *s, uint32_t unused)
{
	(void)s;
	(void)unused;
	return 1;
}

void sessions_close_conn(uint32_t conn_id)
{
	/* While shutting down, the stored rooms are what the restart restores. */
	close_matching(on_conn, conn_id, "module connection closed", !frames_refusing);
}

void sessions_close_all(void)
{
	close_matching(any, 0, "shutting down", 0);
	dict_free(table, NULL);
	table = NULL;
}

void session_ref(struct session *s)
{
	s->refs++;
}

void session_unref(struct session *s)
{
	if(--s->refs > 0)
		return;
	free(s->user);
	free(s->local);
	free(s->epid);
	free(s->ua);
	free(s);
}

int session_send(struct session *s, const char *items, size_t len)
{
	char head[XCCOS_HEAD_MAX];
	struct iovec iov[3];

	if(s->closed || s->conn == NULL)
		return -1;
	if(len > SESSION_ITEMS_MAX) {
		log_error(SESS_FMT ": reply of %zu bytes does not fit in a frame; not sent",
				SESS_ARGS(s), len);
		return -1;
	}
	iov[0].iov_base = head;
	iov[0].iov_len = xccos_envelope_head(head, s->next_envid++);
	iov[1].iov_base = (void *)items;
	iov[1].iov_len = len;
	iov[2].iov_base = (void *)XCCOS_ENVELOPE_TAIL;
	iov[2].iov_len = sizeof(XCCOS_ENVELOPE_TAIL) - 1;
	if(log_enabled(LL_DEBUG)) {
		char buf[2048];
		log_msg(LL_DEBUG, SESS_FMT " <- %s%s" XCCOS_ENVELOPE_TAIL, SESS_ARGS(s), head,
				log_safe(buf, sizeof(buf), items, len));
	}
	return link_sendv(s->conn, PCHAT_F_SEND, 0, s->sid, iov, 3);
}
