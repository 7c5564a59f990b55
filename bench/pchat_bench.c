/*
 * pchat-bench - load generator for the persistent chat stack and for Kamailio's imc.
 *
 * One libevent loop, a hand-written SIP builder/parser for exactly what it needs, many
 * sessions multiplexed over few TCP connections.  Three targets:
 *
 *   --mode pchat  our stack: per session INVITE sip:pchat@example.com (trusted mode: the
 *                 From URI is the identity), ACK, INFO cmd:join of its room, then INFO
 *                 grpchat posts; every server INFO is answered 200 at once.
 *   --mode imc    Kamailio's imc module: per session REGISTER; room membership is
 *                 loaded by imc from its tables (bench/run.sh fills them); posts are
 *                 MESSAGEs to sip:<room>@conf.example.com; imc's MESSAGEs are answered 200.
 *   --mode floor  pchat-floor (floor.c): --mode pchat's requests to a server that only
 *                 answers and fans out, the physical floor; nothing stored or checked.
 *
 * Post text is "B<run>:<seq>"; deliveries are matched to the post by seq, which gives
 * post->delivery latency (send time of the post to arrival of each delivery) and the
 * expected/received delivery counts.  --query runs bccontext or chansrch round trips
 * instead of posts.  --flood N adds one abusive session (its own connection, in the
 * first room) that sends N posts back to back at --flood-at s; its answers are counted
 * apart (flood_*) and its posts' deliveries are left out of the latency figures, which
 * then show what the flood costs everyone else.  --proxy A:P,B:P,... spreads the
 * connections over several servers (connection k to server k % n: a pool's chat
 * nodes, each room's members on all of them); every delivery is then also counted as
 * same-node (it came from the server the post was sent to) or cross-node, with
 * latencies of each.  The result is one JSON object on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "sipmsg.h"

#define DOMAIN "example.com"
#define IMC_DOMAIN "conf.example.com"
#define HIST_US 100   /* latency histogram bucket: 100 us */
#define HIST_N 600000 /* up to 60 s */
#define MAX_PROXIES 16

enum mode { M_PCHAT, M_IMC };
enum sstate { S_IDLE, S_INVITING, S_JOINING, S_READY, S_DEAD };
enum qkind { Q_NONE, Q_BCCONTEXT, Q_CHANSRCH, Q_SEARCH };

struct conn {
	struct bufferevent *bev; /* NULL while down */
	int lport;
	int idx;
	int proxy;    /* the server it goes to: index into proxy_addr */
	int vanished; /* closed by --vanish-at: its sessions never come back */
};

struct sess {
	uint32_t room; /* index into rooms, UINT32_MAX: none */
	uint16_t conn;
	uint8_t state;
	uint8_t attempt;
	uint32_t cseq;
	char totag[24];
	uint64_t q_sent_us; /* query mode: send time of the outstanding query */
};

struct room {
	uint32_t first, size; /* sessions [first, first+size) */
	uint32_t joined;
};

struct post {
	uint64_t t_send;
	uint64_t t_last;
	uint32_t room;
	uint32_t delivered;
	uint32_t sender; /* session that sent it */
	uint32_t envid;	 /* envelope id, the same in a resend */
	uint8_t acked;	 /* 1: 200, 2: 503, 3: other */
	uint8_t resends;
	uint8_t flood; /* sent by the --flood session */
	uint8_t cut;   /* its answer was lost with the connection */
	uint8_t proxy; /* the server it was sent to (its sender's connection's) */
	uint32_t want; /* deliveries expected: the room's members when it was answered 200 */
};

static struct {
	enum mode mode;
	int floor; /* --mode floor: the pchat protocol against pchat-floor (nothing stored) */
	uint32_t nsess;
	int nconns;
	int window;
	double rate;
	double duration;
	double drain;
	double warmup;
	char room_prefix[64];
	char room_spec[256];
	char run[32];
	int user_base;
	char db_socket[256];
	char acked_file[256]; /* the texts of the posts answered 200, one a line */
	char on_ready[1024];
	enum qkind query;
	int queries;
	int qconc;
	int qrooms;
	char qprefix[64];
	char qtext[128]; /* --query search: the words searched for */
	double signin_timeout;
	double resend_after; /* > 0: a post answered 503 is sent again (same envelope) */
	int resend_max;
	uint32_t flood;	  /* posts the abusive session sends back to back (0: none) */
	double flood_at;  /* when, in s after posting starts */
	double reconnect; /* > 0: a lost connection is opened again after this many s */
	double vanish_at; /* > 0: connection 0 is closed then, its sessions gone */
} opt = {
		.mode = M_PCHAT,
		.nconns = 0,
		.window = 256,
		.rate = 100,
		.duration = 10,
		.drain = 30,
		.room_prefix = "bench-",
		.user_base = 0,
		.qconc = 4,
		.qrooms = 1000,
		.signin_timeout = 600,
		.resend_max = 5,
		.flood_at = 2,
};

static struct event_base *base;
static struct conn *conns;
static struct sess *sess;
static struct room *rooms;
static uint32_t nrooms;
static struct post *posts;
static uint32_t nposts, maxposts;
static char target[256]; /* Request-URI of in-dialog requests (our 2xx Contact) */
static uint64_t branch_ctr;
static uint32_t hist[HIST_N + 1];
static uint64_t hist_n, hist_sum;
static uint32_t qhist[HIST_N + 1];
static uint64_t qhist_n;
/* deliveries of the others' posts sent in the flood window: --flood-at to 2 s later,
 * measured with or without a flood, so that runs compare like with like */
#define FLOOD_WINDOW_US 2000000u
static uint32_t fwhist[HIST_N + 1];
static uint64_t fwhist_n;
/* several --proxy servers: deliveries of a post on the server it was sent to (same)
 * and on the others (cross), latencies counted as hist's are */
static uint32_t samehist[HIST_N + 1], crosshist[HIST_N + 1];
static uint64_t samehist_n, crosshist_n;

static struct sockaddr_in proxy_addr[MAX_PROXIES];
static char proxy_name[MAX_PROXIES][64];
static int nproxies;

static struct {
	uint64_t invites_ok, invite_503, invite_other, joins_ok, joins_fail, join_503;
	uint64_t posts_sent, posts_ok, posts_503, posts_other;
	uint64_t deliveries, deliv_in_window, deliv_unmatched, server_reqs, other_info;
	uint64_t queries_sent, queries_done, queries_bad, byes;
	uint64_t q_items_min, q_items_max; /* messages a reply carried (rpl:search) */
	uint64_t posts_answered_twice, resends, answers_503;
	uint64_t no_retry_after; /* 503s to posts (the flood's included) without Retry-After */
	uint64_t conns_lost, reconnects, resignins;
	uint64_t posts_cut;	 /* final: the session vanished before the answer came */
	uint64_t t_last_ok_send; /* send time of the latest-sent post answered 200 */
} st;

/* The flood session's posts: sent and final answers (never resent). */
static struct {
	uint64_t sent, ok, c503, other;
} fl;
static uint32_t flooder = UINT32_MAX; /* its session index */

