/* xccos_view: see xccos_view.h. */
#define _GNU_SOURCE
#include "xccos_view.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

static char *dupx(const xmlChar *s)
{
	return s ? strdup((const char *)s) : NULL;
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *r = dupx(v);
	xmlFree(v);
	return r;
}

static int is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr first_child(xmlNodePtr parent, const char *name)
{
	for(xmlNodePtr c = parent ? parent->children : NULL; c; c = c->next)
		if(is_elem(c, name))
			return c;
	return NULL;
}

static char *text_of(xmlNodePtr n)
{
	if(!n)
		return strdup("");
	xmlChar *t = xmlNodeGetContent(n);
	char *r = t ? strdup((const char *)t) : strdup("");
	xmlFree(t);
	return r;
}

static void msg_from_node(xv_msg *m, xmlNodePtr n)
{
	m->chan_uri = attr(n, "chanUri");
	m->author = attr(n, "author");
	m->ts = attr(n, "ts");
	m->text = text_of(first_child(n, "chat"));
	m->msgid = attr(n, "msgid");
	m->action = attr(n, "action");
	m->notice = attr(n, "notice");
	m->feed = NULL;
}

static void msg_free(xv_msg *m)
{
	free(m->chan_uri);
	free(m->author);
	free(m->ts);
	free(m->text);
	free(m->msgid);
	free(m->action);
	free(m->notice);
	free(m->feed);
}

static void push_feed(xv_envelope *e, xmlNodePtr n)
{
	xv_feed *v = realloc(e->feeds, (e->nfeeds + 1) * sizeof *v);
	if(!v)
		return;
	e->feeds = v;
	e->feeds[e->nfeeds++] = (xv_feed){
			attr(n, "id"), attr(n, "words"), attr(n, "room"), attr(n, "author")};
}

/* <feeds><feed/>...</feeds> or <alerts><alert feed><msg/></alert>...</alerts>. */
static void parse_feeds(xv_envelope *e, xmlNodePtr c);

/* The chanib's <prop id="ID">true|false</prop>: 1, 0, or -1 if absent. */
static int prop_bool(xmlNodePtr chanib, const char *id)
{
	int v = -1;
	for(xmlNodePtr p = chanib->children; p && v < 0; p = p->next) {
		if(!is_elem(p, "prop"))
			continue;
		char *pid = attr(p, "id");
		if(pid && strcasecmp(pid, id) == 0) {
			char *t = text_of(p);
			v = t && strcasecmp(t, "true") == 0;
			free(t);
		}
		free(pid);
	}
	return v;
}

static int push_room(xv_envelope *e, char *uri, xmlNodePtr chanib)
{
	xv_room *r = realloc(e->rooms, (e->nrooms + 1) * sizeof *r);
	if(!r) {
		free(uri);
		return -1;
	}
	e->rooms = r;
	r = &e->rooms[e->nrooms++];
	memset(r, 0, sizeof *r);
	r->uri = uri;
	r->filepost = -1;
	if(chanib) {
		r->name = attr(chanib, "name");
		r->description = attr(chanib, "description");
		r->topic = attr(chanib, "topic");
		r->filepost = prop_bool(chanib, "urn:parlano:ma:prop:filepost");
	}
	return 0;
}

static int push_user(xv_envelope *e, char *uri)
{
	if(!uri)
		return 0;
	char **u = realloc(e->users, (e->nusers + 1) * sizeof *u);
	if(!u) {
		free(uri);
		return -1;
	}
	e->users = u;
	e->users[e->nusers++] = uri;
	return 0;
}

static int push_msg(xv_envelope *e, xmlNodePtr n)
{
	xv_msg *m = realloc(e->msgs, (e->nmsgs + 1) * sizeof *m);
	if(!m)
		return -1;
	e->msgs = m;
	msg_from_node(&e->msgs[e->nmsgs++], n);
	return 0;
}

static void parse_feeds(xv_envelope *e, xmlNodePtr c)
{
	for(xmlNodePtr n = c->children; n; n = n->next) {
		if(is_elem(n, "feed"))
			push_feed(e, n);
		else if(is_elem(n, "alert")) {
			xmlNodePtr m = first_child(n, "msg");
			if(m && push_msg(e, m) == 0)
				e->msgs[e->nmsgs - 1].feed = attr(n, "feed");
		}
	}
}

