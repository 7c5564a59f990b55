/*
 * fake_link.c - see fakes.h.  Implements the part of link.h the backend's logic uses.
 */
#include "fakes.h"

#include "link.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct link_conn {
	uint32_t id;
};

static struct link_conn conns[8];
static struct sent_frame *sent;
static size_t nsent, capsent;

struct link_conn *fake_conn(uint32_t id)
{
	conns[id % 8].id = id;
	return &conns[id % 8];
}

uint32_t link_conn_id(const struct link_conn *c)
{
	return c->id;
}

int link_sendv(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const struct iovec *iov, int n)
{
	struct sent_frame *f;
	size_t len = 0, off = 0;
	int i;
	(void)c;
	if(nsent == capsent) {
		capsent = capsent ? capsent * 2 : 64;
		sent = xrealloc(sent, capsent * sizeof(*sent));
	}
	for(i = 0; i < n; i++)
		len += iov[i].iov_len;
	f = &sent[nsent++];
	f->type = type;
	f->token = token;
	f->session = session;
	f->len = len;
	f->payload = xmalloc(len + 1);
	for(i = 0; i < n; i++) {
		memcpy(f->payload + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	f->payload[len] = '\0';
	return 0;
}

int link_send(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const void *payload, size_t len)
{
	struct iovec iov = {(void *)payload, len};
	return link_sendv(c, type, token, session, &iov, len ? 1 : 0);
}

size_t fake_sent_count(void)
{
	return nsent;
}

const struct sent_frame *fake_sent(size_t i)
{
	return i < nsent ? &sent[i] : NULL;
}

size_t fake_sent_to(uint64_t session, const struct sent_frame **out, size_t max)
{
	size_t i, n = 0;
	for(i = 0; i < nsent && n < max; i++) {
		if(sent[i].session == session)
			out[n++] = &sent[i];
	}
	return n;
}

void fake_sent_clear(void)
{
	size_t i;
	for(i = 0; i < nsent; i++)
		free(sent[i].payload);
	nsent = 0;
}

void fake_link_reset(void)
{
	fake_sent_clear();
	free(sent);
	sent = NULL;
	capsent = 0;
}
