/*
 * pchat_link.c - a link process (link_processes of them per Kamailio node, forked in
 * child_init; each owns the sessions whose Call-ID hashes to it, with its own backend
 * connection).
 *
 * It runs a libevent loop over three sources:
 *   - the handoff pipe: requests suspended by SIP workers (pchat_request.c) and
 *     "session dead" reports from tm callbacks;
 *   - the backend connection: a Unix stream socket speaking the frames of
 *     common/pchat_frame.h, reconnected every second while it is down;
 *   - timers: backend answer deadlines, session expiry and new sessions' wait for
 *     the ACK (pchat_ackwait.h).
 *
 * Every INFO handed to the backend gets a token and a slot in the pending ring; the
 * backend's ACCEPT/BUSY/REJECT for that token decides the SIP answer.  If the backend
 * does not answer in time, or the link drops, the INFO is answered 503 + Retry-After.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred */
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "../../core/cfg/cfg_struct.h"
#include "../../core/dprint.h"
#include "../../core/timer.h"
#include "../../modules/tm/h_table.h"
#include "pchat_frame.h" /* common/, on the include path */
#include "pchat_peer.h"
#include "pchat_ackwait.h"
#include "pchat_dialogs.h"
#include "pchat_infosend.h"
#include "pchat_handoff.h"
#include "pchat_link.h"
#include "pchat_alert.h"
#include "pchat_mod.h"

#define RECONNECT_SECONDS 1
#define SWEEP_MS 200L
#define EXPIRY_SWEEP_SECONDS 5
#define MAX_OUTPUT_BYTES ((size_t)16 * 1024 * 1024)

struct pending {
	int in_use;
	uint32_t token;
	unsigned int hash_index;
	unsigned int label;
	unsigned int dialog_slot; /* admission counter to give back (pchat_limits.h) */
	uint64_t deadline_ms;
};

static struct event_base *base;
static struct bufferevent *backend;
static int backend_connected;
static struct pending *ring;
static uint32_t next_token = 1;
static uint32_t oldest_token = 1;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- answering suspended transactions -------------------------------------- */

/* The suspended transaction hash_index:label, with a reference that the answer
 * (reply_cell) gives back; NULL if it is gone. */
static struct cell *lookup_ident(unsigned int hash_index, unsigned int label, int code)
{
	struct cell *t;
	if(pchat_tmb.t_lookup_ident(&t, hash_index, label) < 0) {
		/* tm's fr timer already answered it (408), or the client cancelled */
		LM_DBG("transaction gone, not answered transaction=%u:%u code=%d\n", hash_index,
				label, code);
		return NULL;
	}
	return t;
}

static void reply_cell(struct cell *t, int code, const char *reason, const char *hdrs,
		const char *body, const str *to_tag)
{
	unsigned int hash_index = t->hash_index, label = t->label;
	str r = {(char *)reason, (int)strlen(reason)};
	str h = {(char *)hdrs, hdrs ? (int)strlen(hdrs) : 0};
	str b = {(char *)body, body ? (int)strlen(body) : 0};
	int info;

	/* read before the reply: t may be freed once it is sent */
	info = t->method.len == 4 && strncmp(t->method.s, "INFO", 4) == 0;
	/* t_reply_with_body releases the reference t_lookup_ident took */
	if(pchat_tmb.t_reply_with_body(t, code, &r, &b, &h, (str *)to_tag) < 0)
		LM_ERR("cannot send the answer transaction=%u:%u code=%d\n", hash_index, label,
				code);
	else if(info)
		pchat_count_info_reply(code);
	pchat_tmb.t_sett(T_UNDEFINED, T_BR_UNDEFINED);
}

static void reply_ident(unsigned int hash_index, unsigned int label, int code, const char *reason,
		const char *hdrs, const char *body, const str *to_tag)
{
	struct cell *t = lookup_ident(hash_index, label, code);
	if(t)
		reply_cell(t, code, reason, hdrs, body, to_tag);
}

static void reply_busy(unsigned int hash_index, unsigned int label)
{
	update_stat(pchat_stat_busy, 1);
	reply_ident(hash_index, label, 503, "Service Unavailable", pchat_retry_after_hdr, NULL,
			NULL);
}

/* ---- the pending ring ----------------------------------------------------------- */

static struct pending *pending_slot(uint32_t token)
{
	return &ring[token % (uint32_t)pchat_max_pending];
}