static uint32_t signin_next, signin_out, ready_count;
static uint64_t t_start, t_signed_in, t_post_start, t_post_end, t_window_start;
static int phase; /* 0 sign-in, 1 posting/query, 2 drain, 3 done */
static struct event *tick_ev;
static double post_budget;
static uint32_t room_rr;
static uint32_t q_remaining;
static uint64_t expected_ok; /* deliveries expected for posts answered 200 so far */

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "pchat-bench: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1); /* never a 0-byte request */
	if(p == NULL)
		die("out of memory");
	return p;
}

/* ------------------------------------------------------------------ sending */

static void conn_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conn_printf(struct conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	evbuffer_add_vprintf(bufferevent_get_output(c->bev), fmt, ap);
	va_end(ap);
}

static struct conn *conn_of(uint32_t i)
{
	return &conns[sess[i].conn];
}

static unsigned user_no(uint32_t i)
{
	return (unsigned)opt.user_base + i;
}

/* A request of session i.  kind: branch type letter; id: number in the branch. */
static void send_req(uint32_t i, const char *method, const char *ruri, const char *to_uri,
		int with_totag, uint32_t cseq, char kind, uint64_t id, const char *ctype,
		const char *body, size_t blen)
{
	struct conn *c = conn_of(i);
	struct sess *s = &sess[i];
	if(c->bev == NULL)
		return; /* the connection is down: the request is lost, as a client's would be */
	conn_printf(c,
			"%s %s SIP/2.0\r\n"
			"Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%c%" PRIu64 "x%" PRIu64 "\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:bench%u@" DOMAIN ">;tag=f%ua%u;epid=e%u\r\n"
			"To: <%s>%s%s\r\n"
			"Call-ID: %u.%u.%s\r\n"
			"CSeq: %u %s\r\n"
			"Contact: <sip:bench%u@127.0.0.1:%d;transport=tcp>\r\n"
			"User-Agent: pchat-bench/1 (no history push, as SIPE)\r\n"
			"%s%s%s"
			"Content-Length: %zu\r\n\r\n",
			method, ruri, c->lport, kind, id, ++branch_ctr, user_no(i), i, s->attempt,
			i, to_uri, with_totag ? ";tag=" : "", with_totag ? s->totag : "", i,
			(unsigned)s->attempt, opt.run, cseq, method, user_no(i), c->lport,
			ctype ? "Content-Type: " : "", ctype ? ctype : "", ctype ? "\r\n" : "",
			blen);
	if(blen)
		evbuffer_add(bufferevent_get_output(c->bev), body, blen);
}

static const char SDP[] = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=session\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=message 5060 sip null\r\na=accept-types:text/plain\r\n";

static void send_invite(uint32_t i)
{
	sess[i].state = S_INVITING;
	sess[i].cseq = 1;
	sess[i].totag[0] = '\0';
	send_req(i, "INVITE", "sip:pchat@" DOMAIN, "sip:pchat@" DOMAIN, 0, 1, 'i', i,
			"application/sdp", SDP, sizeof SDP - 1);
}

static void send_register(uint32_t i)
{
	char to[96];
	sess[i].state = S_INVITING;
	snprintf(to, sizeof to, "sip:bench%u@" DOMAIN, user_no(i));
	send_req(i, "REGISTER", "sip:" DOMAIN, to, 0, ++sess[i].cseq, 'r', i, NULL, NULL, 0);
}

static void send_info(uint32_t i, char kind, uint64_t id, const char *body, size_t len)
{
	send_req(i, "INFO", target, "sip:pchat@" DOMAIN, 1, ++sess[i].cseq, kind, id, "text/plain",
			body, len);
}

static void send_join(uint32_t i)
{
	char b[512];
	int n = snprintf(b, sizeof b,
			"<xccos ver=\"1\" envid=\"%u\" xmlns=\"urn:parlano:xml:ns:xccos\">"
			"<cmd id=\"cmd:join\" seqid=\"1\"><data><chanid key=\"0\" domain=\"" DOMAIN
			"\" value=\"%s%u\"/></data></cmd></xccos>",
			sess[i].cseq, opt.room_prefix, sess[i].room);
	sess[i].state = S_JOINING;
	send_info(i, 'j', i, b, (size_t)n);
}

static void send_post(uint32_t i, uint32_t seq, uint32_t envid)
{
	char b[512];
	int n;
	if(opt.mode == M_PCHAT) {
		n = snprintf(b, sizeof b,
				"<xccos ver=\"1\" envid=\"%u\" xmlns=\"urn:parlano:xml:ns:xccos\">"
				"<grpchat id=\"grpchat\" seqid=\"1\" chanUri=\"ma-chan://" DOMAIN
				"/%s%u\" "
				"ts=\"2026-01-01T00:00:00.000Z\"><chat>B%s:%u</chat></grpchat></xccos>",
				envid, opt.room_prefix, sess[i].room, opt.run, seq);
		send_info(i, 'p', seq, b, (size_t)n);
	} else {
		char ruri[128];
		n = snprintf(b, sizeof b, "B%s:%u", opt.run, seq);
		snprintf(ruri, sizeof ruri, "sip:%s%u@" IMC_DOMAIN, opt.room_prefix, sess[i].room);
		send_req(i, "MESSAGE", ruri, ruri, 0, ++sess[i].cseq, 'p', seq, "text/plain", b,
				(size_t)n);
	}
}

static void send_query(uint32_t i)
{
	char b[768];
	int n;
	uint32_t r = (uint32_t)random() % (uint32_t)opt.qrooms;
	if(opt.query == Q_BCCONTEXT)
		n = snprintf(b, sizeof b,
				"<xccos ver=\"1\" envid=\"%u\" xmlns=\"urn:parlano:xml:ns:xccos\">"
				"<cmd id=\"cmd:bccontext\" seqid=\"1\"><data><chanib uri=\"ma-chan://" DOMAIN
				"/%s%u\"/><bcq><last cnt=\"30\"/></bcq></data></cmd></xccos>",
				sess[i].cseq, opt.qprefix, r);
	else if(opt.query == Q_SEARCH) /* across every room the user may read */
		n = snprintf(b, sizeof b,
				"<xccos ver=\"1\" envid=\"%u\" xmlns=\"urn:parlano:xml:ns:xccos\">"
				"<cmd id=\"cmd:search\" seqid=\"1\"><data><srch "
				"xmlns=\"urn:pchat:xml:ns:search\" text=\"%s\" cnt=\"50\"/></data></cmd>"
				"</xccos>",
				sess[i].cseq, opt.qtext);
	else
		n = snprintf(b, sizeof b,
				"<xccos ver=\"1\" envid=\"%u\" xmlns=\"urn:parlano:xml:ns:xccos\">"
				"<cmd id=\"cmd:chansrch\" seqid=\"1\"><data><qib qtype=\"BYNAME\" "
				"criteria=\"Room %u\" extended=\"false\"/></data></cmd></xccos>",
				sess[i].cseq, r);
	sess[i].q_sent_us = now_us();
	st.queries_sent++;
	send_info(i, 'q', i, b, (size_t)n);
}

/* ------------------------------------------------------------------ parsing */

/* Session index from our Call-ID "i.attempt.run", or -1. */
static long callid_sess(struct hv h)
{
	char *e;
	unsigned long v;
	if(h.n == 0 || !isdigit((unsigned char)h.s[0]))
		return -1;
	v = strtoul(h.s, &e, 10);
	if(v >= opt.nsess)
		return -1;
	return (long)v;
}

