/*
 * xccos.c - see xccos.h.
 *
 * Parsing safety: the body of a client INFO is untrusted; it is read by
 * xmlsafe_read() (xmlsafe.h: size checked first, no DOCTYPE, no entity expansion,
 * no network, UTF-8 forced).
 */
#define _GNU_SOURCE /* memmem */
#include "xccos.h"
#include "metrics.h"
#include "xmlsafe.h"
#include "pchat_log.h"
#include "util.h"
#include "../common/pchat_text.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

/* ---- the response code table ---- */

static const struct {
	int code;
	const char *token;
} resp_tokens[] = {
		{XC_OK, "SUCCESS_OK"},
		{XC_BAD_REQUEST, "ERR_BAD_REQUEST"},
		{XC_ACCESS_DENIED, "ERR_ACCESS_DENIED"},
		{XC_NOT_FOUND, "ERR_NOT_FOUND"},
		{XC_TOO_LARGE, "ERR_TOO_LARGE"},
		{XC_ROOM_DISABLED, "ERR_ROOM_DISABLED"},
		{XC_INTERNAL, "ERR_INTERNAL"},
		{XC_NOT_IMPLEMENTED, "ERR_NOT_IMPLEMENTED"},
		{XC_UNAVAILABLE, "ERR_UNAVAILABLE"},
};

const char *xccos_resp_token(int code)
{
	size_t i;
	for(i = 0; i < sizeof(resp_tokens) / sizeof(resp_tokens[0]); i++) {
		if(resp_tokens[i].code == code)
			return resp_tokens[i].token;
	}
	return "ERR_INTERNAL";
}

/* ---- libxml2 set-up ---- */

void xccos_init(void)
{
	LIBXML_TEST_VERSION;
	xmlInitParser();
	xmlsafe_log_errors();
}

void xccos_cleanup(void)
{
	xmlCleanupParser();
}

/* ---- parsing ---- */

static int is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *first_elem(xmlNode *n)
{
	for(; n; n = n->next) {
		if(n->type == XML_ELEMENT_NODE)
			return n;
	}
	return NULL;
}

static xmlNode *child_elem(xmlNode *parent, const char *name)
{
	xmlNode *n;
	for(n = parent->children; n; n = n->next) {
		if(is_elem(n, name))
			return n;
	}
	return NULL;
}

/* The attribute's value as our own string, or NULL. */
static char *attr_dup(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *s;
	if(v == NULL)
		return NULL;
	s = xstrdup((const char *)v);
	xmlFree(v);
	return s;
}