/* An INFO has its final answer: its places in the admission bounds are free again. */
static void info_answered(unsigned int dialog_slot)
{
	pchat_info_release(pchat_link_index, dialog_slot);
}

static struct pending *pending_add(const struct pchat_event *ev)
{
	struct pending *p = pending_slot(next_token);
	if(p->in_use)
		return NULL; /* the ring is full: max_pending INFOs await the backend */
	p->in_use = 1;
	p->token = next_token++;
	p->hash_index = ev->hash_index;
	p->label = ev->label;
	p->dialog_slot = ev->dialog_slot;
	p->deadline_ms = now_ms() + (uint64_t)pchat_backend_timeout_ms;
	PCHAT_MY_LINK->pending++;
	return p;
}

static void pending_done(struct pending *p)
{
	info_answered(p->dialog_slot);
	p->in_use = 0;
	PCHAT_MY_LINK->pending--;
	while(oldest_token != next_token && !pending_slot(oldest_token)->in_use)
		oldest_token++;
}

static int backend_backlog(void);

/* Answers every pending INFO 503 (link lost) or only the overdue ones.  While the
 * backend has sent bytes this process has not read yet, this process is behind, not the
 * backend: the answers of overdue INFOs may be among those bytes (a 503 then would
 * refuse a post the backend has already stored and delivered), so they get up to three
 * more backend_timeouts. */
static void pending_expire(int all)
{
	uint64_t now = now_ms();
	uint64_t grace = 0;
	uint32_t tok;
	unsigned n = 0;
	if(!all && oldest_token != next_token && backend_backlog())
		grace = 3 * (uint64_t)pchat_backend_timeout_ms;
	for(tok = oldest_token; tok != next_token; tok++) {
		struct pending *p = pending_slot(tok);
		if(!p->in_use || p->token != tok)
			continue;
		if(!all && p->deadline_ms + grace > now)
			break; /* deadlines grow with tokens */
		reply_busy(p->hash_index, p->label);
		pending_done(p);
		n++;
	}
	/* one line for them all: a lost link can leave thousands */
	if(n > 0)
		LM_WARN("INFOs answered 503: %s count=%u\n",
				all ? "backend link lost" : "backend did not answer in time", n);
}

/* ---- frames to the backend ------------------------------------------------------ */

static int send_frame(
		uint8_t type, uint32_t token, uint64_t session, const char *payload, size_t len)
{
	unsigned char hdr[PCHAT_FRAME_HEADER];
	if(!backend_connected || len > (size_t)PCHAT_FRAME_MAX_PAYLOAD)
		return -1;
	pchat_frame_header(hdr, type, token, session, (uint32_t)len);
	if(bufferevent_write(backend, hdr, sizeof(hdr)) < 0 ||
			(len && bufferevent_write(backend, payload, len) < 0))
		return -1;
	return 0;
}

static void send_open(struct pchat_session *s, void *arg)
{
	char buf[2048];
	int n;
	(void)arg;
	n = snprintf(buf, sizeof(buf), "%s%c%s%c%s%c%s%c", s->identity.s, 0, s->local_uri.s, 0,
			s->epid.s, 0, s->user_agent.s, 0);
	if(n <= 0 || n >= (int)sizeof(buf)) {
		LM_ERR("OPEN fields too long, session unknown to the backend session=%llu\n",
				(unsigned long long)s->id);
		return;
	}
	send_frame(PCHAT_F_OPEN, 0, s->id, buf, (size_t)n);
}

static void send_close(struct pchat_session *s, const char *reason)
{
	send_frame(PCHAT_F_CLOSE, 0, s->id, reason, strlen(reason));
}

static int backend_output_full(void)
{
	return evbuffer_get_length(bufferevent_get_output(backend)) > MAX_OUTPUT_BYTES;
}

/* ---- requests from SIP workers ---------------------------------------------------- */

/* The SDP answer: not read by sipe, but other clients expect one (an "m=message"
 * line naming the address and port the INVITE came in on). */
static void build_sdp_answer(const struct socket_info *si, char *buf, size_t size)
{
	const char *ipv = si->address.af == AF_INET6 ? "IP6" : "IP4";
	snprintf(buf, size,
			"v=0\r\no=- 0 0 IN %s %.*s\r\ns=pchat\r\nc=IN %s %.*s\r\nt=0 0\r\n"
			"m=message %.*s sip null\r\na=accept-types:text/plain\r\n",
			ipv, si->address_str.len, si->address_str.s, ipv, si->address_str.len,
			si->address_str.s, si->port_no_str.len, si->port_no_str.s);
}

