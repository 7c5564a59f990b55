/*
 * pchat_request.c - SIP worker side of the module.
 *
 * A worker never talks to the backend.  For a chat request it:
 *   1. refuses early what cannot succeed (backend down, a bound of pchat_limits.h
 *      reached, shared memory low, oversized body) with a stateless 503/413, so the
 *      client learns it at once and refusing costs no shared memory;
 *   2. creates the tm transaction and suspends it (tm keeps it, absorbs
 *      retransmissions, and its fr timer is the last-resort timeout); if tm cannot
 *      (shared memory exhausted) the request gets a stateless 503, never silence;
 *   3. copies the request's dialog data into a pchat_event and hands it to the
 *      link process, which answers the transaction when the backend has decided.
 */
#include <stdio.h>
#include <string.h>

#include "../../core/dprint.h"
#include "../../core/data_lump_rpl.h"
#include "../../core/parser/parse_from.h"
#include "../../core/parser/parse_to.h"
#include "../../core/parser/parse_uri.h"
#include "../../core/parser/contact/parse_contact.h"
#include "../../core/parser/msg_parser.h"
#include "../../core/ut.h"
#include "pchat_handoff.h"
#include "pchat_limits.h"
#include "pchat_mod.h"
#include "pchat_request.h"

/* Answers statelessly, from private memory: every refusal (nothing was handed on, so
 * the answer is exact whenever it is repeated) and the case where tm cannot create a
 * transaction.  A retransmission of a request that has a transaction is left to tm,
 * which resends that transaction's answer. */
int pchat_reply(struct sip_msg *msg, int code, char *reason, const char *hdr)
{
	if(pchat_tmxb.t_check_trans(msg) == 0)
		return 0;
	if(hdr && add_lump_rpl(msg, (char *)hdr, strlen(hdr), LUMP_RPL_HDR) == 0)
		LM_ERR("cannot add header to the %d reply\n", code);
	if(pchat_slb.zreply(msg, code, reason) < 0)
		return -1;
	if(msg->REQ_METHOD == METHOD_INFO)
		pchat_count_info_reply(code);
	return 0;
}

/* Answers through the request's transaction (tm then answers its retransmissions);
 * 1, or -1 if it could not. */
static int answer_in_transaction(struct sip_msg *msg, int code, char *reason)
{
	if(pchat_tmb.t_reply(msg, code, reason) < 0)
		return -1;
	if(msg->REQ_METHOD == METHOD_INFO)
		pchat_count_info_reply(code);
	return 1;
}

/* 503 + Retry-After, counted in busy_replies and in the statistic of its cause. */
static int reply_busy(struct sip_msg *msg, stat_var *cause)
{
	update_stat(pchat_stat_busy, 1);
	if(cause)
		update_stat(cause, 1);
	return pchat_reply(msg, 503, "Service Unavailable", pchat_retry_after_hdr);
}

static void find_from_param(struct to_body *from, const char *name, str *out)
{
	struct to_param *p;
	size_t n = strlen(name);
	out->s = NULL;
	out->len = 0;
	for(p = from->param_lst; p; p = p->next) {
		if(p->name.len == (int)n && strncasecmp(p->name.s, name, n) == 0) {
			*out = p->value;
			return;
		}
	}
}

static int get_contact_uri(struct sip_msg *msg, str *uri)
{
	contact_body_t *cb;
	if(msg->contact == NULL || parse_contact(msg->contact) < 0)
		return -1;
	cb = (contact_body_t *)msg->contact->parsed;
	if(cb == NULL || cb->contacts == NULL)
		return -1;
	*uri = cb->contacts->uri;
	return 0;
}

/* Contact of our 200 OK: the chat URI's user at the address the request came in on,
 * so that in-dialog requests come back to this node over the same transport. */
static int build_our_contact(struct sip_msg *msg, const str *to_uri, char *buf, int size, str *out)
{
	struct sip_uri puri;
	struct socket_info *si = msg->rcv.bind_address;
	str proto;
	int n;
	if(parse_uri(to_uri->s, to_uri->len, &puri) < 0 || si == NULL)
		return -1;
	if(get_valid_proto_string(msg->rcv.proto, 1, 0, &proto) < 0)
		return -1;
	n = snprintf(buf, size, "sip:%.*s@%.*s:%.*s;transport=%.*s", puri.user.len, puri.user.s,
			si->address_str.len, si->address_str.s, si->port_no_str.len,
			si->port_no_str.s, proto.len, proto.s);
	if(n <= 0 || n >= size)
		return -1;
	out->s = buf;
	out->len = n;
	return 0;
}