static void read_data(xv_envelope *e, xmlNodePtr item)
{
	xmlNodePtr data = first_child(item, "data");
	if(!data)
		return;
	int first_chanib = 1;
	for(xmlNodePtr c = data->children; c; c = c->next) {
		if(is_elem(c, "uib")) {
			push_user(e, attr(c, "uri"));
			/* ntc:join / ntc:bjoin: rooms are aib children with domain + value */
			for(xmlNodePtr a = c->children; a; a = a->next) {
				if(!is_elem(a, "aib"))
					continue;
				char *d = attr(a, "domain"), *v = attr(a, "value");
				if(d && v) {
					size_t n = strlen(d) + strlen(v) + 16;
					char *uri = malloc(n);
					if(uri) {
						snprintf(uri, n, "ma-chan://%s/%s", d, v);
						int known = 0;
						for(size_t i = 0; i < e->nrooms; i++)
							if(strcmp(e->rooms[i].uri, uri) == 0)
								known = 1;
						if(known)
							free(uri);
						else
							push_room(e, uri, NULL);
					}
				}
				free(d);
				free(v);
			}
		} else if(is_elem(c, "error") && !e->error_reason) {
			e->error_reason = attr(c, "reason");
		} else if(is_elem(c, "token") && !e->token) {
			e->token = attr(c, "token");
			e->serveruri = attr(c, "serveruri");
		} else if(is_elem(c, "srchres")) {
			char *more = attr(c, "more");
			e->search_more = more && strcmp(more, "true") == 0;
			free(more);
			free(e->search_before);
			e->search_before = attr(c, "before");
			for(xmlNodePtr m = c->children; m; m = m->next)
				if(is_elem(m, "msg"))
					push_msg(e, m);
		} else if(is_elem(c, "msgchg")) {
			push_msg(e, c); /* ntc:msgchg: a moderated message */
		} else if(is_elem(c, "feeds") || is_elem(c, "alerts")) {
			parse_feeds(e, c);
		} else if(is_elem(c, "chanib")) {
			push_room(e, attr(c, "uri"), c);
			if(first_chanib) {
				first_chanib = 0;
				for(xmlNodePtr m = c->children; m; m = m->next) {
					if(is_elem(m, "msg")) {
						char *id = attr(m, "id");
						if(id && strcmp(id, "grpchat") == 0)
							push_msg(e, m);
						free(id);
					} else if(is_elem(m, "uib")) {
						push_user(e, attr(m, "uri")); /* ntc:part */
					}
				}
			}
		}
	}
}

xv_envelope *xv_parse(const char *body, size_t len)
{
	if(!body || len > (size_t)64 * 1024 * 1024)
		return NULL;
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "xccos.xml", "UTF-8",
			XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if(!doc)
		return NULL;
	xmlNodePtr root = xmlDocGetRootElement(doc);
	/* XCCOS never carries a DTD; refuse any, so no declared entity can be referenced. */
	if(doc->intSubset || doc->extSubset || !is_elem(root, "xccos")) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xv_envelope *e = calloc(1, sizeof *e);
	if(!e) {
		xmlFreeDoc(doc);
		return NULL;
	}
	e->resp_code = -1;
	e->envid = attr(root, "envid");
	xmlNodePtr item = NULL;
	for(xmlNodePtr c = root->children; c; c = c->next) {
		if(c->type != XML_ELEMENT_NODE)
			continue;
		e->nitems++;
		if(!item)
			item = c;
	}
	if(!item) {
		e->kind = XV_NONE;
		xmlFreeDoc(doc);
		return e;
	}
	const char *nm = (const char *)item->name;
	e->kind = !strcmp(nm, "cmd")		 ? XV_CMD
			: !strcmp(nm, "rpl")	 ? XV_RPL
			: !strcmp(nm, "ntc")	 ? XV_NTC
			: !strcmp(nm, "grpchat") ? XV_GRPCHAT
						 : XV_OTHER;
	e->id = attr(item, "id");
	e->seqid = attr(item, "seqid");
	xmlNodePtr resp = first_child(item, "resp");
	if(resp) {
		char *code = attr(resp, "code");
		e->resp_code = code ? atoi(code) : 0;
		free(code);
		e->resp_text = text_of(resp);
	}
	xmlNodePtr cid = first_child(item, "commandid");
	if(cid) {
		e->cmd_seqid = attr(cid, "seqid");
		e->cmd_envid = attr(cid, "envid");
	}
	if(e->kind == XV_GRPCHAT)
		msg_from_node(&e->chat, item);
	else
		read_data(e, item);
	xmlFreeDoc(doc);
	return e;
}

