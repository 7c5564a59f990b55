/* e2e-sip: end-to-end test of the SIP layer XCCOS clients depend on (registrar,
 * in-band provisioning, chat policies, RFC 2543 style in-dialog requests, client
 * authentication, sessions rebuilt from the same endpoint, a new session's deliveries
 * held until it ACKs the 200 to its INVITE (and sent anyway after the module's
 * ack_wait), posts pipelined behind joins).
 *
 *   e2e-sip --proxy 127.0.0.1:PORT [--control "CMD"] [--chat-uri sip:pchat@example.com]
 *           [--db-socket PATH [--db-name pchat]] [--carryover-sec N]
 *           [--tls-port N --tls-ca FILE] [--only auth] [--verbose]
 *
 * --db-socket: the stack's MariaDB, for the case that removes a member meanwhile;
 * --carryover-sec: pchatd's, for the case that waits for it to run out.
 *
 * Speaks hand-written SIP over one TCP connection per case (the checks are about the
 * exact header lines pidgin-sipe sees, which a SIP stack would normalise away). Requests
 * the server sends on the connection (the module's in-dialog INFOs) are answered 200 and
 * their bodies queued.
 *
 * With --control, the authenticated mode's cases run too: "PCHAT_TRUSTED=0 CMD
 * kamailio-stop/start" restarts Kamailio in its default mode (Digest 407, the identity
 * bound to the connection; tests/e2e/run.sh starts the stack trusted for the other
 * programs), and at the end "PCHAT_TRUSTED=1 CMD kamailio-stop/start" puts the trusted
 * mode back.  With --tls-port, they run again over TLS (the same hand-written SIP on a
 * TLS connection to that port, the server's certificate checked against --tls-ca and
 * 127.0.0.1; the client library with --transport tls), as *_over_tls.
 *
 * With --only auth, only the authenticated mode's cases run, against a proxy that is in
 * that mode already (tests/pool/run.sh: a pool's front, and a chat node reached
 * directly); they need the demo users alice, bob and carol.
 *
 * Prints "PASS name" or "FAIL name: why" per test case and ends with the line
 * "N passed, M failed"; exits 0 only if nothing failed. Every wait is bounded.
 */
#define _GNU_SOURCE
#include "e2e_common.h"
#include "xccos_view.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sofia-sip/su_md5.h>

#define LOBBY_URI "ma-chan://example.com/6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa"
#define DOMAIN "example.com"
#define SIP_WAIT 4000
#define QUIET_WAIT 700
#define RESTART_WAIT 8000

static struct {
	char host[64];
	int port;
	const char *chat_uri, *control;
	int verbose;
	int tls_port;	    /* --tls-port */
	const char *tls_ca; /* --tls-ca */
} opt = {"127.0.0.1", 5060, "sip:pchat@example.com", NULL, 0, 0, NULL};

/* The transport of the connections conn_open makes from now on (and of the Via and
 * Contact lines send_request writes): TCP to opt.port, or TLS to opt.tls_port. */
static int over_tls;

static unsigned long counter;

/* "prefix-<token>-<n>": unique tags, Call-IDs and branches. Static ring of buffers. */
static const char *uniq(const char *prefix)
{
	static char ring[8][64];
	static int i;
	char *b = ring[i++ % 8];
	snprintf(b, 64, "%s%s%lu", prefix, token, ++counter);
	return b;
}

/* ------------------------------------------------------------------ SIP messages */

typedef struct {
	char *raw;   /* the whole message, NUL-terminated */
	size_t hlen; /* start line + headers, up to and including the blank line */
	const char *body;
	size_t blen;
	int status;	 /* responses: the status code; requests: 0 */
	char method[24]; /* requests: the method; responses: the CSeq method */
	unsigned long cseq;
} smsg;

static void smsg_free(smsg *m)
{
	free(m->raw);
	memset(m, 0, sizeof *m);
}

/* n-th (0-based) value of header `name` (or its compact form, if given), trimmed, into
 * out. Header lines are matched whole-name, case-insensitively. 1 if found. */
