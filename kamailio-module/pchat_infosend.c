/*
 * pchat_infosend.c - chat INFOs without tm, batched per connection (pchat_infosend.h).
 *
 * An INFO is the session's template (request line, Via, To, From, Call-ID: constant
 * for the dialog) with the CSeq, the branch, the length and the body filled in.  The
 * branch is "z9hG4bKpc" + the session id in 16 hex digits + "." + the CSeq, so an
 * answer names its session; session ids are random 64-bit numbers, so another client
 * cannot forge an answer for a session it does not hold.
 */
#define _GNU_SOURCE /* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/forward.h"
#include "../../core/globals.h"
#include "../../core/hashes.h"
#include "../../core/ip_addr.h"
#include "../../core/resolve.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/parser/parse_via.h"
#include "pchat_infosend.h"
#include "pchat_mod.h"
#include "pchat_ntlm_sign.h"

#define BRANCH_PREFIX "z9hG4bKpc"
#define BRANCH_PREFIX_LEN (sizeof(BRANCH_PREFIX) - 1)
#define SID_HEX 16
/* a buffer is written once it holds this much; a single larger INFO goes alone */
#define BATCH_BYTES 65536
/* destinations batched at once: a hash table; a collision writes the older batch */
#define BATCH_SLOTS 256

struct pchat_info_tpl {
	struct dest_info dst;
	unsigned int slot;
	str head; /* "INFO <target> SIP/2.0\r\nVia: SIP/2.0/TCP h:p;branch=z9hG4bKpc<sid>." */
	str tail; /* "\r\nMax-Forwards: 70\r\nTo: ...\r\nFrom: ...\r\nCall-ID: ...\r\nCSeq: " */
};

struct queued_info {
	uint64_t session;
	int off;
};

struct batch {
	struct dest_info dst;
	char *buf;
	int len, cap;
	struct queued_info *infos; /* its INFOs: session (told if the write fails), offset */
	int count, infos_cap;
};

static void (*unreachable)(uint64_t session);

static struct batch batches[BATCH_SLOTS];
static unsigned short queued[BATCH_SLOTS]; /* slots holding INFOs, in first-use order */
static int nqueued;

static const char *via_proto(int proto)
{
	switch(proto) {
		case PROTO_TCP: return "TCP";
		case PROTO_TLS: return "TLS";
		default: return NULL; /* not reliable, or not one we batch */
	}
}

/* Where the session's requests came from, as a destination that reuses their
 * connection (never opens one: a client listens on none). */
static int session_dest(const struct pchat_session *s, struct dest_info *dst)
{
	struct sip_uri u;
	struct ip_addr *ip;
	if(parse_uri(s->dst_uri.s, s->dst_uri.len, &u) < 0)
		return -1;
	ip = str2ip(&u.host);
	if(ip == NULL)
		ip = str2ip6(&u.host);
	if(ip == NULL)
		return -1;
	init_dest_info(dst);
	dst->proto = s->sock->proto;
	dst->send_sock = s->sock;
	dst->send_flags.f |= SND_F_FORCE_CON_REUSE;
	return init_su(&dst->to, ip, u.port_no ? u.port_no : SIP_PORT);
}

static unsigned int dest_slot(const struct dest_info *dst)
{
	str to = {(char *)&dst->to, (int)sockaddru_len(dst->to)};
	return core_hash(&to, NULL, BATCH_SLOTS); /* BATCH_SLOTS: a power of two */
}