static void fail(char *why, size_t whylen, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
static void fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static void parse_chanid(struct xccos_req *req, xmlNode *n)
{
	struct xccos_chanid *c;
	if(req->nchanids >= XCCOS_MAX_CHANIDS)
		return;
	if(req->chanids == NULL)
		req->chanids = xcalloc(XCCOS_MAX_CHANIDS, sizeof(*req->chanids));
	c = &req->chanids[req->nchanids++];
	c->domain = attr_dup(n, "domain");
	c->value = attr_dup(n, "value");
}

/* A positive whole number attribute of n, or -1. */
static long attr_positive(xmlNode *n, const char *name, unsigned long long max)
{
	unsigned long long v;
	char *s = attr_dup(n, name);
	long r = -1;
	if(parse_uint(s, max, &v) == 0 && v > 0)
		r = (long)v;
	free(s);
	return r;
}

/* <bcq><last cnt="N"/></bcq> (sipe), or our paging form
 * <bcq><before msgid="ID" cnt="N"/></bcq>: the N messages older than ID. */
static void parse_bcq(struct xccos_req *req, xmlNode *bcq)
{
	xmlNode *last = child_elem(bcq, "last"), *before = child_elem(bcq, "before");
	if(last)
		req->bcq_last = attr_positive(last, "cnt", 1000000);
	if(before) {
		req->bcq_before = attr_positive(before, "msgid", (unsigned long long)INT64_MAX);
		if(req->bcq_last < 0)
			req->bcq_last = attr_positive(before, "cnt", 1000000);
	}
}

/* <srch xmlns="urn:pchat:xml:ns:search" text author since until before cnt/> (ours) */
static void parse_srch(struct xccos_req *req, xmlNode *n)
{
	req->has_srch = 1;
	req->srch_text = attr_dup(n, "text");
	req->srch_author = attr_dup(n, "author");
	req->srch_since = attr_dup(n, "since");
	req->srch_until = attr_dup(n, "until");
	req->srch_before = attr_positive(n, "before", (unsigned long long)INT64_MAX);
	req->srch_cnt = attr_positive(n, "cnt", 1000000);
}

/* <feed xmlns="urn:pchat:xml:ns:feeds" op words author id cnt/> (ours) */
static void parse_feed(struct xccos_req *req, xmlNode *n)
{
	req->has_feed = 1;
	req->feed_op = attr_dup(n, "op");
	req->feed_words = attr_dup(n, "words");
	req->feed_author = attr_dup(n, "author");
	req->feed_id = attr_positive(n, "id", (unsigned long long)INT64_MAX);
	req->feed_cnt = attr_positive(n, "cnt", 1000000);
}

static void parse_pref(struct xccos_req *req, xmlNode *n)
{
	char *cd = attr_dup(n, "createdefault");
	req->has_pref = 1;
	req->pref_label = attr_dup(n, "label");
	req->pref_content = attr_dup(n, "content");
	req->pref_createdefault = cd && strcmp(cd, "true") == 0;
	free(cd);
}

/* Does any attribute of n or its descendants contain "manager" (any case)? */
static int mentions_manager(xmlNode *n)
{
	for(; n; n = n->next) {
		xmlAttr *a;
		if(n->type != XML_ELEMENT_NODE)
			continue;
		for(a = n->properties; a; a = a->next) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
			int hit = strcasestr((const char *)a->name, "manager") != NULL ||
					(v && strcasestr((const char *)v, "manager") != NULL);
			xmlFree(v);
			if(hit)
				return 1;
		}
		if(mentions_manager(n->children))
			return 1;
	}
	return 0;
}

/* Collects the arguments of any command from the children of <data>. */
static void parse_cmd_data(struct xccos_req *req, xmlNode *data)
{
	xmlNode *n;
	for(n = data->children; n; n = n->next) {
		if(is_elem(n, "chanid"))
			parse_chanid(req, n);
		else if(is_elem(n, "chanib") && req->chanib_uri == NULL)
			req->chanib_uri = attr_dup(n, "uri");
		else if(is_elem(n, "bcq") && req->bcq_last < 0)
			parse_bcq(req, n);
		else if(is_elem(n, "qib") && req->qtype == NULL && req->criteria == NULL) {
			req->qtype = attr_dup(n, "qtype");
			req->criteria = attr_dup(n, "criteria");
		} else if(is_elem(n, "sib") && req->info_type == NULL && req->sib_domain == NULL) {
			req->info_type = attr_dup(n, "infoType");
			req->sib_domain = attr_dup(n, "domain");
		} else if(is_elem(n, "pref") && !req->has_pref)
			parse_pref(req, n);
		else if(is_elem(n, "ftdb") && !req->has_ftdb) {
			req->has_ftdb = 1;
			req->ftdb_chan_uri = attr_dup(n, "channelUri");
			req->ftdb_file_url = attr_dup(n, "fileUrl");
		} else if(is_elem(n, "srch") && !req->has_srch)
			parse_srch(req, n);
		else if(is_elem(n, "feed") && !req->has_feed)
			parse_feed(req, n);
		else if(is_elem(n, "inv") && req->invite_id == NULL)
			req->invite_id = attr_dup(n, "inviteId");
	}
	req->mentions_manager = mentions_manager(data->children);
}