static int hdr_nth(
		const smsg *m, const char *name, const char *compact, int n, char *out, size_t on)
{
	const char *p = strstr(m->raw, "\r\n");
	const char *end = m->raw + m->hlen;
	while(p && p + 2 < end) {
		const char *line = p + 2;
		const char *eol = strstr(line, "\r\n");
		if(!eol || eol == line)
			break;
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		if(colon) {
			size_t nl = (size_t)(colon - line);
			while(nl > 0 && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
				nl--;
			int match = (strlen(name) == nl && strncasecmp(line, name, nl) == 0) ||
					(compact && strlen(compact) == nl &&
							strncasecmp(line, compact, nl) == 0);
			if(match && n-- == 0) {
				const char *v = colon + 1;
				while(v < eol && (*v == ' ' || *v == '\t'))
					v++;
				size_t vl = (size_t)(eol - v);
				while(vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
					vl--;
				if(vl >= on)
					vl = on - 1;
				memcpy(out, v, vl);
				out[vl] = '\0';
				return 1;
			}
		}
		p = eol;
	}
	return 0;
}

static int hdr(const smsg *m, const char *name, const char *compact, char *out, size_t on)
{
	return hdr_nth(m, name, compact, 0, out, on);
}

/* Value of a `name="..."` or `name=token` parameter in s, into out. 1 if found. */
static int param(const char *s, const char *name, char *out, size_t on)
{
	size_t nl = strlen(name);
	for(const char *p = s; (p = strcasestr(p, name)) != NULL; p += nl) {
		if(p != s && p[-1] != ' ' && p[-1] != ',' && p[-1] != ';' && p[-1] != '\t')
			continue;
		if(p[nl] != '=')
			continue;
		const char *v = p + nl + 1, *e;
		if(*v == '"') {
			v++;
			e = strchr(v, '"');
		} else {
			e = v + strcspn(v, ",; \t");
		}
		if(!e)
			return 0;
		size_t l = (size_t)(e - v);
		if(l >= on)
			l = on - 1;
		memcpy(out, v, l);
		out[l] = '\0';
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ connection */

struct info {
	struct info *next;
	char *body;
};

typedef struct {
	int fd;
	SSL *ssl; /* over TLS */
	int lport;
	char *buf;
	size_t len, cap;
	struct info *inbox, **tail; /* bodies of INFOs the server sent */
	int requests_seen;	    /* requests other than INFO/ACK the server sent */
	char last_request[24];
} conn;

/* The TLS client context: the server's certificate must be signed by a CA of
 * opt.tls_ca and name opt.host (an IP address SAN); NULL (said why) if it cannot be. */
static SSL_CTX *tls_ctx(void)
{
	static SSL_CTX *ctx;
	if(ctx)
		return ctx;
	ctx = SSL_CTX_new(TLS_client_method());
	X509_VERIFY_PARAM *vp = ctx ? SSL_CTX_get0_param(ctx) : NULL;
	if(!ctx || !opt.tls_ca || SSL_CTX_load_verify_locations(ctx, opt.tls_ca, NULL) != 1 ||
			X509_VERIFY_PARAM_set1_ip_asc(vp, opt.host) != 1) {
		note("TLS: cannot use the CA certificates in %s",
				opt.tls_ca ? opt.tls_ca : "(none)");
		SSL_CTX_free(ctx);
		ctx = NULL;
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/* The TLS handshake on c's connected socket, then the socket made non-blocking (a
 * read must not wait for a whole record: read_message polls with a deadline). */
static int tls_start(conn *c)
{
	SSL_CTX *ctx = tls_ctx();
	if(!ctx || !(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1 ||
			SSL_connect(c->ssl) != 1) {
		unsigned long e = ERR_get_error();
		note("TLS handshake with %s:%d failed: %s", opt.host, opt.tls_port,
				e ? ERR_error_string(e, NULL) : "no certificate context");
		return -1;
	}
	return fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
}

static int conn_open(conn *c)
{
	memset(c, 0, sizeof *c);
	c->tail = &c->inbox;
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if(c->fd < 0)
		return -1;
	int port = over_tls ? opt.tls_port : opt.port;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, opt.host, &a.sin_addr);
	if(connect(c->fd, (struct sockaddr *)&a, sizeof a) < 0 || (over_tls && tls_start(c) < 0)) {
		SSL_free(c->ssl);
		c->ssl = NULL;
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	socklen_t sl = sizeof a;
	getsockname(c->fd, (struct sockaddr *)&a, &sl);
	c->lport = ntohs(a.sin_port);
	return 0;
}

static void conn_close(conn *c)
{
	SSL_free(c->ssl);
	c->ssl = NULL;
	if(c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	while(c->inbox) {
		struct info *i = c->inbox;
		c->inbox = i->next;
		free(i->body);
		free(i);
	}
	c->tail = &c->inbox;
}

/* SSL_write on c's non-blocking socket, waiting (poll) while it wants to: bytes
 * written, or -1. */
static ssize_t tls_write(conn *c, const char *p, size_t n)
{
	for(;;) {
		int w = SSL_write(c->ssl, p, (int)(n > INT_MAX ? INT_MAX : n));
		if(w > 0)
			return w;
		int e = SSL_get_error(c->ssl, w);
		if(e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
			return -1;
		struct pollfd pf = {.fd = c->fd,
				.events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
		poll(&pf, 1, 1000);
	}
}

/* recv, or SSL_read over TLS: bytes read; 0 at the end of the stream or on an error;
 * -1 with errno EAGAIN when nothing (no whole record) is there yet. */
static ssize_t conn_recv(conn *c, char *p, size_t n)
{
	if(!c->ssl)
		return recv(c->fd, p, n, 0);
	int r = SSL_read(c->ssl, p, (int)(n > INT_MAX ? INT_MAX : n));
	if(r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

static int conn_send(conn *c, const char *text)
{
	if(opt.verbose)
		fprintf(stderr, ">>> %s\n", text);
	size_t n = strlen(text), off = 0;
	while(off < n) {
		ssize_t w = c->ssl ? tls_write(c, text + off, n - off)
				   : send(c->fd, text + off, n - off, MSG_NOSIGNAL);
		if(w < 0) {
			if(errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* Cuts one complete message off the buffer into m. 1 if there was one. */
static int take_message(conn *c, smsg *m)
{
	size_t crlfs = 0;
	while(crlfs < c->len && (c->buf[crlfs] == '\r' || c->buf[crlfs] == '\n'))
		crlfs++; /* keep-alive CRLFs */
	if(crlfs) {
		memmove(c->buf, c->buf + crlfs, c->len - crlfs);
		c->len -= crlfs;
		c->buf[c->len] = '\0';
	}
	char *eoh = c->len ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL;
	if(!eoh)
		return 0;
	size_t hlen = (size_t)(eoh - c->buf) + 4;
	smsg tmp = {.raw = c->buf, .hlen = hlen};
	char v[64];
	size_t blen = 0;
	if(hdr(&tmp, "Content-Length", "l", v, sizeof v))
		blen = strtoul(v, NULL, 10);
	if(c->len < hlen + blen)
		return 0;
	memset(m, 0, sizeof *m);
	m->raw = malloc(hlen + blen + 1);
	if(!m->raw)
		return 0;
	memcpy(m->raw, c->buf, hlen + blen);
	m->raw[hlen + blen] = '\0';
	m->hlen = hlen;
	m->body = m->raw + hlen;
	m->blen = blen;
	memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
	c->len -= hlen + blen;
	c->buf[c->len] = '\0';
	if(strncmp(m->raw, "SIP/2.0 ", 8) == 0) {
		m->status = atoi(m->raw + 8);
	} else {
		size_t ml = strcspn(m->raw, " ");
		if(ml >= sizeof m->method)
			ml = sizeof m->method - 1;
		memcpy(m->method, m->raw, ml);
		m->method[ml] = '\0';
	}
	if(hdr(m, "CSeq", NULL, v, sizeof v)) {
		char meth[24] = "";
		m->cseq = strtoul(v, NULL, 10);
		if(sscanf(v, "%*u %23s", meth) == 1 && m->status)
			snprintf(m->method, sizeof m->method, "%s", meth);
	}
	if(opt.verbose)
		fprintf(stderr, "<<< %s\n", m->raw);
	return 1;
}

/* Reads the next message within timeout_ms. 1 if one arrived. */
static int read_message(conn *c, smsg *m, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for(;;) {
		if(take_message(c, m))
			return 1;
		long long left = deadline - now_ms();
		if(left <= 0 || c->fd < 0)
			return 0;
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		/* (TLS: a record already read may hold more than SSL_read gave) */
		int r = c->ssl && SSL_pending(c->ssl) > 0 ? 1 : poll(&p, 1, (int)left);
		if(r < 0 && errno == EINTR)
			continue;
		if(r <= 0)
			return 0;
		if(c->cap - c->len < 65536) {
			char *nb = realloc(c->buf, c->cap + 65536);
			if(!nb)
				return 0;
			c->buf = nb;
			c->cap += 65536;
		}
		ssize_t n = conn_recv(c, c->buf + c->len, c->cap - c->len - 1);
		if(n < 0 && errno == EAGAIN)
			continue; /* a part of a record, or a TLS message that was no data */
		if(n <= 0) {
			close(c->fd);
			c->fd = -1;
			return 0;
		}
		c->len += (size_t)n;
		c->buf[c->len] = '\0'; /* header lookups use string functions */
	}
}

/* Answers a request the server sent 200 (ACK: nothing), queueing INFO bodies. */
static void answer_request(conn *c, const smsg *m)
{
	if(strcmp(m->method, "ACK") == 0)
		return;
	if(strcmp(m->method, "INFO") == 0) {
		struct info *i = calloc(1, sizeof *i);
		if(i) {
			i->body = strndup(m->body, m->blen);
			*c->tail = i;
			c->tail = &i->next;
		}
	} else {
		c->requests_seen++;
		snprintf(c->last_request, sizeof c->last_request, "%s", m->method);
	}
	char resp[4096], v[1024];
	int off = snprintf(resp, sizeof resp, "SIP/2.0 200 OK\r\n");
	for(int i = 0; hdr_nth(m, "Via", "v", i, v, sizeof v); i++)
		off += snprintf(resp + off, sizeof resp - (size_t)off, "Via: %s\r\n", v);
	static const char *const copy[][2] = {
			{"From", "f"}, {"To", "t"}, {"Call-ID", "i"}, {"CSeq", NULL}};
	for(size_t i = 0; i < sizeof copy / sizeof copy[0]; i++)
		if(hdr(m, copy[i][0], copy[i][1], v, sizeof v))
			off += snprintf(resp + off, sizeof resp - (size_t)off, "%s: %s\r\n",
					copy[i][0], v);
	snprintf(resp + off, sizeof resp - (size_t)off, "Content-Length: 0\r\n\r\n");
	conn_send(c, resp);
}

/* Waits for the final response to our request (method, cseq), answering whatever the
 * server sends meanwhile. 1 if it arrived (in *r). */
static int wait_final(conn *c, const char *method, unsigned long cseq, smsg *r, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for(;;) {
		long long left = deadline - now_ms();
		smsg m;
		if(left <= 0 || !read_message(c, &m, (int)left))
			return 0;
		if(!m.status) {
			answer_request(c, &m);
		} else if(m.status >= 200 && m.cseq == cseq && strcmp(m.method, method) == 0) {
			*r = m;
			return 1;
		}
		if(m.raw)
			smsg_free(&m);
	}
}

/* Next INFO body the server sent (malloc'd), within timeout_ms; NULL if none. */
static char *next_info(conn *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for(;;) {
		if(c->inbox) {
			struct info *i = c->inbox;
			c->inbox = i->next;
			if(!c->inbox)
				c->tail = &c->inbox;
			char *b = i->body;
			free(i);
			return b;
		}
		long long left = deadline - now_ms();
		smsg m;
		if(left <= 0 || !read_message(c, &m, (int)left))
			return NULL;
		if(!m.status)
			answer_request(c, &m);
		smsg_free(&m);
	}
}

/* Next XCCOS envelope whose first item has this id (others are dropped). */
static xv_envelope *wait_item(conn *c, const char *id, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	for(;;) {
		long long left = deadline - now_ms();
		if(left <= 0)
			return NULL;
		char *b = next_info(c, (int)left);
		if(!b)
			return NULL;
		xv_envelope *e = xv_parse(b, strlen(b));
		free(b);
		if(e && xv_is(e, id))
			return e;
		xv_free(e);
	}
}

/* ------------------------------------------------------------------ requests */

typedef struct {
	char user[32]; /* From user */
	char call_id[64];
	char from_tag[64];
	char to_uri[128];
	char to_tag[128];
	char target[256]; /* Request-URI for in-dialog requests (the 2xx Contact) */
	unsigned long cseq;
	unsigned long envid;
	int no_branch; /* INVITE and ACK with a Via without branch, as sipe sends */
} dialog;

/* Sends a request. branch NULL: a Via without branch (RFC 2543 style). extra: more
 * header lines, each ending in CRLF (may be NULL). */
static int send_request(conn *c, const char *method, const char *ruri, const char *from_user,
		const char *from_tag, const char *to_uri, const char *to_tag, const char *call_id,
		unsigned long cseq, const char *branch, const char *extra, const char *ctype,
		const char *body)
{
	char *msg = NULL;
	size_t bl = body ? strlen(body) : 0;
	char ct[160] = "";
	if(ctype)
		snprintf(ct, sizeof ct, "Content-Type: %s\r\n", ctype);
	int n = asprintf(&msg,
			"%s %s SIP/2.0\r\n"
			"Via: SIP/2.0/%s 127.0.0.1:%d%s%s\r\n"
			"Max-Forwards: 70\r\n"
			"From: <sip:%s@" DOMAIN ">;tag=%s;epid=e2e%s\r\n"
			"To: <%s>%s%s\r\n"
			"Call-ID: %s\r\n"
			"CSeq: %lu %s\r\n"
			"Contact: <sip:%s@127.0.0.1:%d;transport=%s>\r\n"
			"User-Agent: e2e-sip\r\n"
			"%s%s"
			"Content-Length: %zu\r\n\r\n%s",
			method, ruri, c->ssl ? "TLS" : "TCP", c->lport, branch ? ";branch=" : "",
			branch ? branch : "", from_user, from_tag, token, to_uri,
			to_tag && *to_tag ? ";tag=" : "", to_tag ? to_tag : "", call_id, cseq,
			method, from_user, c->lport, c->ssl ? "tls" : "tcp", extra ? extra : "", ct,
			bl, body ? body : "");
	if(n < 0)
		return -1;
	int r = conn_send(c, msg);
	free(msg);
	return r;
}

static const char SDP[] = "v=0\r\n"
			  "o=- 0 0 IN IP4 127.0.0.1\r\n"
			  "s=session\r\n"
			  "c=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\n"
			  "m=message 5060 sip null\r\n"
			  "a=accept-types:text/plain\r\n";

/* Sends an INVITE to the chat URI (new or retried dialog d: the caller sets user,
 * call_id, from_tag, cseq). Returns the final status (0: none) and keeps the response
 * in *r when r is non-NULL. A 2xx is ACKed and completes d; a non-2xx is ACKed too. */
static int invite(conn *c, dialog *d, const char *extra, smsg *r)
{
	char branch[64];
	snprintf(branch, sizeof branch, "%s", uniq("z9hG4bKi"));
	const char *br = d->no_branch ? NULL : branch;
	snprintf(d->to_uri, sizeof d->to_uri, "%s", opt.chat_uri);
	if(send_request(c, "INVITE", opt.chat_uri, d->user, d->from_tag, d->to_uri, NULL,
			   d->call_id, d->cseq, br, extra, "application/sdp", SDP) < 0)
		return 0;
	smsg m;
	if(!wait_final(c, "INVITE", d->cseq, &m, SIP_WAIT))
		return 0;
	int st = m.status;
	char to[256] = "", tag[128] = "";
	if(hdr(&m, "To", "t", to, sizeof to))
		param(to, "tag", tag, sizeof tag);
	if(st >= 300) {
		/* ACK of a non-2xx: same branch and CSeq number, the response's To */
		send_request(c, "ACK", opt.chat_uri, d->user, d->from_tag, d->to_uri, tag,
				d->call_id, d->cseq, br, NULL, NULL, NULL);
	} else {
		char ct[256] = "";
		snprintf(d->to_tag, sizeof d->to_tag, "%s", tag);
		if(hdr(&m, "Contact", "m", ct, sizeof ct)) {
			char *lt = strchr(ct, '<'), *gt = lt ? strchr(lt, '>') : NULL;
			if(lt && gt) {
				*gt = '\0';
				snprintf(d->target, sizeof d->target, "%s", lt + 1);
			} else {
				snprintf(d->target, sizeof d->target, "%s", ct);
			}
		} else {
			snprintf(d->target, sizeof d->target, "%s", opt.chat_uri);
		}
		send_request(c, "ACK", d->target, d->user, d->from_tag, d->to_uri, d->to_tag,
				d->call_id, d->cseq, d->no_branch ? NULL : uniq("z9hG4bKa"), NULL,
				NULL, NULL);
	}
	if(r)
		*r = m;
	else
		smsg_free(&m);
	return st;
}

/* Sends an in-dialog request without waiting; with_branch 0 sends a Via without branch
 * like pidgin-sipe. Returns its CSeq number, 0 if it could not be sent. */
static unsigned long in_dialog_send(conn *c, dialog *d, const char *method, int with_branch,
		const char *ctype, const char *body)
{
	unsigned long cseq = ++d->cseq;
	if(send_request(c, method, d->target, d->user, d->from_tag, d->to_uri, d->to_tag,
			   d->call_id, cseq, with_branch ? uniq("z9hG4bKd") : NULL, NULL, ctype,
			   body) < 0)
		return 0;
	return cseq;
}

/* The final status of our request (method, cseq), 0 if none came; its reason phrase
 * in reason (if not NULL). */
static int final_status(conn *c, const char *method, unsigned long cseq, char *reason, size_t rn)
{
	smsg m;
	if(reason)
		reason[0] = '\0';
	if(!cseq || !wait_final(c, method, cseq, &m, SIP_WAIT))
		return 0;
	if(reason) /* "SIP/2.0 403 Not In The Room" */
		snprintf(reason, rn, "%.*s", (int)strcspn(m.raw + 12, "\r\n"), m.raw + 12);
	int st = m.status;
	smsg_free(&m);
	return st;
}

/* In-dialog request, waiting for its final status. */
static int in_dialog(conn *c, dialog *d, const char *method, int with_branch, const char *ctype,
		const char *body)
{
	return final_status(
			c, method, in_dialog_send(c, d, method, with_branch, ctype, body), NULL, 0);
}

/* Sends items (freed) in an envelope as an INFO without waiting: its CSeq, or 0. */
static unsigned long xccos_send(conn *c, dialog *d, int with_branch, char *items)
{
	if(!items)
		return 0;
	char *env = xv_envelope_wrap(++d->envid, items);
	free(items);
	if(!env)
		return 0;
	unsigned long cseq = in_dialog_send(c, d, "INFO", with_branch, "text/plain", env);
	free(env);
	return cseq;
}

static int send_xccos(conn *c, dialog *d, int with_branch, char *items)
{
	return final_status(c, "INFO", xccos_send(c, d, with_branch, items), NULL, 0);
}

static void new_dialog(dialog *d, const char *user)
{
	memset(d, 0, sizeof *d);
	snprintf(d->user, sizeof d->user, "%s", user);
	snprintf(d->call_id, sizeof d->call_id, "%s", uniq("call-"));
	snprintf(d->from_tag, sizeof d->from_tag, "%s", uniq("t"));
	d->cseq = 1;
}

/* INVITE, retrying for up to ms while the answer is 503 (a freshly started Kamailio
 * may not have its backend link yet). */
static int invite_retry(conn *c, dialog *d, const char *extra, smsg *r, int ms)
{
	long long deadline = now_ms() + ms;
	for(;;) {
		smsg m = {0};
		int st = invite(c, d, extra, &m);
		if(st != 503 || now_ms() >= deadline) {
			if(r)
				*r = m;
			else
				smsg_free(&m);
			return st;
		}
		smsg_free(&m);
		d->cseq++;
		usleep(300 * 1000);
	}
}

/* ------------------------------------------------------------------ Digest */

static void md5_hex(char out[33], const char *s)
{
	su_md5_t ctx;
	su_md5_init(&ctx);
	su_md5_strupdate(&ctx, s);
	su_md5_hexdigest(&ctx, out);
}

/* Builds "Authorization: ..." or "Proxy-Authorization: ..." (CRLF-terminated) answering
 * the challenge in response r. 0 on success. */
static int digest_header(const smsg *r, const char *method, const char *uri, const char *user,
		const char *password, char *out, size_t on)
{
	char ch[1024], realm[128], nonce[256], qop[64] = "", opaque[256] = "";
	int proxy = r->status == 407;
	if(!hdr(r, proxy ? "Proxy-Authenticate" : "WWW-Authenticate", NULL, ch, sizeof ch))
		return -1;
	if(!param(ch, "realm", realm, sizeof realm) || !param(ch, "nonce", nonce, sizeof nonce))
		return -1;
	param(ch, "qop", qop, sizeof qop);
	int has_opaque = param(ch, "opaque", opaque, sizeof opaque);
	char a1[512], a2[512], ha1[33], ha2[33], resp[33], x[1024];
	snprintf(a1, sizeof a1, "%s:%s:%s", user, realm, password);
	snprintf(a2, sizeof a2, "%s:%s", method, uri);
	md5_hex(ha1, a1);
	md5_hex(ha2, a2);
	const char *cnonce = uniq("cn");
	int with_qop = strstr(qop, "auth") != NULL;
	if(with_qop)
		snprintf(x, sizeof x, "%s:%s:00000001:%s:auth:%s", ha1, nonce, cnonce, ha2);
	else
		snprintf(x, sizeof x, "%s:%s:%s", ha1, nonce, ha2);
	md5_hex(resp, x);
	int n = snprintf(out, on,
			"%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
			"response=\"%s\", algorithm=MD5",
			proxy ? "Proxy-Authorization" : "Authorization", user, realm, nonce, uri,
			resp);
	if(with_qop)
		n += snprintf(out + n, on - (size_t)n, ", qop=auth, nc=00000001, cnonce=\"%s\"",
				cnonce);
	if(has_opaque)
		n += snprintf(out + n, on - (size_t)n, ", opaque=\"%s\"", opaque);
	snprintf(out + n, on - (size_t)n, "\r\n");
	return 0;
}

/* ------------------------------------------------------------------ cases */

static int do_register(conn *c, const char *user, const char *extra, smsg *r, unsigned long cseq,
		const char *call_id, const char *tag)
{
	char aor[128];
	snprintf(aor, sizeof aor, "sip:%s@" DOMAIN, user);
	if(send_request(c, "REGISTER", "sip:" DOMAIN, user, tag, aor, NULL, call_id, cseq,
			   uniq("z9hG4bKr"), extra, NULL, NULL) < 0)
		return 0;
	if(!wait_final(c, "REGISTER", cseq, r, SIP_WAIT))
		return 0;
	return r->status;
}

static void test_register(void)
{
	conn c;
	smsg r = {0};
	if(conn_open(&c) < 0) {
		fail("register_200", "cannot connect to %s:%d", opt.host, opt.port);
		return;
	}
	int st = do_register(&c, "alice",
			"Expires: 900\r\nSupported: gruu-10, msrtc-event-categories\r\n", &r, 1,
			uniq("reg-"), uniq("t"));
	if(st != 200) {
		fail("register_200", "REGISTER got %d, want 200", st);
		conn_close(&c);
		return;
	}
	pass("register_200");

	char v[1024];
	if(!hdr(&r, "Expires", NULL, v, sizeof v))
		fail("register_expires_nonzero", "no Expires header in the 200");
	else if(atol(v) <= 0)
		fail("register_expires_nonzero", "Expires: %s", v);
	else
		pass("register_expires_nonzero");

	int found = 0;
	for(int i = 0; !found && hdr_nth(&r, "Supported", "k", i, v, sizeof v); i++)
		found = strcmp(v, "msrtc-event-categories") == 0;
	if(!found)
		fail("register_supported_msrtc_line",
				"no header line whose whole value is "
				"msrtc-event-categories");
	else
		pass("register_supported_msrtc_line");

	/* as sipe does: split on ',' without trimming */
	found = 0;
	for(int i = 0; !found && hdr_nth(&r, "Allow-Events", "u", i, v, sizeof v); i++) {
		char *save = NULL;
		for(char *t = strtok_r(v, ",", &save); t && !found; t = strtok_r(NULL, ",", &save))
			found = strcmp(t, "vnd-microsoft-provisioning-v2") == 0;
	}
	if(!found)
		fail("register_allow_events_provisioning",
				"no Allow-Events element equal to "
				"vnd-microsoft-provisioning-v2 (split on "
				"',' untrimmed)");
	else
		pass("register_allow_events_provisioning");

	if(!hdr(&r, "Server", NULL, v, sizeof v)) {
		fail("register_server_header", "no Server header");
	} else {
		const char *slash = strchr(v, '/');
		if(slash && slash[1] == '6')
			fail("register_server_header", "Server: %s looks like name/6.x", v);
		else {
			note("Server: %s", v);
			pass("register_server_header");
		}
	}
	smsg_free(&r);
	conn_close(&c);
}

/* Text of <property name="NAME"> in body (first occurrence), into out. */
static int prop(const char *body, const char *name, char *out, size_t on)
{
	char key[128];
	snprintf(key, sizeof key, "name=\"%s\">", name);
	const char *p = strstr(body, key);
	if(!p)
		return 0;
	p += strlen(key);
	size_t l = strcspn(p, "<");
	if(l >= on)
		l = on - 1;
	memcpy(out, p, l);
	out[l] = '\0';
	return 1;
}

static const char PROV_REQ[] =
		"<provisioningGroupList xmlns=\"http://schemas.microsoft.com/2006/09/sip/"
		"provisioninggrouplist\"><provisioningGroup name=\"ServerConfiguration\"/>"
		"<provisioningGroup name=\"meetingPolicy\"/><provisioningGroup "
		"name=\"persistentChatConfiguration\"/><provisioningGroup name=\"ucPolicy\"/>"
		"</provisioningGroupList>";

static void test_provisioning(const char *user, const char *want_enabled)
{
	char T[64];
	snprintf(T, sizeof T, "provisioning_%s", user);
	conn c;
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	char aor[128];
	snprintf(aor, sizeof aor, "sip:%s@" DOMAIN, user);
	smsg r = {0};
	int ok = send_request(&c, "SUBSCRIBE", aor, user, uniq("t"), aor, NULL, uniq("sub-"), 1,
				 uniq("z9hG4bKs"),
				 "Event: vnd-microsoft-provisioning-v2\r\n"
				 "Accept: application/vnd-microsoft-roaming-provisioning-v2+xml\r\n"
				 "Supported: com.microsoft.autoextend\r\n"
				 "Supported: ms-benotify\r\n"
				 "Proxy-Require: ms-benotify\r\n"
				 "Supported: ms-piggyback-first-notify\r\n"
				 "Expires: 0\r\n",
				 "application/vnd-microsoft-roaming-provisioning-v2+xml",
				 PROV_REQ) == 0 &&
			wait_final(&c, "SUBSCRIBE", 1, &r, SIP_WAIT);
	char v[1024], why[2048] = "", tls_uri[128];
	/* the stack's TLS address (docs/OPERATIONS.md, In-band provisioning) */
	snprintf(tls_uri, sizeof tls_uri, "sip:%s:%d;transport=tls", opt.host, opt.tls_port);
	if(!ok) {
		snprintf(why, sizeof why, "no final response to the SUBSCRIBE within %d ms",
				SIP_WAIT);
	} else if(r.status != 200) {
		snprintf(why, sizeof why,
				"SUBSCRIBE with Proxy-Require: ms-benotify got %d, want 200",
				r.status);
	} else if(!hdr(&r, "Event", "o", v, sizeof v) ||
			strcmp(v, "vnd-microsoft-provisioning-v2") != 0) {
		snprintf(why, sizeof why, "Event of the 200 is '%s'", v);
	} else if(!hdr(&r, "ms-piggyback-cseq", NULL, v, sizeof v)) {
		snprintf(why, sizeof why, "no ms-piggyback-cseq header");
	} else if(!hdr(&r, "Expires", NULL, v, sizeof v) || strcmp(v, "0") != 0) {
		snprintf(why, sizeof why, "Expires of the 200 is not 0");
	} else if(!hdr(&r, "Content-Type", "c", v, sizeof v) ||
			strcasecmp(v, "application/vnd-microsoft-roaming-provisioning-v2+xml") !=
					0) {
		snprintf(why, sizeof why, "Content-Type is '%s'", v);
	} else if(!strstr(r.body, "<provisionGroup name=\"persistentChatConfiguration\"")) {
		snprintf(why, sizeof why,
				"body lacks the persistentChatConfiguration group: %.200s", r.body);
	} else if(!prop(r.body, "EnablePersistentChat", v, sizeof v) ||
			strcmp(v, want_enabled) != 0) {
		snprintf(why, sizeof why, "EnablePersistentChat is '%s', want %s", v, want_enabled);
	} else if(!prop(r.body, "DefaultPersistentChatPoolUri", v, sizeof v) ||
			strcmp(v, opt.chat_uri) != 0) {
		snprintf(why, sizeof why, "DefaultPersistentChatPoolUri is '%s', want %s", v,
				opt.chat_uri);
	} else if(!prop(r.body, "PersistentChatPoolUris", v, sizeof v) ||
			strcmp(v, opt.chat_uri) != 0) {
		snprintf(why, sizeof why, "PersistentChatPoolUris is '%s'", v);
	} else if(!prop(r.body, "PersistentChatWebManagerUriInt", v, sizeof v) || !*v) {
		snprintf(why, sizeof why, "no PersistentChatWebManagerUriInt");
	} else if(opt.tls_port &&
			(!prop(r.body, "PchatSipTlsUri", v, sizeof v) || strcmp(v, tls_uri) != 0)) {
		snprintf(why, sizeof why, "PchatSipTlsUri is '%s', want %s", v, tls_uri);
	} else {
		/* exactly one provisioning document: no NOTIFY may follow the piggy-backed one */
		smsg m;
		while(read_message(&c, &m, QUIET_WAIT)) {
			if(!m.status)
				answer_request(&c, &m);
			smsg_free(&m);
		}
		if(c.requests_seen)
			snprintf(why, sizeof why, "the server also sent a %s after the 200",
					c.last_request);
	}
	if(*why)
		fail(T, "%s", why);
	else
		pass(T);
	smsg_free(&r);
	conn_close(&c);
}

static void test_dave_invite_403(void)
{
	const char *T = "unentitled_invite_403";
	conn c;
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	dialog d;
	new_dialog(&d, "dave");
	int st = invite(&c, &d, NULL, NULL);
	if(st != 403)
		fail(T, "dave's chat INVITE got %d, want 403", st);
	else
		pass(T);
	conn_close(&c);
}

/* A Call-ID folded over two lines (legal header folding, but no Call-ID has a space):
 * refused 400, so that the module never writes it into a log line where its line break
 * would start a line of the client's (docs/OPERATIONS.md, Logs). */
static void test_folded_call_id_400(void)
{
	const char *T = "invite_with_folded_call_id_400";
	conn c;
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	dialog d;
	new_dialog(&d, "alice");
	snprintf(d.call_id, sizeof d.call_id, "%s\r\n 0: ERROR: forged", uniq("call-"));
	int st = invite(&c, &d, NULL, NULL);
	if(st != 400)
		fail(T, "an INVITE with a folded Call-ID got %d, want 400", st);
	else
		pass(T);
	conn_close(&c);
}

/* The sipe way: the INVITE (sipe creates the dialog first), its ACK, and in-dialog INFO
 * and BYE, all with a Via without branch (RFC 2543 transaction matching). */
static void test_info_without_branch(void)
{
	const char *T = "in_dialog_info_without_via_branch";
	conn c;
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	dialog d;
	new_dialog(&d, "alice");
	d.no_branch = 1;
	int st = invite_retry(&c, &d, NULL, NULL, 3000);
	if(st != 200) {
		fail("invite_without_via_branch", "alice's chat INVITE got %d, want 200", st);
		fail(T, "not run");
		conn_close(&c);
		return;
	}
	pass("invite_without_via_branch");
	st = send_xccos(&c, &d, 0, xv_item_requri());
	xv_envelope *e = st == 200 ? wait_item(&c, "rpl:requri", SIP_WAIT) : NULL;
	if(st != 200)
		fail(T, "INFO without Via branch got %d, want 200", st);
	else if(!e)
		fail(T, "no rpl:requri came back for the INFO without Via branch");
	else if(e->resp_code != 200)
		fail(T, "rpl:requri code %d", e->resp_code);
	else
		pass(T);
	xv_free(e);

	st = in_dialog(&c, &d, "BYE", 0, NULL, NULL);
	if(st != 200)
		fail("in_dialog_bye_without_via_branch", "BYE without Via branch got %d", st);
	else
		pass("in_dialog_bye_without_via_branch");
	conn_close(&c);
}

/* Session timers, with Kamailio started with PCHAT_SESSION_EXPIRES=3: the 200 OK names
 * the value, UPDATE refreshes a session, and a session that sends nothing is closed
 * (a later INFO gets 481) while the refreshed one keeps working. */
#define SHORT_SE 3
static void test_session_timers(void)
{
	conn ca, cb;
	dialog a, b;
	smsg r = {0};
	char se[64] = "";
	int st;

	if(conn_open(&ca) < 0 || conn_open(&cb) < 0) {
		fail("session_expires_in_200", "cannot connect");
		return;
	}
	new_dialog(&a, "alice");
	new_dialog(&b, "bob");
	st = invite_retry(&ca, &a, NULL, &r, 3000);
	if(st == 200)
		hdr(&r, "Session-Expires", "x", se, sizeof se);
	smsg_free(&r);
	if(st != 200 || invite_retry(&cb, &b, NULL, NULL, 3000) != 200) {
		fail("session_expires_in_200", "chat INVITEs not answered 200");
		goto out;
	}
	if(atoi(se) != SHORT_SE)
		fail("session_expires_in_200", "Session-Expires is '%s', want %d", se, SHORT_SE);
	else
		pass("session_expires_in_200");
	/* bob refreshes every second; alice stays silent for three expiry periods and more
     * than one expiry sweep (5 s) */
	long long until = now_ms() + 3LL * SHORT_SE * 1000 + 1000;
	int refreshed = 1;
	while(now_ms() < until && refreshed) {
		refreshed = in_dialog(&cb, &b, "UPDATE", 1, NULL, NULL) == 200;
		usleep(1000 * 1000);
	}
	if(!refreshed)
		fail("update_keepalive", "an UPDATE was not answered 200");
	else if((st = send_xccos(&cb, &b, 1, xv_item_requri())) != 200)
		fail("update_keepalive", "INFO on the refreshed session got %d, want 200", st);
	else
		pass("update_keepalive");
	st = send_xccos(&ca, &a, 1, xv_item_requri());
	if(st != 481)
		fail("idle_session_expired_481", "INFO on the idle session got %d, want 481", st);
	else
		pass("idle_session_expired_481");
	in_dialog(&cb, &b, "BYE", 1, NULL, NULL);
out:
	conn_close(&ca);
	conn_close(&cb);
}

/* Names of the rooms an rpl:chansrch lists, as " A | B |" for messages; sets *n. */
static void room_names(const xv_envelope *e, char *out, size_t on, size_t *n)
{
	size_t used = 0;
	out[0] = '\0';
	*n = e ? e->nrooms : 0;
	for(size_t i = 0; e && i < e->nrooms && used < on; i++)
		used += (size_t)snprintf(out + used, on - used, " %s |",
				e->rooms[i].name ? e->rooms[i].name : "(no name)");
}

/* chansrch: empty criteria lists every visible room; criteria match names and
 * descriptions (case-insensitive); the secret demo room "Board" is never listed. */
static void test_chansrch(void)
{
	static const struct {
		const char *criteria, *want; /* want: " A | B |" in reply order */
	} q[] = {{"", " Announcements | Build Team | Lobby | Ops |"}, {"build", " Build Team |"},
			{"COORDINATION", " Build Team |"}, {"board", ""}};
	const char *T = "chansrch_by_name_and_description_secret_hidden";
	conn c;
	dialog d;
	char names[512], why[700] = "";

	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	new_dialog(&d, "alice");
	if(invite_retry(&c, &d, NULL, NULL, 3000) != 200) {
		fail(T, "chat INVITE not answered 200");
		conn_close(&c);
		return;
	}
	for(size_t i = 0; i < sizeof q / sizeof q[0] && !why[0]; i++) {
		int st = send_xccos(&c, &d, 1, xv_item_chansrch(q[i].criteria));
		xv_envelope *e = st == 200 ? wait_item(&c, "rpl:chansrch", SIP_WAIT) : NULL;
		size_t n = 0;
		room_names(e, names, sizeof names, &n);
		if(!e || e->resp_code != 200)
			snprintf(why, sizeof why, "criteria '%s': SIP %d, %s", q[i].criteria, st,
					e ? "non-200 rpl:chansrch" : "no rpl:chansrch");
		else if(strcmp(names, q[i].want) != 0)
			snprintf(why, sizeof why, "criteria '%s' listed [%s], want [%s]",
					q[i].criteria, names, q[i].want);
		xv_free(e);
	}
	if(why[0])
		fail(T, "%s", why);
	else
		pass(T);
	in_dialog(&c, &d, "BYE", 1, NULL, NULL);
	conn_close(&c);
}

/* An envelope around items (freed), padded with spaces before "</xccos>" to exactly
 * size bytes when it is shorter. malloc'd; NULL if it does not fit. */
static char *padded_envelope(unsigned long envid, char *items, size_t size)
{
	if(!items)
		return NULL;
	char *env = xv_envelope_wrap(envid, items);
	free(items);
	size_t n = env ? strlen(env) : 0;
	static const char close_tag[] = "</xccos>";
	size_t cl = sizeof close_tag - 1;
	char *out = env && n <= size && n >= cl ? malloc(size + 1) : NULL;
	if(out) {
		memcpy(out, env, n - cl);
		memset(out + n - cl, ' ', size - n);
		memcpy(out + size - cl, close_tag, cl + 1);
	}
	free(env);
	return out;
}

/* A cmd:requri on dialog d answered 200 with a rpl:requri: NULL, else why (static). */
static const char *requri_works(conn *c, dialog *d)
{
	static char why[128];
	int st = send_xccos(c, d, 1, xv_item_requri());
	xv_envelope *e = st == 200 ? wait_item(c, "rpl:requri", SIP_WAIT) : NULL;
	const char *r = NULL;
	if(!e) {
		snprintf(why, sizeof why, "%s's cmd:requri: SIP %d, %s", d->user, st,
				st == 200 ? "no rpl:requri" : "want 200");
		r = why;
	}
	xv_free(e);
	return r;
}

/* Sizes that agree end to end (docs/ARCHITECTURE.md, Limits), over TCP: two chat
 * sessions on one connection; an INFO body of exactly max_body is taken, one a byte
 * over it is answered 413 (Kamailio's TCP read buffer, tcp_rd_buf_size, is larger than
 * max_body plus the headers, so it reaches the module), and the connection and both
 * sessions on it keep working. */
#define MAX_BODY 65536 /* modparam("pchat", "max_body") in kamailio-cfg/kamailio.cfg */
static void test_body_sizes(void)
{
	const char *T1 = "info_body_of_max_body_accepted_over_tcp";
	const char *T2 = "info_body_over_max_body_413_over_tcp";
	const char *T3 = "tcp_connection_and_its_sessions_survive_413";
	conn c;
	dialog a, b;
	const char *w;
	if(conn_open(&c) < 0) {
		fail(T1, "cannot connect");
		return;
	}
	new_dialog(&a, "alice");
	new_dialog(&b, "bob");
	if(invite_retry(&c, &a, NULL, NULL, 3000) != 200 ||
			invite_retry(&c, &b, NULL, NULL, 3000) != 200) {
		fail(T1, "alice's and bob's chat INVITEs on one connection not both answered 200");
		conn_close(&c);
		return;
	}

	char *body = padded_envelope(++a.envid, xv_item_requri(), MAX_BODY);
	int st = body ? in_dialog(&c, &a, "INFO", 1, "text/plain", body) : 0;
	free(body);
	xv_envelope *e = st == 200 ? wait_item(&c, "rpl:requri", SIP_WAIT) : NULL;
	if(st != 200)
		fail(T1, "INFO with a %d-byte body got %d, want 200", MAX_BODY, st);
	else if(!e)
		fail(T1, "no rpl:requri for the %d-byte envelope", MAX_BODY);
	else
		pass(T1);
	xv_free(e);

	body = padded_envelope(++a.envid, xv_item_requri(), MAX_BODY + 1);
	st = body ? in_dialog(&c, &a, "INFO", 1, "text/plain", body) : 0;
	free(body);
	if(st != 413)
		fail(T2, "INFO with a %d-byte body got %d (%s), want 413", MAX_BODY + 1, st,
				c.fd < 0 ? "connection closed" : "connection open");
	else
		pass(T2);

	if(c.fd < 0)
		fail(T3, "the server closed the connection");
	else if((w = requri_works(&c, &b)) || (w = requri_works(&c, &a)))
		fail(T3, "%s", w);
	else
		pass(T3);
	in_dialog(&c, &a, "BYE", 1, NULL, NULL);
	in_dialog(&c, &b, "BYE", 1, NULL, NULL);
	conn_close(&c);
}

static int run_control(const char *env, const char *verb)
{
	return run_control_cmd(opt.control, env, verb);
}

/* REGISTER alice's own address on c with the Via branch given (pidgin-sipe resends a
 * challenged request with the same branch and CSeq): the final status, 0 if none. */
static int register_branch(conn *c, const char *extra, smsg *r, const char *call_id,
		const char *tag, const char *branch)
{
	if(send_request(c, "REGISTER", "sip:" DOMAIN, "alice", tag, "sip:alice@" DOMAIN, NULL,
			   call_id, 1, branch, extra, NULL, NULL) < 0)
		return 0;
	return wait_final(c, "REGISTER", 1, r, SIP_WAIT) ? r->status : 0;
}

/* A 407 with a Digest Proxy-Authenticate, as pidgin-sipe needs (a 401 ends its login). */
static int is_digest_407(const smsg *r)
{
	char ch[1024];
	return r->status == 407 && hdr(r, "Proxy-Authenticate", NULL, ch, sizeof ch) &&
			strncasecmp(ch, "Digest ", 7) == 0;
}

/* Signs c in as alice the way pidgin-sipe does: REGISTER, 407, the same REGISTER (same
 * branch and CSeq) with Digest credentials of user name "alice@example.com" (auth_db
 * checks ha1b) and password; the final status (0: no challenge came). */
static int sipe_style_register(conn *c, const char *password, const char *T)
{
	smsg r = {0};
	const char *cid = uniq("reg-");
	char tag[64], branch[64], auth[2048];
	snprintf(tag, sizeof tag, "%s", uniq("t"));
	snprintf(branch, sizeof branch, "%s", uniq("z9hG4bKr"));
	int st = register_branch(c, NULL, &r, cid, tag, branch);
	if(!is_digest_407(&r)) {
		fail(T, "REGISTER without credentials got %d, want 407 with a Digest challenge",
				st);
		smsg_free(&r);
		return 0;
	}
	if(digest_header(&r, "REGISTER", "sip:" DOMAIN, "alice@" DOMAIN, password, auth,
			   sizeof auth) < 0) {
		fail(T, "cannot read the challenge");
		smsg_free(&r);
		return 0;
	}
	smsg_free(&r);
	st = register_branch(c, auth, &r, cid, tag, branch);
	smsg_free(&r);
	return st;
}

/* An INVITE as user on c answered with Digest credentials of auth_user/password after
 * its 407: the final status; -1 if the INVITE was not challenged with a 407. */
static int invite_with_credentials(conn *c, dialog *d, const char *auth_user, const char *password)
{
	smsg r = {0};
	char auth[2048];
	int st = invite_retry(c, d, NULL, &r, 5000);
	if(st != 407 ||
			digest_header(&r, "INVITE", opt.chat_uri, auth_user, password, auth,
					sizeof auth) < 0) {
		smsg_free(&r);
		return -1;
	}
	smsg_free(&r);
	d->cseq++;
	return invite(c, d, auth, NULL);
}

/* Waits up to ms for a grpchat with text on c: 1 if it came. */
static int post_arrives(conn *c, const char *text, int ms)
{
	long long deadline = now_ms() + ms;
	while(now_ms() < deadline) {
		xv_envelope *e = wait_item(c, "grpchat", (int)(deadline - now_ms()));
		if(!e)
			return 0;
		int hit = e->chat.text && strcmp(e->chat.text, text) == 0;
		xv_free(e);
		if(hit)
			return 1;
	}
	return 0;
}

/* pc_set_password_fn's function: the password of test_client_library_auth's user. */
static const char *lib_password(const char *user_uri, void *arg)
{
	(void)user_uri;
	return arg;
}

/* name, or name_over_tls while over_tls: the cases' names (a ring of buffers) */
static const char *case_name(const char *name)
{
	static char ring[4][96];
	static int i;
	char *b = ring[i++ % 4];
	snprintf(b, sizeof ring[0], "%s%s", name, over_tls ? "_over_tls" : "");
	return b;
}

/* The client library (client/pchat's) answers the 407 with the password it is given:
 * the right one opens a session, a wrong one ends in 403.  Over TLS it trusts
 * opt.tls_ca; trusting only the system's CAs instead, it opens nothing (no final
 * response: the handshake failed). */
static void test_client_library_auth(void)
{
	static const char *const cases[][4] = {
			{"auth_client_library_right_password", "bob", "200", "ca"},
			{"auth_client_library_wrong_password", "not-bobs", "403", "ca"},
			{"auth_client_library_untrusted_certificate", "bob", "408", "system"}};
	char proxy[96];
	snprintf(proxy, sizeof proxy, "%s:%d", opt.host, over_tls ? opt.tls_port : opt.port);
	for(size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *T = case_name(cases[i][0]);
		if(!over_tls && strcmp(cases[i][3], "system") == 0)
			continue; /* about TLS only */
		pc_context *ctx = pc_context_new();
		int st = 0;
		if(!ctx) {
			fail(T, "no client context");
			continue;
		}
		pc_set_password_fn(ctx, lib_password, (void *)cases[i][1]);
		pc_set_tls_ca(ctx, strcmp(cases[i][3], "ca") == 0 ? opt.tls_ca : NULL);
		pc_client *cl = pc_open(ctx, "sip:bob@" DOMAIN, opt.chat_uri, proxy,
				over_tls ? "tls" : "tcp", SIP_WAIT, &st);
		if(st == atoi(cases[i][2]))
			pass(T);
		else
			fail(T, "pc_open got %d, want %s (%s)", st, cases[i][2],
					pc_last_error(ctx));
		if(cl)
			pc_close(cl, SIP_WAIT);
		pc_context_free(ctx);
	}
}

/* The default (authenticated) mode, over TCP or TLS (over_tls). */
static void test_auth_mode(void)
{
	const char *T = case_name("auth_wrong_password_refused");
	conn c, other;
	dialog d;
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	int st = sipe_style_register(&c, "not-alices", T);
	if(st)
		st == 403 ? pass(T)
			  : fail(T, "REGISTER with a wrong password got %d, want 403", st);
	conn_close(&c);

	T = case_name("auth_invite_wrong_password_refused");
	if(conn_open(&c) == 0) {
		new_dialog(&d, "alice");
		st = invite_with_credentials(&c, &d, "alice", "not-alices");
		st == 403 ? pass(T)
			  : fail(T, "INVITE: %d, want a 407 and then 403 for a wrong password", st);
		conn_close(&c);
	}

	T = case_name("auth_credentials_of_another_user_refused");
	if(conn_open(&c) == 0) {
		new_dialog(&d, "carol"); /* From carol, alice's (right) credentials */
		st = invite_with_credentials(&c, &d, "alice", "alice");
		st == 403 ? pass(T) : fail(T, "INVITE From carol with alice's credentials: %d", st);
		conn_close(&c);
	}

	/* alice signs in as pidgin-sipe does; the connection then carries her identity */
	T = case_name("auth_register_stateless_407_then_200");
	if(conn_open(&c) < 0) {
		fail(T, "cannot connect");
		return;
	}
	st = sipe_style_register(&c, "alice", T);
	if(st != 200) {
		if(st)
			fail(T,
					"REGISTER resent with alice's credentials (same branch and CSeq) "
					"got %d, want 200",
					st);
		conn_close(&c);
		return;
	}
	pass(T);

	T = case_name("auth_connection_bound_no_challenge");
	new_dialog(&d, "alice");
	st = invite_retry(&c, &d, NULL, NULL, 5000);
	if(st != 200) {
		fail(T, "INVITE without credentials on alice's connection got %d, want 200", st);
		conn_close(&c);
		return;
	}
	pass(T);

	T = case_name("auth_post_author_is_alice");
	char text[128];
	snprintf(text, sizeof text, "e2e-sip auth post %s%s", token, over_tls ? " over tls" : "");
	st = send_xccos(&c, &d, 1, xv_item_join(LOBBY_URI));
	xv_envelope *e = st == 200 ? wait_item(&c, "rpl:join", SIP_WAIT) : NULL;
	int joined = e && e->resp_code == 200;
	xv_free(e);
	if(!joined) {
		fail(T, "join: INFO %d", st);
	} else {
		st = send_xccos(&c, &d, 1,
				xv_item_grpchat(LOBBY_URI, "sip:alice@" DOMAIN, NULL, text));
		st == 200 && post_arrives(&c, text, SIP_WAIT)
				? pass(T)
				: fail(T, "post INFO %d, or the post did not come back", st);
	}

	T = case_name("auth_forged_from_refused");
	dialog f;
	new_dialog(&f, "carol");
	st = invite(&c, &f, NULL, NULL);
	st == 403 ? pass(T)
		  : fail(T, "INVITE From carol on alice's connection got %d, want 403", st);

	T = case_name("auth_forged_from_in_dialog_refused");
	dialog g = d;
	snprintf(g.user, sizeof g.user, "carol");
	st = in_dialog(&c, &g, "INFO", 1, "text/plain", "forged");
	d.cseq = g.cseq;
	st == 403 ? pass(T) : fail(T, "INFO From carol in alice's dialog got %d, want 403", st);

	/* another connection, not authenticated, replays alice's dialog: a post in it
	 * would reach the backend and come back to alice if it got through */
	T = case_name("auth_unauthenticated_request_never_reaches_backend");
	if(conn_open(&other) < 0) {
		fail(T, "cannot connect");
	} else {
		char replay[128];
		snprintf(replay, sizeof replay, "e2e-sip replayed post %s%s", token,
				over_tls ? " over tls" : "");
		dialog h = d;
		st = send_xccos(&other, &h, 1,
				xv_item_grpchat(LOBBY_URI, "sip:alice@" DOMAIN, NULL, replay));
		if(st != 407)
			fail(T, "in-dialog INFO from an unauthenticated connection got %d, want 407",
					st);
		else if(post_arrives(&c, replay, QUIET_WAIT))
			fail(T, "the replayed post reached the room");
		else
			pass(T);
		conn_close(&other);
	}
	in_dialog(&c, &d, "BYE", 1, NULL, NULL);
	conn_close(&c);
	test_client_library_auth();
}

/* ------------------------------------------------------------------ main */

/* ------------------------------------------------------------------ rebuilt sessions */

/* What a sipe client does after a 481, a Kamailio restart or an expiry: a new chat
 * session from the same endpoint (the epid of its From), which does not join again the
 * rooms it shows open.  pchatd hands it the rooms of the endpoint's last session,
 * quietly (docs/ARCHITECTURE.md, *Rebuilt sessions*). */

#define OPS_URI "ma-chan://example.com/0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f"
#define BOARD_URI "ma-chan://example.com/5e3c7a1b-0d2f-4e6a-8b9c-7d1e2f3a4b5c"

static MYSQL *db; /* with --db-socket */

/* A chat session of user on a connection of its own (the INVITE retried while the
 * backend link comes up). 1 if established. */
static int open_chat(conn *c, dialog *d, const char *user)
{
	if(conn_open(c) < 0)
		return 0;
	new_dialog(d, user);
	return invite_retry(c, d, NULL, NULL, RESTART_WAIT) == 200;
}

/* cmd:join of uri: the rpl:join's code (0: none). */
static int join_code(conn *c, dialog *d, const char *uri)
{
	if(send_xccos(c, d, 1, xv_item_join(uri)) != 200)
		return 0;
	xv_envelope *e = wait_item(c, "rpl:join", SIP_WAIT);
	int code = e ? e->resp_code : 0;
	xv_free(e);
	return code;
}

/* A post's SIP status and reason phrase. */
static int post_status(
		conn *c, dialog *d, const char *uri, const char *text, char *reason, size_t rn)
{
	return final_status(c, "INFO", xccos_send(c, d, 1, xv_item_grpchat(uri, NULL, NULL, text)),
			reason, rn);
}

/* What a watcher in the room saw of user for ms: roster notices naming user
 * (ntc:join, ntc:bjoin, ntc:part) counted in *churn, and whether the post text came. */
struct watch {
	int churn, parted, chat;
};

static void watch(conn *c, const char *user, const char *text, int ms, struct watch *w)
{
	long long deadline = now_ms() + ms;
	for(;;) {
		long long left = deadline - now_ms();
		char *b = left > 0 ? next_info(c, (int)left) : NULL;
		if(!b)
			return;
		xv_envelope *e = xv_parse(b, strlen(b));
		int about = strstr(b, user) != NULL;
		if(e && about &&
				(xv_is(e, "ntc:join") || xv_is(e, "ntc:bjoin") ||
						xv_is(e, "ntc:part"))) {
			w->churn++;
			w->parted |= xv_is(e, "ntc:part");
		}
		if(e && text && e->kind == XV_GRPCHAT && e->chat.text &&
				strcmp(e->chat.text, text) == 0)
			w->chat = 1;
		xv_free(e);
		free(b);
	}
}

/* The carrier (a) and the watcher (w), both in Lobby; the user names carry the run token. */
static conn car_c, wat_c;
static dialog car_d, wat_d;
static char a_user[32], w_user[32], a_uri[64];

/* a's session ends with BYE and a new one starts from the same endpoint (connection):
 * its post to Lobby, which it did not join again, is answered 200 and reaches w; its
 * cmd:join of Lobby (a sipe with the room queued) is answered; w sees no ntc:part or
 * ntc:join of a throughout. */
static void test_rebuilt_session(void)
{
	const char *T = "rebuilt_session_keeps_its_rooms";
	char text[64], reason[64];
	struct watch w = {0};
	snprintf(a_user, sizeof a_user, "coa%s", token);
	snprintf(w_user, sizeof w_user, "cow%s", token);
	snprintf(a_uri, sizeof a_uri, "sip:%s@" DOMAIN, a_user);
	if(!open_chat(&wat_c, &wat_d, w_user) || !open_chat(&car_c, &car_d, a_user) ||
			join_code(&wat_c, &wat_d, LOBBY_URI) != 200 ||
			join_code(&car_c, &car_d, LOBBY_URI) != 200 ||
			join_code(&car_c, &car_d, OPS_URI) != 200) {
		fail(T, "set-up: sessions or joins failed");
		return;
	}
	watch(&wat_c, a_uri, NULL, QUIET_WAIT, &w); /* a's ntc:join */
	w.churn = 0;
	if(in_dialog(&car_c, &car_d, "BYE", 1, NULL, NULL) != 200) {
		fail(T, "BYE not answered 200");
		return;
	}
	new_dialog(&car_d, a_user);
	int st = invite_retry(&car_c, &car_d, NULL, NULL, SIP_WAIT);
	snprintf(text, sizeof text, "carried %s", token);
	int pst = st == 200 ? post_status(&car_c, &car_d, LOBBY_URI, text, reason, sizeof reason)
			    : 0;
	int ost = st == 200 ? post_status(&car_c, &car_d, OPS_URI, "carried too", NULL, 0) : 0;
	int jc = st == 200 ? join_code(&car_c, &car_d, LOBBY_URI) : 0;
	watch(&wat_c, a_uri, text, QUIET_WAIT, &w);
	if(st != 200)
		fail(T, "the new chat INVITE got %d", st);
	else if(pst != 200)
		fail(T, "post to Lobby from the rebuilt session: %d %s, want 200", pst, reason);
	else if(ost != 200)
		fail(T, "post to Ops from the rebuilt session: %d, want 200", ost);
	else if(!w.chat)
		fail(T, "the watcher did not get the rebuilt session's post");
	else if(jc != 200)
		fail(T, "cmd:join of a carried room: %d, want 200", jc);
	else if(w.churn)
		fail(T, "the watcher got %d roster notice(s) about the rebuilt session", w.churn);
	else
		pass(T);
}

/* ---- a new session's deliveries wait for its ACK (kamailio-module/pchat_ackwait.h) */

#define ACK_DELAY 1000 /* ms; the module's ack_wait is 2000 */
#define ACK_POSTS 3

struct ack_case {
	pc_context *ctx;
	pc_client *a, *p; /* the rebuilt session, the poster */
	char a_uri[64], p_uri[64], text[ACK_POSTS][64];
	int got[ACK_POSTS];
	long long t_open;	  /* when a's 200 came */
	long long t_ack, t_first; /* when a's ACK went, its first post came (0: not yet) */
};

static pc_client *ack_open(struct ack_case *k, const char *uri, int join)
{
	char proxy[96];
	int st = 0;
	snprintf(proxy, sizeof proxy, "%s:%d", opt.host, opt.port);
	pc_client *c = pc_open(k->ctx, uri, opt.chat_uri, proxy, "tcp", SIP_WAIT, &st);
	xv_envelope *e = c && join ? e2e_request(c, xv_item_join(LOBBY_URI), "rpl:join", 0) : NULL;
	int ok = c && (!join || (e && e->resp_code == 200));
	xv_free(e);
	if(!ok && c)
		pc_close(c, SIP_WAIT);
	return ok ? c : NULL;
}

/* p and a (user names: who + the run token + a, p) in Lobby, a's session ended by BYE
 * (parked: its next one takes Lobby over), then a's new session from the same
 * endpoint, whose ACK waits delay ms. */
static int ack_setup(struct ack_case *k, const char *who, int delay)
{
	snprintf(k->a_uri, sizeof k->a_uri, "sip:%s%sa@" DOMAIN, who, token);
	snprintf(k->p_uri, sizeof k->p_uri, "sip:%s%sp@" DOMAIN, who, token);
	k->p = ack_open(k, k->p_uri, 1);
	pc_set_epid(k->ctx, token);
	pc_client *first = k->p ? ack_open(k, k->a_uri, 1) : NULL;
	if(!first)
		return 0;
	pc_close(first, SIP_WAIT);
	pc_set_ack_delay(k->ctx, delay);
	k->a = ack_open(k, k->a_uri, 0);
	k->t_open = now_ms();
	pc_set_ack_delay(k->ctx, 0);
	return k->a != NULL;
}

/* Takes in what came for a (the posts' texts, noting when) for ms. */
static void ack_collect(struct ack_case *k, int ms)
{
	for(long long deadline = now_ms() + ms; now_ms() < deadline;) {
		char *b = pc_next_info(k->a, 20);
		if(!k->t_ack && pc_ack_sent(k->a))
			k->t_ack = now_ms();
		xv_envelope *e = b ? xv_parse(b, strlen(b)) : NULL;
		for(int i = 0; e && e->kind == XV_GRPCHAT && e->chat.text && i < ACK_POSTS; i++)
			if(strcmp(e->chat.text, k->text[i]) == 0 && !k->got[i]++ && !k->t_first)
				k->t_first = now_ms();
		xv_free(e);
		free(b);
	}
}

/* The posts, in order, each answered 200; how many were answered before a's ACK went
 * (the case's premise: deliveries for a were due while it had not ACKed). */
static int ack_post(struct ack_case *k, const char *T)
{
	int early = 0;
	for(int i = 0; i < ACK_POSTS; i++) {
		char *item;
		snprintf(k->text[i], sizeof k->text[i], "ack %d %s", i, token);
		item = xv_item_grpchat(LOBBY_URI, NULL, NULL, k->text[i]);
		int st = item ? pc_send_xccos(k->p, item, SIP_WAIT, NULL) : 0;
		free(item);
		if(st != 200) {
			fail(T, "post %d got %d", i, st);
			return -1;
		}
		early += !pc_ack_sent(k->a);
	}
	return early;
}

/* a's session is rebuilt from the same endpoint (Lobby carried over at once) and ACKs
 * the 200 to its INVITE only ACK_DELAY ms later, while p posts to Lobby.  No INFO may
 * come before the ACK (a client that has not seen the 200 answers it 481 and loses it;
 * our client does so too, and the 481 ends the session), and every post must come
 * after it, soon (not at the module's ack_wait, which would mean the ACK went
 * unnoticed); then a's own post is answered 200. */
static void test_deliveries_wait_for_ack(void)
{
	const char *T = "deliveries_wait_for_the_ack";
	struct ack_case k = {.ctx = pc_context_new()};
	int early, all = 1;
	if(!k.ctx || !ack_setup(&k, "ack", ACK_DELAY)) {
		fail(T, "set-up: sessions or joins failed (%s)", k.ctx ? pc_last_error(k.ctx) : "");
	} else if((early = ack_post(&k, T)) >= 0) {
		ack_collect(&k, ACK_DELAY + 1500);
		for(int i = 0; i < ACK_POSTS; i++)
			all &= k.got[i] == 1;
		char *own = xv_item_grpchat(LOBBY_URI, NULL, NULL, "after the ack");
		int st = own ? pc_send_xccos(k.a, own, SIP_WAIT, NULL) : 0;
		free(own);
		note("%s: %d of %d posts answered before the ACK, INFOs before it: %d, first "
		     "post %lld ms after it",
				T, early, ACK_POSTS, pc_infos_before_ack(k.a),
				k.t_first && k.t_ack ? k.t_first - k.t_ack : -1);
		if(early == 0)
			fail(T, "no post was answered before the ACK went: nothing was tested");
		else if(pc_infos_before_ack(k.a) > 0)
			fail(T, "%d INFO(s) came before the ACK", pc_infos_before_ack(k.a));
		else if(!all)
			fail(T, "a post did not come once after the ACK");
		else if(k.t_first - k.t_ack > 700)
			fail(T, "the posts came %lld ms after the ACK", k.t_first - k.t_ack);
		else if(st != 200)
			fail(T, "the rebuilt session's own post got %d", st);
		else
			pass(T);
	}
	pc_context_free(k.ctx); /* closes a and p */
}

/* The same with an ACK later than the module's ack_wait (2 s), as a client whose ACK
 * is lost: the posts are held that long, then sent anyway (our client, still without
 * its ACK, answers them 481, as a client without the dialog would). */
static void test_deliveries_sent_without_ack(void)
{
	const char *T = "deliveries_sent_at_ack_wait_without_ack";
	struct ack_case k = {.ctx = pc_context_new()};
	if(!k.ctx || !ack_setup(&k, "ackx", 4000)) {
		fail(T, "set-up: sessions or joins failed (%s)", k.ctx ? pc_last_error(k.ctx) : "");
	} else if(ack_post(&k, T) >= 0) {
		long long t_info = 0;
		while(!t_info && now_ms() - k.t_open < 3500) {
			pc_run(k.ctx, 20);
			if(pc_infos_before_ack(k.a) > 0)
				t_info = now_ms();
		}
		note("%s: the first INFO came %lld ms after the 200", T,
				t_info ? t_info - k.t_open : -1);
		if(!t_info)
			fail(T, "nothing came within 3500 ms of the 200");
		else if(t_info - k.t_open < 1800)
			fail(T, "an INFO came %lld ms after the 200, before ack_wait",
					t_info - k.t_open);
		else
			pass(T);
	}
	pc_context_free(k.ctx);
}

/* Kamailio restarts: every connection and dialog goes; both clients come back on new
 * connections from the same endpoints, their rooms with them, and nobody is told
 * anybody left. */
static void test_rebuilt_after_kamailio_restart(void)
{
	const char *T = "rebuilt_after_kamailio_restart";
	char text[64], reason[64];
	struct watch w = {0};
	conn_close(&car_c);
	conn_close(&wat_c);
	if(run_control("PCHAT_TRUSTED=1", "kamailio-stop") != 0 ||
			run_control("PCHAT_TRUSTED=1", "kamailio-start") != 0) {
		fail(T, "restarting Kamailio failed");
		return;
	}
	if(!open_chat(&wat_c, &wat_d, w_user) || !open_chat(&car_c, &car_d, a_user)) {
		fail(T, "chat INVITEs after the restart failed");
		return;
	}
	snprintf(text, sizeof text, "after restart %s", token);
	int st = post_status(&car_c, &car_d, LOBBY_URI, text, reason, sizeof reason);
	watch(&wat_c, a_uri, text, QUIET_WAIT, &w);
	if(st != 200)
		fail(T, "post to Lobby after the restart: %d %s, want 200", st, reason);
	else if(!w.chat)
		fail(T, "the watcher's rebuilt session did not get it");
	else if(w.churn)
		fail(T, "%d roster notice(s) about the carrier", w.churn);
	else
		pass(T);
}

/* Nobody comes back from a's endpoint: after --carryover-sec, the others get ntc:part. */
static void test_parked_rooms_expire(int grace_sec)
{
	const char *T = "unclaimed_rooms_left_after_the_grace";
	struct watch w = {0};
	if(in_dialog(&car_c, &car_d, "BYE", 1, NULL, NULL) != 200) {
		fail(T, "BYE not answered 200");
		return;
	}
	long long t0 = now_ms();
	watch(&wat_c, a_uri, NULL, grace_sec * 1000 / 2, &w);
	if(w.churn) {
		fail(T, "ntc:part %lld ms after the BYE, before the grace (%d s)", now_ms() - t0,
				grace_sec);
		return;
	}
	watch(&wat_c, a_uri, NULL, grace_sec * 1000 + 3000, &w);
	if(!w.parted)
		fail(T, "no ntc:part within %d s of the grace's end", 3);
	else
		pass(T);
}

/* a is removed from a closed room while its session is parked: the rebuilt session
 * gets Lobby back, not that room. */
static void test_removed_member_not_carried(void)
{
	const char *T = "carryover_checks_the_join_right_again";
	char chan[64], uri[128], reason[64];
	snprintf(chan, sizeof chan, "carry-%s", token);
	snprintf(uri, sizeof uri, "ma-chan://" DOMAIN "/%s", chan);
	if(e2e_sql(db, T,
			   "INSERT INTO rooms (domain, chan_id, name, privacy, category_id) SELECT"
			   " 'example.com', ?, ?, 'closed', id FROM categories WHERE name = 'Default'",
			   ARGS(chan, chan), NULL, 0) != 1 ||
			e2e_sql(db, T,
					"INSERT INTO room_principals (room_id, role, principal) SELECT id,"
					" 'member', ? FROM rooms WHERE chan_id = ?",
					ARGS(a_uri, chan), NULL, 0) != 1)
		return;
	if(join_code(&car_c, &car_d, uri) != 200 || join_code(&car_c, &car_d, LOBBY_URI) != 200) {
		fail(T, "the member could not join the closed room");
		return;
	}
	in_dialog(&car_c, &car_d, "BYE", 1, NULL, NULL);
	e2e_sql(db, T, "DELETE FROM room_principals WHERE principal = ?", ARGS(a_uri), NULL, 0);
	e2e_sql(db, T, "UPDATE server_config SET value = value + 1 WHERE name = 'revision'",
			ARGS(NULL), NULL, 0);
	usleep(1500 * 1000); /* pchatd reads the change within a second */
	new_dialog(&car_d, a_user);
	int st = invite_retry(&car_c, &car_d, NULL, NULL, SIP_WAIT);
	int lst = st == 200 ? post_status(&car_c, &car_d, LOBBY_URI, "lobby kept", NULL, 0) : 0;
	int cst = st == 200 ? post_status(&car_c, &car_d, uri, "closed lost", reason, sizeof reason)
			    : 0;
	if(st != 200)
		fail(T, "the new chat INVITE got %d", st);
	else if(lst != 200)
		fail(T, "post to Lobby: %d, want 200 (carried)", lst);
	else if(cst != 403)
		fail(T, "post to the room the user was removed from: %d %s, want 403", cst, reason);
	else
		pass(T);
	e2e_sql(db, T, "DELETE FROM rooms WHERE chan_id = ?", ARGS(chan), NULL, 0);
}

/* ------------------------------------------------------------------ posts behind joins */

/* A post sent right behind a join, before the join's reply (pipelined on the
 * connection, as sipe sends a queued bjoin and what follows): behind a refused join it
 * is refused (not 200 and then nothing), behind an accepted one stored and delivered. */
static void test_post_behind_join(void)
{
	const char *T = "post_behind_refused_join_refused";
	const char *T2 = "post_behind_accepted_join_delivered";
	conn c;
	dialog d;
	char user[32], reason[64], text[64];
	snprintf(user, sizeof user, "cob%s", token);
	if(!open_chat(&c, &d, user)) {
		fail(T, "chat INVITE failed");
		conn_close(&c);
		return;
	}
	/* Board is secret: the join is refused as if it did not exist */
	unsigned long j = xccos_send(&c, &d, 1, xv_item_join(BOARD_URI));
	unsigned long p = xccos_send(&c, &d, 1, xv_item_grpchat(BOARD_URI, NULL, NULL, "board?"));
	int jst = final_status(&c, "INFO", j, NULL, 0);
	int pst = final_status(&c, "INFO", p, reason, sizeof reason);
	if(jst != 200 || pst != 403)
		fail(T, "join INFO %d (want 200), the post right behind it %d %s (want 403)", jst,
				pst, reason);
	else
		pass(T);
	snprintf(text, sizeof text, "behind join %s", token);
	j = xccos_send(&c, &d, 1, xv_item_join(OPS_URI));
	p = xccos_send(&c, &d, 1, xv_item_grpchat(OPS_URI, NULL, NULL, text));
	jst = final_status(&c, "INFO", j, NULL, 0);
	pst = final_status(&c, "INFO", p, reason, sizeof reason);
	struct watch w = {0};
	watch(&c, "-", text, QUIET_WAIT, &w);
	if(jst != 200 || pst != 200)
		fail(T2, "join INFO %d, the post right behind it %d %s (want 200, 200)", jst, pst,
				reason);
	else if(!w.chat)
		fail(T2, "the post's echo did not come");
	else
		pass(T2);
	in_dialog(&c, &d, "BYE", 1, NULL, NULL);
	conn_close(&c);
}

static void usage(FILE *f)
{
	fprintf(f,
			"usage: e2e-sip --proxy HOST:PORT [--control \"CMD\"] [--chat-uri URI]\n"
			"               [--db-socket PATH [--db-name NAME]] [--carryover-sec N]\n"
			"               [--tls-port N --tls-ca FILE] [--only auth] [--verbose]\n");
}

int main(int argc, char **argv)
{
	const char *proxy = "127.0.0.1:5060", *db_socket = NULL, *db_name = "pchat", *grace = NULL;
	const char *tls_port = NULL, *only = NULL;
	const struct e2e_opt opts[] = {{"proxy", &proxy}, {"control", &opt.control},
			{"chat-uri", &opt.chat_uri}, {"db-socket", &db_socket},
			{"db-name", &db_name}, {"carryover-sec", &grace}, {"tls-port", &tls_port},
			{"tls-ca", &opt.tls_ca}, {"only", &only}, {NULL, NULL}};
	int status = e2e_parse_args(argc, argv, opts, NULL, &opt.verbose, usage);
	if(status >= 0)
		return status;
	const char *colon = strrchr(proxy, ':');
	if(!colon || (size_t)(colon - proxy) >= sizeof opt.host) {
		usage(stderr);
		return 2;
	}
	memcpy(opt.host, proxy, (size_t)(colon - proxy));
	opt.host[colon - proxy] = '\0';
	opt.port = atoi(colon + 1);
	opt.tls_port = tls_port ? atoi(tls_port) : 0;
	if((tls_port && (opt.tls_port <= 0 || !opt.tls_ca)) ||
			(only && strcmp(only, "auth") != 0)) {
		usage(stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	make_token();
	long long t0 = now_ms();
	note("run token %s, proxy %s:%d (tcp), chat URI %s", token, opt.host, opt.port,
			opt.chat_uri);

	/* --only auth: the proxy authenticates already */
	if(only) {
		test_auth_mode();
		if(opt.tls_port) {
			over_tls = 1;
			test_auth_mode();
			over_tls = 0;
		}
		note("finished in %lld ms", now_ms() - t0);
		check_summary();
		return n_fail == 0 ? 0 : 1;
	}

	/* trusted mode (the stack as started) */
	test_register();
	test_provisioning("alice", "true");
	test_provisioning("dave", "false");
	test_dave_invite_403();
	test_folded_call_id_400();
	test_info_without_branch();
	test_chansrch();
	test_body_sizes();

	/* rebuilt sessions and posts behind joins (trusted mode) */
	test_post_behind_join();
	test_rebuilt_session();
	test_deliveries_wait_for_ack();
	test_deliveries_sent_without_ack();
	if(db_socket) {
		char why[256];
		db = e2e_db_connect(db_socket, "root", NULL, db_name, why, sizeof why);
		if(!db)
			fail("carryover_checks_the_join_right_again", "database: %s", why);
		else
			test_removed_member_not_carried();
	} else {
		note("no --db-socket: carryover_checks_the_join_right_again not run");
	}
	if(opt.control)
		test_rebuilt_after_kamailio_restart();
	if(grace && atoi(grace) > 0)
		test_parked_rooms_expire(atoi(grace));
	else
		note("no --carryover-sec: unclaimed_rooms_left_after_the_grace not run");
	in_dialog(&wat_c, &wat_d, "BYE", 1, NULL, NULL);
	conn_close(&car_c);
	conn_close(&wat_c);
	if(db)
		mysql_close(db);

	/* the authenticated mode: Kamailio restarted without PCHAT_TRUSTED, then put back */
	if(opt.control) {
		long long t1 = now_ms();
		int rc = run_control("", "kamailio-stop");
		if(rc == 0)
			rc = run_control("PCHAT_TRUSTED=0", "kamailio-start");
		if(rc != 0) {
			fail("auth_mode_restart",
					"restarting Kamailio in the authenticated mode exited %d",
					rc);
		} else {
			note("Kamailio restarted in auth mode in %lld ms", now_ms() - t1);
			test_auth_mode();
			if(opt.tls_port) {
				over_tls = 1;
				test_auth_mode();
				over_tls = 0;
			} else {
				note("no --tls-port: the *_over_tls cases not run");
			}
		}
		rc = run_control("", "kamailio-stop");
		if(rc == 0)
			rc = run_control("PCHAT_TRUSTED=1 PCHAT_SESSION_EXPIRES=3",
					"kamailio-start");
		if(rc != 0)
			fail("session_timers_restart",
					"restarting Kamailio with a short Session-Expires "
					"exited %d",
					rc);
		else
			test_session_timers();
		rc = run_control("", "kamailio-stop");
		if(rc == 0)
			rc = run_control("PCHAT_TRUSTED=1", "kamailio-start");
		if(rc != 0)
			fail("trusted_mode_restored",
					"restarting Kamailio in trusted mode exited %d", rc);
	} else {
		note("no --control: auth-mode cases not run");
	}

	note("finished in %lld ms", now_ms() - t0);
	check_summary();
	return n_fail == 0 ? 0 : 1;
}
