/*
 * pchat_dialogs.c - the session table and in-dialog INFO sending.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../../core/dprint.h"
#include "../../core/hashes.h"
#include "../../core/rand/kam_rand.h"
#include "../../modules/tm/dlg.h"
#include "../../modules/tm/t_hooks.h"
#include "../../modules/tm/uac.h"
#include "pchat_ackwait.h"
#include "pchat_dialogs.h"
#include "pchat_infosend.h"
#include "pchat_mod.h"

#define SESSION_BUCKETS 16384 /* power of two */
#define LOCAL_TAG_LEN 16

static struct pchat_session *by_id[SESSION_BUCKETS];
static struct pchat_session *by_dialog[SESSION_BUCKETS];
static int session_count;

static unsigned int id_bucket(uint64_t id)
{
	return (unsigned int)(id ^ (id >> 32)) & (SESSION_BUCKETS - 1);
}

static unsigned int dialog_bucket(const str *call_id, const str *remote_tag)
{
	return core_hash(call_id, remote_tag, SESSION_BUCKETS);
}

int pchat_sessions_init(void)
{
	memset(by_id, 0, sizeof(by_id));
	memset(by_dialog, 0, sizeof(by_dialog));
	return 0;
}

/*
 * A new session id: 64 random bits (getrandom), so that an id can neither be guessed
 * nor repeat across restarts of Kamailio while the backend keeps running, with the
 * link process carried in it: the id is its index modulo link_processes
 * (pchat_link_of_session), so the random value is rounded down to a multiple of
 * link_processes and the index added (no overflow: the multiple is at most
 * 2^64 - link_processes).  0 is never an id (HELLO's session field), nor is one in
 * use here.  Returns 0 if the kernel gives no randomness.
 */
static uint64_t new_session_id(void)
{
	uint64_t n = (uint64_t)pchat_link_processes, r, id;
	int tries;

	for(tries = 0; tries < 8; tries++) {
		ssize_t got = getrandom(&r, sizeof(r), 0);
		if(got < 0 && errno == EINTR)
			continue;
		if(got != (ssize_t)sizeof(r)) {
			LM_ERR("getrandom: %s\n", got < 0 ? strerror(errno) : "short read");
			return 0;
		}
		id = r / n * n + (uint64_t)pchat_link_index;
		if(id != 0 && pchat_session_by_id(id) == NULL)
			return id;
	}
	return 0;
}

/* Copies src into the session's string area at *p (the area was sized for it). */
static void put_str(char **p, str *dst, const str *src)
{
	memcpy(*p, src->s, src->len);
	(*p)[src->len] = '\0';
	dst->s = *p;
	dst->len = src->len;
	*p += src->len + 1;
}

static void make_local_tag(char *buf)
{
	static const char hex[] = "0123456789abcdef";
	int i;
	for(i = 0; i < LOCAL_TAG_LEN; i++)
		buf[i] = hex[kam_rand() & 15];
}

struct pchat_session *pchat_session_create(const struct pchat_event *ev)
{
	char tag[LOCAL_TAG_LEN];
	str local_tag = {tag, LOCAL_TAG_LEN};
	struct pchat_session *s;
	unsigned int b;
	uint64_t id;
	char *p;

	id = new_session_id();
	if(id == 0) {
		LM_ERR("no session id: refusing the session\n");
		return NULL;
	}
	make_local_tag(tag);
	/* one block: the struct, then every string NUL-terminated */
	s = calloc(1,
			sizeof(*s) + ev->call_id.len + ev->from_tag.len + LOCAL_TAG_LEN +
					ev->from_uri.len + ev->to_uri.len + ev->contact.len +
					ev->src_uri.len + ev->identity.len + ev->epid.len +
					ev->user_agent.len + 10);
	if(s == NULL) {
		LM_ERR("out of memory for a new session\n");
		return NULL;
	}
	p = (char *)(s + 1);
	put_str(&p, &s->call_id, &ev->call_id);
	put_str(&p, &s->remote_tag, &ev->from_tag);
	put_str(&p, &s->local_tag, &local_tag);
	put_str(&p, &s->remote_uri, &ev->from_uri);
	put_str(&p, &s->local_uri, &ev->to_uri);
	put_str(&p, &s->remote_target, &ev->contact);
	put_str(&p, &s->dst_uri, &ev->src_uri);
	put_str(&p, &s->identity, &ev->identity);
	put_str(&p, &s->epid, &ev->epid);
	put_str(&p, &s->user_agent, &ev->user_agent);
	s->id = id;
	s->sock = ev->rcv_sock;
	s->local_cseq = 1;
	s->last_seen = time(NULL);
	if(pchat_infosend_prepare(s) < 0) {
		LM_ERR("out of memory for a new session\n");
		free(s);
		return NULL;
	}
	b = id_bucket(s->id);
	s->next_by_id = by_id[b];
	by_id[b] = s;
	b = dialog_bucket(&s->call_id, &s->remote_tag);
	s->next_by_dialog = by_dialog[b];
	by_dialog[b] = s;
	session_count++;
	PCHAT_MY_LINK->sessions = session_count;
	return s;
}

