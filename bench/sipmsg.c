/*
 * sipmsg.c - see sipmsg.h.
 */
#define _GNU_SOURCE
#include "sipmsg.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hname_is(const char *s, size_t n, const char *full, char compact)
{
	if(n == 1 && compact && tolower((unsigned char)s[0]) == compact)
		return 1;
	return strlen(full) == n && strncasecmp(s, full, n) == 0;
}

int parse_msg(const char *m, size_t hlen, struct sipmsg *p)
{
	const char *end = m + hlen, *line = m, *eol;
	memset(p, 0, sizeof *p);
	eol = memmem(line, (size_t)(end - line), "\r\n", 2);
	if(eol == NULL)
		return -1;
	if((size_t)(eol - line) > 8 && memcmp(line, "SIP/2.0 ", 8) == 0) {
		p->status = atoi(line + 8);
	} else {
		const char *sp = memchr(line, ' ', (size_t)(eol - line));
		if(sp == NULL)
			return -1;
		p->method.s = line;
		p->method.n = (size_t)(sp - line);
	}
	for(line = eol + 2; line < end; line = eol + 2) {
		const char *colon, *v;
		size_t nl;
		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if(eol == NULL)
			eol = end;
		if(eol == line)
			break;
		colon = memchr(line, ':', (size_t)(eol - line));
		if(colon == NULL)
			continue;
		nl = (size_t)(colon - line);
		while(nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
			nl--;
		v = colon + 1;
		while(v < eol && (*v == ' ' || *v == '\t'))
			v++;
		struct hv h = {v, (size_t)(eol - v)};
		if(hname_is(line, nl, "Via", 'v')) {
			if(p->nvia < 8)
				p->via[p->nvia++] = (struct hv){line, (size_t)(eol - line)};
		} else if(hname_is(line, nl, "From", 'f'))
			p->from = h;
		else if(hname_is(line, nl, "To", 't'))
			p->to = h;
		else if(hname_is(line, nl, "Call-ID", 'i'))
			p->callid = h;
		else if(hname_is(line, nl, "CSeq", 0))
			p->cseq = h;
		else if(hname_is(line, nl, "Contact", 'm'))
			p->contact = h;
		else if(hname_is(line, nl, "Retry-After", 0))
			p->retry_after = 1;
	}
	return 0;
}

int hparam(struct hv h, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	for(size_t k = 0; k + nl + 1 < h.n; k++) {
		if(h.s[k] == ';' && strncasecmp(h.s + k + 1, name, nl) == 0 &&
				h.s[k + 1 + nl] == '=') {
			size_t a = k + 2 + nl, b = a;
			while(b < h.n && h.s[b] != ';' && h.s[b] != ',' && h.s[b] != '>' &&
					h.s[b] != ' ')
				b++;
			if(b - a >= outsz)
				b = a + outsz - 1;
			memcpy(out, h.s + a, b - a);
			out[b - a] = '\0';
			return 1;
		}
	}
	return 0;
}

void sip_reply_200(
		struct evbuffer *out, const struct sipmsg *m, const char *totag, const char *extra)
{
	char tag[8];
	int has_tag = hparam(m->to, "tag", tag, sizeof tag);
	evbuffer_add(out, "SIP/2.0 200 OK\r\n", 16);
	for(int k = 0; k < m->nvia; k++) {
		evbuffer_add(out, m->via[k].s, m->via[k].n);
		evbuffer_add(out, "\r\n", 2);
	}
	evbuffer_add_printf(out,
			"From: %.*s\r\nTo: %.*s%s%s\r\nCall-ID: %.*s\r\nCSeq: %.*s\r\n%s"
			"Content-Length: 0\r\n\r\n",
			(int)m->from.n, m->from.s, (int)m->to.n, m->to.s,
			has_tag ? "" : ";tag=", has_tag ? "" : totag, (int)m->callid.n, m->callid.s,
			(int)m->cseq.n, m->cseq.s, extra ? extra : "");
}

/* The Content-Length (or l:) of a header block, 0 if none. */
static size_t content_length(const char *h, size_t hlen)
{
	const char *q = h;
	while((q = memmem(q, (size_t)(h + hlen - q), "\r\n", 2)) != NULL) {
		q += 2;
		if(strncasecmp(q, "Content-Length:", 15) == 0)
			return strtoul(q + 15, NULL, 10);
		if(strncasecmp(q, "l:", 2) == 0)
			return strtoul(q + 2, NULL, 10);
	}
	return 0;
}

void sip_read(struct evbuffer *in, void (*fn)(struct sipmsg *m, void *ctx), void *ctx)
{
	for(;;) {
		struct evbuffer_ptr p = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		if(p.pos < 0)
			return;
		size_t hlen = (size_t)p.pos + 4;
		size_t clen = content_length(
				(const char *)evbuffer_pullup(in, (ev_ssize_t)hlen), hlen);
		if(evbuffer_get_length(in) < hlen + clen)
			return;
		const char *msg = (const char *)evbuffer_pullup(in, (ev_ssize_t)(hlen + clen));
		struct sipmsg m;
		if(parse_msg(msg, hlen, &m) == 0) {
			m.body = msg + hlen;
			m.blen = clen;
			fn(&m, ctx);
		}
		evbuffer_drain(in, hlen + clen);
	}
}
