/*
 * pchat_mod.c - the pchat Kamailio module: parameters, script and KEMI functions,
 * statistics and process set-up (the RPC commands: pchat_rpc.c).
 *
 * Processes: SIP workers run pchat_handle() (pchat_request.c) and never block;
 * link_processes extra "pchat link" processes (pchat_link.c) own the chat sessions,
 * sharded by Call-ID, each with its own Unix-socket link to the backend.  The pieces
 * talk through the handoff pipes (pchat_handoff.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../core/sr_module.h"
#include "../../core/dprint.h"
#include "../../core/mod_fix.h"
#include "../../core/pt.h"
#include "../../core/cfg/cfg_struct.h"
#include "../../core/kemi.h"
#include "../../core/mem/shm_mem.h"
#include "pchat_handoff.h"
#include "pchat_link.h"
#include "pchat_mod.h"
#include "pchat_infosend.h"
#include "pchat_request.h"
#include "pchat_alert.h"
#include "pchat_rpc.h"
#include "pchat_ntlm_auth.h"
#include "pchat_ntlm_sa.h"
#include "pchat_ntlm_sign.h"

MODULE_VERSION

#define MAX_POOL_URIS 16

char *pchat_backend_socket = "/run/pchat/backend.sock";
str pchat_pool_uris[MAX_POOL_URIS];
int pchat_pool_uri_count;
int pchat_session_expires = 600;
int pchat_retry_after = 5;
int pchat_max_body = 65536;
int pchat_max_pending = 4096;
int pchat_backend_timeout_ms = 3000;
int pchat_ack_wait_ms = 2000;
int pchat_backend_uid = -1; /* -1: Kamailio's effective uid, set in mod_init */
str pchat_node_name = str_init("kamailio");
int pchat_link_processes = 1;
int pchat_info_via_tm = 0;
int pchat_link_index = -1;

char pchat_retry_after_hdr[48];
struct tm_binds pchat_tmb;
tm_xapi_t pchat_tmxb;
sl_api_t pchat_slb;
struct pchat_shared *pchat_shared;

stat_var *pchat_stat_infos_in;
stat_var *pchat_stat_infos_out;
stat_var *pchat_stat_alerts_sent;
stat_var *pchat_stat_alerts_failed;
stat_var *pchat_stat_busy;
stat_var *pchat_stat_sessions_opened;
stat_var *pchat_stat_dialog_limit;
stat_var *pchat_stat_low_memory;
stat_var *pchat_stat_deliveries_paused;
stat_var *pchat_stat_ack_wait_held;
stat_var *pchat_stat_ack_wait_expired;
stat_var *pchat_stat_info_2xx;
stat_var *pchat_stat_info_4xx;
stat_var *pchat_stat_info_5xx;
stat_var *pchat_stat_info_other;

static int add_pool_uri(modparam_t type, void *val)
{
	(void)type;
	if(pchat_pool_uri_count >= MAX_POOL_URIS) {
		LM_ERR("at most %d pool_uri values\n", MAX_POOL_URIS);
		return -1;
	}
	pchat_pool_uris[pchat_pool_uri_count].s = (char *)val;
	pchat_pool_uris[pchat_pool_uri_count].len = strlen((char *)val);
	pchat_pool_uri_count++;
	return 0;
}

static int w_pchat_handle(struct sip_msg *msg, char *identity_param, char *unused)
{
	str identity = {0, 0};
	(void)unused;
	if(identity_param &&
			fixup_get_svalue(msg,
					(gparam_t *)identity_param /* NOLINT(clang-diagnostic-cast-align): Kamailio fixup idiom */
					,
					&identity) < 0) {
		LM_ERR("cannot evaluate the identity parameter\n");
		return -1;
	}
	return pchat_handle_request(msg, &identity);
}

static int w_pchat_handle0(struct sip_msg *msg, char *unused1, char *unused2)
{
	(void)unused1;
	(void)unused2;
	return w_pchat_handle(msg, NULL, NULL);
}

static int w_pchat_is_chat(struct sip_msg *msg, char *unused1, char *unused2)
{
	(void)unused1;
	(void)unused2;
	return pchat_is_chat_request(msg);
}

static int ki_pchat_handle(struct sip_msg *msg, str *identity)
{
	return pchat_handle_request(msg, identity);
}

static int ki_pchat_is_chat(struct sip_msg *msg)
{
	return pchat_is_chat_request(msg);
}