/* Finds "B<run>:" in a body and returns the seq after it, or -1. */
static long body_seq(const char *b, size_t n)
{
	char pat[48];
	int pl = snprintf(pat, sizeof pat, "B%s:", opt.run);
	const char *f = memmem(b, n, pat, (size_t)pl);
	if(f == NULL)
		return -1;
	f += pl;
	long v = 0;
	int any = 0;
	while(f < b + n && isdigit((unsigned char)*f)) {
		v = v * 10 + (*f++ - '0');
		any = 1;
	}
	return any ? v : -1;
}

static void hist_add(uint32_t *h, uint64_t us)
{
	uint64_t b = us / HIST_US;
	h[b > HIST_N ? HIST_N : b]++;
}

static double hist_pct(const uint32_t *h, uint64_t n, double p)
{
	uint64_t want = (uint64_t)(p * (double)n), acc = 0;
	if(n == 0)
		return 0;
	if(want >= n)
		want = n - 1;
	for(int b = 0; b <= HIST_N; b++) {
		acc += h[b];
		if(acc > want)
			return (b + 0.5) * HIST_US / 1000.0;
	}
	return HIST_N * HIST_US / 1000.0;
}

static double hist_max(const uint32_t *h)
{
	for(int b = HIST_N; b >= 0; b--)
		if(h[b])
			return (b + 1) * HIST_US / 1000.0;
	return 0;
}

/* ------------------------------------------------------------------ sign-in */

static void signin_pump(void);

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	uint32_t i = (uint32_t)(uintptr_t)arg;
	(void)fd;
	(void)what;
	sess[i].attempt++;
	if(opt.mode == M_PCHAT)
		send_invite(i);
	else
		send_register(i);
}

static void retry_later(uint32_t i, int ms)
{
	struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
	event_base_once(base, -1, EV_TIMEOUT, retry_cb, (void *)(uintptr_t)i, &tv);
}

static void resend_later(uint32_t seq);

/* The same envelope again (same envid, author, room and text; a new transaction), as
 * a client does after a 503 (docs/RELIABILITY.md, "Acknowledged posts"). */
static void resend_cb(evutil_socket_t fd, short what, void *arg)
{
	uint32_t seq = (uint32_t)(uintptr_t)arg;
	(void)fd;
	(void)what;
	if(posts[seq].acked)
		return; /* answered meanwhile (a resend of a post cut by a lost connection) */
	if(sess[posts[seq].sender].state == S_DEAD) {
		if(posts[seq].cut) {
			posts[seq].acked = 4;
			st.posts_cut++;
		} else {
			posts[seq].acked = 2; /* its session is gone: the 503 stays final */
			st.posts_503++;
		}
		return;
	}
	if(sess[posts[seq].sender].state != S_READY) {
		resend_later(seq); /* signing in again after a lost connection */
		return;
	}
	st.resends++;
	send_post(posts[seq].sender, seq, posts[seq].envid);
}

static void resend_later(uint32_t seq)
{
	double whole = (double)(long)opt.resend_after;
	struct timeval tv = {(time_t)whole, (suseconds_t)((opt.resend_after - whole) * 1e6)};
	event_base_once(base, -1, EV_TIMEOUT, resend_cb, (void *)(uintptr_t)seq, &tv);
}

static void join_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_join((uint32_t)(uintptr_t)arg);
}

static void session_ready(uint32_t i)
{
	if(sess[i].state == S_READY)
		return;
	sess[i].state = S_READY;
	ready_count++;
	if(sess[i].room != UINT32_MAX)
		rooms[sess[i].room].joined++;
	signin_out--;
	signin_pump();
}

static void signin_pump(void)
{
	while(signin_out < (uint32_t)opt.window && signin_next < opt.nsess) {
		uint32_t i = signin_next++;
		signin_out++;
		if(opt.mode == M_PCHAT)
			send_invite(i);
		else
			send_register(i);
	}
}

/* ------------------------------------------------------------------ handlers */

/* Post p was answered 200: it is due to everyone in its room now. */
static void expect_deliveries(struct post *p)
{
	p->want = rooms[p->room].joined - (opt.mode == M_IMC ? 1 : 0);
	expected_ok += p->want;
}

static void on_flood_answer(struct post *p, int status)
{
	p->acked = status < 300 ? 1 : status == 503 ? 2 : 3;
	if(status < 300) {
		fl.ok++;
		expect_deliveries(p);
	} else if(status == 503) {
		fl.c503++;
	} else {
		fl.other++;
	}
}

static void on_response(struct sipmsg *m)
{
	char br[64];
	long i;
	if(m->status < 200 || m->nvia == 0)
		return;
	struct hv via = {m->via[0].s, m->via[0].n};
	if(!hparam(via, "branch", br, sizeof br) || strncmp(br, "z9hG4bK", 7) != 0)
		return;
	char kind = br[7];
	uint64_t id = strtoull(br + 8, NULL, 10);
	i = callid_sess(m->callid);
	if(i < 0)
		return;
	if(kind == 'p' && m->status == 503 && !m->retry_after)
		st.no_retry_after++;
	switch(kind) {
		case 'i':
			if(m->status < 300) {
				char tag[32] = "";
				hparam(m->to, "tag", tag, sizeof tag);
				snprintf(sess[i].totag, sizeof sess[i].totag, "%s", tag);
				if(!target[0] && m->contact.n) {
					const char *lt = memchr(m->contact.s, '<', m->contact.n);
					const char *gt = lt
							? memchr(lt, '>', m->contact.n - (size_t)(lt - m->contact.s))
							: NULL;
					if(lt && gt)
						snprintf(target, sizeof target, "%.*s",
								(int)(gt - lt - 1), lt + 1);
				}
				if(!target[0])
					snprintf(target, sizeof target, "sip:pchat@" DOMAIN);
				send_req((uint32_t)i, "ACK", target, "sip:pchat@" DOMAIN, 1, 1, 'a',
						(uint64_t)i, NULL, NULL, 0);
				st.invites_ok++;
				if(sess[i].room != UINT32_MAX)
					send_join((uint32_t)i);
				else
					session_ready((uint32_t)i);
			} else {
				/* ACK the failure (same branch), then retry */
				struct conn *c = conn_of((uint32_t)i);
				conn_printf(c,
						"ACK sip:pchat@" DOMAIN
						" SIP/2.0\r\n%.*s\r\nMax-Forwards: 70\r\n"
						"From: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\nCSeq: 1 ACK\r\n"
						"Content-Length: 0\r\n\r\n",
						(int)m->via[0].n, m->via[0].s, (int)m->from.n,
						m->from.s, (int)m->to.n, m->to.s, (int)m->callid.n,
						m->callid.s);
				if(m->status == 503)
					st.invite_503++;
				else
					st.invite_other++;
				if(st.invite_other < 5)
					fprintf(stderr, "INVITE of session %ld answered %d\n", i,
							m->status);
				retry_later((uint32_t)i, 200 + (int)(random() % 300));
			}
			break;
		case 'r':
			if(m->status < 300) {
				st.invites_ok++;
				session_ready((uint32_t)i);
			} else {
				st.invite_other++;
				retry_later((uint32_t)i, 200);
			}
			break;
		case 'j':
			if(m->status >= 300) {
				struct timeval tv = {0, 200000};
				st.join_503++;
				event_base_once(base, -1, EV_TIMEOUT, join_retry_cb,
						(void *)(uintptr_t)i, &tv);
			}
			break;
		case 'p':
			if(id < nposts) {
				struct post *p = &posts[id];
				if(p->acked) {
					/* a second final answer to one post: counted, not re-counted */
					st.posts_answered_twice++;
					break;
				}
				if(p->flood) {
					on_flood_answer(p, m->status);
					break;
				}
				if(m->status < 300) {
					if(p->t_send > st.t_last_ok_send)
						st.t_last_ok_send = p->t_send;
					p->acked = 1;
					st.posts_ok++;
					expect_deliveries(p);
				} else if(m->status == 503) {
					st.answers_503++;
					if(opt.resend_after > 0 && p->resends < opt.resend_max) {
						p->resends++;
						resend_later((uint32_t)id);
						break;
					}
					p->acked = 2;
					st.posts_503++;
				} else {
					p->acked = 3;
					st.posts_other++;
					if(st.posts_other < 5)
						fprintf(stderr, "post %" PRIu64 " answered %d\n",
								id, m->status);
				}
			}
			break;
		case 'q':
			if(m->status >= 300) {
				st.queries_bad++;
				sess[i].q_sent_us = 0;
				if(opt.mode == M_PCHAT && phase == 1 && q_remaining) {
					q_remaining--;
					send_query((uint32_t)i);
				}
			}
			break;
		default: break;
	}
}

