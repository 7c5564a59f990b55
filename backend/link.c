/*
 * link.c - see link.h.  One bufferevent per module connection; frames are decoded
 * straight out of its input evbuffer.
 */
#define _GNU_SOURCE /* struct ucred, for pchat_peer.h */
#include "link.h"
#include "list.h"
#include "pchat_log.h"
#include "peer.h"
#include "util.h"

#include "../common/pchat_frame.h"
#include "../common/pchat_peer.h"

#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

/* What a connection is, decided by its first frame. */
enum conn_kind {
	CONN_NEW,   /* nothing read yet */
	CONN_LINK,  /* a module link process: HELLO, OPEN, XCCOS, ... */
	CONN_QUERY, /* one operator query (QUERY first), then closed */
};

struct link_conn {
	uint32_t id;
	enum conn_kind kind;
	struct bufferevent *bev;
	struct event *close_ev; /* deferred close, see close_later() */
	int closing;		/* no more frames in or out */
	int queried;		/* a query connection's one QUERY was read: nothing more is */
	char *node;		/* the module's node name (HELLO), or NULL */
	int link_index;		/* its link process index (HELLO), or -1 */
	pid_t pid;		/* the peer's (SO_PEERCRED), for the log */
	struct list link;	/* conns */
};

static struct event_base *base;
static struct evconnlistener *listener;
static char *socket_path;
static uid_t module_uid;		     /* the only peer uid accepted (--module-uid) */
static struct list conns = LIST_INIT(conns); /* every connection, of any kind */
static size_t nlinks;			     /* of kind CONN_LINK */
static uint32_t next_id = 1;
static void (*all_closed)(void);
static const struct link_handlers *handlers;

uint32_t link_conn_id(const struct link_conn *c)
{
	return c->id;
}

size_t link_count(void)
{
	return nlinks;
}

struct link_conn *link_any(void)
{
	static uint32_t turn;
	struct link_conn *pick = NULL;
	size_t i = 0, want = nlinks ? turn++ % nlinks : 0;
	struct list *pos;
	list_for_each(pos, &conns) {
		struct link_conn *c = list_entry(pos, struct link_conn, link);
		if(c->kind != CONN_LINK || c->closing)
			continue;
		if(pick == NULL || i == want)
			pick = c;
		if(i++ == want)
			break;
	}
	return pick;
}

struct link_conn *link_conn_find(uint32_t id)
{
	struct list *pos;
	list_for_each(pos, &conns) {
		struct link_conn *c = list_entry(pos, struct link_conn, link);
		if(c->id == id && !c->closing)
			return c;
	}
	return NULL;
}

void link_set_peer(struct link_conn *c, const char *node, int link_index)
{
	free(c->node);
	c->node = xstrdup(node);
	c->link_index = link_index;
}

const char *link_peer_node(const struct link_conn *c)
{
	return c->node;
}

int link_peer_index(const struct link_conn *c)
{
	return c->link_index;
}

/* ---- closing ---- */

static void close_now(struct link_conn *c)
{
	c->closing = 1;
	list_del(&c->link);
	if(c->kind == CONN_LINK)
		nlinks--;
	/* Sessions of this connection end here; the frames layer parts their rooms.  A
	 * query connection has none. */
	if(c->kind != CONN_QUERY)
		handlers->on_close(c);
	bufferevent_free(c->bev);
	event_free(c->close_ev);
	if(c->kind == CONN_QUERY)
		log_debug("link: query connection closed link=%u", c->id);
	else
		log_info("link: module connection closed link=%u", c->id);
	free(c->node);
	free(c);
	if(all_closed && list_empty(&conns)) {
		void (*cb)(void) = all_closed;
		all_closed = NULL;
		cb();
	}
}

static void on_close_ev(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	close_now(arg);
}

/* Closing from inside a send would pull sessions out from under their callers;
 * so mark the connection and close it from the loop a moment later. */
static void close_later(struct link_conn *c)
{
	if(c->closing)
		return;
	c->closing = 1;
	event_active(c->close_ev, EV_TIMEOUT, 0);
}

/* ---- reading ---- */

/*
 * Why the frame whose first 8 bytes are hdr may not be read on c (NULL: it may),
 * deciding c's kind on its first frame.  A query connection's QUERY may have at most
 * PCHAT_QUERY_MAX_PAYLOAD bytes (checked before the payload is buffered); a QUERY on
 * a module link is refused.
 */