static enum pchat_event_kind event_kind(struct sip_msg *msg)
{
	switch(msg->REQ_METHOD) {
		case METHOD_INVITE: return PCHAT_EV_INVITE;
		case METHOD_INFO: return PCHAT_EV_INFO;
		case METHOD_UPDATE: return PCHAT_EV_UPDATE;
		case METHOD_BYE: return PCHAT_EV_BYE;
		default: return 0;
	}
}

/* Is s free of spaces and control characters?  The grammar allows none in a Call-ID
 * or a URI (folded header lines could bring them), and the session's Call-ID and
 * identity are written into log lines (docs/OPERATIONS.md, Logs): a client must not
 * start a line of its own there. */
static int one_word(const str *s)
{
	int i;
	for(i = 0; i < s->len; i++)
		if((unsigned char)s->s[i] <= ' ' || s->s[i] == 0x7f)
			return 0;
	return s->len > 0;
}

/* Reads what the link process needs from the request into fields[]. */
static int collect_fields(struct sip_msg *msg, enum pchat_event_kind kind, str *identity,
		str *storage, const str *fields[], char *contact_buf, int contact_size)
{
	struct to_body *from, *to;
	int i;

	for(i = 0; i < PCHAT_FLD_COUNT; i++)
		fields[i] = NULL;
	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->callid == NULL ||
			parse_from_header(msg) < 0 || msg->to == NULL) {
		LM_INFO("request refused (400): no Call-ID, From or To\n");
		return -1;
	}
	from = get_from(msg);
	to = get_to(msg);
	if(from->tag_value.len == 0) {
		LM_INFO("request refused (400): no From tag\n");
		return -1;
	}
	if(get_src_uri(msg, 1, &storage[PCHAT_FLD_SRC_URI]) < 0)
		return -1;
	fields[PCHAT_FLD_SRC_URI] = &storage[PCHAT_FLD_SRC_URI];
	fields[PCHAT_FLD_CALL_ID] = &msg->callid->body;
	fields[PCHAT_FLD_FROM_TAG] = &from->tag_value;
	fields[PCHAT_FLD_TO_TAG] = &to->tag_value;
	fields[PCHAT_FLD_FROM_URI] = &from->uri;
	fields[PCHAT_FLD_TO_URI] = &to->uri;
	if(kind == PCHAT_EV_INVITE) {
		if(get_contact_uri(msg, &storage[PCHAT_FLD_CONTACT]) < 0) {
			LM_INFO("INVITE refused (400): no usable Contact\n");
			return -1;
		}
		fields[PCHAT_FLD_CONTACT] = &storage[PCHAT_FLD_CONTACT];
		/* no identity given: the From URI (documented for pchat_handle() without
		 * argument; only acceptable behind a proxy that authenticated it) */
		fields[PCHAT_FLD_IDENTITY] = (identity && identity->len > 0) ? identity
									     : &from->uri;
		if(!one_word(fields[PCHAT_FLD_IDENTITY]) || !one_word(&msg->callid->body)) {
			LM_INFO("INVITE refused (400): a space or control character in the "
				"Call-ID or the identity\n");
			return -1;
		}
		find_from_param(from, "epid", &storage[PCHAT_FLD_EPID]);
		fields[PCHAT_FLD_EPID] = &storage[PCHAT_FLD_EPID];
		if(msg->user_agent)
			fields[PCHAT_FLD_USER_AGENT] = &msg->user_agent->body;
		if(build_our_contact(msg, &to->uri, contact_buf, contact_size,
				   &storage[PCHAT_FLD_OUR_CONTACT]) < 0) {
			LM_ERR("cannot build our Contact\n");
			return -1;
		}
		fields[PCHAT_FLD_OUR_CONTACT] = &storage[PCHAT_FLD_OUR_CONTACT];
	}
	if(kind == PCHAT_EV_INFO) {
		storage[PCHAT_FLD_BODY].s = get_body(msg);
		storage[PCHAT_FLD_BODY].len = storage[PCHAT_FLD_BODY].s
				? msg->len - (int)(storage[PCHAT_FLD_BODY].s - msg->buf)
				: 0;
		fields[PCHAT_FLD_BODY] = &storage[PCHAT_FLD_BODY];
	}
	return 0;
}