/* Our 200 OK to an INVITE (initial or re-INVITE); after an initial one, the session's
 * deliveries wait for the ACK (pchat_ackwait.h). */
static void reply_invite_ok(struct pchat_event *ev, struct pchat_session *s, int initial)
{
	char hdrs[512];
	char sdp[512];
	struct cell *t;
	build_sdp_answer(ev->rcv_sock, sdp, sizeof(sdp));
	snprintf(hdrs, sizeof(hdrs),
			"Contact: <%s>\r\nSession-Expires: %d;refresher=uac\r\nSupported: timer\r\n"
			"Content-Type: application/sdp\r\n",
			ev->our_contact.s, pchat_session_expires);
	t = lookup_ident(ev->hash_index, ev->label, 200);
	if(t && initial)
		pchat_ackwait_watch(t, s); /* before the 200: its ACK may follow at once */
	if(t)
		reply_cell(t, 200, "OK", hdrs, sdp, &s->local_tag);
	if(initial)
		pchat_ackwait_start(s);
}

/* A request of s's dialog other than the ACK and BYE came: it carries our To tag, so
 * the client has our 200 and the dialog (pchat_ackwait.h).  Returns s, or NULL if
 * writing what was held for it found its connection gone (the session then ended). */
static struct pchat_session *dialog_confirmed(struct pchat_session *s)
{
	uint64_t id = s->id;
	pchat_ackwait_release(s, "request");
	return pchat_session_by_id(id);
}

static void on_invite(struct pchat_event *ev)
{
	struct pchat_session *s;

	if(ev->to_tag.len > 0) {
		/* re-INVITE: a session refresh of an existing dialog */
		s = pchat_session_by_dialog(&ev->call_id, &ev->from_tag, &ev->to_tag);
		if(s)
			s = dialog_confirmed(s);
		if(s == NULL) {
			reply_ident(ev->hash_index, ev->label, 481,
					"Call/Transaction Does Not Exist", NULL, NULL, NULL);
			return;
		}
		s->last_seen = time(NULL);
		reply_invite_ok(ev, s, 0);
		return;
	}
	if(!backend_connected) {
		reply_busy(ev->hash_index, ev->label);
		return;
	}
	s = pchat_session_create(ev);
	if(s == NULL) {
		reply_ident(ev->hash_index, ev->label, 500, "Server Internal Error", NULL, NULL,
				NULL);
		return;
	}
	reply_invite_ok(ev, s, 1);
	update_stat(pchat_stat_sessions_opened, 1);
	LM_INFO("session opened session=%llu user=%s call-id=%s\n", (unsigned long long)s->id,
			s->identity.s, s->call_id.s);
	send_open(s, NULL);
}

/* INFO: hands the XCCOS body to the backend; the answer comes with its verdict. */
static void forward_info(struct pchat_event *ev, struct pchat_session *s)
{
	struct pending *p;
	if(!backend_connected || backend_output_full() || (p = pending_add(ev)) == NULL) {
		reply_busy(ev->hash_index, ev->label);
		info_answered(ev->dialog_slot);
		return;
	}
	if(send_frame(PCHAT_F_XCCOS, p->token, s->id, ev->body.s, (size_t)ev->body.len) < 0) {
		reply_busy(ev->hash_index, ev->label);
		pending_done(p);
	}
}

static void on_in_dialog(struct pchat_event *ev)
{
	struct pchat_session *s = pchat_session_by_dialog(&ev->call_id, &ev->from_tag, &ev->to_tag);
	char hdr[64];

	/* the first post's answer must not overtake the INFOs held for the session */
	if(s && ev->kind != PCHAT_EV_BYE)
		s = dialog_confirmed(s);
	if(s == NULL) {
		reply_ident(ev->hash_index, ev->label, 481, "Call/Transaction Does Not Exist", NULL,
				NULL, NULL);
		if(ev->kind == PCHAT_EV_INFO)
			info_answered(ev->dialog_slot);
		return;
	}
	s->last_seen = time(NULL);
	switch(ev->kind) {
		case PCHAT_EV_UPDATE:
			snprintf(hdr, sizeof(hdr), "Session-Expires: %d;refresher=uac\r\n",
					pchat_session_expires);
			reply_ident(ev->hash_index, ev->label, 200, "OK", hdr, NULL, NULL);
			return;
		case PCHAT_EV_BYE:
			reply_ident(ev->hash_index, ev->label, 200, "OK", NULL, NULL, NULL);
			LM_INFO("session closed session=%llu user=%s reason=bye\n",
					(unsigned long long)s->id, s->identity.s);
			send_close(s, "bye");
			pchat_session_destroy(s);
			return;
		default: forward_info(ev, s);
	}
}