static const char *frame_refusal(struct link_conn *c, const unsigned char *hdr)
{
	uint8_t type = hdr[5];
	if(c->kind == CONN_NEW) {
		c->kind = type == PCHAT_F_QUERY ? CONN_QUERY : CONN_LINK;
		if(c->kind == CONN_LINK) {
			nlinks++;
			log_info("link: module connected link=%u pid=%ld", c->id, (long)c->pid);
		} else {
			log_debug("link: query connection link=%u pid=%ld", c->id, (long)c->pid);
		}
	}
	if(c->kind == CONN_LINK)
		return type == PCHAT_F_QUERY ? "a QUERY on a module link" : NULL;
	return pchat_get_u32(hdr) - 16 > PCHAT_QUERY_MAX_PAYLOAD ? "a QUERY over the size limit"
								 : NULL;
}

/* Decodes and dispatches every complete frame in the input buffer. */
static void on_read(struct bufferevent *bev, void *arg)
{
	struct link_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	while(!c->closing && !c->queried) {
		size_t avail = evbuffer_get_length(in), need, used, hl;
		unsigned char hdr[8];
		struct pchat_frame f;
		unsigned char *p;
		const char *why;

		if(avail < 4)
			return;
		/* The first 8 bytes are enough to validate length, version and reserved. */
		hl = avail < sizeof(hdr) ? avail : sizeof(hdr);
		evbuffer_copyout(in, hdr, hl);
		if(pchat_frame_decode(hdr, hl, &f, &used) == PCHAT_FRAME_BAD)
			break;
		if(hl < sizeof(hdr))
			return;
		why = frame_refusal(c, hdr);
		if(why != NULL) {
			log_error("link: %s, connection closed link=%u", why, c->id);
			close_now(c);
			return;
		}
		need = 4 + (size_t)pchat_get_u32(hdr);
		if(avail < need)
			return;
		p = evbuffer_pullup(in, (ev_ssize_t)need);
		if(p == NULL || pchat_frame_decode(p, need, &f, &used) != PCHAT_FRAME_OK)
			break;
		if(c->kind == CONN_QUERY) {
			c->queried = 1;
			/* nothing more is read: the answer closes the connection */
			bufferevent_disable(c->bev, EV_READ);
			handlers->on_query(c, &f);
		} else {
			handlers->on_frame(c, &f);
		}
		evbuffer_drain(in, used);
	}
	if(!c->closing && !c->queried) {
		log_error("link: malformed frame, connection closed link=%u", c->id);
		close_now(c);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct link_conn *c = arg;
	(void)bev;
	if(what & BEV_EVENT_ERROR)
		log_warn("link: connection error (%s) link=%u",
				evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), c->id);
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		close_now(c);
}

/* ---- writing ---- */

int link_sendv(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const struct iovec *iov, int n)
{
	unsigned char hdr[PCHAT_FRAME_HEADER];
	struct evbuffer *out;
	size_t total = 0;
	int i;

	if(c == NULL || c->closing)
		return -1;
	for(i = 0; i < n; i++)
		total += iov[i].iov_len;
	if(total > PCHAT_FRAME_MAX_PAYLOAD) {
		log_error("link: frame over the payload limit, not sent link=%u session=%" PRIu64
			  " bytes=%zu",
				c->id, session, total);
		return -1;
	}
	out = bufferevent_get_output(c->bev);
	if(evbuffer_get_length(out) > LINK_MAX_OUTPUT) {
		log_error("link: module not reading, connection closed link=%u queued=%zu", c->id,
				evbuffer_get_length(out));
		close_later(c);
		return -1;
	}
	pchat_frame_header(hdr, type, token, session, (uint32_t)total);
	evbuffer_add(out, hdr, sizeof(hdr));
	for(i = 0; i < n; i++)
		evbuffer_add(out, iov[i].iov_base, iov[i].iov_len);
	return 0;
}

int link_send(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const void *payload, size_t len)
{
	struct iovec iov = {(void *)payload, len};
	return link_sendv(c, type, token, session, &iov, len ? 1 : 0);
}