/* A delivery that arrived on connection c: same-node or cross-node (several servers). */
static void count_node(const struct post *p, const struct conn *c, uint64_t lat)
{
	if(nproxies < 2)
		return;
	if(c->proxy == p->proxy) {
		hist_add(samehist, lat);
		samehist_n++;
	} else {
		hist_add(crosshist, lat);
		crosshist_n++;
	}
}

static void on_delivery(long seq, uint64_t t, const struct conn *c)
{
	if(seq < 0 || (uint64_t)seq >= nposts) {
		st.deliv_unmatched++;
		return;
	}
	struct post *p = &posts[seq];
	p->delivered++;
	p->t_last = t;
	st.deliveries++;
	if(t >= t_window_start && phase == 1)
		st.deliv_in_window++;
	if(p->flood)
		return; /* the latency figures are everyone else's */
	uint64_t lat = t > p->t_send ? t - p->t_send : 0;
	uint64_t flood_t = t_post_start + (uint64_t)(opt.flood_at * 1e6);
	if(p->t_send >= flood_t && p->t_send < flood_t + FLOOD_WINDOW_US) {
		hist_add(fwhist, lat);
		fwhist_n++;
	}
	if(p->t_send < t_window_start)
		return; /* the warm-up's: a restarted stack's cold caches, not its pace */
	hist_add(hist, lat);
	hist_n++;
	hist_sum += lat;
	count_node(p, c, lat);
}

/* The messages a query's reply carried (each a <msg id="grpchat">): the fewest and most over
 * the run, so that a fast search that found nothing shows. */
static void count_items(const char *b, size_t n)
{
	uint64_t k = 0;
	for(const char *p = b, *end = b + n;
			(p = memmem(p, (size_t)(end - p), "id=\"grpchat\"", 12)); p += 12)
		k++;
	if(st.queries_done == 1 || k < st.q_items_min)
		st.q_items_min = k;
	if(k > st.q_items_max)
		st.q_items_max = k;
}

static void on_request(struct conn *c, struct sipmsg *m)
{
	uint64_t t = now_us();
	st.server_reqs++;
	sip_reply_200(bufferevent_get_output(c->bev), m, "bench", NULL); /* answer first */

	if(m->method.n == 3 && memcmp(m->method.s, "BYE", 3) == 0) {
		long i = callid_sess(m->callid);
		st.byes++;
		if(i >= 0)
			sess[i].state = S_DEAD;
		return;
	}
	if(m->blen == 0)
		return;
	if(opt.mode == M_IMC) {
		on_delivery(body_seq(m->body, m->blen), t, c);
		return;
	}
	/* our stack: XCCOS in INFO */
	const char *b = m->body;
	size_t n = m->blen;
	if(memmem(b, n, "<grpchat", 8)) {
		on_delivery(body_seq(b, n), t, c);
		return;
	}
	long i = callid_sess(m->callid);
	if(i < 0)
		return;
	if(memmem(b, n, "\"rpl:join\"", 10)) {
		if(memmem(b, n, "code=\"200\"", 10)) {
			st.joins_ok++;
			session_ready((uint32_t)i);
		} else {
			st.joins_fail++;
			if(st.joins_fail < 5)
				fprintf(stderr, "join failed: %.*s\n", (int)(n > 400 ? 400 : n), b);
			struct timeval tv = {0, 500000};
			event_base_once(base, -1, EV_TIMEOUT, join_retry_cb, (void *)(uintptr_t)i,
					&tv);
		}
		return;
	}
	if(memmem(b, n, "\"rpl:bccontext\"", 15) || memmem(b, n, "\"rpl:chansrch\"", 14) ||
			memmem(b, n, "\"rpl:search\"", 12)) {
		if(sess[i].q_sent_us) {
			hist_add(qhist, t - sess[i].q_sent_us);
			qhist_n++;
			sess[i].q_sent_us = 0;
			st.queries_done++;
			if(!memmem(b, n, "code=\"200\"", 10))
				st.queries_bad++;
			count_items(b, n);
			if(phase == 1 && q_remaining) {
				q_remaining--;
				send_query((uint32_t)i);
			}
		}
		return;
	}
	st.other_info++;
}

static void on_msg(struct sipmsg *m, void *arg)
{
	if(m->status)
		on_response(m);
	else
		on_request(arg, m);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	sip_read(bufferevent_get_input(bev), on_msg, arg);
}

static void conn_open(struct conn *c);
static void conn_lost(struct conn *c);
static void event_cb(struct bufferevent *bev, short what, void *arg);
/* Connects c to its proxy (c->bev stays NULL if it cannot). */
static void conn_open(struct conn *c)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in la = {0};
	socklen_t ll = sizeof la;
	if(fd < 0)
		return;
	if(connect(fd, (struct sockaddr *)&proxy_addr[c->proxy], sizeof proxy_addr[0]) < 0 ||
			getsockname(fd, (struct sockaddr *)&la, &ll) < 0) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	evutil_make_socket_nonblocking(fd);
	c->lport = ntohs(la.sin_port);
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		fprintf(stderr, "connection %d closed (%s)\n", c->idx,
				(what & BEV_EVENT_EOF) ? "eof" : strerror(errno));
		if(opt.reconnect <= 0)
			exit(2);
		conn_lost(c);
	}
}

/* Session i's connection is gone: it is signed out, and the answers to its posts in
 * flight are lost (they are sent again, same envelope, once it is back). */
static void session_cut(uint32_t i, uint8_t new_state)
{
	if(sess[i].state == S_READY) {
		ready_count--;
		if(sess[i].room != UINT32_MAX)
			rooms[sess[i].room].joined--;
	}
	sess[i].state = new_state;
	for(uint32_t k = 0; k < nposts; k++) {
		struct post *p = &posts[k];
		if(p->sender != i || p->acked || p->cut)
			continue;
		p->cut = 1;
		if(new_state == S_DEAD || opt.resend_after <= 0) {
			p->acked = 4;
			st.posts_cut++;
		} else {
			resend_later(k);
		}
	}
}

