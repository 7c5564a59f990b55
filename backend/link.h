/*
 * link.h - the Unix stream socket server the Kamailio module(s) connect to.
 *
 * Several module connections may be up at once (one per link process of each
 * Kamailio node).  link.c only moves frames: every complete frame read, and the
 * end of a connection, go to the handlers given to link_listen() (the frames
 * layer's, frames.h; queries to query.h's), so this lowest layer names nothing
 * above it.
 *
 * A connection's first frame decides what it is: QUERY makes it a query connection
 * (an operator's RPC, common/pchat_frame.h): its one QUERY (at most
 * PCHAT_QUERY_MAX_PAYLOAD bytes, else it is closed) goes to on_query, nothing more is
 * read from it, and it is no module link (link_count, on_close).  Any other first
 * frame makes it a module link, which a QUERY closes.
 */
#ifndef PCHAT_LINK_H
#define PCHAT_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct event_base;
struct link_conn;
struct pchat_frame;

/* What the layer above does with what arrives (memcached's conn callbacks). */
struct link_handlers {
	void (*on_frame)(struct link_conn *c, const struct pchat_frame *f);
	/* The connection is gone (its sessions end); called before it is freed. */
	void (*on_close)(struct link_conn *c);
	/* The QUERY of a query connection: answer it, then link_close_after_send(). */
	void (*on_query)(struct link_conn *c, const struct pchat_frame *f);
};

/* Output queued for one connection beyond which we consider the module stuck. */
#define LINK_MAX_OUTPUT ((size_t)64 * 1024 * 1024)

/* Binds and listens on path (replacing a stale socket file); frames go to h.  The
 * path's directory must be writable by pchatd's user only (created 0700 if missing);
 * the socket is made 0600 (0660 if uid is not ours), and a connection whose peer
 * (SO_PEERCRED) is not uid is closed before anything is read.
 * Returns 0 or -1 (logged). */
int link_listen(struct event_base *base, const char *path, uid_t uid,
		const struct link_handlers *h);
/* Stops accepting and removes the socket file. */
void link_stop_listening(void);

uint32_t link_conn_id(const struct link_conn *c);
/* The open connection with that id, or NULL (an answer that comes later looks its
 * connection up by id: it may have closed meanwhile). */
struct link_conn *link_conn_find(uint32_t id);
/* Who is at the other end, as its HELLO says: node name and link process index
 * (-1: not said).  link_peer_node() is NULL before a HELLO. */
void link_set_peer(struct link_conn *c, const char *node, int link_index);
const char *link_peer_node(const struct link_conn *c);
int link_peer_index(const struct link_conn *c);
/* Closes c once what is queued for it is written (a query connection's answer). */
void link_close_after_send(struct link_conn *c);

/* Queues one frame whose payload is the concatenation of iov[0..n).  Never blocks.
 * Returns 0, or -1 if the connection is closing or the payload is too large. */
int link_sendv(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const struct iovec *iov, int n);
int link_send(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const void *payload, size_t len);

/* Module links connected (query connections are not counted). */
size_t link_count(void);
/* A module link, a different one at each call (round robin), or NULL if none is up:
 * for frames about no session (ALERT). */
struct link_conn *link_any(void);
/* Closes every connection once its queued output is written; then calls done. */
void link_close_all(void (*done)(void));
/* Closes every connection now. */
void link_free_all(void);

#endif
