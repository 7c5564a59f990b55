/*
 * pchat_ackwait.c - a new session's deliveries held until the client's ACK
 * (pchat_ackwait.h).
 *
 * The sessions waiting are a list in the order their 200 went out; since every one
 * waits the same ack_wait, that is the order of their deadlines, and the sweep stops
 * at the first one not due.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/dprint.h"
#include "../../modules/tm/t_hooks.h"
#include "pchat_ackwait.h"
#include "pchat_handoff.h"
#include "pchat_infosend.h"
#include "pchat_mod.h"

struct held_info {
	struct held_info *next;
	int len;
	char body[];
};

struct pchat_ackwait {
	struct pchat_session *s;
	uint64_t deadline_ms;
	struct held_info *first, **last;
	size_t bytes;
	unsigned int count;
	struct pchat_ackwait *prev, *next; /* the waiting list */
};

static struct pchat_ackwait *waiting_head, *waiting_tail;
static size_t total_bytes; /* held by every session of this process */

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* tm callback, in the SIP worker that matched the ACK of our 200 (t_check_trans runs
 * it as an ACK of a negative reply: tm cannot tell the two apart for a transaction it
 * answered itself).  Every retransmitted ACK comes here too; the link process ignores
 * the ones after the first. */
static void on_ack(struct cell *t, int type, struct tmcb_params *ps)
{
	struct pchat_event *ev;
	(void)t;
	(void)type;
	ev = pchat_event_new(PCHAT_EV_ACK, NULL, 0);
	if(ev == NULL)
		return; /* the session's INFOs go out at ack_wait */
	ev->session = (uint64_t)(uintptr_t)*ps->param;
	if(pchat_handoff_send(ev) < 0)
		pchat_event_free(ev);
}

void pchat_ackwait_watch(struct cell *t, const struct pchat_session *s)
{
	if(pchat_ack_wait_ms <= 0)
		return;
	if(pchat_tmb.register_tmcb(
			   NULL, t, TMCB_ACK_NEG_IN, on_ack, (void *)(uintptr_t)s->id, NULL) < 0)
		LM_WARN("cannot watch for the ACK: the session's INFOs wait ack_wait "
			"session=%llu\n",
				(unsigned long long)s->id);
}

void pchat_ackwait_start(struct pchat_session *s)
{
	struct pchat_ackwait *w;
	if(pchat_ack_wait_ms <= 0 || s->ackwait)
		return;
	w = calloc(1, sizeof(*w));
	if(w == NULL) {
		LM_ERR("out of memory: the session's INFOs are not held session=%llu\n",
				(unsigned long long)s->id);
		return;
	}
	w->s = s;
	w->deadline_ms = now_ms() + (uint64_t)pchat_ack_wait_ms;
	w->last = &w->first;
	w->prev = waiting_tail;
	if(waiting_tail)
		waiting_tail->next = w;
	else
		waiting_head = w;
	waiting_tail = w;
	s->ackwait = w;
}

/* Takes w off the waiting list and frees it with what it still holds. */
static void ackwait_free(struct pchat_ackwait *w)
{
	struct held_info *h, *next;
	if(w->prev)
		w->prev->next = w->next;
	else
		waiting_head = w->next;
	if(w->next)
		w->next->prev = w->prev;
	else
		waiting_tail = w->prev;
	for(h = w->first; h; h = next) {
		next = h->next;
		free(h);
	}
	total_bytes -= w->bytes;
	w->s->ackwait = NULL;
	free(w);
}

/* Sends what s holds, in order; s waits no more.  A write that finds the client's
 * connection gone ends the session (pchat_infosend.c), so it is looked up again after
 * each INFO, and what it held is taken off it first. */
static void send_held(struct pchat_session *s)
{
	struct held_info *h = s->ackwait->first, *next;
	uint64_t id = s->id;
	s->ackwait->first = NULL;
	ackwait_free(s->ackwait);
	for(; h; h = next) {
		next = h->next;
		if(s) {
			pchat_session_send_info(s, h->body, h->len);
			s = pchat_session_by_id(id);
		}
		free(h);
	}
}

/* s has waited too long, or holds too much: its INFOs go out without the ACK (one
 * that holds none stops waiting quietly: nothing was delayed). */
static void give_up(struct pchat_session *s, const char *why)
{
	if(s->ackwait->count == 0) {
		LM_DBG("no ACK yet, nothing held session=%llu\n", (unsigned long long)s->id);
		ackwait_free(s->ackwait);
		return;
	}
	update_stat(pchat_stat_ack_wait_expired, 1);
	LM_INFO("no ACK yet, the session's INFOs are sent session=%llu user=%s held=%u "
		"reason=%s\n",
			(unsigned long long)s->id, s->identity.s, s->ackwait->count, why);
	send_held(s);
}

/* Would one more INFO of len bytes put w (or this process) past its bounds? */
static int over_bounds(const struct pchat_ackwait *w, int len)
{
	return w->count >= ACKWAIT_MAX_INFOS || w->bytes + (size_t)len > ACKWAIT_MAX_BYTES ||
			total_bytes + (size_t)len > ACKWAIT_MAX_TOTAL;
}

int pchat_ackwait_hold(struct pchat_session *s, const char *body, int len)
{
	struct pchat_ackwait *w = s->ackwait;
	struct held_info *h = NULL;
	uint64_t id = s->id;
	if(w == NULL)
		return 0;
	if(!over_bounds(w, len))
		h = malloc(sizeof(*h) + (size_t)len);
	if(h == NULL) {
		/* too much held, or no memory: the held INFOs go first, this one after
		 * them (all written with the frames read in this go) */
		give_up(s, over_bounds(w, len) ? "too-much-held" : "out-of-memory");
		return pchat_session_by_id(id) == NULL; /* ended meanwhile: nothing to send */
	}
	h->next = NULL;
	h->len = len;
	memcpy(h->body, body, (size_t)len);
	*w->last = h;
	w->last = &h->next;
	w->count++;
	w->bytes += (size_t)len;
	total_bytes += (size_t)len;
	update_stat(pchat_stat_ack_wait_held, 1);
	return 1;
}

void pchat_ackwait_release(struct pchat_session *s, const char *why)
{
	if(s->ackwait == NULL)
		return;
	LM_DBG("dialog confirmed, held INFOs sent session=%llu held=%u by=%s\n",
			(unsigned long long)s->id, s->ackwait->count, why);
	send_held(s);
	pchat_infosend_flush();
}

void pchat_ackwait_expire(void)
{
	uint64_t now = now_ms();
	int sent = 0;
	while(waiting_head && waiting_head->deadline_ms <= now) {
		give_up(waiting_head->s, "ack-wait");
		sent = 1;
	}
	if(sent)
		pchat_infosend_flush();
}

void pchat_ackwait_discard(struct pchat_session *s)
{
	if(s->ackwait)
		ackwait_free(s->ackwait);
}