static void reconnect_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	conn_open(c);
	if(c->bev == NULL) {
		struct timeval tv = {0, 500000};
		event_base_once(base, -1, EV_TIMEOUT, reconnect_cb, c, &tv);
		return;
	}
	st.reconnects++;
	for(uint32_t i = 0; i < opt.nsess; i++) {
		if(sess[i].conn != c->idx || sess[i].state == S_DEAD)
			continue;
		st.resignins++;
		sess[i].attempt++; /* a new dialog */
		signin_out++;	   /* balanced by session_ready() */
		send_invite(i);
	}
}

static void conn_lost(struct conn *c)
{
	double whole = (double)(long)opt.reconnect;
	struct timeval tv = {(time_t)whole, (suseconds_t)((opt.reconnect - whole) * 1e6)};
	bufferevent_free(c->bev);
	c->bev = NULL;
	st.conns_lost++;
	for(uint32_t i = 0; i < opt.nsess; i++)
		if(sess[i].conn == c->idx && sess[i].state != S_DEAD)
			session_cut(i, S_IDLE);
	if(!c->vanished)
		event_base_once(base, -1, EV_TIMEOUT, reconnect_cb, c, &tv);
}

/* --vanish-at: connection 0 closes without a BYE, as a client that disappears; its
 * sessions never come back. */
static void vanish(void)
{
	struct conn *c = &conns[0];
	uint32_t n = 0;
	if(c->bev == NULL)
		return;
	for(uint32_t i = 0; i < opt.nsess; i++)
		if(sess[i].conn == 0) {
			session_cut(i, S_DEAD);
			n++;
		}
	fprintf(stderr, "vanish: connection 0 closed, %u sessions gone\n", n);
	c->vanished = 1;
	bufferevent_free(c->bev);
	c->bev = NULL;
}

/* ------------------------------------------------------------------ phases */

static uint32_t pick_sender(uint32_t r)
{
	struct room *rm = &rooms[r];
	for(int tries = 0; tries < 8; tries++) {
		uint32_t i = rm->first + (uint32_t)random() % rm->size;
		if(sess[i].state == S_READY)
			return i;
	}
	for(uint32_t k = 0; k < rm->size; k++)
		if(sess[rm->first + k].state == S_READY)
			return rm->first + k;
	return UINT32_MAX;
}

static void finish(void);

/* Records post seq of session i in room r and sends it. */
static void new_post(uint32_t i, uint32_t r, int flood)
{
	uint32_t seq = nposts++;
	posts[seq].t_send = now_us();
	posts[seq].room = r;
	posts[seq].sender = i;
	posts[seq].envid = sess[i].cseq;
	posts[seq].flood = (uint8_t)flood;
	posts[seq].proxy = (uint8_t)conn_of(i)->proxy;
	send_post(i, seq, posts[seq].envid);
}