void xv_free(xv_envelope *e)
{
	if(!e)
		return;
	free(e->envid);
	free(e->id);
	free(e->seqid);
	free(e->resp_text);
	free(e->cmd_seqid);
	free(e->cmd_envid);
	free(e->error_reason);
	free(e->token);
	free(e->serveruri);
	free(e->search_before);
	msg_free(&e->chat);
	for(size_t i = 0; i < e->nrooms; i++) {
		free(e->rooms[i].uri);
		free(e->rooms[i].name);
		free(e->rooms[i].description);
		free(e->rooms[i].topic);
	}
	free(e->rooms);
	for(size_t i = 0; i < e->nusers; i++)
		free(e->users[i]);
	free(e->users);
	for(size_t i = 0; i < e->nmsgs; i++)
		msg_free(&e->msgs[i]);
	free(e->msgs);
	for(size_t i = 0; i < e->nfeeds; i++) {
		free(e->feeds[i].id);
		free(e->feeds[i].words);
		free(e->feeds[i].room);
		free(e->feeds[i].author);
	}
	free(e->feeds);
	free(e);
}

int xv_is(const xv_envelope *e, const char *id)
{
	return e && e->id && id && strcmp(e->id, id) == 0;
}

char *xv_escape(const char *s)
{
	if(!s)
		s = "";
	size_t n = 1;
	for(const char *p = s; *p; p++) {
		switch(*p) {
			case '&': n += 5; break;
			case '<':
			case '>': n += 4; break;
			case '"':
			case '\'': n += 6; break;
			case '\t':
			case '\n':
			case '\r': n += 5; break;
			default: n += 1;
		}
	}
	char *out = malloc(n), *o = out;
	if(!out)
		return NULL;
	for(const char *p = s; *p; p++) {
		const char *rep = NULL;
		switch(*p) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&apos;"; break;
			case '\t': rep = "&#9;"; break;
			case '\n': rep = "&#10;"; break;
			case '\r': rep = "&#13;"; break;
			default: *o++ = *p; continue;
		}
		size_t l = strlen(rep);
		memcpy(o, rep, l);
		o += l;
	}
	*o = '\0';
	return out;
}