struct pchat_session *pchat_session_by_id(uint64_t id)
{
	struct pchat_session *s;
	for(s = by_id[id_bucket(id)]; s; s = s->next_by_id)
		if(s->id == id)
			return s;
	return NULL;
}

static int str_eq(const str *a, const str *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

struct pchat_session *pchat_session_by_dialog(
		const str *call_id, const str *remote_tag, const str *local_tag)
{
	struct pchat_session *s;
	for(s = by_dialog[dialog_bucket(call_id, remote_tag)]; s; s = s->next_by_dialog)
		if(str_eq(&s->call_id, call_id) && str_eq(&s->remote_tag, remote_tag) &&
				str_eq(&s->local_tag, local_tag))
			return s;
	return NULL;
}

static void unlink_session(
		struct pchat_session **head, struct pchat_session *s, int by_dialog_chain)
{
	struct pchat_session **pp = head;
	while(*pp && *pp != s)
		pp = by_dialog_chain ? &(*pp)->next_by_dialog : &(*pp)->next_by_id;
	if(*pp)
		*pp = by_dialog_chain ? s->next_by_dialog : s->next_by_id;
}

void pchat_session_destroy(struct pchat_session *s)
{
	unlink_session(&by_id[id_bucket(s->id)], s, 0);
	unlink_session(&by_dialog[dialog_bucket(&s->call_id, &s->remote_tag)], s, 1);
	session_count--;
	PCHAT_MY_LINK->sessions = session_count;
	pchat_infosend_release(s);
	pchat_ackwait_discard(s);
	free(s);
}

void pchat_sessions_foreach(void (*fn)(struct pchat_session *, void *), void *arg)
{
	struct pchat_session *s, *next;
	int b;
	for(b = 0; b < SESSION_BUCKETS; b++)
		for(s = by_id[b]; s; s = next) {
			next = s->next_by_id;
			fn(s, arg);
		}
}

void pchat_session_answered(uint64_t id, int code)
{
	struct pchat_event *ev;
	if(code != 481 && code != 487 && code != 408)
		return;
	/* debug: several INFOs in flight may fail alike; the link process logs the close */
	LM_DBG("our INFO failed, ending the session session=%llu code=%d\n", (unsigned long long)id,
			code);
	ev = pchat_event_new(PCHAT_EV_DEAD, NULL, 0);
	if(ev == NULL)
		return;
	ev->session = id;
	if(pchat_handoff_send(ev) < 0)
		pchat_event_free(ev); /* expiry will clean the session up later */
}

/* tm callback for INFOs sent through tm; runs in whichever process sees the final
 * answer. */
static void info_completed(struct cell *t, int type, struct tmcb_params *ps)
{
	(void)t;
	(void)type;
	pchat_session_answered((uint64_t)(uintptr_t)*ps->param, ps->code);
}

int pchat_session_send_info(struct pchat_session *s, const char *body, int len)
{
	static str method = str_init("INFO");
	static str headers = str_init("Content-Type: text/plain\r\n");
	str b = {(char *)body, len};
	uac_req_t uac_r;
	dlg_t dlg;

	if(s->info_tpl)
		return pchat_infosend_queue(s, body, len);
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = s->call_id;
	dlg.id.rem_tag = s->remote_tag;
	dlg.id.loc_tag = s->local_tag;
	dlg.loc_seq.value = s->local_cseq++;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = s->local_uri;
	dlg.rem_uri = s->remote_uri;
	dlg.rem_target = s->remote_target;
	dlg.dst_uri = s->dst_uri;
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = s->sock;
	set_uac_req(&uac_r, &method, &headers, &b, &dlg, TMCB_LOCAL_COMPLETED, info_completed,
			(void *)(uintptr_t)s->id);
	if(pchat_tmb.t_request_within(&uac_r) < 0) {
		LM_ERR("cannot send INFO, delivery lost session=%llu user=%s\n",
				(unsigned long long)s->id, s->identity.s);
		return -1;
	}
	update_stat(pchat_stat_infos_out, 1);
	return 0;
}