/* The abusive session's burst: every post written at once. */
static void send_flood(void)
{
	if(sess[flooder].state != S_READY)
		return;
	fprintf(stderr, "flood: %u posts from session %u\n", opt.flood, flooder);
	for(uint32_t k = 0; k < opt.flood && nposts < maxposts; k++) {
		fl.sent++;
		new_post(flooder, sess[flooder].room, 1);
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint64_t last;
	uint64_t t = now_us();
	(void)fd;
	(void)what;
	(void)arg;
	if(phase == 0) {
		if(ready_count >= opt.nsess) {
			t_signed_in = t;
			fprintf(stderr, "signed in %u sessions in %.2f s (%u rooms)\n", ready_count,
					(double)(t - t_start) / 1e6, nrooms);
			if(opt.on_ready[0]) {
				int rc = system(opt.on_ready);
				if(rc != 0)
					fprintf(stderr, "--on-ready command exited %d\n", rc);
			}
			phase = 1;
			t_post_start = now_us();
			t_window_start = t_post_start + (uint64_t)(opt.warmup * 1e6);
			last = t_post_start;
			if(opt.query != Q_NONE) {
				q_remaining = (uint32_t)opt.queries;
				for(int k = 0; k < opt.qconc && q_remaining &&
						(uint32_t)k < opt.nsess;
						k++) {
					q_remaining--;
					send_query((uint32_t)k);
				}
			}
		} else if((double)(t - t_start) / 1e6 > opt.signin_timeout) {
			die("sign-in timed out: %u of %u ready (503s %" PRIu64 ")", ready_count,
					opt.nsess, st.invite_503);
		}
		return;
	}
	if(phase == 1) {
		if(opt.query != Q_NONE) {
			/* a query unanswered for 5 s counts as failed; its session moves on */
			int busy = 0;
			for(int k = 0; k < opt.qconc; k++) {
				struct sess *qs = &sess[k];
				if(qs->q_sent_us && t - qs->q_sent_us > 5000000) {
					qs->q_sent_us = 0;
					st.queries_bad++;
					if(q_remaining) {
						q_remaining--;
						send_query((uint32_t)k);
					}
				}
				busy |= qs->q_sent_us != 0;
			}
			if(q_remaining == 0 && !busy) {
				t_post_end = t;
				phase = 3;
				finish();
			} else if((double)(t - t_post_start) / 1e6 > 600) {
				t_post_end = t;
				phase = 3;
				finish();
			}
			return;
		}
		if((double)(t - t_post_start) / 1e6 >= opt.duration) {
			t_post_end = t;
			phase = 2;
			return;
		}
		if(opt.flood && fl.sent == 0 && (double)(t - t_post_start) / 1e6 >= opt.flood_at)
			send_flood();
		if(opt.vanish_at > 0 && !conns[0].vanished &&
				(double)(t - t_post_start) / 1e6 >= opt.vanish_at)
			vanish();
		post_budget += opt.rate * (double)(t - last) / 1e6;
		last = t;
		while(post_budget >= 1 && nposts < maxposts) {
			post_budget -= 1;
			uint32_t r = room_rr++ % nrooms;
			uint32_t i = pick_sender(r);
			if(i == UINT32_MAX)
				continue;
			st.posts_sent++;
			new_post(i, r, 0);
		}
		return;
	}
	/* drain: until every post is answered and every expected delivery arrived, or
	 * --drain seconds */
	int complete = st.posts_ok + st.posts_503 + st.posts_other + st.posts_cut >=
					st.posts_sent &&
			fl.ok + fl.c503 + fl.other >= fl.sent && st.deliveries >= expected_ok;
	if(phase == 2 && (complete || (double)(t - t_post_end) / 1e6 >= opt.drain)) {
		phase = 3;
		finish();
	}
}

static long long db_count(const char *sql)
{
	char cmd[2048];
	long long v = -1;
	snprintf(cmd, sizeof cmd, "mysql --no-defaults --socket='%s' -uroot -N -B pchat -e \"%s\"",
			opt.db_socket, sql);
	FILE *f = popen(cmd, "r");
	if(f) {
		if(fscanf(f, "%lld", &v) != 1)
			v = -1;
		pclose(f);
	}
	return v;
}

/* Per-post check against the database: stored rows of each post text B<run>:<seq>
 * (texts are unique per post), crossed with the answer the post got. */
static struct {
	long long rows, posts, twice, acked_missing, after_503, after_other, unanswered;
} chk = {-1, -1, -1, -1, -1, -1, -1};

static void db_check(void)
{
	char cmd[1024], line[256];
	uint32_t *rows;
	snprintf(cmd, sizeof cmd,
			"mysql --no-defaults --socket='%s' -uroot -N -B pchat -e \""
			"SELECT m.body, COUNT(*) FROM messages m JOIN rooms r ON r.id = m.room_id "
			"WHERE r.chan_id LIKE '%s%%' AND m.body LIKE 'B%s:%%' GROUP BY m.body\"",
			opt.db_socket, opt.room_prefix, opt.run);
	FILE *f = popen(cmd, "r");
	if(f == NULL)
		return;
	rows = xcalloc(nposts, sizeof *rows);
	memset(&chk, 0, sizeof chk);
	while(fgets(line, sizeof line, f)) {
		char *tab = strchr(line, '\t');
		long seq = body_seq(line, strlen(line));
		if(tab == NULL || seq < 0 || (uint64_t)seq >= nposts)
			continue;
		rows[seq] += (uint32_t)strtoul(tab + 1, NULL, 10);
	}
	if(pclose(f) != 0) {
		memset(&chk, 0xff, sizeof chk); /* -1: unknown */
		free(rows);
		return;
	}
	for(uint32_t k = 0; k < nposts; k++) {
		chk.rows += rows[k];
		chk.posts += rows[k] > 0;
		chk.twice += rows[k] > 1;
		if(posts[k].acked == 1 && rows[k] == 0)
			chk.acked_missing++;
		if(posts[k].acked == 2 && rows[k])
			chk.after_503++;
		if(posts[k].acked == 3 && rows[k])
			chk.after_other++;
		if(posts[k].acked == 0 && rows[k])
			chk.unanswered++;
	}
	free(rows);
}

/* --acked-file: what a client was told is stored, for checks made elsewhere. */
static void write_acked(void)
{
	FILE *f = fopen(opt.acked_file, "w");
	if(f == NULL) {
		fprintf(stderr, "cannot write %s\n", opt.acked_file);
		return;
	}
	for(uint32_t k = 0; k < nposts; k++)
		if(posts[k].acked == 1)
			fprintf(f, "B%s:%u\n", opt.run, k);
	if(fclose(f) != 0)
		fprintf(stderr, "cannot write %s\n", opt.acked_file);
}

/* "NAME_deliveries":n,"NAME_p50_ms":..,"NAME_p99_ms":..,"NAME_max_ms":.., */
static void print_hist(const char *name, const uint32_t *h, uint64_t n)
{
	printf("\"%s_deliveries\":%" PRIu64 ",\"%s_p50_ms\":%.2f,\"%s_p99_ms\":%.2f,"
	       "\"%s_max_ms\":%.2f,",
			name, n, name, hist_pct(h, n, 0.50), name, hist_pct(h, n, 0.99), name,
			hist_max(h));
}

/* Several servers: how many there were, and the same-node and cross-node latencies
 * (nothing with one, so that a single server's line stays as it was). */
static void print_nodes(void)
{
	if(nproxies < 2)
		return;
	printf("\"proxies\":%d,", nproxies);
	print_hist("same_node", samehist, samehist_n);
	print_hist("cross_node", crosshist, crosshist_n);
}

static void finish(void)
{
	double win = (double)(t_post_end - t_window_start) / 1e6;
	double postdur = (double)(t_post_end - t_post_start) / 1e6;
	uint64_t expected = 0, exp_window_posts = 0;
	uint64_t full_n = 0, posts_lost_deliv = 0;
	static uint32_t fullh[HIST_N + 1];
	for(uint32_t k = 0; k < nposts; k++) {
		struct post *p = &posts[k];
		if(p->acked != 1)
			continue;
		uint32_t want = p->want;
		expected += want;
		if(p->flood)
			continue; /* counted in deliveries, not in the latency figures */
		if(p->t_send >= t_window_start)
			exp_window_posts++;
		if(p->delivered >= want) {
			hist_add(fullh, p->t_last - p->t_send);
			full_n++;
		} else {
			posts_lost_deliv++;
		}
	}
	long long stored = -1;
	int db = opt.mode == M_PCHAT && !opt.floor && opt.db_socket[0] && opt.query == Q_NONE &&
			nposts;
	if(db) {
		char sql[512];
		snprintf(sql, sizeof sql,
				"SELECT COUNT(*) FROM messages m JOIN rooms r ON r.id = m.room_id "
				"WHERE r.chan_id LIKE '%s%%' AND m.body LIKE 'B%s:%%'",
				opt.room_prefix, opt.run);
		stored = db_count(sql);
		db_check();
	}
	if(opt.acked_file[0])
		write_acked();
	for(uint32_t k = 0, shown = 0; k < nposts && shown < 20; k++)
		if(posts[k].acked == 0 && ++shown)
			fprintf(stderr, "post %u (sent at %.3f s, room %u) unanswered\n", k,
					(double)(posts[k].t_send - t_post_start) / 1e6,
					posts[k].room);
	if(win <= 0)
		win = postdur;
	printf("{");
	print_nodes();
	printf("\"flood_sent\":%" PRIu64 ",\"flood_ok\":%" PRIu64 ",\"flood_503\":%" PRIu64
	       ",\"flood_other\":%" PRIu64 ",\"flood_unanswered\":%" PRIu64
	       ",\"flood_window_deliveries\":%" PRIu64 ",\"flood_window_p99_ms\":%.2f,"
	       "\"flood_window_max_ms\":%.2f,",
			fl.sent, fl.ok, fl.c503, fl.other, fl.sent - (fl.ok + fl.c503 + fl.other),
			fwhist_n, hist_pct(fwhist, fwhist_n, 0.99), hist_max(fwhist));
	printf("\"answers_503_without_retry_after\":%" PRIu64 ",\"conns_lost\":%" PRIu64
	       ",\"reconnects\":%" PRIu64 ",\"resignins\":%" PRIu64 ",\"posts_cut\":%" PRIu64 ",",
			st.no_retry_after, st.conns_lost, st.reconnects, st.resignins,
			st.posts_cut);
	printf("\"resends\":%" PRIu64 ",\"answers_503\":%" PRIu64 ",\"posts_unanswered\":%" PRIu64
	       ",\"posts_answered_twice\":%" PRIu64
	       ",\"last_ok_sent_s\":%.3f,\"stored_rows\":%lld,\"stored_posts\":%lld,"
	       "\"stored_twice\":%lld,\"acked_missing\":%lld,\"stored_after_503\":%lld,"
	       "\"stored_after_other\":%lld,\"stored_unanswered\":%lld,",
			st.resends, st.answers_503,
			st.posts_sent -
					(st.posts_ok + st.posts_503 + st.posts_other +
							st.posts_cut),
			st.posts_answered_twice,
			st.t_last_ok_send ? (double)(st.t_last_ok_send - t_post_start) / 1e6 : -1.0,
			chk.rows, chk.posts, chk.twice, chk.acked_missing, chk.after_503,
			chk.after_other, chk.unanswered);
	printf("\"mode\":\"%s\",\"run\":\"%s\",\"sessions\":%u,\"rooms\":%u,\"room_spec\":\"%s\","
	       "\"connections\":%d,\"signin_s\":%.3f,\"signin_per_s\":%.1f,\"invite_503\":%" PRIu64
	       ","
	       "\"join_503\":%" PRIu64
	       ",\"rate_target\":%.1f,\"duration_s\":%.2f,\"window_s\":%.2f,"
	       "\"posts_sent\":%" PRIu64 ",\"posts_ok\":%" PRIu64 ",\"posts_503\":%" PRIu64 ","
	       "\"posts_other\":%" PRIu64 ",\"posts_ok_per_s\":%.1f,\"deliveries\":%" PRIu64 ","
	       "\"deliveries_expected\":%" PRIu64 ",\"deliveries_missing\":%" PRId64 ","
	       "\"deliveries_per_s\":%.1f,\"lat_p50_ms\":%.2f,\"lat_p99_ms\":%.2f,\"lat_max_ms\":%.2f,"
	       "\"lat_mean_ms\":%.2f,\"full_delivery_p50_ms\":%.2f,\"full_delivery_max_ms\":%.2f,"
	       "\"posts_not_fully_delivered\":%" PRIu64
	       ",\"stored\":%lld,\"acked_not_stored\":%lld,"
	       "\"unmatched\":%" PRIu64 ",\"byes\":%" PRIu64
	       ",\"query\":\"%s\",\"queries\":%" PRIu64 ","
	       "\"queries_bad\":%" PRIu64 ",\"q_p50_ms\":%.2f,\"q_p99_ms\":%.2f,\"q_max_ms\":%.2f,"
	       "\"q_per_s\":%.1f,\"q_items_min\":%" PRIu64 ",\"q_items_max\":%" PRIu64 "}\n",
			opt.floor			      ? "floor"
					: opt.mode == M_PCHAT ? "pchat"
							      : "imc",
			opt.run, opt.nsess, nrooms, opt.room_spec, opt.nconns,
			(double)(t_signed_in - t_start) / 1e6,
			opt.nsess / ((double)(t_signed_in - t_start) / 1e6 + 1e-9), st.invite_503,
			st.join_503, opt.rate, postdur, win, st.posts_sent, st.posts_ok,
			st.posts_503, st.posts_other,
			(double)st.posts_ok / (postdur > 0 ? postdur : 1), st.deliveries, expected,
			(int64_t)expected - (int64_t)st.deliveries,
			(double)st.deliv_in_window / win, hist_pct(hist, hist_n, 0.50),
			hist_pct(hist, hist_n, 0.99), hist_max(hist),
			hist_n ? (double)hist_sum / (double)hist_n / 1000.0 : 0,
			hist_pct(fullh, full_n, 0.5), hist_max(fullh), posts_lost_deliv, stored,
			stored >= 0 ? (long long)st.posts_ok - stored : -1LL, st.deliv_unmatched,
			st.byes,
			opt.query == Q_BCCONTEXT		  ? "bccontext"
					: opt.query == Q_CHANSRCH ? "chansrch"
					: opt.query == Q_SEARCH	  ? "search"
								  : "",
			st.queries_done, st.queries_bad, hist_pct(qhist, qhist_n, 0.5),
			hist_pct(qhist, qhist_n, 0.99), hist_max(qhist),
			postdur > 0 ? (double)st.queries_done / postdur : 0,
			st.queries_done ? st.q_items_min : 0, st.q_items_max);
	fflush(stdout);
	(void)exp_window_posts;
	event_base_loopbreak(base);
}

/* "30x10,150x4,16000x1": rooms of size x count; sessions are laid out room by room. */
static void setup_rooms(void)
{
	uint32_t nr = 0;
	char spec[256];
	if(!opt.room_spec[0]) {
		nrooms = 0;
		rooms = xcalloc(1, sizeof *rooms);
		for(uint32_t i = 0; i < opt.nsess; i++)
			sess[i].room = UINT32_MAX;
		return;
	}
	for(int pass = 0; pass < 2; pass++) {
		uint32_t total = 0;
		snprintf(spec, sizeof spec, "%s", opt.room_spec);
		nr = 0;
		for(char *tok = strtok(spec, ","); tok; tok = strtok(NULL, ",")) {
			unsigned size = 0, count = 1;
			if(sscanf(tok, "%ux%u", &size, &count) < 1 || size == 0)
				die("bad --rooms item '%s'", tok);
			for(unsigned k = 0; k < count; k++, nr++) {
				if(pass) {
					rooms[nr].first = total;
					rooms[nr].size = size;
					for(unsigned j = 0; j < size; j++)
						sess[total + j].room = nr;
				}
				total += size;
			}
		}
		if(!pass) {
			if(total > opt.nsess)
				die("--rooms needs %u sessions, --sessions is %u", total,
						opt.nsess);
			rooms = xcalloc(nr, sizeof *rooms);
			for(uint32_t i = 0; i < opt.nsess; i++)
				sess[i].room = UINT32_MAX;
		}
	}
	nrooms = nr;
}

/* --proxy HOST:PORT[,HOST:PORT...]: IPv4 addresses, at most MAX_PROXIES. */
static void parse_proxies(const char *arg)
{
	char list[1024];
	snprintf(list, sizeof list, "%s", arg);
	nproxies = 0;
	for(char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
			tok = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(tok, ':');
		int port = colon ? atoi(colon + 1) : 0;
		if(nproxies == MAX_PROXIES)
			die("--proxy: at most %d servers", MAX_PROXIES);
		if(colon == NULL || port <= 0 || port > 65535)
			die("--proxy: '%s' is not HOST:PORT", tok);
		*colon = '\0';
		struct sockaddr_in *a = &proxy_addr[nproxies];
		if(inet_pton(AF_INET, tok, &a->sin_addr) != 1)
			die("--proxy: bad address '%s' (IPv4)", tok);
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		snprintf(proxy_name[nproxies], sizeof proxy_name[0], "%s:%d", tok, port);
		nproxies++;
	}
	if(nproxies == 0)
		die("--proxy: no server given");
}

static void usage(void)
{
	fprintf(stderr,
			"usage: pchat-bench [options]\n"
			"  --mode pchat|imc|floor  target (default pchat; floor: pchat's protocol\n"
			"                        against pchat-floor, nothing stored)\n"
			"  --proxy HOST:PORT     Kamailio address (TCP); a comma-separated list spreads\n"
			"                        the connections over them (connection k to the k %% n-th;\n"
			"                        --conns a multiple of n spreads every room evenly) and\n"
			"                        adds same_node_* and cross_node_* latencies\n"
			"  --sessions N          signed-in sessions\n"
			"  --conns N             TCP connections (default sessions/500, at least 1)\n"
			"  --rooms SPEC          SIZExCOUNT,... rooms to join, sessions laid out in order\n"
			"  --room-prefix P       room chan_id (pchat) or user part (imc) = P<index>\n"
			"  --rate R              posts per second over all rooms (round robin)\n"
			"  --duration S          posting time; --warmup S not counted in deliveries/s\n"
			"                        nor in the latencies\n"
			"  --drain S             at most this long for late answers and deliveries (30)\n"
			"  --window N            concurrent sign-ins (256)\n"
			"  --user-base N         first user number (sip:bench<N>@example.com)\n"
			"  --run ID              run token put in every post text\n"
			"  --db-socket PATH      MariaDB socket: count stored posts afterwards\n"
			"  --acked-file PATH     write the text of every post answered 200 there,\n"
			"                        one a line (the compliance suite counts them)\n"
			"  --on-ready CMD        run CMD (sh) once every session is signed in\n"
			"  --resend-503 S        send a post answered 503 again after S s, the same\n"
			"                        envelope (--resend-max N times, 5); off by default\n"
			"  --flood N             one more session, in the first room on its own\n"
			"                        connection, sends N posts back to back at\n"
			"                        --flood-at S (2) s after posting starts\n"
			"  --reconnect S         a lost connection is opened again after S s, its\n"
			"                        sessions sign in again and their unanswered posts\n"
			"                        are sent again (with --resend-503); default: exit\n"
			"  --vanish-at S         connection 0 closes S s after posting starts, without\n"
			"                        BYE: its sessions are gone (posts in flight: cut)\n"
			"  --query bccontext|chansrch|search --queries N --qconc C --qrooms K --qprefix P\n"
			"  --qtext WORDS         what --query search searches for (every room)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"mode", 1, 0, 'm'}, {"proxy", 1, 0, 'p'},
			{"sessions", 1, 0, 'n'}, {"conns", 1, 0, 'c'}, {"rooms", 1, 0, 'R'},
			{"room-prefix", 1, 0, 'P'}, {"rate", 1, 0, 'r'}, {"duration", 1, 0, 'd'},
			{"warmup", 1, 0, 'w'}, {"drain", 1, 0, 'D'}, {"window", 1, 0, 'W'},
			{"user-base", 1, 0, 'u'}, {"run", 1, 0, 'x'}, {"db-socket", 1, 0, 'S'},
			{"on-ready", 1, 0, 'o'}, {"query", 1, 0, 'q'}, {"queries", 1, 0, 'Q'},
			{"qconc", 1, 0, 'C'}, {"qrooms", 1, 0, 'K'}, {"qprefix", 1, 0, 'X'},
			{"qtext", 1, 0, 't'}, {"resend-503", 1, 0, 'y'}, {"resend-max", 1, 0, 'Y'},
			{"flood", 1, 0, 'F'}, {"flood-at", 1, 0, 'T'}, {"reconnect", 1, 0, 'E'},
			{"vanish-at", 1, 0, 'V'}, {"acked-file", 1, 0, 'A'}, {"help", 0, 0, 'h'},
			{0, 0, 0, 0}};
	int ch;
	while((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch(ch) {
			case 'm':
				opt.mode = strcmp(optarg, "imc") == 0 ? M_IMC : M_PCHAT;
				opt.floor = strcmp(optarg, "floor") == 0;
				break;
			case 'p': parse_proxies(optarg); break;
			case 'n': opt.nsess = (uint32_t)strtoul(optarg, NULL, 10); break;
			case 'c': opt.nconns = atoi(optarg); break;
			case 'R':
				snprintf(opt.room_spec, sizeof opt.room_spec, "%s", optarg);
				break;
			case 'P':
				snprintf(opt.room_prefix, sizeof opt.room_prefix, "%s", optarg);
				break;
			case 'r': opt.rate = atof(optarg); break;
			case 'd': opt.duration = atof(optarg); break;
			case 'w': opt.warmup = atof(optarg); break;
			case 'D': opt.drain = atof(optarg); break;
			case 'W': opt.window = atoi(optarg); break;
			case 'u': opt.user_base = atoi(optarg); break;
			case 'x': snprintf(opt.run, sizeof opt.run, "%s", optarg); break;
			case 'S':
				snprintf(opt.db_socket, sizeof opt.db_socket, "%s", optarg);
				break;
			case 'o': snprintf(opt.on_ready, sizeof opt.on_ready, "%s", optarg); break;
			case 'q':
				opt.query = strcmp(optarg, "bccontext") == 0	  ? Q_BCCONTEXT
						: strcmp(optarg, "chansrch") == 0 ? Q_CHANSRCH
						: strcmp(optarg, "search") == 0	  ? Q_SEARCH
										  : Q_NONE;
				break;
			case 'Q': opt.queries = atoi(optarg); break;
			case 'C': opt.qconc = atoi(optarg); break;
			case 'K': opt.qrooms = atoi(optarg); break;
			case 'y': opt.resend_after = atof(optarg); break;
			case 'Y': opt.resend_max = atoi(optarg); break;
			case 'F': opt.flood = (uint32_t)strtoul(optarg, NULL, 10); break;
			case 'T': opt.flood_at = atof(optarg); break;
			case 'E': opt.reconnect = atof(optarg); break;
			case 'V': opt.vanish_at = atof(optarg); break;
			case 'A':
				snprintf(opt.acked_file, sizeof opt.acked_file, "%s", optarg);
				break;
			case 't': snprintf(opt.qtext, sizeof opt.qtext, "%s", optarg); break;
			case 'X': snprintf(opt.qprefix, sizeof opt.qprefix, "%s", optarg); break;
			default: usage();
		}
	}
	if(opt.nsess == 0)
		usage();
	if(!opt.run[0])
		snprintf(opt.run, sizeof opt.run, "%lx",
				(unsigned long)time(NULL) ^ (unsigned long)getpid());
	if(opt.nconns <= 0)
		opt.nconns = (int)((opt.nsess + 499) / 500);
	if(opt.query != Q_NONE && opt.qconc > (int)opt.nsess)
		opt.qconc = (int)opt.nsess;
	srandom((unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);

	sess = xcalloc(opt.nsess + 1, sizeof *sess);
	setup_rooms();
	if(opt.flood) {
		/* the abusive session: one more, after the laid-out ones, in the first
		 * room (never picked as a sender there) on a connection of its own */
		if(nrooms == 0 || opt.mode != M_PCHAT)
			die("--flood needs --mode pchat and --rooms");
		flooder = opt.nsess++;
		sess[flooder].room = 0;
		opt.nconns++;
	}
	maxposts = (uint32_t)(opt.rate * (opt.duration + 1)) + 16 + opt.flood;
	posts = xcalloc(maxposts, sizeof *posts);

	base = event_base_new();
	conns = xcalloc((size_t)opt.nconns, sizeof *conns);
	if(nproxies == 0)
		parse_proxies("127.0.0.1:5060");
	for(int k = 0; k < opt.nconns; k++) {
		conns[k].idx = k;
		conns[k].proxy = k % nproxies;
		conn_open(&conns[k]);
		if(conns[k].bev == NULL)
			die("connect %s: %s", proxy_name[conns[k].proxy], strerror(errno));
	}
	/* the flood's connection is the last one, its own */
	uint32_t shared_conns = (uint32_t)opt.nconns - (opt.flood ? 1u : 0u);
	if(shared_conns == 0)
		shared_conns = 1;
	for(uint32_t i = 0; i < opt.nsess; i++)
		sess[i].conn = (uint16_t)(i % shared_conns);
	if(opt.flood)
		sess[flooder].conn = (uint16_t)(opt.nconns - 1);

	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	struct timeval tv = {0, 5000};
	event_add(tick_ev, &tv);
	t_start = now_us();
	signin_pump();
	event_base_dispatch(base);
	return 0;
}