/* The link process the request will go to (by its Call-ID; a request without one is
 * refused later with 400). */
static int link_of_msg(struct sip_msg *msg)
{
	if(parse_headers(msg, HDR_CALLID_F, 0) == 0 && msg->callid != NULL)
		return pchat_link_of_call_id(&msg->callid->body);
	return 0;
}

/* Checks that make a new session or an INFO fail at once, before any transaction;
 * link: the request's link process. */
static int refuse_early(struct sip_msg *msg, enum pchat_event_kind kind, int link)
{
	if(kind != PCHAT_EV_INVITE && kind != PCHAT_EV_INFO)
		return 0; /* UPDATE and BYE keep sessions alive or end them: always served */
	if(!pchat_shared->link[link].backend_up) {
		/* debug: one per request while it lasts; the link process logs the event */
		LM_DBG("backend link down, 503 sent method=%.*s\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s);
		return reply_busy(msg, NULL) < 0 ? -1 : 1;
	}
	if(pchat_shm_low())
		return reply_busy(msg, pchat_stat_low_memory) < 0 ? -1 : 1;
	return 0;
}

/* Takes an INFO's places in the bounds of pchat_limits.h on link process link, reading
 * only the two headers that name its dialog; 1 and an answer (503, or 400 without them)
 * if it is refused. */
static int admit_info(struct sip_msg *msg, int link, unsigned int *slot)
{
	if(parse_headers(msg, HDR_CALLID_F | HDR_FROM_F, 0) < 0 || msg->callid == NULL ||
			parse_from_header(msg) < 0)
		return pchat_reply(msg, 400, "Bad Request", NULL) < 0 ? -1 : 1;
	*slot = pchat_dialog_slot(&msg->callid->body, &get_from(msg)->tag_value);
	switch(pchat_info_admit(link, *slot)) {
		case PCHAT_ADMITTED: return 0;
		case PCHAT_REFUSED_DIALOG:
		case PCHAT_REFUSED_THROTTLED:
			return reply_busy(msg, pchat_stat_dialog_limit) < 0 ? -1 : 1;
		default: return reply_busy(msg, NULL) < 0 ? -1 : 1;
	}
}

/* Creates and suspends the transaction and hands the request to its link process.
 * Returns 0 once it is handed on, 1 if it was answered here instead (a retransmission
 * tm absorbed, or a 5xx), -1 on error. */
static int hand_on(struct sip_msg *msg, enum pchat_event_kind kind, const str *fields[],
		unsigned int slot)
{
	struct pchat_event *ev;
	unsigned int hash_index, label;
	int r = pchat_tmb.t_newtran(msg);
	if(r == 0)
		return 1; /* retransmission, absorbed by tm */
	if(r < 0) {
		/* tm could not create it (shared memory exhausted): nothing was handed to
		 * the backend, so "not stored, try again later" is exact */
		LM_WARN("cannot create a transaction, stateless 503 sent\n");
		return reply_busy(msg, pchat_stat_low_memory) < 0 ? -1 : 1;
	}
	if(pchat_tmb.t_suspend(msg, &hash_index, &label) < 0) {
		LM_ERR("cannot suspend transaction\n");
		return answer_in_transaction(msg, 500, "Server Internal Error");
	}
	ev = pchat_event_new(kind, fields, PCHAT_FLD_COUNT);
	if(ev == NULL)
		return answer_in_transaction(msg, 500, "Server Internal Error");
	ev->hash_index = hash_index;
	ev->label = label;
	ev->dialog_slot = slot;
	ev->rcv_sock = msg->rcv.bind_address;
	if(pchat_handoff_send(ev) < 0) {
		pchat_event_free(ev);
		update_stat(pchat_stat_busy, 1);
		if(add_lump_rpl(msg, pchat_retry_after_hdr, strlen(pchat_retry_after_hdr),
				   LUMP_RPL_HDR) == 0)
			LM_ERR("cannot add Retry-After to the 503\n");
		return answer_in_transaction(msg, 503, "Service Unavailable");
	}
	return 0;
}

/* An INFO is admitted before the rest of it is read, so that the refusals of a flood
 * cost as little as possible; its places are given back if it is answered here. */
static int handle_info(struct sip_msg *msg, int link)
{
	str storage[PCHAT_FLD_COUNT];
	const str *fields[PCHAT_FLD_COUNT];
	unsigned int slot = 0;
	int r;

	update_stat(pchat_stat_infos_in, 1);
	r = admit_info(msg, link, &slot);
	if(r != 0)
		return r < 0 ? -1 : 0;
	memset(storage, 0, sizeof(storage));
	if(collect_fields(msg, PCHAT_EV_INFO, NULL, storage, fields, NULL, 0) < 0)
		r = pchat_reply(msg, 400, "Bad Request", NULL) < 0 ? -1 : 1;
	else if(storage[PCHAT_FLD_BODY].len > pchat_max_body)
		r = pchat_reply(msg, 413, "Request Entity Too Large", NULL) < 0 ? -1 : 1;
	else
		r = hand_on(msg, PCHAT_EV_INFO, fields, slot);
	if(r != 0)
		pchat_info_release(link, slot); /* answered here: the link never sees it */
	return r < 0 ? -1 : 0;
}

int pchat_handle_request(struct sip_msg *msg, str *identity)
{
	enum pchat_event_kind kind = event_kind(msg);
	str storage[PCHAT_FLD_COUNT];
	const str *fields[PCHAT_FLD_COUNT];
	char contact_buf[256];
	int link, r;

	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	if(pchat_link_processes == 0) {
		LM_ERR("pchat_handle() needs link_processes >= 1 (with 0 the module does NTLM "
		       "only)\n");
		return -1;
	}
	if(kind == 0) {
		if(msg->REQ_METHOD == METHOD_ACK) {
			/* the ACK of our 200, if the script has not matched it with
			 * t_check_trans already: matching it stops tm's retransmissions of the
			 * 200 and tells the link process (pchat_ackwait.h) */
			pchat_tmxb.t_check_trans(msg);
			return 0;
		}
		return pchat_reply(msg, 405, "Method Not Allowed",
				       "Allow: INVITE, ACK, INFO, UPDATE, BYE\r\n") < 0
				? -1
				: 0;
	}
	link = link_of_msg(msg);
	r = refuse_early(msg, kind, link);
	if(r != 0)
		return r < 0 ? -1 : 0;
	if(kind == PCHAT_EV_INFO)
		return handle_info(msg, link);
	memset(storage, 0, sizeof(storage));
	if(collect_fields(msg, kind, identity, storage, fields, contact_buf, sizeof(contact_buf)) <
			0)
		return pchat_reply(msg, 400, "Bad Request", NULL) < 0 ? -1 : 0;
	return hand_on(msg, kind, fields, 0) < 0 ? -1 : 0;
}

/* Compares scheme, user and host of two URIs, ignoring ports and parameters. */
static int same_aor(const str *a, const str *b)
{
	struct sip_uri pa, pb;
	if(parse_uri(a->s, a->len, &pa) < 0 || parse_uri(b->s, b->len, &pb) < 0)
		return 0;
	return pa.user.len == pb.user.len && pa.host.len == pb.host.len &&
			strncasecmp(pa.user.s, pb.user.s, pa.user.len) == 0 &&
			strncasecmp(pa.host.s, pb.host.s, pa.host.len) == 0;
}

int pchat_is_pool_uri(const str *uri)
{
	int i;
	for(i = 0; i < pchat_pool_uri_count; i++)
		if(same_aor(uri, &pchat_pool_uris[i]))
			return 1;
	return 0;
}

int pchat_is_chat_request(struct sip_msg *msg)
{
	if(msg->first_line.type != SIP_REQUEST)
		return -1;
	if(parse_headers(msg, HDR_TO_F, 0) < 0 || msg->to == NULL)
		return -1;
	if(get_to(msg)->tag_value.len > 0)
		return pchat_is_pool_uri(&get_to(msg)->uri) ? 1 : -1;
	if(parse_sip_msg_uri(msg) < 0)
		return -1;
	return pchat_is_pool_uri(&msg->first_line.u.request.uri) ? 1 : -1;
}