static int parse_cmd(struct xccos_req *req, xmlNode *cmd, char *why, size_t whylen)
{
	xmlNode *data;
	req->kind = XCCOS_CMD;
	req->id = attr_dup(cmd, "id");
	req->seqid = attr_dup(cmd, "seqid");
	if(req->seqid == NULL)
		req->seqid = xstrdup("0");
	if(req->id == NULL || strncmp(req->id, "cmd:", 4) != 0 || req->id[4] == '\0') {
		fail(why, whylen, "cmd needs an id of the form cmd:<name>");
		return -1;
	}
	data = child_elem(cmd, "data");
	if(data)
		parse_cmd_data(req, data);
	return 0;
}

static int parse_grpchat(struct xccos_req *req, xmlNode *g)
{
	xmlNode *chat = child_elem(g, "chat");
	req->kind = XCCOS_GRPCHAT;
	req->id = attr_dup(g, "id");
	req->seqid = attr_dup(g, "seqid");
	if(req->seqid == NULL)
		req->seqid = xstrdup("1");
	req->chan_uri = attr_dup(g, "chanUri");
	req->author = attr_dup(g, "author");
	req->ts = attr_dup(g, "ts");
	if(chat) {
		/* Entity references and CDATA come back decoded; we re-escape on output. */
		xmlChar *t = xmlNodeGetContent(chat);
		req->has_chat = 1;
		req->text = xstrdup(t ? (const char *)t : "");
		xmlFree(t);
	} else {
		req->text = xstrdup("");
	}
	req->text_len = strlen(req->text);
	return 0;
}

/* Checks the root element: <xccos>, in no namespace or the XCCOS one. */
static int check_root(xmlNode *root, char *why, size_t whylen)
{
	if(root == NULL || strcmp((const char *)root->name, "xccos") != 0) {
		fail(why, whylen, "root element is not <xccos>");
		return -1;
	}
	if(root->ns && root->ns->href && strcmp((const char *)root->ns->href, XCCOS_NS) != 0) {
		fail(why, whylen, "unexpected namespace on <xccos>");
		return -1;
	}
	return 0;
}

static int parse_doc(xmlDoc *doc, struct xccos_req *req, char *why, size_t whylen)
{
	xmlNode *root = xmlDocGetRootElement(doc), *item;
	char *envid;

	if(check_root(root, why, whylen) < 0)
		return -1;
	envid = attr_dup(root, "envid");
	if(envid) {
		free(req->envid);
		req->envid = envid;
	}
	item = first_elem(root->children);
	if(item == NULL) {
		fail(why, whylen, "envelope has no item");
		return -1;
	}
	if(is_elem(item, "cmd"))
		return parse_cmd(req, item, why, whylen);
	if(is_elem(item, "grpchat"))
		return parse_grpchat(req, item);
	fail(why, whylen, "unsupported item <%.40s>", (const char *)item->name);
	return -1;
}

/*
 * For the rpl:error of an envelope we do not parse: its envid, if the start tag
 * plainly carries one (<xccos ... envid="digits" ...>, within the first bytes).
 */
static char *scan_envid(const char *buf, size_t len)
{
	size_t lim = len < 512 ? len : 512;
	const char *tag = memmem(buf, lim, "<xccos", 6), *end, *p, *q;
	if(tag == NULL)
		return NULL;
	end = memchr(tag, '>', lim - (size_t)(tag - buf));
	if(end == NULL)
		end = buf + lim;
	p = memmem(tag, (size_t)(end - tag), " envid=\"", 8);
	if(p == NULL)
		return NULL;
	p += 8;
	for(q = p; q < end && q - p < 20 && isdigit((unsigned char)*q); q++)
		;
	if(q == p || q >= end || *q != '"')
		return NULL;
	return xstrndup(p, (size_t)(q - p));
}

static int parse(const char *buf, size_t len, size_t max_bytes, struct xccos_req *req, char *why,
		size_t whylen)
{
	xmlDoc *doc;
	int rc;

	memset(req, 0, sizeof(*req));
	req->envid = xstrdup("0");
	req->bcq_last = -1;
	req->bcq_before = -1;
	req->srch_before = -1;
	req->srch_cnt = -1;
	req->feed_id = -1;
	req->feed_cnt = -1;
	doc = xmlsafe_read(buf, len, max_bytes, "envelope", why, whylen);
	if(doc == NULL)
		return -1;
	rc = parse_doc(doc, req, why, whylen);
	xmlFreeDoc(doc);
	return rc;
}

