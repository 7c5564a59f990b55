/*
 * pchat-floor - the physical floor of bench/run.sh scenario (b): a SIP chat server that
 * does the least any server must do for pchat-bench --mode floor (the protocol of
 * --mode pchat) and nothing else, on the same machine and through the same loopback
 * TCP: parse each request, answer it 200, and for a post write one INFO per member of
 * the room.  No transactions, no retransmission timers, no storage, no authorisation,
 * one process, one event loop.  What the generator measures against it is the best any
 * server could be measured at here: the latency floor and the throughput ceiling that
 * ours and imc are drawn against.
 *
 * usage: pchat-floor --listen 127.0.0.1:PORT
 *
 *   INVITE        200 with a To tag and Contact <sip:pchat@HOST:PORT;transport=tcp>
 *   ACK           nothing
 *   INFO cmd:join 200, the session joins the room of <chanid value="...">, then an
 *                 INFO rpl:join code 200 to it
 *   INFO grpchat  200, then the INFO's XCCOS body to every member of the room of its
 *                 chanUri (the author too, as pchatd does)
 *   other         200; responses (to our INFOs) are read and dropped
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "sipmsg.h"

struct fconn {
	struct bufferevent *bev; /* NULL once closed */
};

/* A joined session: where to send it INFOs. */
struct member {
	struct fconn *c;
	char uri[128];	  /* its Contact URI: our Request-URI */
	char peer[192];	  /* its From header value: our To */
	char callid[128]; /* its dialog */
	uint32_t cseq;
};

struct room {
	char name[64];
	struct member *m;
	size_t n, cap;
};

static struct room *rooms;
static size_t nrooms, caprooms;
static char listen_addr[64]; /* HOST:PORT, for Via and Contact */
static uint64_t branches;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if(p == NULL) {
		fprintf(stderr, "pchat-floor: out of memory\n");
		exit(1);
	}
	return p;
}

static struct room *room_named(const char *name)
{
	for(size_t k = 0; k < nrooms; k++)
		if(strcmp(rooms[k].name, name) == 0)
			return &rooms[k];
	if(nrooms == caprooms) {
		caprooms = caprooms ? 2 * caprooms : 16;
		rooms = xrealloc(rooms, caprooms * sizeof *rooms);
	}
	memset(&rooms[nrooms], 0, sizeof rooms[nrooms]);
	snprintf(rooms[nrooms].name, sizeof rooms[nrooms].name, "%s", name);
	return &rooms[nrooms++];
}

/* The text between `key` and the next '"' in the body (a room name), or 0. */
static int body_value(const struct sipmsg *m, const char *key, char *out, size_t outsz)
{
	size_t kl = strlen(key);
	const char *a = memmem(m->body, m->blen, key, kl), *b;
	if(a == NULL)
		return 0;
	a += kl;
	b = memchr(a, '"', m->blen - (size_t)(a - m->body));
	if(b == NULL || (size_t)(b - a) >= outsz)
		return 0;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return 1;
}

static void send_info(struct member *mb, const char *body, size_t blen)
{
	if(mb->c->bev == NULL)
		return;
	evbuffer_add_printf(bufferevent_get_output(mb->c->bev),
			"INFO %s SIP/2.0\r\nVia: SIP/2.0/TCP %s;branch=z9hG4bKfl%llu\r\n"
			"Max-Forwards: 70\r\nFrom: <sip:pchat@example.com>;tag=floor\r\nTo: %s\r\n"
			"Call-ID: %s\r\nCSeq: %u INFO\r\nContent-Type: text/plain\r\n"
			"Content-Length: %zu\r\n\r\n",
			mb->uri, listen_addr, (unsigned long long)++branches, mb->peer, mb->callid,
			++mb->cseq, blen);
	evbuffer_add(bufferevent_get_output(mb->c->bev), body, blen);
}

static void on_join(struct fconn *c, const struct sipmsg *m)
{
	static const char RPL[] = "<xccos ver=\"1\" xmlns=\"urn:parlano:xml:ns:xccos\"><rpl "
				  "id=\"rpl:join\" seqid=\"1\"><resp code=\"200\">SUCCESS_OK</resp>"
				  "</rpl></xccos>";
	char name[64];
	const char *lt = memchr(m->contact.s, '<', m->contact.n);
	const char *gt = lt ? memchr(lt, '>', m->contact.n - (size_t)(lt - m->contact.s)) : NULL;
	if(!body_value(m, "value=\"", name, sizeof name) || gt == NULL)
		return;
	struct room *r = room_named(name);
	if(r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->m = xrealloc(r->m, r->cap * sizeof *r->m);
	}
	struct member *mb = &r->m[r->n++];
	mb->c = c;
	mb->cseq = 0;
	snprintf(mb->uri, sizeof mb->uri, "%.*s", (int)(gt - lt - 1), lt + 1);
	snprintf(mb->peer, sizeof mb->peer, "%.*s", (int)m->from.n, m->from.s);
	snprintf(mb->callid, sizeof mb->callid, "%.*s", (int)m->callid.n, m->callid.s);
	send_info(mb, RPL, sizeof RPL - 1);
}

static void on_post(const struct sipmsg *m)
{
	char uri[128];
	if(!body_value(m, "chanUri=\"", uri, sizeof uri))
		return;
	const char *slash = strrchr(uri, '/');
	struct room *r = room_named(slash ? slash + 1 : uri);
	for(size_t k = 0; k < r->n; k++)
		send_info(&r->m[k], m->body, m->blen);
}

static int method_is(const struct sipmsg *m, const char *name)
{
	return m->method.n == strlen(name) && memcmp(m->method.s, name, m->method.n) == 0;
}

static void on_msg(struct sipmsg *m, void *arg)
{
	struct fconn *c = arg;
	char contact[128];
	if(m->status || method_is(m, "ACK") || c->bev == NULL)
		return;
	snprintf(contact, sizeof contact, "Contact: <sip:pchat@%s;transport=tcp>\r\n", listen_addr);
	sip_reply_200(bufferevent_get_output(c->bev), m, "floor",
			method_is(m, "INVITE") ? contact : NULL);
	if(!method_is(m, "INFO") || m->blen == 0)
		return;
	if(memmem(m->body, m->blen, "\"cmd:join\"", 10))
		on_join(c, m);
	else if(memmem(m->body, m->blen, "<grpchat", 8))
		on_post(m);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	sip_read(bufferevent_get_input(bev), on_msg, arg);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct fconn *c = arg;
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		bufferevent_free(bev);
		c->bev = NULL; /* its members stay, unreachable: the run is over */
	}
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		void *arg)
{
	struct fconn *c = calloc(1, sizeof *c);
	int one = 1;
	(void)sa;
	(void)salen;
	(void)arg;
	if(c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	int sslen = sizeof ss;
	if(argc != 3 || strcmp(argv[1], "--listen") != 0) {
		fprintf(stderr, "usage: pchat-floor --listen HOST:PORT\n");
		return 2;
	}
	snprintf(listen_addr, sizeof listen_addr, "%s", argv[2]);
	if(evutil_parse_sockaddr_port(argv[2], (struct sockaddr *)&ss, &sslen) != 0) {
		fprintf(stderr, "pchat-floor: bad address %s (HOST:PORT)\n", argv[2]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	struct evconnlistener *l = base ? evconnlistener_new_bind(base, accept_cb, NULL,
							  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
							  128, (struct sockaddr *)&ss, sslen)
					: NULL;
	if(l == NULL) {
		perror("pchat-floor: listen");
		return 1;
	}
	event_base_dispatch(base);
	return 0;
}