static int w_pchat_ntlm_authorize(struct sip_msg *msg, char *id_pv, char *unused)
{
	(void)unused;
	return pchat_ntlm_authorize(msg,
			(pv_spec_t *)id_pv); /* NOLINT(clang-diagnostic-cast-align): Kamailio fixup idiom */
}

/* The connection of the request or event: tcpops' event_route[tcp:closed] runs with
 * the closed connection's receive info, whose proto_reserved1 is its id ($conid is
 * null there: it looks the connection up, and it is gone). */
static int w_pchat_ntlm_forget(struct sip_msg *msg, char *unused1, char *unused2)
{
	(void)unused1;
	(void)unused2;
	if(pchat_ntlm_enabled() && msg && msg->rcv.proto_reserved1 > 0)
		pchat_ntlm_sa_forget(msg->rcv.proto_reserved1);
	return 1;
}

static int fixup_ntlm_authorize(void **param, int param_no)
{
	if(fixup_pvar_null(param, param_no) < 0)
		return -1;
	if(((pv_spec_t *)*param)->setf ==
			NULL) { /* NOLINT(clang-diagnostic-cast-align): Kamailio fixup idiom */
		LM_ERR("pchat_ntlm_authorize() needs a writable variable\n");
		return -1;
	}
	return 0;
}

static cmd_export_t cmds[] = {{"pchat_handle", (cmd_function)w_pchat_handle, 1, fixup_spve_null, 0,
					      REQUEST_ROUTE},
		{"pchat_handle", (cmd_function)w_pchat_handle0, 0, 0, 0, REQUEST_ROUTE},
		{"pchat_is_chat", (cmd_function)w_pchat_is_chat, 0, 0, 0, REQUEST_ROUTE},
		{"pchat_ntlm_authorize", (cmd_function)w_pchat_ntlm_authorize, 1,
				fixup_ntlm_authorize, fixup_free_pvar_null, REQUEST_ROUTE},
		{"pchat_ntlm_forget", (cmd_function)w_pchat_ntlm_forget, 0, 0, 0, ANY_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"backend_socket", PARAM_STRING, &pchat_backend_socket},
		{"pool_uri", PARAM_STRING | PARAM_USE_FUNC, (void *)add_pool_uri},
		{"session_expires", INT_PARAM, &pchat_session_expires},
		{"retry_after", INT_PARAM, &pchat_retry_after},
		{"max_body", INT_PARAM, &pchat_max_body},
		{"max_pending", INT_PARAM, &pchat_max_pending},
		{"max_session_pending", INT_PARAM, &pchat_max_session_pending},
		{"shm_reserve", INT_PARAM, &pchat_shm_reserve_percent},
		{"backend_timeout", INT_PARAM, &pchat_backend_timeout_ms},
		{"ack_wait", INT_PARAM, &pchat_ack_wait_ms},
		{"backend_uid", INT_PARAM, &pchat_backend_uid},
		{"node_name", PARAM_STR, &pchat_node_name},
		{"link_processes", INT_PARAM, &pchat_link_processes},
		{"info_via_tm", INT_PARAM, &pchat_info_via_tm},
		{"alert_uri", PARAM_STR, &pchat_alert_uri},
		{"alert_proxy", PARAM_STR, &pchat_alert_proxy},
		{"ntlm_db_url", PARAM_STR, &pchat_ntlm_db_url},
		{"ntlm_targetname", PARAM_STR, &pchat_ntlm_targetname},
		{"ntlm_realm", PARAM_STR, &pchat_ntlm_realm},
		{"ntlm_max_sas", INT_PARAM, &pchat_ntlm_max_sas}, {0, 0, 0}};

struct pchat_link_state pchat_links_total(void)
{
	struct pchat_link_state t = {0, 0, 0, 0};
	int i;
	for(i = 0; pchat_shared && i < pchat_link_processes; i++) {
		t.backend_up += pchat_shared->link[i].backend_up;
		t.sessions += pchat_shared->link[i].sessions;
		t.pending += pchat_shared->link[i].pending;
		t.inflight += pchat_info_inflight(i);
	}
	return t;
}

static unsigned long stat_sessions(void)
{
	return (unsigned long)pchat_links_total().sessions;
}

static unsigned long stat_pending(void)
{
	return (unsigned long)pchat_links_total().pending;
}

static unsigned long stat_ntlm_sas(void)
{
	return (unsigned long)pchat_ntlm_sa_count();
}

/* 1 only while every link process is connected. */
static unsigned long stat_backend_up(void)
{
	return pchat_links_total().backend_up == pchat_link_processes;
}