/* A client answered an INFO 481/487/408, or its INFOs could not be written. */
static void session_unreachable(uint64_t id)
{
	struct pchat_session *s = pchat_session_by_id(id);
	if(s == NULL)
		return;
	LM_INFO("session closed session=%llu user=%s reason=unreachable\n",
			(unsigned long long)s->id, s->identity.s);
	send_close(s, "unreachable");
	pchat_session_destroy(s);
}

static void on_dead(struct pchat_event *ev)
{
	session_unreachable(ev->session);
}

/* The ACK of our 200 (or a retransmission of it, which finds nothing held). */
static void on_ack(struct pchat_event *ev)
{
	struct pchat_session *s = pchat_session_by_id(ev->session);
	if(s)
		pchat_ackwait_release(s, "ack");
}

static void on_handoff(evutil_socket_t fd, short what, void *arg)
{
	uintptr_t words[64]; /* event addresses, see pchat_handoff_send() */
	ssize_t n;
	int i;
	(void)what;
	(void)arg;
	cfg_update();
	n = read(fd, words, sizeof(words));
	if(n <= 0)
		return;
	for(i = 0; i < (int)(n / (ssize_t)sizeof(words[0])); i++) {
		struct pchat_event *ev = (struct pchat_event *)words[i];
		switch(ev->kind) {
			case PCHAT_EV_INVITE: on_invite(ev); break;
			case PCHAT_EV_DEAD: on_dead(ev); break;
			case PCHAT_EV_ACK: on_ack(ev); break;
			default: on_in_dialog(ev); break;
		}
		pchat_event_free(ev);
	}
}

/* ---- frames from the backend ------------------------------------------------------ */

static void on_verdict(const struct pchat_frame *f)
{
	struct pending *p = pending_slot(f->token);
	char reason[64];
	int code;

	if(!p->in_use || p->token != f->token) {
		LM_DBG("verdict for an unknown or expired INFO token=%u\n", f->token);
		return;
	}
	if(f->type == PCHAT_F_ACCEPT) {
		reply_ident(p->hash_index, p->label, 200, "OK", NULL, NULL, NULL);
	} else if(f->type == PCHAT_F_BUSY) {
		reply_busy(p->hash_index, p->label);
	} else {
		/* REJECT payload: "403 Forbidden" */
		code = 0;
		snprintf(reason, sizeof(reason), "%.*s", (int)f->payload_len, f->payload);
		if(f->payload_len >= 5 && sscanf(reason, "%3d", &code) == 1 && code >= 300 &&
				code <= 699) {
			/* a 503 (pchatd's per-user post rate) tells the client when to retry,
			 * and the dialog's next INFOs are refused before they cost a
			 * transaction */
			reply_ident(p->hash_index, p->label, code, reason + 4,
					code == 503 ? pchat_retry_after_hdr : NULL, NULL, NULL);
			if(code == 503)
				pchat_dialog_throttle(p->dialog_slot);
		} else
			reply_ident(p->hash_index, p->label, 500, "Server Internal Error", NULL,
					NULL, NULL);
	}
	pending_done(p);
}

/* A delivery: an INFO to one session (SEND) or to each of many (FANOUT). */
static int is_delivery(const struct pchat_frame *f)
{
	return f->type == PCHAT_F_SEND || f->type == PCHAT_F_FANOUT;
}

static void send_to_session(uint64_t session, const char *body, int len)
{
	struct pchat_session *s = pchat_session_by_id(session);
	if(s == NULL) {
		LM_DBG("delivery for an unknown session session=%llu\n",
				(unsigned long long)session);
		return;
	}
	/* a session whose client has not ACKed our 200 yet gets it once it has */
	if(!pchat_ackwait_hold(s, body, len))
		pchat_session_send_info(s, body, len);
}

