/*
 * fanout.c - see fanout.h.
 */
#include "fanout.h"
#include "link.h"
#include "pchat_log.h"
#include "sbuf.h"
#include "sessions.h"
#include "util.h"
#include "xccos.h"

#include <stdlib.h>
#include <sys/uio.h>

/* The recipients on one module link, waiting for their frame. */
struct fanout_link {
	struct link_conn *conn;
	unsigned char *recipients; /* PCHAT_FANOUT_RECIPIENT bytes each */
	size_t n;
};

struct fanout {
	struct sbuf body; /* the envelope with the envid left out */
	size_t split;	  /* where the envid goes */
	size_t per_frame; /* recipients a frame can carry; 0: the body is too large */
	struct fanout_link *links;
	size_t nlinks;
};

struct fanout *fanout_begin(const char *items, size_t len)
{
	struct fanout *fo = xcalloc(1, sizeof(*fo));
	fo->split = xccos_envelope_template(&fo->body, items, len);
	fo->per_frame = pchat_fanout_room(fo->body.len);
	if(fo->per_frame == 0)
		log_error("delivery too large for a frame, not sent bytes=%zu", len);
	return fo;
}

static void send_frame(struct fanout *fo, struct fanout_link *l)
{
	unsigned char head[PCHAT_FANOUT_HEAD];
	struct iovec iov[3];
	if(l->n == 0)
		return;
	pchat_fanout_head(head, (uint32_t)l->n, (uint32_t)fo->split, (uint32_t)fo->body.len);
	iov[0] = (struct iovec){head, sizeof(head)};
	iov[1] = (struct iovec){fo->body.buf, fo->body.len};
	iov[2] = (struct iovec){l->recipients, l->n * PCHAT_FANOUT_RECIPIENT};
	link_sendv(l->conn, PCHAT_F_FANOUT, 0, 0, iov, 3);
	l->n = 0;
}

/* The recipient list of conn, a new one the first time (a pchatd has a few links). */
static struct fanout_link *link_of(struct fanout *fo, struct link_conn *conn)
{
	struct fanout_link *l;
	size_t i;
	for(i = 0; i < fo->nlinks; i++) {
		if(fo->links[i].conn == conn)
			return &fo->links[i];
	}
	fo->links = xrealloc(fo->links, (fo->nlinks + 1) * sizeof(*fo->links));
	l = &fo->links[fo->nlinks++];
	l->conn = conn;
	l->recipients = xmalloc(fo->per_frame * PCHAT_FANOUT_RECIPIENT);
	l->n = 0;
	return l;
}

int fanout_add(struct fanout *fo, struct session *s)
{
	struct fanout_link *l;
	if(s->closed || s->conn == NULL || fo->per_frame == 0)
		return -1;
	l = link_of(fo, s->conn);
	pchat_fanout_put_recipient(
			l->recipients + l->n * PCHAT_FANOUT_RECIPIENT, s->sid, s->next_envid++);
	if(++l->n == fo->per_frame)
		send_frame(fo, l);
	return 0;
}

void fanout_end(struct fanout *fo)
{
	size_t i;
	for(i = 0; i < fo->nlinks; i++) {
		send_frame(fo, &fo->links[i]);
		free(fo->links[i].recipients);
	}
	if(fo->nlinks > 0 && log_enabled(LL_DEBUG)) {
		char buf[2048];
		log_msg(LL_DEBUG, "xccos out to many links=%zu body=%s", fo->nlinks,
				log_safe(buf, sizeof(buf), fo->body.buf, fo->body.len));
	}
	free(fo->links);
	sbuf_free(&fo->body);
	free(fo);
}