int xccos_parse(const char *buf, size_t len, size_t max_bytes, struct xccos_req *req, char *why,
		size_t whylen)
{
	char *envid;
	if(parse(buf, len, max_bytes, req, why, whylen) == 0)
		return 0;
	if(strcmp(req->envid, "0") == 0 && (envid = scan_envid(buf, len)) != NULL) {
		free(req->envid);
		req->envid = envid;
	}
	return -1;
}

void xccos_req_free(struct xccos_req *req)
{
	size_t i;
	for(i = 0; i < req->nchanids; i++) {
		free(req->chanids[i].domain);
		free(req->chanids[i].value);
	}
	free(req->chanids);
	free(req->envid);
	free(req->id);
	free(req->seqid);
	free(req->chanib_uri);
	free(req->qtype);
	free(req->criteria);
	free(req->info_type);
	free(req->sib_domain);
	free(req->pref_label);
	free(req->pref_content);
	free(req->ftdb_chan_uri);
	free(req->ftdb_file_url);
	free(req->srch_text);
	free(req->srch_author);
	free(req->srch_since);
	free(req->srch_until);
	free(req->feed_op);
	free(req->feed_words);
	free(req->feed_author);
	free(req->invite_id);
	free(req->chan_uri);
	free(req->author);
	free(req->ts);
	free(req->text);
	memset(req, 0, sizeof(*req));
}

/* ---- building ---- */

void xccos_escape(struct sbuf *sb, const char *s, size_t len, int in_attr)
{
	size_t i = 0, start = 0, bad = 0;
	while(i < len) {
		unsigned char ch = (unsigned char)s[i];
		const char *rep;
		size_t n = 1;
		int ok = 1;
		switch(ch) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\r': rep = "&#13;"; break;
			case '\n': rep = in_attr ? "&#10;" : NULL; break;
			case '\t': rep = in_attr ? "&#9;" : NULL; break;
			default:
				/* Printable ASCII, the common case, needs no decoding. */
				if(ch < 0x20 || ch >= 0x80)
					n = pchat_text_next(s + i, len - i, &ok);
				rep = ok ? NULL : PCHAT_TEXT_REPLACEMENT;
				bad += !ok;
				break;
		}
		if(rep != NULL) {
			sbuf_add(sb, s + start, i - start);
			sbuf_adds(sb, rep);
			start = i + n;
		}
		i += n;
	}
	sbuf_add(sb, s + start, len - start);
	if(bad == 0)
		return;
	/* Attribute values are names, topics and URIs, worth showing to find the row;
	 * element text is a message body, which stays out of the log. */
	if(in_attr) {
		char shown[48];
		log_warn("xccos: characters XML 1.0 cannot carry replaced with U+FFFD count=%zu "
			 "value=%s",
				bad, log_value(shown, sizeof(shown), s, len));
	} else {
		log_warn("xccos: characters XML 1.0 cannot carry replaced with U+FFFD count=%zu "
			 "bytes=%zu",
				bad, len);
	}
}

void xccos_attr(struct sbuf *sb, const char *name, const char *value)
{
	sbuf_addc(sb, ' ');
	sbuf_adds(sb, name);
	sbuf_adds(sb, "=\"");
	if(value)
		xccos_escape(sb, value, strlen(value), 1);
	sbuf_addc(sb, '"');
}

/* The envelope's start tag is these two around the envid's digits. */
#define ENVELOPE_OPEN "<xccos ver=\"1\" envid=\""
#define ENVELOPE_CLOSE "\" xmlns=\"" XCCOS_NS "\">"

size_t xccos_envelope_head(char *buf, uint64_t envid)
{
	int n = snprintf(buf, XCCOS_HEAD_MAX, ENVELOPE_OPEN "%" PRIu64 ENVELOPE_CLOSE, envid);
	return (size_t)n;
}

