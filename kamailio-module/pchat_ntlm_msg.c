/*
 * pchat_ntlm_msg.c - NTLM auth header parameters and the signed fields of a SIP
 * message (pchat_ntlm_msg.h).  The fields are taken as pidgin-sipe 1.25 takes them
 * (sipe-sign.c, sipmsg_breakdown_parse): the From/To URI inside <> (or up to the first
 * ';'), the tag parameter, the first sip: and tel: URIs in <> of P-Asserted-Identity,
 * the Expires header's value as it stands.
 */
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/parser/parse_cseq.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/hf.h"
#include "../../core/trim.h"
#include "../../core/ut.h"
#include "pchat_ntlm_msg.h"

static int is_name(const char *s, int len, const char *name)
{
	return (int)strlen(name) == len && strncasecmp(s, name, (size_t)len) == 0;
}

int pchat_ntlm_parse_params(const str *body, struct pchat_ntlm_params *p)
{
	const char *s = body->s, *end = body->s + body->len;
	memset(p, 0, sizeof(*p));
	while(s < end) {
		const char *name, *val;
		int nlen, vlen;
		while(s < end && (*s == ' ' || *s == '\t' || *s == ',' || *s == '\r' || *s == '\n'))
			s++;
		if(s >= end)
			break;
		name = s;
		while(s < end && *s != '=' && *s != ',' && *s != ' ')
			s++;
		nlen = (int)(s - name);
		if(s >= end || *s != '=')
			return -1;
		s++;
		if(s < end && *s == '"') {
			val = ++s;
			while(s < end && *s != '"')
				s++;
			if(s >= end)
				return -1;
			vlen = (int)(s - val);
			s++;
		} else {
			val = s;
			while(s < end && *s != ',' && *s != ' ' && *s != '\t' && *s != '\r')
				s++;
			vlen = (int)(s - val);
		}
		str v = {(char *)val, vlen};
		if(is_name(name, nlen, "opaque"))
			p->opaque = v;
		else if(is_name(name, nlen, "realm"))
			p->realm = v;
		else if(is_name(name, nlen, "targetname"))
			p->targetname = v;
		else if(is_name(name, nlen, "gssapi-data")) {
			p->gssapi_data = v;
			p->has_gssapi_data = 1;
		} else if(is_name(name, nlen, "crand"))
			p->crand = v;
		else if(is_name(name, nlen, "cnum"))
			p->cnum = v;
		else if(is_name(name, nlen, "response"))
			p->response = v;
		else if(is_name(name, nlen, "qop"))
			p->qop = v;
		else if(is_name(name, nlen, "version")) {
			int n = 0, i;
			for(i = 0; i < vlen && i < 4; i++) {
				if(val[i] < '0' || val[i] > '9')
					return -1;
				n = n * 10 + (val[i] - '0');
			}
			p->version = n;
		}
	}
	return 0;
}

int pchat_ntlm_find_authorization(struct sip_msg *msg, str *value)
{
	struct hdr_field *h;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 0;
	for(h = msg->headers; h; h = h->next) {
		if(h->type != HDR_AUTHORIZATION_T)
			continue;
		str b = h->body;
		trim(&b);
		if(b.len >= 5 && strncasecmp(b.s, "NTLM", 4) == 0 &&
				(b.s[4] == ' ' || b.s[4] == '\t')) {
			value->s = b.s + 5;
			value->len = b.len - 5;
			return 1;
		}
	}
	return 0;
}

/* Appends s[0..len) and a NUL to the scratch buffer: its start, or NULL if full. */
static const char *put(struct pchat_ntlm_fields *o, size_t *n, const char *s, int len)
{
	char *at = o->buf + *n;
	if(len < 0 || *n + (size_t)len + 1 > sizeof(o->buf))
		return NULL;
	memcpy(at, s, (size_t)len);
	at[len] = '\0';
	*n += (size_t)len + 1;
	return at;
}

#define PUT(dst, s, len)                          \
	do {                                      \
		(dst) = put(out, &n, (s), (len)); \
		if((dst) == NULL)                 \
			return -1;                \
	} while(0)

/* The first sip: and tel: URIs in <> of an identity header's value. */
static int identity_uris(struct pchat_ntlm_fields *out, size_t *np, str v)
{
	size_t n = *np;
	const char *s = v.s, *end = v.s + v.len;
	trim(&v);
	if(v.len >= 4 && strncasecmp(v.s, "tel:", 4) == 0) {
		PUT(out->f.pai_tel_uri, v.s, v.len);
		*np = n;
		return 0;
	}
	while(s < end) {
		const char *lt = memchr(s, '<', (size_t)(end - s)), *gt;
		if(lt == NULL)
			break;
		gt = memchr(lt, '>', (size_t)(end - lt));
		if(gt == NULL)
			break;
		int len = (int)(gt - lt - 1);
		if(len >= 4 && strncasecmp(lt + 1, "sip:", 4) == 0 && out->f.pai_sip_uri == NULL)
			PUT(out->f.pai_sip_uri, lt + 1, len);
		else if(len >= 4 && strncasecmp(lt + 1, "tel:", 4) == 0 &&
				out->f.pai_tel_uri == NULL)
			PUT(out->f.pai_tel_uri, lt + 1, len);
		s = gt + 1;
	}
	*np = n;
	return 0;
}

int pchat_ntlm_msg_fields(struct sip_msg *msg, struct pchat_ntlm_fields *out)
{
	size_t n = 0;
	struct hdr_field *h, *pai = NULL, *ppi = NULL;
	struct to_body *from, *to;
	struct cseq_body *cseq;
	memset(&out->f, 0, sizeof(out->f));
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->callid == NULL || msg->cseq == NULL ||
			msg->from == NULL || msg->to == NULL)
		return -1;
	if(parse_from_header(msg) < 0)
		return -1;
	from = get_from(msg);
	to = get_to(msg);
	cseq = get_cseq(msg);
	if(from == NULL || to == NULL || cseq == NULL)
		return -1;
	str cid = msg->callid->body;
	trim(&cid);
	PUT(out->f.call_id, cid.s, cid.len);
	PUT(out->f.cseq_num, cseq->number.s, cseq->number.len);
	PUT(out->f.cseq_method, cseq->method.s, cseq->method.len);
	PUT(out->f.from_uri, from->uri.s, from->uri.len);
	PUT(out->f.from_tag, from->tag_value.s, from->tag_value.len);
	PUT(out->f.to_uri, to->uri.s, to->uri.len);
	PUT(out->f.to_tag, to->tag_value.s, to->tag_value.len);
	for(h = msg->headers; h; h = h->next) {
		if(h->type == HDR_PAI_T && pai == NULL)
			pai = h;
		else if(h->type == HDR_PPI_T && ppi == NULL)
			ppi = h;
	}
	if(pai || ppi) {
		if(identity_uris(out, &n, (pai ? pai : ppi)->body) < 0)
			return -1;
	}
	if(msg->expires) {
		str e = msg->expires->body;
		trim(&e);
		PUT(out->f.expires, e.s, e.len);
	}
	if(msg->first_line.type == SIP_REPLY)
		out->f.response_code = (int)msg->first_line.u.reply.statuscode;
	return 0;
}