/* Each recipient's body is the frame's with its number written in at the split. */
static void on_fanout(const struct pchat_frame *f)
{
	static char *body;
	static uint32_t body_cap;
	struct pchat_fanout fo;
	uint32_t i;
	if(pchat_fanout_parse(f->payload, f->payload_len, &fo) < 0) {
		LM_ERR("malformed FANOUT frame ignored bytes=%u\n", f->payload_len);
		return;
	}
	if(body == NULL || fo.body_len + 24 > body_cap) {
		char *nb = realloc(body, fo.body_len + 24);
		if(nb == NULL) {
			LM_ERR("out of memory for a FANOUT, %u deliveries lost\n", fo.count);
			return;
		}
		body = nb;
		body_cap = fo.body_len + 24;
	}
	memcpy(body, fo.body, fo.split);
	for(i = 0; i < fo.count; i++) {
		uint64_t session, number;
		int n;
		pchat_fanout_recipient(&fo, i, &session, &number);
		n = snprintf(body + fo.split, 24, "%llu", (unsigned long long)number);
		memcpy(body + fo.split + n, fo.body + fo.split, fo.body_len - fo.split);
		send_to_session(session, body, (int)(fo.body_len + (uint32_t)n));
	}
}

static void handle_frame(const struct pchat_frame *f)
{
	struct pchat_session *s;
	/* what the backend sent before this frame goes out before it (a post's 200 after
	 * the deliveries queued ahead of it) */
	if(!is_delivery(f))
		pchat_infosend_flush();
	switch(f->type) {
		case PCHAT_F_ACCEPT:
		case PCHAT_F_BUSY:
		case PCHAT_F_REJECT: on_verdict(f); break;
		case PCHAT_F_SEND:
			send_to_session(f->session, f->payload, (int)f->payload_len);
			break;
		case PCHAT_F_FANOUT: on_fanout(f); break;
		case PCHAT_F_DROP:
			s = pchat_session_by_id(f->session);
			if(s) {
				LM_INFO("session closed session=%llu user=%s reason=dropped-by-backend\n",
						(unsigned long long)s->id, s->identity.s);
				pchat_session_destroy(s);
			}
			break;
		case PCHAT_F_ALERT: pchat_alert_send(f->payload, f->payload_len); break;
		default: LM_WARN("frame of an unknown type ignored type=%u\n", f->type);
	}
}

static void backend_lost(void);

/*
 * Deliveries wait for shared memory.  Each SEND becomes a tm transaction that lives
 * until the client answers and tm's wait timer ends; a burst (the backlog of a paused
 * backend, a busy room) could take all of shared memory and leave none for the answers
 * to posts.  Below pchat_shm_critical() delivery frames (SEND, FANOUT) are held, in order, in this
 * process's own heap and sent when memory is back (looked at every HOLD_RETRY_MS);
 * every other frame, the verdicts that answer posts among them, goes on at once.  Past
 * HOLD_MAX_BYTES held, this process stops reading the backend (frames then wait in the
 * socket and in pchatd) until half of it is sent.
 */
#define HOLD_RETRY_MS 20
#define HOLD_MAX_BYTES ((size_t)32 * 1024 * 1024)
static struct evbuffer *held;
static struct event *held_timer;
static int reading_paused;

static void on_backend_read(struct bufferevent *bev, void *arg);

/* The next whole frame at the front of buf: 1 (f and used set), 0 if it has not all
 * arrived, -1 if the bytes are not a frame. */
static int next_frame(struct evbuffer *buf, struct pchat_frame *f, size_t *used)
{
	unsigned char lenbuf[4];
	size_t avail = evbuffer_get_length(buf), need;
	if(avail < 4)
		return 0;
	evbuffer_copyout(buf, lenbuf, 4);
	need = 4 + (size_t)pchat_get_u32(lenbuf);
	if(need > PCHAT_FRAME_HEADER + PCHAT_FRAME_MAX_PAYLOAD || need < PCHAT_FRAME_HEADER)
		return -1;
	if(avail < need)
		return 0;
	if(pchat_frame_decode(evbuffer_pullup(buf, (ssize_t)need), need, f, used) != PCHAT_FRAME_OK)
		return -1;
	return 1;
}

static void held_retry_later(void)
{
	struct timeval tv = {0, (suseconds_t)HOLD_RETRY_MS * 1000};
	evtimer_add(held_timer, &tv);
}

