/*
 * fake_link.c - see fakes.h.  Implements the part of link.h the backend's logic uses.
 */
#include "fakes.h"

#include "link.h"
#include "pchat_frame.h"
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
/* the FANOUT frames themselves: link and recipient count */
static struct fake_fanout fanouts[64];
static size_t nfanouts;

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

static struct sent_frame *record(uint8_t type, uint32_t token, uint64_t session, size_t len)
{
	struct sent_frame *f;
	if(nsent == capsent) {
		capsent = capsent ? capsent * 2 : 64;
		sent = xrealloc(sent, capsent * sizeof(*sent));
	}
	f = &sent[nsent++];
	f->type = type;
	f->token = token;
	f->session = session;
	f->len = len;
	f->payload = xmalloc(len + 1);
	f->payload[len] = '\0';
	return f;
}

/* A FANOUT is recorded as the SEND frames the module makes of it, so that tests see
 * what each session receives (and a FANOUT the module could not read fails them). */
static void record_fanout(const struct link_conn *c, const char *payload, size_t len)
{
	struct pchat_fanout fo;
	uint32_t i;
	if(pchat_fanout_parse(payload, (uint32_t)len, &fo) < 0) {
		record(PCHAT_F_FANOUT, 0, 0, 0); /* no test expects it: they fail */
		return;
	}
	if(nfanouts < sizeof(fanouts) / sizeof(fanouts[0]))
		fanouts[nfanouts++] = (struct fake_fanout){c->id, fo.count};
	for(i = 0; i < fo.count; i++) {
		uint64_t sid, envid;
		char num[24];
		struct sent_frame *f;
		int n;
		pchat_fanout_recipient(&fo, i, &sid, &envid);
		n = snprintf(num, sizeof(num), "%llu", (unsigned long long)envid);
		f = record(PCHAT_F_SEND, 0, sid, fo.body_len + (size_t)n);
		memcpy(f->payload, fo.body, fo.split);
		memcpy(f->payload + fo.split, num, (size_t)n);
		memcpy(f->payload + fo.split + n, fo.body + fo.split, fo.body_len - fo.split);
	}
}

int link_sendv(struct link_conn *c, uint8_t type, uint32_t token, uint64_t session,
		const struct iovec *iov, int n)
{
	struct sent_frame *f;
	size_t len = 0, off = 0;
	char *whole;
	int i;
	for(i = 0; i < n; i++)
		len += iov[i].iov_len;
	whole = xmalloc(len + 1);
	for(i = 0; i < n; i++) {
		memcpy(whole + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	if(type == PCHAT_F_FANOUT) {
		record_fanout(c, whole, len);
		free(whole);
		return 0;
	}
	f = record(type, token, session, 0);
	free(f->payload);
	whole[len] = '\0';
	f->payload = whole;
	f->len = len;
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

size_t fake_fanouts(const struct fake_fanout **out)
{
	*out = fanouts;
	return nfanouts;
}

void fake_sent_clear(void)
{
	size_t i;
	nfanouts = 0;
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
