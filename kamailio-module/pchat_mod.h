/*
 * pchat_mod.h - state shared by the pchat module's files: module parameters, the tm
 * API, and the few counters that live in shared memory.
 */
#ifndef PCHAT_MOD_H
#define PCHAT_MOD_H

#include "../../core/str.h"
#include "../../core/counters.h"
#include "../../modules/tm/tm_load.h"
#include "../../modules/sl/sl.h"
#include "pchat_limits.h"

/* Module parameters (see docs/OPERATIONS.md, "pchat module parameters"). */
extern char *pchat_backend_socket;
extern str pchat_pool_uris[]; /* the chat URIs this node serves */
extern int pchat_pool_uri_count;
extern int pchat_session_expires;
extern int pchat_retry_after;
extern int pchat_max_body;
extern int pchat_max_pending;
extern int pchat_max_session_pending; /* pchat_limits.c */
extern int pchat_shm_reserve_percent;
extern int pchat_backend_timeout_ms;
extern int pchat_ack_wait_ms; /* pchat_ackwait.h; 0: deliveries never wait for the ACK */
/* the uid pchatd must run as (SO_PEERCRED of the backend socket), modparam backend_uid */
extern int pchat_backend_uid;
extern str pchat_node_name;

extern struct tm_binds pchat_tmb;
extern tm_xapi_t pchat_tmxb; /* t_check_trans: is a request a retransmission? */
extern sl_api_t pchat_slb;   /* stateless replies when tm cannot create a transaction */

/* The most link processes (modparam link_processes). */
#define PCHAT_MAX_LINKS 16

/* Shared-memory state written by each link process, read by every process. */
struct pchat_link_state {
	volatile int backend_up; /* 1 while its link to the backend is connected */
	volatile int sessions;	 /* chat sessions it holds */
	volatile int pending;	 /* INFOs it handed to the backend, not yet answered */
	volatile int inflight;	 /* INFOs admitted by workers, not yet answered (atomic) */
};
struct pchat_shared {
	struct pchat_link_state link[PCHAT_MAX_LINKS];
	/* INFOs in flight per dialog slot (pchat_limits.c; atomic) */
	volatile int dialog_inflight[PCHAT_DIALOG_SLOTS];
	/* per dialog slot: refused until this CLOCK_MONOTONIC_COARSE ms (atomic) */
	volatile uint64_t dialog_throttled_until[PCHAT_DIALOG_SLOTS];
};
extern struct pchat_shared *pchat_shared;

/* How many link processes share the sessions (modparam link_processes), and which
 * one this process is (-1 outside them). */
extern int pchat_link_processes;
/* 1: every chat INFO through tm, as over UDP (modparam info_via_tm, pchat_infosend.h) */
extern int pchat_info_via_tm;
extern int pchat_link_index;
/* Sums of the link processes' states. */
struct pchat_link_state pchat_links_total(void);
/* This link process's shared state. */
#define PCHAT_MY_LINK (&pchat_shared->link[pchat_link_index])

/* Statistics (kamailio stats: pchat:*). */
extern stat_var *pchat_stat_infos_in;
extern stat_var *pchat_stat_infos_out;
extern stat_var *pchat_stat_alerts_sent;   /* feed alerts: MESSAGEs handed to tm */
extern stat_var *pchat_stat_alerts_failed; /* feed alerts not sent (no alert_proxy, tm) */
extern stat_var *pchat_stat_busy;
extern stat_var *pchat_stat_sessions_opened;
extern stat_var *pchat_stat_dialog_limit;      /* 503s: a session's max_session_pending */
extern stat_var *pchat_stat_low_memory;	       /* 503s: shared memory below shm_reserve */
extern stat_var *pchat_stat_deliveries_paused; /* times deliveries waited for memory */
extern stat_var *pchat_stat_ack_wait_held;     /* INFOs held until the ACK of the 200 */
extern stat_var *pchat_stat_ack_wait_expired;  /* sessions whose INFOs went out without it */
/* Counts one final answer to a chat INFO by its class (info_replies_2xx, _4xx, _5xx,
 * _other): the module's own answers only, wherever it sends them. */
void pchat_count_info_reply(int code);

/* "Retry-After: N\r\n" for every 503 the module sends (built once in mod_init). */
extern char pchat_retry_after_hdr[];

/* Returns 1 if uri is one of the configured chat pool URIs (scheme, user and host
 * compared; parameters ignored). */
int pchat_is_pool_uri(const str *uri);

#endif
