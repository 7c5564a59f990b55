/*
 * soap.c - see soap.h.
 */
#include "soap.h"
#include "sbuf.h"
#include "xccos.h"
#include "xmlsafe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

/* ---- reading ---- */

static int in_ns(const xmlNode *n, const char *ns)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

static int named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *first_element(xmlNode *n)
{
	while(n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* <soap:Body> of the envelope, or NULL with why. */
static xmlNode *body_of(xmlNode *root, char *why, size_t whylen)
{
	xmlNode *n;
	if(root == NULL || !named(root, "Envelope") || !in_ns(root, SOAP_ENV_NS)) {
		snprintf(why, whylen, "not a SOAP 1.1 envelope (%s)", SOAP_ENV_NS);
		return NULL;
	}
	for(n = first_element(root->children); n; n = first_element(n->next)) {
		if(named(n, "Body") && in_ns(n, SOAP_ENV_NS))
			return n;
	}
	snprintf(why, whylen, "the envelope has no Body");
	return NULL;
}

/* Does the SOAPAction header name op?  Its last path segment, quotes removed. */
static int action_names(const char *action, const char *op)
{
	size_t n = strlen(action);
	const char *slash;
	char buf[256];

	if(n >= 2 && action[0] == '"' && action[n - 1] == '"') {
		action++;
		n -= 2;
	}
	if(n == 0)
		return 1; /* "": the intent is the Body's (SOAP 1.1, 6.1.1) */
	if(n >= sizeof(buf))
		return 0;
	memcpy(buf, action, n);
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	return slash && strcmp(slash + 1, op) == 0 && strstr(buf, "www.microsoft.com/") != NULL;
}

static int take_params(xmlNode *op, struct soap_req *req, char *why, size_t whylen)
{
	xmlNode *n;
	for(n = first_element(op->children); n; n = first_element(n->next)) {
		if(n->ns && !in_ns(n, SOAP_SERVICE_NS)) {
			snprintf(why, whylen, "parameter <%.40s> is in another namespace", n->name);
			return -1;
		}
		if(strlen((const char *)n->name) >= SOAP_OP_MAX ||
				soap_param(req, (const char *)n->name)) {
			snprintf(why, whylen, "parameter <%.40s> is repeated or too long", n->name);
			return -1;
		}
		if(req->n == SOAP_PARAMS_MAX) {
			snprintf(why, whylen, "more than %d parameters", SOAP_PARAMS_MAX);
			return -1;
		}
		snprintf(req->p[req->n].name, SOAP_OP_MAX, "%s", (const char *)n->name);
		req->p[req->n++].value = (char *)xmlNodeGetContent(n);
	}
	return 0;
}

static int read_request(
		xmlDoc *doc, const char *action, struct soap_req *req, char *why, size_t whylen)
{
	xmlNode *body = body_of(xmlDocGetRootElement(doc), why, whylen), *op;
	if(body == NULL)
		return -1;
	op = first_element(body->children);
	if(op == NULL || !in_ns(op, SOAP_SERVICE_NS) ||
			strlen((const char *)op->name) >= SOAP_OP_MAX) {
		snprintf(why, whylen, "the Body holds no operation of %s", SOAP_SERVICE_NS);
		return -1;
	}
	snprintf(req->op, sizeof(req->op), "%s", (const char *)op->name);
	if(action && !action_names(action, req->op)) {
		snprintf(why, whylen, "SOAPAction %.80s does not name %s", action, req->op);
		return -1;
	}
	return take_params(op, req, why, whylen);
}

int soap_parse(const char *buf, size_t len, size_t max_bytes, const char *soap_action,
		struct soap_req *req, char *why, size_t whylen)
{
	xmlDoc *doc = xmlsafe_read(buf, len, max_bytes, "request", why, whylen);
	int rc;

	memset(req, 0, sizeof(*req));
	if(doc == NULL)
		return -1;
	rc = read_request(doc, soap_action, req, why, whylen);
	xmlFreeDoc(doc);
	if(rc < 0)
		soap_req_free(req);
	return rc;
}

const char *soap_param(const struct soap_req *req, const char *name)
{
	size_t i;
	for(i = 0; i < req->n; i++) {
		if(strcmp(req->p[i].name, name) == 0)
			return req->p[i].value ? req->p[i].value : "";
	}
	return NULL;
}

void soap_req_free(struct soap_req *req)
{
	size_t i;
	for(i = 0; i < req->n; i++)
		xmlFree(req->p[i].value);
	memset(req, 0, sizeof(*req));
}

/* ---- writing ---- */

static void envelope_begin(struct sbuf *sb)
{
	sbuf_adds(sb,
			"<?xml version=\"1.0\" encoding=\"utf-8\"?>"
			"<soap:Envelope xmlns:soap=\"" SOAP_ENV_NS "\"><soap:Body>");
}

static void envelope_end(struct sbuf *sb)
{
	sbuf_adds(sb, "</soap:Body></soap:Envelope>");
}

void soap_response_begin(struct sbuf *sb, const char *op)
{
	envelope_begin(sb);
	sbuf_printf(sb, "<%sResponse xmlns=\"" SOAP_SERVICE_NS "\"><%sResult>", op, op);
}

void soap_response_end(struct sbuf *sb, const char *op)
{
	sbuf_printf(sb, "</%sResult></%sResponse>", op, op);
	envelope_end(sb);
}

void soap_response(struct sbuf *sb, const char *op, const char *result)
{
	soap_response_begin(sb, op);
	xccos_escape(sb, result, strlen(result), 0);
	soap_response_end(sb, op);
}

void soap_fault(struct sbuf *sb, int client, int status, const char *code, const char *msg)
{
	envelope_begin(sb);
	sbuf_printf(sb, "<soap:Fault><faultcode>soap:%s</faultcode><faultstring>",
			client ? "Client" : "Server");
	xccos_escape(sb, msg, strlen(msg), 0);
	sbuf_printf(sb, "</faultstring><detail><error status=\"%d\">", status);
	xccos_escape(sb, code, strlen(code), 0);
	sbuf_adds(sb, "</error></detail></soap:Fault>");
	envelope_end(sb);
}

/* ---- base64 ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Written in blocks of this many characters (a multiple of 4): one sbuf_add per block,
 * not per group of 4, which was a sixth of a DownloadChunk's time (bench scenario i). */
#define B64_BLOCK 4096

void soap_base64_encode(struct sbuf *sb, const unsigned char *p, size_t n)
{
	char out[B64_BLOCK];
	size_t i, o = 0;
	for(i = 0; i + 3 <= n; i += 3) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = b64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		out[o++] = b64[p[i + 2] & 63];
		if(o == sizeof(out)) {
			sbuf_add(sb, out, o);
			o = 0;
		}
	}
	/* o < B64_BLOCK and a multiple of 4: the last group fits */
	if(n - i == 1) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[(p[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if(n - i == 2) {
		out[o++] = b64[p[i] >> 2];
		out[o++] = b64[(p[i] & 3) << 4 | p[i + 1] >> 4];
		out[o++] = b64[(p[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	sbuf_add(sb, out, o);
}

/* Each byte's value in base64 (0-63), B64_SPACE for the white space a line break may
 * leave, B64_PAD for '=', B64_BAD for anything else: a table, because strchr() over
 * the alphabet was two thirds of an AppendChunk's time and a test per range mispredicts
 * on random data (bench scenario i). */
#define B64_SPACE 64
#define B64_PAD 65
#define B64_BAD 255
/* clang-format off */
static const unsigned char b64_dec[256] = {
	255, 255, 255, 255, 255, 255, 255, 255, 255,  64,  64, 255, 255,  64, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	 64, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255, 255, 255,  63,
	 52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  65, 255, 255,
	255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
	 15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255, 255,
	255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
	 41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
	255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};
/* clang-format on */

/* Whole groups of four data characters from in[*i] on, three bytes each, into out at
 * *n, until one holds anything else (white space, padding, a bad character) or fewer
 * than four are left: the common case of a chunk, at a group a step rather than a
 * character (bench scenario i). */
static void decode_groups(
		const unsigned char *in, size_t len, size_t *i, unsigned char *out, long *n)
{
	while(len - *i >= 4) {
		unsigned a = b64_dec[in[*i]], b = b64_dec[in[*i + 1]], c = b64_dec[in[*i + 2]],
			 d = b64_dec[in[*i + 3]];
		if((a | b | c | d) >= 64)
			return;
		unsigned v = a << 18 | b << 12 | c << 6 | d;
		out[*n] = (unsigned char)(v >> 16);
		out[*n + 1] = (unsigned char)(v >> 8);
		out[*n + 2] = (unsigned char)v;
		*n += 3;
		*i += 4;
	}
}

long soap_base64_decode(const char *in, size_t len, unsigned char *out)
{
	const unsigned char *u = (const unsigned char *)in;
	unsigned acc = 0;
	int bits = 0, pad = 0, in_group = 0; /* data characters of the group under way */
	long n = 0;
	size_t i = 0;

	while(i < len) {
		if(in_group == 0 && !pad)
			decode_groups(u, len, &i, out, &n);
		if(i == len)
			break;
		/* one character at a time until the group is whole again */
		unsigned v = b64_dec[u[i++]];
		if(v == B64_SPACE)
			continue;
		if(v == B64_PAD) {
			pad++;
			continue;
		}
		if(v == B64_BAD || pad)
			return -1; /* not base64, or data after the padding */
		acc = (acc << 6 | v) & 0xffffff;
		bits += 6;
		in_group = (in_group + 1) % 4;
		if(bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* whole groups of 4 only: 0, 2 or 3 characters in the last one with its padding */
	if(pad > 2 || (bits == 6) || (pad && (bits / 2 != pad)) || (acc & ((1u << bits) - 1)))
		return -1;
	return n;
}
