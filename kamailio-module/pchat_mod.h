/*
 * pchat_mod.h - state shared by the pchat module's files: module parameters, the tm
 * API, and the few counters that live in shared memory.
 */
#ifndef PCHAT_MOD_H
#define PCHAT_MOD_H

#include "../../core/str.h"
#include "../../core/counters.h"
#include "../../modules/tm/tm_load.h"

/* Module parameters (see docs/OPERATIONS.md, "pchat module parameters"). */
extern char *pchat_backend_socket;
extern str pchat_pool_uris[];   /* the chat URIs this node serves */
extern int pchat_pool_uri_count;
extern int pchat_session_expires;
extern int pchat_retry_after;
extern int pchat_max_body;
extern int pchat_max_pending;
extern int pchat_backend_timeout_ms;
extern str pchat_node_name;

extern struct tm_binds pchat_tmb;

/* Shared-memory state written by the link process, read by every process. */
struct pchat_shared {
	volatile int backend_up; /* 1 while the link to the backend is connected */
	volatile int sessions;   /* chat sessions the link process holds */
	volatile int pending;    /* INFOs handed to the backend and not yet answered */
};
extern struct pchat_shared *pchat_shared;

/* Statistics (kamailio stats: pchat:*). */
extern stat_var *pchat_stat_infos_in;
extern stat_var *pchat_stat_infos_out;
extern stat_var *pchat_stat_busy;
extern stat_var *pchat_stat_sessions_opened;

/* "Retry-After: N\r\n" for every 503 the module sends (built once in mod_init). */
extern char pchat_retry_after_hdr[];

/* Returns 1 if uri is one of the configured chat pool URIs (scheme, user and host
 * compared; parameters ignored). */
int pchat_is_pool_uri(const str *uri);

#endif