/* Moves the delivery frame at the front of in (used bytes) behind the held ones. */
static void hold_delivery(struct evbuffer *in, size_t used)
{
	if(evbuffer_get_length(held) == 0) {
		update_stat(pchat_stat_deliveries_paused, 1);
		LM_WARN("shared memory low, deliveries wait free=%lu\n", pchat_shm_free());
		held_retry_later();
	}
	evbuffer_remove_buffer(in, held, used);
	if(!reading_paused && evbuffer_get_length(held) > HOLD_MAX_BYTES) {
		LM_WARN("deliveries held, reading from the backend paused held=%zu\n",
				evbuffer_get_length(held));
		reading_paused = 1;
		bufferevent_disable(backend, EV_READ);
	}
}

/* Sends held deliveries while shared memory allows; reads the backend again once the
 * backlog is small. */
static void on_held_timer(evutil_socket_t fd, short what, void *arg)
{
	struct pchat_frame f;
	size_t used;
	(void)fd;
	(void)what;
	(void)arg;
	cfg_update();
	while(!pchat_shm_critical() && next_frame(held, &f, &used) == 1) {
		handle_frame(&f);
		evbuffer_drain(held, used);
	}
	pchat_infosend_flush();
	if(evbuffer_get_length(held) > 0)
		held_retry_later();
	else
		LM_INFO("shared memory back, deliveries resume free=%lu\n", pchat_shm_free());
	if(reading_paused && backend && evbuffer_get_length(held) <= HOLD_MAX_BYTES / 2) {
		reading_paused = 0;
		bufferevent_enable(backend, EV_READ);
		on_backend_read(backend, NULL); /* the frames already buffered */
	}
}

/* Whether the backend has sent bytes not handled yet (in the input buffer or still in
 * the socket). */
static int backend_backlog(void)
{
	int n = 0;
	if(!backend_connected || backend == NULL)
		return 0;
	if(evbuffer_get_length(bufferevent_get_input(backend)) > 0)
		return 1;
	return ioctl(bufferevent_getfd(backend), FIONREAD, &n) == 0 && n > 0;
}

static void on_backend_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	struct pchat_frame f;
	size_t used;
	int r;
	(void)arg;
	cfg_update();
	while(!reading_paused && (r = next_frame(in, &f, &used)) != 0) {
		if(r < 0) {
			LM_ERR("bad frame from the backend, link dropped backend=%s\n",
					pchat_backend_socket);
			pchat_infosend_flush();
			backend_lost();
			return;
		}
		/* deliveries keep their order: once one is held, the next ones are too */
		if(is_delivery(&f) && (evbuffer_get_length(held) > 0 || pchat_shm_critical())) {
			hold_delivery(in, used);
			continue;
		}
		handle_frame(&f);
		evbuffer_drain(in, used);
	}
	/* the INFOs of every frame read in this go, one write per connection */
	pchat_infosend_flush();
}

/* ---- connection management ---------------------------------------------------------- */

static struct event *reconnect_timer;

static void schedule_reconnect(void)
{
	struct timeval tv = {RECONNECT_SECONDS, 0};
	evtimer_add(reconnect_timer, &tv);
}

static void backend_lost(void)
{
	if(backend) {
		bufferevent_free(backend);
		backend = NULL;
	}
	if(backend_connected)
		LM_WARN("backend link down backend=%s\n", pchat_backend_socket);
	backend_connected = 0;
	reading_paused = 0;
	PCHAT_MY_LINK->backend_up = 0;
	pending_expire(1);
	schedule_reconnect();
}

static void on_backend_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	cfg_update();
	if(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		backend_lost();
}

/* HELLO: the node name, NUL, this link process's index (common/pchat_frame.h). */
static void send_hello(void)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%.*s%c%d", pchat_node_name.len, pchat_node_name.s, 0,
			pchat_link_index);
	if(n > 0 && n < (int)sizeof(buf))
		send_frame(PCHAT_F_HELLO, 0, 0, buf, (size_t)n);
}

static void backend_connected_now(void)
{
	backend_connected = 1;
	PCHAT_MY_LINK->backend_up = 1;
	LM_INFO("backend link up backend=%s\n", pchat_backend_socket);
	send_hello();
	/* a restarted backend learns the sessions that are still up */
	pchat_sessions_foreach(send_open, NULL);
}

/*
 * Is pchatd at the other end?  Whoever could bind the socket's path (pchatd down, its
 * directory writable by others) would otherwise receive every identity and could
 * inject messages; the kernel's record of the listener's uid (SO_PEERCRED) must be
 * backend_uid.  Logged as an error once, then at debug level until a good connect.
 */