/* asprintf into a str; -1 on failure */
static int str_printf(str *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int str_printf(str *out, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vasprintf(&out->s, fmt, ap);
	va_end(ap);
	if(n < 0) {
		out->s = NULL;
		return -1;
	}
	out->len = n;
	return 0;
}

int pchat_infosend_prepare(struct pchat_session *s)
{
	struct pchat_info_tpl *t;
	const char *proto = via_proto(s->sock->proto);
	const struct socket_info *si = s->sock;
	const str *host = si->useinfo.name.len ? &si->useinfo.name : &si->address_str;
	const str *port = si->useinfo.port_no_str.len ? &si->useinfo.port_no_str : &si->port_no_str;

	s->info_tpl = NULL;
	if(proto == NULL || pchat_info_via_tm)
		return 0;
	t = calloc(1, sizeof(*t));
	if(t == NULL)
		return -1;
	if(session_dest(s, &t->dst) < 0) {
		LM_WARN("session's source %.*s is not an address: its INFOs go through tm "
			"session=%llu\n",
				s->dst_uri.len, s->dst_uri.s, (unsigned long long)s->id);
		free(t);
		return 0;
	}
	t->slot = dest_slot(&t->dst);
	if(str_printf(&t->head, "INFO %.*s SIP/2.0\r\nVia: SIP/2.0/%s %.*s:%.*s;branch=%s%016llx.",
			   s->remote_target.len, s->remote_target.s, proto, host->len, host->s,
			   port->len, port->s, BRANCH_PREFIX, (unsigned long long)s->id) < 0 ||
			str_printf(&t->tail,
					"\r\nMax-Forwards: 70\r\nTo: <%.*s>;tag=%.*s\r\nFrom: "
					"<%.*s>;tag=%.*s\r\nCall-ID: %.*s\r\nCSeq: ",
					s->remote_uri.len, s->remote_uri.s, s->remote_tag.len,
					s->remote_tag.s, s->local_uri.len, s->local_uri.s,
					s->local_tag.len, s->local_tag.s, s->call_id.len,
					s->call_id.s) < 0) {
		free(t->head.s);
		free(t);
		return -1;
	}
	s->info_tpl = t;
	return 0;
}

void pchat_infosend_release(struct pchat_session *s)
{
	if(s->info_tpl == NULL)
		return;
	free(s->info_tpl->head.s);
	free(s->info_tpl->tail.s);
	free(s->info_tpl);
	s->info_tpl = NULL;
}

void pchat_infosend_init(void (*session_unreachable)(uint64_t session))
{
	unreachable = session_unreachable;
}

/* A write that fails finds no connection to the client (it closed; we never open
 * one): its sessions are gone, as tm's 408 said of an INFO it could not send. */
static void write_failed(struct batch *b, int from, int to)
{
	int i;
	LM_INFO("cannot send %d INFO(s) to %s: connection gone\n", to - from,
			su2a(&b->dst.to, sizeof(b->dst.to)));
	for(i = from; i < to; i++)
		unreachable(b->infos[i].session);
}

/* One write per INFO: on a connection whose messages are signed (NTLM,
 * pchat_ntlm_sign.c signs each buffer as one message). */
static void write_each(struct batch *b)
{
	int i;
	for(i = 0; i < b->count; i++) {
		int end = i + 1 < b->count ? b->infos[i + 1].off : b->len;
		if(msg_send(&b->dst, b->buf + b->infos[i].off, end - b->infos[i].off) < 0) {
			write_failed(b, i, b->count);
			return;
		}
	}
}

/* One write for the batch (one per INFO on a signed connection). */
static void write_batch(struct batch *b)
{
	if(b->len == 0)
		return;
	if(pchat_ntlm_signs(&b->dst))
		write_each(b);
	else if(msg_send(&b->dst, b->buf, b->len) < 0)
		write_failed(b, 0, b->count);
	update_stat(pchat_stat_infos_out, b->count);
	b->len = 0;
	b->count = 0;
	if(b->cap > BATCH_BYTES) { /* one outsized INFO: do not keep its buffer */
		free(b->buf);
		b->buf = NULL;
		b->cap = 0;
	}
}

static int reserve(struct batch *b, int need)
{
	char *nb;
	int cap;
	if(b->count == b->infos_cap) {
		int n = b->infos_cap ? 2 * b->infos_cap : 64;
		struct queued_info *q = realloc(b->infos, (size_t)n * sizeof(*q));
		if(q == NULL)
			return -1;
		b->infos = q;
		b->infos_cap = n;
	}
	if(b->buf != NULL && b->len + need <= b->cap)
		return 0;
	cap = b->len + need > BATCH_BYTES ? b->len + need : BATCH_BYTES;
	nb = realloc(b->buf, (size_t)cap);
	if(nb == NULL)
		return -1;
	b->buf = nb;
	b->cap = cap;
	return 0;
}

/* The batch for the template's destination, emptied first if another destination
 * held it or if need would overflow it. */
static struct batch *batch_for(const struct pchat_info_tpl *t, int need)
{
	struct batch *b = &batches[t->slot];
	if(b->len > 0 &&
			(!su_cmp(&b->dst.to, &t->dst.to) || b->dst.send_sock != t->dst.send_sock ||
					b->len + need > BATCH_BYTES))
		write_batch(b);
	if(b->len == 0) {
		b->dst = t->dst;
		queued[nqueued++] = (unsigned short)t->slot;
	}
	return b;
}

int pchat_infosend_queue(struct pchat_session *s, const char *body, int len)
{
	static const char mid[] = " INFO\r\nContent-Type: text/plain\r\n";
	const struct pchat_info_tpl *t = s->info_tpl;
	unsigned int cseq = s->local_cseq++;
	int ua = server_signature ? user_agent_hdr.len + 2 : 0;
	int need = t->head.len + 10 + t->tail.len + 10 + (int)sizeof(mid) + ua + 40 + len;
	struct batch *b = batch_for(t, need);
	char *p;

	if(reserve(b, need) < 0) {
		LM_ERR("out of memory for an INFO, delivery lost session=%llu user=%s\n",
				(unsigned long long)s->id, s->identity.s);
		if(b->len == 0)
			nqueued--; /* batch_for just queued the empty slot */
		return -1;
	}
	p = b->buf + b->len;
	b->infos[b->count].session = s->id;
	b->infos[b->count].off = b->len;
	memcpy(p, t->head.s, t->head.len);
	p += t->head.len;
	p += sprintf(p, "%u", cseq);
	memcpy(p, t->tail.s, t->tail.len);
	p += t->tail.len;
	p += sprintf(p, "%u", cseq);
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	if(ua) {
		memcpy(p, user_agent_hdr.s, user_agent_hdr.len);
		p += user_agent_hdr.len;
		*p++ = '\r';
		*p++ = '\n';
	}
	p += sprintf(p, "Content-Length: %d\r\n\r\n", len);
	memcpy(p, body, len);
	p += len;
	b->len = (int)(p - b->buf);
	b->count++;
	return 0;
}

void pchat_infosend_flush(void)
{
	int i;
	for(i = 0; i < nqueued; i++)
		write_batch(&batches[queued[i]]);
	nqueued = 0;
}

/* The session id in one of our branches; 0 if the branch is not ours. */
static uint64_t branch_session(const str *branch)
{
	uint64_t id = 0;
	int i;
	if(branch->len < (int)BRANCH_PREFIX_LEN + SID_HEX + 2 ||
			memcmp(branch->s, BRANCH_PREFIX, BRANCH_PREFIX_LEN) != 0 ||
			branch->s[BRANCH_PREFIX_LEN + SID_HEX] != '.')
		return 0;
	for(i = 0; i < SID_HEX; i++) {
		int c = (unsigned char)branch->s[BRANCH_PREFIX_LEN + i], v;
		if(c >= '0' && c <= '9')
			v = c - '0';
		else if(c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return 0;
		id = id << 4 | (uint64_t)v;
	}
	return id;
}

int pchat_infosend_reply(struct sip_msg *rpl)
{
	uint64_t id;
	if(rpl->via1 == NULL || rpl->via1->branch == NULL)
		return 1;
	id = branch_session(&rpl->via1->branch->value);
	if(id == 0)
		return 1;
	pchat_session_answered(id, (int)rpl->first_line.u.reply.statuscode);
	return 0;
}