size_t xccos_envelope_template(struct sbuf *sb, const char *items, size_t len)
{
	size_t split;
	sbuf_adds(sb, ENVELOPE_OPEN);
	split = sb->len;
	sbuf_adds(sb, ENVELOPE_CLOSE);
	sbuf_add(sb, items, len);
	sbuf_adds(sb, XCCOS_ENVELOPE_TAIL);
	return split;
}

void xccos_envelope(struct sbuf *sb, uint64_t envid, const char *items, size_t len)
{
	char head[XCCOS_HEAD_MAX];
	sbuf_add(sb, head, xccos_envelope_head(head, envid));
	sbuf_add(sb, items, len);
	sbuf_adds(sb, XCCOS_ENVELOPE_TAIL);
}

void xccos_rpl_begin(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		int code)
{
	sbuf_adds(sb, "<rpl id=\"rpl:");
	xccos_escape(sb, name, strlen(name), 1);
	sbuf_addc(sb, '"');
	xccos_attr(sb, "seqid", seqid);
	sbuf_adds(sb, "><commandid");
	xccos_attr(sb, "seqid", seqid);
	xccos_attr(sb, "envid", cmd_envid);
	sbuf_printf(sb, "/><resp code=\"%d\">%s</resp>", code, xccos_resp_token(code));
	if(code != XC_OK) /* the tokens are the table's: a bounded set */
		metric_add(&m_xccos_errors, xccos_resp_token(code), NULL, 1);
}

void xccos_rpl_end(struct sbuf *sb)
{
	sbuf_adds(sb, "</rpl>");
}

void xccos_build_rpl_empty(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, int code)
{
	xccos_rpl_begin(sb, name, seqid, cmd_envid, code);
	sbuf_adds(sb, "<data/>");
	xccos_rpl_end(sb);
}

/* A reply whose data is one empty element with one attribute: <data><elem attr=".."/>. */
static void rpl_one_elem(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, int code, const char *elem, const char *attr,
		const char *value)
{
	xccos_rpl_begin(sb, name, seqid, cmd_envid, code);
	sbuf_printf(sb, "<data><%s", elem);
	xccos_attr(sb, attr, value);
	sbuf_adds(sb, "/></data>");
	xccos_rpl_end(sb);
}

void xccos_build_rpl_reason(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, int code, const char *reason)
{
	rpl_one_elem(sb, name, seqid, cmd_envid, code, "error", "reason", reason);
}

void xccos_build_error(struct sbuf *sb, const char *cmd_envid, const char *reason)
{
	rpl_one_elem(sb, "error", "0", cmd_envid, XC_BAD_REQUEST, "error", "reason", reason);
}

void xccos_build_requri(
		struct sbuf *sb, const char *seqid, const char *cmd_envid, const char *channel_uri)
{
	rpl_one_elem(sb, "requri", seqid, cmd_envid, XC_OK, "uib", "uri", channel_uri);
}

/* <aib key value="ids"/> of a joined room's operators (op) or other users; nothing
 * if there are none. */
static void roster_aib(struct sbuf *sb, const struct xccos_join_room *r, int op)
{
	size_t i, n = 0;
	for(i = 0; i < r->nids; i++) {
		if(!r->op[i] != !op)
			continue;
		if(n++ == 0)
			sbuf_printf(sb, "<aib key=\"%s\" value=\"",
					op ? XCCOS_AIB_OPERATOR : XCCOS_AIB_MEMBER);
		sbuf_printf(sb, n > 1 ? ",%zu" : "%zu", r->ids[i]);
	}
	if(n > 0)
		sbuf_adds(sb, "\"/>");
}