/* STAT_IS_FUNC entries carry a function in the stat_var slot: Kamailio's idiom. */
/* NOLINTBEGIN(clang-diagnostic-cast-align) */
static stat_export_t mod_stats[] = {{"infos_received", 0, &pchat_stat_infos_in},
		{"infos_sent", 0, &pchat_stat_infos_out}, {"busy_replies", 0, &pchat_stat_busy},
		{"alerts_sent", 0, &pchat_stat_alerts_sent},
		{"alerts_failed", 0, &pchat_stat_alerts_failed},
		{"sessions_opened", 0, &pchat_stat_sessions_opened},
		{"dialog_limit_replies", 0, &pchat_stat_dialog_limit},
		{"low_memory_replies", 0, &pchat_stat_low_memory},
		{"deliveries_paused", 0, &pchat_stat_deliveries_paused},
		{"ack_wait_held", 0, &pchat_stat_ack_wait_held},
		{"ack_wait_expired", 0, &pchat_stat_ack_wait_expired},
		{"info_replies_2xx", 0, &pchat_stat_info_2xx},
		{"info_replies_4xx", 0, &pchat_stat_info_4xx},
		{"info_replies_5xx", 0, &pchat_stat_info_5xx},
		{"info_replies_other", 0, &pchat_stat_info_other},
		{"sessions", STAT_IS_FUNC, (stat_var **)stat_sessions},
		{"pending", STAT_IS_FUNC, (stat_var **)stat_pending},
		{"backend_up", STAT_IS_FUNC, (stat_var **)stat_backend_up},
		{"ntlm_sas", STAT_IS_FUNC, (stat_var **)stat_ntlm_sas}, {0, 0, 0}};
/* NOLINTEND(clang-diagnostic-cast-align) */

void pchat_count_info_reply(int code)
{
	if(code >= 200 && code < 300)
		update_stat(pchat_stat_info_2xx, 1);
	else if(code >= 400 && code < 500)
		update_stat(pchat_stat_info_4xx, 1);
	else if(code >= 500 && code < 600)
		update_stat(pchat_stat_info_5xx, 1);
	else
		update_stat(pchat_stat_info_other, 1);
}

/*
 * Per link process: pchat:linkN_sessions, linkN_pending, linkN_inflight, linkN_up, so
 * that an operator sees one link disconnected or holding more than its share.  They
 * are statistics (counters read through a callback with the link's index), not
 * xhttp_prom's labelled gauges: a statistic is read live, at each read, by every
 * reader (kamcmd stats.get_statistics, xhttp_prom's /metrics, SNMP) with no cfg code,
 * whereas a gauge holds what the cfg last copied into it, and the cfg cannot read
 * this per-link state.  Their number is fixed at start-up (link_processes).
 */
static long link_sessions(counter_handle_t h, void *i)
{
	(void)h;
	return pchat_shared->link[(long)i].sessions;
}

static long link_pending(counter_handle_t h, void *i)
{
	(void)h;
	return pchat_shared->link[(long)i].pending;
}

static long link_inflight(counter_handle_t h, void *i)
{
	(void)h;
	return pchat_info_inflight((int)(long)i);
}

static long link_up(counter_handle_t h, void *i)
{
	(void)h;
	return pchat_shared->link[(long)i].backend_up;
}

static int register_link_stats(void)
{
	static const struct {
		const char *name, *doc;
		counter_cbk_f read;
	} per_link[] = {{"sessions", "chat sessions held by link process N", link_sessions},
			{"pending", "INFOs link process N handed to the backend, not answered",
					link_pending},
			{"inflight", "INFOs admitted for link process N, not answered",
					link_inflight},
			{"up", "1 while link process N is connected to the backend", link_up}};
	char name[32];
	counter_handle_t h;
	long i;
	size_t k;
	for(i = 0; i < pchat_link_processes; i++)
		for(k = 0; k < sizeof(per_link) / sizeof(per_link[0]); k++) {
			snprintf(name, sizeof(name), "link%ld_%s", i, per_link[k].name);
			if(counter_register(&h, "pchat", name, CNT_F_NO_RESET, per_link[k].read,
					   (void *)i, per_link[k].doc, 0) < 0)
				return -1;
		}
	return 0;
}