static int backend_is_ours(int fd)
{
	static int reported;
	pid_t pid;
	uid_t uid;

	if(pchat_peer_cred(fd, &pid, &uid) < 0) {
		LM_ERR("backend %s: cannot read the peer's credentials (%s): not using it\n",
				pchat_backend_socket, strerror(errno));
		return 0;
	}
	if(uid == (uid_t)pchat_backend_uid) {
		reported = 0;
		return 1;
	}
	if(!reported)
		LM_ERR("backend %s is served by pid %ld uid %lu, not backend_uid %d: not using it "
		       "(the backend stays down)\n",
				pchat_backend_socket, (long)pid, (unsigned long)uid,
				pchat_backend_uid);
	else
		LM_DBG("backend %s: still served by uid %lu\n", pchat_backend_socket,
				(unsigned long)uid);
	reported = 1;
	return 0;
}

/* A Unix-socket connect completes (or fails) at once, so it is done directly. */
int pchat_backend_dial(void)
{
	struct sockaddr_un sun;
	int fd;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", pchat_backend_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		LM_DBG("backend not reachable (%s) backend=%s\n", strerror(errno),
				pchat_backend_socket);
		if(fd >= 0)
			close(fd);
		return -1;
	}
	if(!backend_is_ours(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

#define BACKEND_READ_BYTES ((size_t)256 * 1024)

/* Retried by a timer; only the established stream goes to a bufferevent. */
static void connect_backend(evutil_socket_t unused, short what, void *arg)
{
	int fd;
	(void)unused;
	(void)what;
	(void)arg;
	fd = pchat_backend_dial();
	if(fd < 0) {
		schedule_reconnect();
		return;
	}
	backend = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if(backend == NULL) {
		close(fd);
		schedule_reconnect();
		return;
	}
	bufferevent_setcb(backend, on_backend_read, NULL, on_backend_event, NULL);
	/* read up to this much at once (libevent's default is 16 KiB): more frames per
	 * read, so more INFOs per write to each client connection (pchat_infosend.h) */
	bufferevent_set_max_single_read(backend, BACKEND_READ_BYTES);
	bufferevent_enable(backend, EV_READ | EV_WRITE);
	backend_connected_now();
}

/* ---- timers ------------------------------------------------------------------------- */

static void expire_session(struct pchat_session *s, void *arg)
{
	time_t now = *(time_t *)arg;
	if(now - s->last_seen <= pchat_session_expires)
		return;
	LM_INFO("session closed session=%llu user=%s reason=expired idle=%d\n",
			(unsigned long long)s->id, s->identity.s, pchat_session_expires);
	send_close(s, "expired");
	pchat_session_destroy(s);
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	static time_t last_expiry_sweep;
	time_t now = time(NULL);
	(void)fd;
	(void)what;
	(void)arg;
	cfg_update();
	pending_expire(0);
	pchat_ackwait_expire();
	if(now - last_expiry_sweep >= EXPIRY_SWEEP_SECONDS) {
		last_expiry_sweep = now;
		pchat_sessions_foreach(expire_session, &now);
	}
}

int pchat_link_run(void)
{
	struct event *handoff_ev, *sweep_ev;
	struct timeval sweep = {0, (suseconds_t)SWEEP_MS * 1000};

	ring = calloc((size_t)pchat_max_pending, sizeof(*ring));
	base = event_base_new();
	if(ring == NULL || base == NULL || pchat_sessions_init() < 0) {
		LM_ERR("cannot initialise the link process\n");
		return -1;
	}
	pchat_infosend_init(session_unreachable);
	handoff_ev = event_new(
			base, pchat_handoff_read_fd(), EV_READ | EV_PERSIST, on_handoff, NULL);
	sweep_ev = event_new(base, -1, EV_PERSIST, on_sweep, NULL);
	reconnect_timer = evtimer_new(base, connect_backend, NULL);
	held_timer = evtimer_new(base, on_held_timer, NULL);
	held = evbuffer_new();
	if(!handoff_ev || !sweep_ev || !reconnect_timer || !held_timer || !held ||
			event_add(handoff_ev, NULL) < 0 || event_add(sweep_ev, &sweep) < 0) {
		LM_ERR("cannot register link process events\n");
		return -1;
	}
	connect_backend(-1, 0, NULL);
	event_base_dispatch(base);
	LM_ERR("link process event loop ended\n");
	return -1;
}