void xv_now_ts(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int xv_split_chan_uri(const char *uri, char **domain, char **value)
{
	static const char pfx[] = "ma-chan://";
	*domain = *value = NULL;
	if(!uri || strncmp(uri, pfx, sizeof pfx - 1) != 0)
		return -1;
	const char *d = uri + sizeof pfx - 1;
	const char *slash = strchr(d, '/');
	if(!slash || slash == d || !slash[1])
		return -1;
	*domain = strndup(d, (size_t)(slash - d));
	*value = strdup(slash + 1);
	if(!*domain || !*value) {
		free(*domain);
		free(*value);
		*domain = *value = NULL;
		return -1;
	}
	return 0;
}

/* printf into a malloc'd string */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char *s = NULL;
	if(vasprintf(&s, f, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

char *xv_item_cmd(const char *name)
{
	char *n = xv_escape(name);
	char *r = n ? fmt("<cmd id=\"cmd:%s\" seqid=\"1\"><data/></cmd>", n) : NULL;
	free(n);
	return r;
}

char *xv_item_requri(void)
{
	return xv_item_cmd("requri");
}

char *xv_item_chansrch(const char *criteria)
{
	char *c = xv_escape(criteria ? criteria : "");
	char *r = c ? fmt("<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" "
			  "criteria=\"%s\" extended=\"false\"/></data></cmd>",
				      c)
		    : NULL;
	free(c);
	return r;
}

char *xv_item_join(const char *chan_uri)
{
	char *d, *v;
	if(xv_split_chan_uri(chan_uri, &d, &v) < 0)
		return NULL;
	char *de = xv_escape(d), *ve = xv_escape(v);
	char *r = (de && ve) ? fmt("<cmd id=\"cmd:join\" seqid=\"1\"><data><chanid key=\"0\" "
				   "domain=\"%s\" value=\"%s\"/></data></cmd>",
					       de, ve)
			     : NULL;
	free(d);
	free(v);
	free(de);
	free(ve);
	return r;
}

char *xv_item_part(const char *chan_uri)
{
	char *u = xv_escape(chan_uri);
	char *r = u ? fmt("<cmd id=\"cmd:part\" seqid=\"1\"><data><chanib uri=\"%s\"/></data>"
			  "</cmd>",
				      u)
		    : NULL;
	free(u);
	return r;
}

char *xv_item_bccontext(const char *chan_uri, int last)
{
	char *u = xv_escape(chan_uri);
	char *r = u ? fmt("<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"%s\"/>"
			  "<bcq><last cnt=\"%d\"/></bcq></data></cmd>",
				      u, last)
		    : NULL;
	free(u);
	return r;
}

char *xv_item_grpchat(const char *chan_uri, const char *author, const char *ts, const char *text)
{
	char now[32];
	if(!ts) {
		xv_now_ts(now, sizeof now);
		ts = now;
	}
	char *u = xv_escape(chan_uri), *a = author ? xv_escape(author) : NULL;
	char *t = xv_escape(ts), *x = xv_escape(text);
	char *r = NULL;
	if(u && t && x && (a || !author))
		r = fmt("<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"%s\"%s%s%s ts=\"%s\">"
			"<chat>%s</chat></grpchat>",
				u, a ? " author=\"" : "", a ? a : "", a ? "\"" : "", t, x);
	free(u);
	free(a);
	free(t);
	free(x);
	return r;
}

char *xv_item_ftdb(int upload, const char *chan_uri, const char *file_name)
{
	char *u = xv_escape(chan_uri), *f = xv_escape(file_name);
	char *r = u && f ? fmt("<cmd id=\"cmd:%s\" seqid=\"1\"><data><ftdb channelUri=\"%s\" "
			       "fileUrl=\"%s\"/></data></cmd>",
					   upload ? "getfutok" : "getfdtok", u, f)
			 : NULL;
	free(u);
	free(f);
	return r;
}

/* Appends ' name="escaped value"' to *acc when value is set; -1 on failure. */
static int add_attr(char **acc, const char *name, const char *value)
{
	if(!*acc)
		return -1;
	if(!value)
		return 0;
	char *v = xv_escape(value), *r = v ? fmt("%s %s=\"%s\"", *acc, name, v) : NULL;
	free(v);
	free(*acc);
	*acc = r;
	return r ? 0 : -1;
}

/* An extension command (cmd:search, cmd:feed): its element (open tag a, attributes
 * added, not yet closed; freed here) and, with a room, the chanib every room command
 * carries.  NULL if out of memory. */
static char *extension_cmd(const char *id, char *a, const char *room_uri)
{
	char *room = NULL, *r = NULL;
	if(room_uri) {
		char *u = xv_escape(room_uri);
		room = u ? fmt("<chanib uri=\"%s\"/>", u) : NULL;
		free(u);
	}
	if(!room_uri || room)
		r = fmt("<cmd id=\"%s\" seqid=\"1\"><data>%s/>%s</data></cmd>", id, a,
				room ? room : "");
	free(room);
	free(a);
	return r;
}

char *xv_item_search(const xv_search *q)
{
	char cnt[16] = "";
	if(q->cnt > 0)
		snprintf(cnt, sizeof cnt, "%d", q->cnt);
	char *a = strdup("<srch xmlns=\"urn:pchat:xml:ns:search\"");
	if(add_attr(&a, "text", q->text ? q->text : "") || add_attr(&a, "author", q->author) ||
			add_attr(&a, "since", q->since) || add_attr(&a, "until", q->until) ||
			add_attr(&a, "before", q->before) || add_attr(&a, "cnt", *cnt ? cnt : NULL))
		return NULL;
	return extension_cmd("cmd:search", a, q->room_uri);
}

char *xv_item_feed(const xv_feed_req *q)
{
	char cnt[16] = "";
	if(q->cnt > 0)
		snprintf(cnt, sizeof cnt, "%d", q->cnt);
	char *a = strdup("<feed xmlns=\"urn:pchat:xml:ns:feeds\"");
	if(add_attr(&a, "op", q->op) || add_attr(&a, "words", q->words) ||
			add_attr(&a, "author", q->author) || add_attr(&a, "id", q->id) ||
			add_attr(&a, "cnt", *cnt ? cnt : NULL))
		return NULL;
	return extension_cmd("cmd:feed", a, q->room_uri);
}

char *xv_envelope_wrap(unsigned long envid, const char *items)
{
	return fmt("<xccos ver=\"1\" envid=\"%lu\" xmlns=\"" XV_NS "\">%s</xccos>", envid,
			items ? items : "");
}