static int mod_init(void)
{
	/* link_processes 0: no chat here, only NTLM (a pool's front, which authenticates
	 * the clients and relays to the chat nodes) */
	if(pchat_pool_uri_count == 0 && pchat_link_processes > 0) {
		LM_ERR("set at least one pool_uri modparam (the chat URIs to serve)\n");
		return -1;
	}
	if(pchat_max_pending < 1 || pchat_session_expires < 2 || pchat_max_body < 1) {
		LM_ERR("max_pending >= 1, session_expires >= 2 and max_body >= 1 are required\n");
		return -1;
	}
	if(pchat_link_processes < 0 || pchat_link_processes > PCHAT_MAX_LINKS) {
		LM_ERR("link_processes must be 0..%d\n", PCHAT_MAX_LINKS);
		return -1;
	}
	if(pchat_ack_wait_ms < 0 || pchat_ack_wait_ms > 32000) {
		/* RFC 3261 13.3.1.4: a UAS gives up on the ACK after 64*T1 (32 s) */
		LM_ERR("ack_wait must be 0..32000 ms\n");
		return -1;
	}
	if(pchat_backend_uid < -1) {
		LM_ERR("backend_uid must be a numeric uid (or -1: Kamailio's own)\n");
		return -1;
	}
	if(pchat_limits_init() < 0 || (pchat_link_processes > 0 && pchat_alert_init() < 0))
		return -1;
	if(pchat_backend_uid == -1)
		pchat_backend_uid = (int)geteuid();
	if(pchat_session_expires < 90)
		LM_WARN("session_expires %d is below RFC 4028's minimum of 90 s: for tests only\n",
				pchat_session_expires);
	snprintf(pchat_retry_after_hdr, sizeof(pchat_retry_after_hdr), "Retry-After: %d\r\n",
			pchat_retry_after);
	if(load_tm_api(&pchat_tmb) < 0 || tm_load_xapi(&pchat_tmxb) < 0) {
		LM_ERR("the tm module is required\n");
		return -1;
	}
	if(sl_load_api(&pchat_slb) < 0) {
		LM_ERR("the sl module is required\n");
		return -1;
	}
	pchat_shared = shm_malloc(sizeof(*pchat_shared));
	if(pchat_shared == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(pchat_shared, 0, sizeof(*pchat_shared));
	if(register_module_stats("pchat", mod_stats) != 0 || register_link_stats() < 0 ||
			pchat_rpc_register() != 0) {
		LM_ERR("cannot register statistics or RPC commands\n");
		return -1;
	}
	if(pchat_handoff_init() < 0)
		return -1;
	if(pchat_ntlm_init() < 0 || (pchat_ntlm_enabled() && pchat_ntlm_sign_init() < 0))
		return -1;
	register_procs(pchat_link_processes);
	cfg_register_child(pchat_link_processes);
	return 0;
}

/* Forks the link processes; each owns the sessions whose Call-ID hashes to it
 * (pchat_handoff.c), with its own backend connection. */
static int child_init(int rank)
{
	int i;
	pchat_rpc_child_init(rank);
	if(rank != PROC_MAIN)
		return 0;
	for(i = 0; i < pchat_link_processes; i++) {
		int pid = fork_process(PROC_NOCHLDINIT, "pchat link", 1);
		if(pid < 0)
			return -1;
		if(pid == 0) {
			pchat_link_index = i;
			/* run the other modules' child init (tm's among them) as for an RPC
			 * process, so that tm can send requests and replies from here */
			if(init_child(PROC_RPC) < 0 || cfg_child_init())
				return -1;
			pchat_link_run();
			exit(-1);
		}
	}
	return 0;
}

static void mod_destroy(void)
{
	pchat_ntlm_destroy();
	if(pchat_shared) {
		shm_free(pchat_shared);
		pchat_shared = NULL;
	}
}

/* clang-format off */
static sr_kemi_t sr_kemi_pchat_exports[] = {
	{ str_init("pchat"), str_init("handle"),
		SR_KEMIP_INT, ki_pchat_handle,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("pchat"), str_init("is_chat"),
		SR_KEMIP_INT, ki_pchat_is_chat,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	(void)path;
	(void)dlflags;
	(void)p1;
	(void)p2;
	sr_kemi_modules_add(sr_kemi_pchat_exports);
	return 0;
}

struct module_exports exports = {
		"pchat",	      /* module name */
		DEFAULT_DLFLAGS,      /* dlopen flags */
		cmds,		      /* exported functions */
		params,		      /* exported parameters */
		0,		      /* RPC methods (registered in mod_init) */
		0,		      /* pseudo-variables */
		pchat_infosend_reply, /* response handling function */
		mod_init,	      /* module initialization function */
		child_init,	      /* per-child init function */
		mod_destroy	      /* module destroy function */
};