void xccos_build_join(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		const char *const *users, size_t nusers, const struct xccos_join_room *rooms,
		size_t nrooms, const struct xccos_join_fail *fails, size_t nfails)
{
	size_t i, j;
	xccos_rpl_begin(sb, name, seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data>");
	for(i = 0; i < nusers; i++) {
		sbuf_printf(sb, "<uib id=\"%zu\"", i);
		xccos_attr(sb, "uri", users[i]);
		sbuf_adds(sb, "/>");
	}
	for(j = 0; j < nrooms; j++) {
		const struct xccos_join_room *r = &rooms[j];
		sbuf_adds(sb, "<chanib");
		xccos_attr(sb, "uri", r->info->uri);
		xccos_attr(sb, "name", r->info->name);
		xccos_attr(sb, "topic", r->info->topic);
		sbuf_adds(sb, ">");
		roster_aib(sb, r, 0);
		roster_aib(sb, r, 1);
		sbuf_adds(sb, "</chanib>");
	}
	for(j = 0; j < nfails; j++) {
		sbuf_adds(sb, "<fib");
		xccos_attr(sb, "key", fails[j].key);
		xccos_attr(sb, "domain", fails[j].domain);
		xccos_attr(sb, "value", fails[j].value);
		sbuf_adds(sb, "/>");
	}
	sbuf_adds(sb, "</data>");
	xccos_rpl_end(sb);
}

void xccos_build_part(struct sbuf *sb, const char *seqid, const char *cmd_envid, int code,
		const char *chan_uri)
{
	rpl_one_elem(sb, "part", seqid, cmd_envid, code, "chanib", "uri", chan_uri);
}

void xccos_build_ntc_join(struct sbuf *sb, const char *ntc, const char *user, const char *domain,
		const char *chan_id, int op)
{
	sbuf_adds(sb, "<ntc");
	xccos_attr(sb, "id", ntc);
	sbuf_adds(sb, "><data><uib id=\"0\"");
	xccos_attr(sb, "uri", user);
	sbuf_adds(sb, "><aib");
	xccos_attr(sb, "key", op ? XCCOS_AIB_OPERATOR : XCCOS_AIB_MEMBER);
	xccos_attr(sb, "domain", domain);
	xccos_attr(sb, "value", chan_id);
	sbuf_adds(sb, "/></uib></data></ntc>");
}

void xccos_build_ntc_part(struct sbuf *sb, const char *chan_uri, const char *user)
{
	sbuf_adds(sb, "<ntc id=\"ntc:part\"><data><chanib");
	xccos_attr(sb, "uri", chan_uri);
	sbuf_adds(sb, "><uib");
	xccos_attr(sb, "uri", user);
	sbuf_adds(sb, "/></chanib></data></ntc>");
}

/* The attributes and <chat> child shared by grpchat and history msg. */
static void chat_body(struct sbuf *sb, const struct xccos_chat *m)
{
	xccos_attr(sb, "chanUri", m->chan_uri);
	xccos_attr(sb, "author", m->author);
	xccos_attr(sb, "ts", m->ts);
	sbuf_printf(sb, " msgid=\"%" PRIu64 "\"><chat>", m->msgid);
	xccos_escape(sb, m->text, m->text_len, 0);
	sbuf_adds(sb, "</chat>");
}

void xccos_build_ntc_msgchg(struct sbuf *sb, const struct xccos_chat *m, int replaced)
{
	sbuf_adds(sb, "<ntc id=\"ntc:msgchg\"><data><msgchg xmlns=\"" XCCOS_MSGCHG_NS "\"");
	xccos_attr(sb, "action", replaced ? "replaced" : "removed");
	chat_body(sb, m);
	sbuf_adds(sb, "</msgchg></data></ntc>");
}

void xccos_build_grpchat(struct sbuf *sb, const struct xccos_chat *m)
{
	sbuf_adds(sb, "<grpchat id=\"grpchat\" seqid=\"1\"");
	chat_body(sb, m);
	sbuf_adds(sb, "</grpchat>");
}

void xccos_build_refusal_notice(struct sbuf *sb, const char *chan_uri, const char *author,
		const char *ts, const char *text)
{
	sbuf_adds(sb, "<grpchat id=\"grpchat\" seqid=\"1\"");
	xccos_attr(sb, "chanUri", chan_uri);
	xccos_attr(sb, "author", author);
	xccos_attr(sb, "ts", ts);
	sbuf_adds(sb, " notice=\"refused\"><chat>");
	xccos_escape(sb, text, strlen(text), 0);
	sbuf_adds(sb, "</chat></grpchat>");
}

void xccos_build_bccontext(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const char *chan_uri, const struct xccos_chat *msgs, size_t n)
{
	size_t i;
	xccos_rpl_begin(sb, "bccontext", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><chanib");
	xccos_attr(sb, "uri", chan_uri);
	sbuf_adds(sb, ">");
	for(i = 0; i < n; i++) {
		sbuf_adds(sb, "<msg id=\"grpchat\"");
		chat_body(sb, &msgs[i]);
		sbuf_adds(sb, "</msg>");
	}
	sbuf_adds(sb, "</chanib></data>");
	xccos_rpl_end(sb);
}

void xccos_build_search(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_chat *msgs, size_t n, int more, uint64_t before)
{
	xccos_rpl_begin(sb, "search", seqid, cmd_envid, XC_OK);
	sbuf_printf(sb,
			"<data><srchres xmlns=\"" XCCOS_SEARCH_NS "\" more=\"%s\" before=\"%" PRIu64
			"\">",
			more ? "true" : "false", before);
	for(size_t i = 0; i < n; i++) {
		sbuf_adds(sb, "<msg id=\"grpchat\"");
		chat_body(sb, &msgs[i]);
		sbuf_adds(sb, "</msg>");
	}
	sbuf_adds(sb, "</srchres></data>");
	xccos_rpl_end(sb);
}

void xccos_build_feeds(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_feed *feeds, size_t n)
{
	xccos_rpl_begin(sb, "feed", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><feeds xmlns=\"" XCCOS_FEEDS_NS "\">");
	for(size_t i = 0; i < n; i++) {
		sbuf_printf(sb, "<feed id=\"%" PRIu64 "\"", feeds[i].id);
		xccos_attr(sb, "words", feeds[i].words);
		xccos_attr(sb, "room", feeds[i].room_uri);
		xccos_attr(sb, "author", feeds[i].author);
		sbuf_adds(sb, "/>");
	}
	sbuf_adds(sb, "</feeds></data>");
	xccos_rpl_end(sb);
}

void xccos_build_alerts(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_chat *msgs, const uint64_t *feed_ids, size_t n)
{
	xccos_rpl_begin(sb, "feed", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><alerts xmlns=\"" XCCOS_FEEDS_NS "\">");
	for(size_t i = 0; i < n; i++) {
		sbuf_printf(sb, "<alert feed=\"%" PRIu64 "\"><msg id=\"grpchat\"", feed_ids[i]);
		chat_body(sb, &msgs[i]);
		sbuf_adds(sb, "</msg></alert>");
	}
	sbuf_adds(sb, "</alerts></data>");
	xccos_rpl_end(sb);
}

static void chansrch_room(struct sbuf *sb, const struct xccos_room_info *r)
{
	sbuf_adds(sb, "<chanib");
	xccos_attr(sb, "uri", r->uri);
	xccos_attr(sb, "name", r->name);
	xccos_attr(sb, "description", r->description);
	sbuf_printf(sb, "><info id=\"urn:parlano:ma:info:ucnt\">%u</info>", r->ucnt);
	if(r->has_unread) /* ours (docs/XCCOS.md): new messages since the read position */
		sbuf_printf(sb, "<info id=\"urn:parlano:ma:info:unread\">%u</info>", r->unread);
	/* "visibilty" (sic): the spelling sipe matches. */
	sbuf_printf(sb, "<info id=\"urn:parlano:ma:info:visibilty\">%s</info>",
			r->is_private ? "private" : "public");
	sbuf_printf(sb,
			"<prop id=\"urn:parlano:ma:prop:logged\">%s</prop>"
			"<prop id=\"urn:parlano:ma:prop:invite\">%s</prop>"
			"<prop id=\"urn:parlano:ma:prop:filepost\">%s</prop></chanib>",
			r->logged ? "true" : "false", r->invite ? "true" : "false",
			r->filepost ? "true" : "false");
}

void xccos_build_chansrch(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_room_info *rooms, size_t n)
{
	xccos_build_room_list(sb, "chansrch", seqid, cmd_envid, rooms, n);
}

void xccos_build_room_list(struct sbuf *sb, const char *name, const char *seqid,
		const char *cmd_envid, const struct xccos_room_info *rooms, size_t n)
{
	size_t i;
	xccos_rpl_begin(sb, name, seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data>");
	for(i = 0; i < n; i++)
		chansrch_room(sb, &rooms[i]);
	sbuf_adds(sb, "</data>");
	xccos_rpl_end(sb);
}

void xccos_build_serverinfo(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_server_info *si)
{
	xccos_rpl_begin(sb, "getserverinfo", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><sib");
	xccos_attr(sb, "infoType", si->info_type);
	xccos_attr(sb, "serverTime", si->server_time);
	sbuf_printf(sb, " searchLimit=\"%u\" messageSizeLimit=\"%u\" storySizeLimit=\"%u\"",
			si->search_limit, si->message_size_limit, si->story_size_limit);
	xccos_attr(sb, "rootUri", si->root_uri);
	xccos_attr(sb, "dbVersion", si->db_version);
	sbuf_printf(sb, " DefaultChatHistory=\"%u\" bccontextLimit=\"%u\"/></data>",
			si->default_chat_history, si->bccontext_limit);
	xccos_rpl_end(sb);
}

void xccos_build_pref(struct sbuf *sb, const char *name, const char *seqid, const char *cmd_envid,
		const char *label, unsigned long long pref_seqid, const char *content)
{
	xccos_rpl_begin(sb, name, seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><pref");
	xccos_attr(sb, "label", label);
	sbuf_printf(sb, " seqid=\"%llu\"", pref_seqid);
	if(content)
		xccos_attr(sb, "content", content);
	sbuf_adds(sb, "/></data>");
	xccos_rpl_end(sb);
}

void xccos_build_ftok(struct sbuf *sb, const char *seqid, const char *cmd_envid, const char *token,
		const char *serveruri)
{
	xccos_rpl_begin(sb, XCCOS_FTOK_RPL, seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data><token");
	xccos_attr(sb, "token", token);
	xccos_attr(sb, "serveruri", serveruri);
	sbuf_adds(sb, "/></data>");
	xccos_rpl_end(sb);
}

void xccos_build_getinv(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_invitation *inv, size_t n)
{
	size_t i;
	xccos_rpl_begin(sb, "getinv", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data>");
	for(i = 0; i < n; i++) {
		sbuf_printf(sb, "<inv inviteId=\"%llu\"", (unsigned long long)inv[i].id);
		xccos_attr(sb, "chanUri", inv[i].chan_uri);
		xccos_attr(sb, "name", inv[i].name);
		xccos_attr(sb, "inviter", inv[i].inviter);
		xccos_attr(sb, "ts", inv[i].ts);
		sbuf_adds(sb, "/>");
	}
	sbuf_adds(sb, "</data>");
	xccos_rpl_end(sb);
}

void xccos_build_categories(struct sbuf *sb, const char *seqid, const char *cmd_envid,
		const struct xccos_category *cats, size_t n)
{
	size_t i;
	xccos_rpl_begin(sb, "nodespermcreatechild", seqid, cmd_envid, XC_OK);
	sbuf_adds(sb, "<data>");
	for(i = 0; i < n; i++) {
		sbuf_adds(sb, "<catib");
		xccos_attr(sb, "uri", cats[i].uri);
		xccos_attr(sb, "name", cats[i].name);
		xccos_attr(sb, "description", cats[i].description);
		sbuf_adds(sb, "/>");
	}
	sbuf_adds(sb, "</data>");
	xccos_rpl_end(sb);
}
