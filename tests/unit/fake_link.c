/*
 * fake_link.c - see fakes.h.  Implements the part of link.h the backend's logic uses.
 */
#include "fakes.h"

#include "link.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct link_conn {
	uint32_t id;
	char node[32];
	int link_index;
	int closed; /* link_close_after_send() was called */
};

static struct link_conn conns[8];
static struct sent_frame *sent;
static size_t nsent, capsent;

struct link_conn *fake_conn(uint32_t id)
{
	struct link_conn *c = &conns[id % 8];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->link_index = -1;
	return c;
}

uint32_t link_conn_id(const struct link_conn *c)
{
	return c->id;
}

struct link_conn *link_conn_find(uint32_t id)
{
	struct link_conn *c = &conns[id % 8];
	return c->id == id && !c->closed ? c : NULL;
}

void link_set_peer(struct link_conn *c, const char *node, int link_index)
{
	snprintf(c->node, sizeof(c->node), "%s", node);
	c->link_index = link_index;
}

const char *link_peer_node(const struct link_conn *c)
{
	return c->node[0] ? c->node : NULL;
}

int link_peer_index(const struct link_conn *c)
{
	return c->link_index;
}

struct link_conn *link_any(void)
{
	for(size_t i = 0; i < 8; i++)
		if(conns[i].id != 0 && !conns[i].closed)
			return &conns[i];
	return NULL;
}

void link_close_after_send(struct link_conn *c)
{
	c->closed = 1;
}

int fake_conn_closed(uint32_t id)
{
	return conns[id % 8].id == id && conns[id % 8].closed;
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