/* ---- accepting ---- */

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		void *arg)
{
	struct link_conn *c;
	const char *why;
	pid_t pid = 0;
	uid_t uid = 0;
	int have;
	(void)l;
	(void)sa;
	(void)salen;
	(void)arg;
	/* Whoever may connect may speak for every user: only the module's uid may, and
	 * nothing is read from anyone else. */
	have = pchat_peer_cred(fd, &pid, &uid) == 0;
	why = peer_refusal(have, uid, module_uid);
	if(why != NULL) {
		if(have)
			log_warn("link: connection refused (%s) pid=%ld uid=%lu", why, (long)pid,
					(unsigned long)uid);
		else
			log_warn("link: connection refused (%s: %s)", why, strerror(errno));
		evutil_closesocket(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->id = next_id++;
	c->link_index = -1;
	c->pid = pid;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->close_ev = event_new(base, -1, 0, on_close_ev, c);
	if(c->bev == NULL || c->close_ev == NULL) {
		log_error("link: cannot set up a new connection");
		if(c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if(c->close_ev)
			event_free(c->close_ev);
		free(c);
		return;
	}
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	list_add_tail(&conns, &c->link);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	(void)l;
	(void)arg;
	/* EMFILE and the like: keep serving the connections we have. */
	log_error("link: accept failed: %s", evutil_socket_error_to_string(err));
}

/*
 * A socket file left by a previous run is removed; one that a live server still
 * accepts on is not (two daemons on one socket would be a silent split brain),
 * and neither is anything that is not a socket.
 */
static int clear_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, rc;

	if(lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if(!S_ISSOCK(st.st_mode)) {
		log_error("link: %s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if(fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if(rc == 0) {
		log_error("link: %s is in use by a running server", path);
		return -1;
	}
	log_info("link: removing stale socket %s", path);
	return unlink(path);
}

/*
 * The socket's directory: only pchatd's user may write there, else another local user
 * could put a socket of theirs at our path while we are down and receive the
 * module's links.  A missing directory (one level) is created 0700.
 */
static int check_dir(const char *path)
{
	char *copy = xstrdup(path);
	const char *dir = dirname(copy), *why;
	struct stat st;
	int rc = -1;

	if(stat(dir, &st) < 0 && errno == ENOENT) {
		if(mkdir(dir, 0700) < 0 && errno != EEXIST) {
			log_error("link: cannot create the socket directory %s: %s", dir,
					strerror(errno));
			goto out;
		}
		log_info("link: created the socket directory %s (mode 0700)", dir);
	}
	if(stat(dir, &st) < 0) {
		log_error("link: socket directory %s: %s", dir, strerror(errno));
		goto out;
	}
	why = peer_dir_problem(st.st_mode, st.st_uid, geteuid());
	if(why != NULL) {
		log_error("link: socket directory %s %s (mode %04o, owner uid %lu); refusing to "
			  "start: make it 0700 (or 0750 with the module's group), owned by "
			  "pchatd's user",
				dir, why, (unsigned)(st.st_mode & 07777), (unsigned long)st.st_uid);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

static int bind_socket(const char *path)
{
	struct sockaddr_un sun;
	mode_t old_mask;
	int fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if(strlen(path) >= sizeof(sun.sun_path)) {
		log_error("link: socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if(check_dir(path) < 0 || clear_stale(path, &sun) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(fd < 0)
		return -1;
	/* 0600: the module runs as our own user; 0660 when it is another one, who must
	 * then share pchatd's group (docs/OPERATIONS.md).  The uid check is on accept. */
	old_mask = umask(module_uid == geteuid() ? 0177 : 0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if(rc < 0 || listen(fd, 64) < 0) {
		log_error("link: cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int link_listen(struct event_base *b, const char *path, uid_t uid, const struct link_handlers *h)
{
	int fd;
	handlers = h;
	module_uid = uid;
	fd = bind_socket(path);
	if(fd < 0)
		return -1;
	base = b;
	/* backlog 0: listen() was called already. */
	listener = evconnlistener_new(base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE, 0, fd);
	if(listener == NULL) {
		log_error("link: cannot set up the listener");
		close(fd);
		unlink(path);
		return -1;
	}
	evconnlistener_set_error_cb(listener, on_accept_error);
	socket_path = xstrdup(path);
	log_info("link: listening on %s (module uid %lu)", path, (unsigned long)uid);
	return 0;
}

void link_stop_listening(void)
{
	if(listener == NULL)
		return;
	evconnlistener_free(listener);
	listener = NULL;
	unlink(socket_path);
	free(socket_path);
	socket_path = NULL;
}

/* ---- shutdown ---- */

static void on_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	close_now(arg);
}

/* Closes c once its queued output is written (or at once if there is none). */
static void close_when_sent(struct link_conn *c)
{
	bufferevent_disable(c->bev, EV_READ);
	if(evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		close_later(c);
	else
		bufferevent_setcb(c->bev, NULL, on_drained, on_event, c);
}

void link_close_after_send(struct link_conn *c)
{
	if(c != NULL && !c->closing)
		close_when_sent(c);
}

void link_close_all(void (*done)(void))
{
	struct list *pos, *tmp;

	all_closed = done;
	if(list_empty(&conns)) {
		all_closed = NULL;
		done();
		return;
	}
	list_for_each_safe(pos, tmp, &conns) {
		struct link_conn *c = list_entry(pos, struct link_conn, link);
		/* Read nothing more; close once the output has been written. */
		bufferevent_disable(c->bev, EV_READ);
		if(evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			close_now(c);
		else
			bufferevent_setcb(c->bev, NULL, on_drained, on_event, c);
	}
}

void link_free_all(void)
{
	struct list *first;
	all_closed = NULL;
	while((first = list_first(&conns)) != NULL)
		close_now(list_entry(first, struct link_conn, link));
}
