/*
 * sessions.c - see sessions.h.
 */
#include "sessions.h"
#include "dict.h"
#include "link.h"
#include "pchat_log.h"
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

void session_set_fields(struct session *s, const char *const f[PCHAT_OPEN_NFIELDS])
{
	free(s->local);
	free(s->epid);
	free(s->ua);
	s->local = xstrdup(f[PCHAT_OPEN_LOCAL]);
	s->epid = xstrdup(f[PCHAT_OPEN_EPID]);
	s->ua = xstrdup(f[PCHAT_OPEN_USER_AGENT]);
}

struct session *session_add(struct link_conn *conn, uint64_t sid, const char *user)
{
	struct session *s = xcalloc(1, sizeof(*s));
	unsigned char key[KEY_LEN];

	s->conn = conn;
	s->conn_id = link_conn_id(conn);
	s->sid = sid;
	s->user = xstrdup(user);
	s->opened = time(NULL);
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

void session_unlink(struct session *s)
{
	unsigned char key[KEY_LEN];
	if(s->closed)
		return;
	s->closed = 1;
	s->conn = NULL;
	make_key(key, s->conn_id, s->sid);
	dict_del(table, key, KEY_LEN);
}

size_t sessions_collect(
		int (*match)(const struct session *, uint32_t), uint32_t arg, struct session ***out)
{
	struct dict_iter it;
	size_t n = 0;
	void *v;

	*out = NULL;
	if(table == NULL || dict_count(table) == 0)
		return 0;
	*out = xmalloc(dict_count(table) * sizeof(**out));
	dict_iter_init(&it, table);
	while(dict_next(&it, &v, NULL, NULL)) {
		struct session *s = v;
		if(match(s, arg)) {
			session_ref(s);
			(*out)[n++] = s;
		}
	}
	return n;
}

void sessions_free_table(void)
{
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
	dict_free(s->hist, NULL);
	free(s);
}

int session_verdict(struct session *s, uint8_t type, uint32_t token, const char *text)
{
	if(s->closed || s->conn == NULL)
		return -1;
	return link_send(s->conn, type, token, s->sid, text, text ? strlen(text) : 0);
}

int session_send(struct session *s, const char *items, size_t len)
{
	char head[XCCOS_HEAD_MAX];
	struct iovec iov[3];

	if(s->closed || s->conn == NULL)
		return -1;
	if(len > SESSION_ITEMS_MAX) {
		log_error("reply too large for a frame, not sent " SESS_FMT " bytes=%zu",
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
		log_msg(LL_DEBUG, "xccos out " SESS_FMT " body=%s%s" XCCOS_ENVELOPE_TAIL,
				SESS_ARGS(s), head, log_safe(buf, sizeof(buf), items, len));
	}
	return link_sendv(s->conn, PCHAT_F_SEND, 0, s->sid, iov, 3);
}
