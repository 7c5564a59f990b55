/* pchat client library: see pchat_client.h. */
#define _GNU_SOURCE
#include "pchat_client.h"
#include "xccos_view.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/su_uniqueid.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

/* The stacks' log objects: exported by libsofia-sip-ua but declared in no public header. */
extern su_log_t nua_log[], nta_log[], tport_log[];

#define STATUS_RING 64

struct info_item {
	struct info_item *next;
	char *body;
};

struct pc_context {
	su_root_t *root;
	pc_password_fn password; /* pc_set_password_fn */
	void *password_arg;
	pc_client *clients; /* open clients */
	pc_client *zombies; /* closed clients whose nua did not finish shutting down */
	char last_error[256];
	char user_agent[128];  /* User-Agent of the clients opened next */
	char epid[64];	       /* their endpoint id (From;epid=), "" none */
	char tls_ca[PATH_MAX]; /* pc_set_tls_ca */
	int ack_delay_ms;      /* pc_set_ack_delay */
};

struct pc_client {
	pc_context *ctx;
	pc_client *next;
	nua_t *nua;
	nua_handle_t *nh;	 /* the session */
	nua_handle_t *replay_nh; /* pc_replay_info */
	char *user_uri, *chat_uri;

	int invite_status; /* final status of the INVITE, 0 until then */
	int up;		   /* dialog established and not ended */
	int ended;	   /* call state reached terminated */
	int peer_bye;	   /* server sent BYE */
	int bye_status;	   /* final status of our BYE, 0 until then */
	int shutdown_done;
	int auth_tries;	  /* challenges answered in a row (a wrong password is re-challenged) */
	int info_answer;  /* status our INFOs from the server get (pc_set_info_answer); 0: 200 */
	int ack_delay_ms; /* pc_set_ack_delay when opened; 0: nua ACKs at once */
	int ack_pending;  /* the 200 came, our delayed ACK not sent yet */
	int ack_sent;
	int infos_before_ack; /* INFOs in the dialog while ack_pending */
	su_timer_t *ack_timer;

	unsigned info_sent, info_done; /* INFOs on nh, in order (nua queues them) */
	int info_status[STATUS_RING];
	int info_retry[STATUS_RING];
	int replay_status;
	uint32_t last_cseq; /* highest CSeq of our requests on the dialog seen in responses */
	su_timer_t *refresh; /* session keep-alive (UPDATE), armed when the 2xx has Session-Expires */
	unsigned refresh_ms;

	struct info_item *inbox, **inbox_tail;
	uint32_t envid;
	unsigned long last_envid;

	/* dialog identifiers, saved from the 2xx to the INVITE */
	char *call_id, *local_tag, *remote_tag, *remote_target;
};

static int initialised;

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef int (*cond_fn)(pc_client *);

/* Runs the root until cond(c) holds or timeout_ms passes. Returns 1 if cond holds. */
static int wait_for(pc_context *ctx, cond_fn cond, pc_client *c, int timeout_ms)
{
	long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	for(;;) {
		if(cond(c))
			return 1;
		long long left = deadline - now_ms();
		if(left <= 0)
			return 0;
		su_root_step(ctx->root, left > 50 ? 50 : (su_duration_t)left);
	}
}

static void log_level_from_env(void)
{
	const char *lvl = getenv("SOFIA_DEBUG");
	pc_set_sofia_log_level(lvl ? atoi(lvl) : 0);
}

void pc_set_sofia_log_level(int level)
{
	su_log_set_level(NULL, (unsigned)level);
	su_log_set_level(nua_log, (unsigned)level);
	su_log_set_level(nta_log, (unsigned)level);
	su_log_set_level(tport_log, (unsigned)level);
}

pc_context *pc_context_new(void)
{
	if(!initialised) {
		if(su_init() != 0)
			return NULL;
		initialised = 1;
		log_level_from_env();
	}
	pc_context *ctx = calloc(1, sizeof *ctx);
	if(!ctx)
		return NULL;
	ctx->root = su_root_create(NULL);
	if(!ctx->root) {
		free(ctx);
		return NULL;
	}
	/* Run the nua stacks in this thread: every wait drives all of them. */
	su_root_threading(ctx->root, 0);
	pc_set_user_agent(ctx, NULL);
	pc_set_tls_ca(ctx, NULL);
	return ctx;
}

void pc_set_epid(pc_context *ctx, const char *epid)
{
	if(ctx)
		snprintf(ctx->epid, sizeof ctx->epid, "%s", epid ? epid : "");
}

/* LeakSanitizer's suppressions for programs linked with this library (read only in
 * SANITIZE=1 builds): sofia-sip 1.12.11 never frees a TLS connection's SSL object,
 * nor the subjectAltName it decodes in tls_connect (its own leaks, not ours).  The
 * fast unwinder stops inside OpenSSL (no frame pointers there), so the suppressions
 * name OpenSSL's libraries rather than sofia-sip's functions: nothing of ours
 * allocates with OpenSSL directly. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libcrypto.so\nleak:libssl.so\n";
}

/* ... and without the table of suppressions used at exit on standard error */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "print_suppressions=0";
}

void pc_set_tls_ca(pc_context *ctx, const char *ca_file)
{
	if(ctx)
		snprintf(ctx->tls_ca, sizeof ctx->tls_ca, "%s",
				ca_file && *ca_file ? ca_file : PC_SYSTEM_CA_FILE);
}

/* sofia-sip reads the certificates a TLS transport trusts from the file "cafile.pem"
 * of a directory (TPTAG_CERTIFICATE; its own certificate would be "agent.pem" there:
 * we have none, the server asks for none) when the transport is made, in nua_create.
 * So the directory only has to exist that long: a private temporary one holding a
 * link of that name to ctx->tls_ca.  Returns it (malloc'd) or NULL, saying why. */
static char *tls_cert_dir(const pc_context *ctx)
{
	const char *tmp = getenv("TMPDIR");
	char *ca = realpath(ctx->tls_ca, NULL), *dir = NULL, link[PATH_MAX + 16];
	if(!ca || access(ca, R_OK) != 0) {
		fprintf(stderr, "pchat: cannot read the CA certificates file %s\n", ctx->tls_ca);
		free(ca);
		return NULL;
	}
	if(asprintf(&dir, "%s/pchat-tls-XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0) {
		free(ca);
		return NULL;
	}
	if(!mkdtemp(dir)) {
		fprintf(stderr, "pchat: cannot make a directory in %s\n",
				tmp && *tmp ? tmp : "/tmp");
		free(dir);
		free(ca);
		return NULL;
	}
	snprintf(link, sizeof link, "%s/cafile.pem", dir);
	if(symlink(ca, link) != 0) {
		fprintf(stderr, "pchat: cannot make %s\n", link);
		rmdir(dir);
		free(dir);
		dir = NULL;
	}
	free(ca);
	return dir;
}

static void tls_cert_dir_remove(char *dir)
{
	char link[PATH_MAX + 16];
	if(!dir)
		return;
	snprintf(link, sizeof link, "%s/cafile.pem", dir);
	unlink(link);
	rmdir(dir);
	free(dir);
}

void pc_set_user_agent(pc_context *ctx, const char *ua)
{
	if(ctx)
		snprintf(ctx->user_agent, sizeof ctx->user_agent, "%s",
				ua && *ua ? ua : "pchat-client/0.1");
}

static void free_client_memory(pc_client *c)
{
	while(c->inbox) {
		struct info_item *it = c->inbox;
		c->inbox = it->next;
		free(it->body);
		free(it);
	}
	free(c->user_uri);
	free(c->chat_uri);
	free(c->call_id);
	free(c->local_tag);
	free(c->remote_tag);
	free(c->remote_target);
	free(c);
}

static int cond_shutdown(pc_client *c)
{
	return c->shutdown_done;
}

static void unlink_client(pc_client **list, pc_client *c)
{
	for(pc_client **p = list; *p; p = &(*p)->next)
		if(*p == c) {
			*p = c->next;
			c->next = NULL;
			return;
		}
}

void pc_context_free(pc_context *ctx)
{
	if(!ctx)
		return;
	while(ctx->clients)
		pc_close(ctx->clients, 2000);
	/* Give late shutdowns one more chance. */
	long long deadline = now_ms() + 2000;
	while(ctx->zombies && now_ms() < deadline) {
		su_root_step(ctx->root, 50);
		for(pc_client *z = ctx->zombies, *next; z; z = next) {
			next = z->next;
			if(z->shutdown_done) {
				unlink_client(&ctx->zombies, z);
				nua_destroy(z->nua);
				free_client_memory(z);
			}
		}
	}
	if(ctx->zombies) {
		/* A nua that never finished shutting down still references the root and its
         * client: leak both rather than free memory that callbacks may still use. */
		fprintf(stderr, "pchat: leaking a nua instance that did not shut down\n");
		free(ctx);
		return;
	}
	su_root_destroy(ctx->root);
	free(ctx);
}

static char *str_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void save_dialog(pc_client *c, sip_t const *sip)
{
	if(!sip)
		return;
	free(c->call_id);
	free(c->local_tag);
	free(c->remote_tag);
	free(c->remote_target);
	c->call_id = str_or_null(sip->sip_call_id ? sip->sip_call_id->i_id : NULL);
	c->local_tag = str_or_null(sip->sip_from ? sip->sip_from->a_tag : NULL);
	c->remote_tag = str_or_null(sip->sip_to ? sip->sip_to->a_tag : NULL);
	c->remote_target = NULL;
	if(sip->sip_contact) {
		su_home_t home[1] = {SU_HOME_INIT(home)};
		char *u = url_as_string(home, sip->sip_contact->m_url);
		c->remote_target = str_or_null(u);
		su_home_deinit(home);
	}
}

static void enqueue_info(pc_client *c, sip_t const *sip)
{
	struct info_item *it = calloc(1, sizeof *it);
	if(!it)
		return;
	if(sip && sip->sip_payload && sip->sip_payload->pl_data)
		it->body = strndup(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
	else
		it->body = strdup("");
	if(!it->body) {
		free(it);
		return;
	}
	*c->inbox_tail = it;
	c->inbox_tail = &it->next;
}

/* Keep-alive: nua as built here does not refresh the session by itself (observed: no
 * UPDATE or re-INVITE within Session-Expires/2), while the server expires a session
 * that sees no request for Session-Expires seconds. So send UPDATE every half interval,
 * as RFC 4028 recommends (sipe uses Session-Expires - 10 s). */
static void on_refresh(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	pc_client *c = (pc_client *)arg;
	(void)magic;
	if(!c->up || !c->nh)
		return;
	nua_update(c->nh, TAG_END());
	su_timer_set_interval(t, on_refresh, arg, c->refresh_ms);
}

static void arm_refresh(pc_client *c, sip_t const *sip)
{
	if(!sip || !sip->sip_session_expires || sip->sip_session_expires->x_delta == 0)
		return;
	unsigned se = (unsigned)sip->sip_session_expires->x_delta;
	c->refresh_ms = (se / 2 ? se / 2 : 1) * 1000u;
	if(!c->refresh)
		c->refresh = su_timer_create(su_root_task(c->ctx->root), 0);
	if(c->refresh)
		su_timer_set_interval(c->refresh, on_refresh, (su_timer_arg_t *)c, c->refresh_ms);
}

static void on_ack_timer(su_root_magic_t *magic, su_timer_t *t, su_timer_arg_t *arg)
{
	pc_client *c = (pc_client *)arg;
	(void)magic;
	(void)t;
	if(!c->ack_pending || !c->nh)
		return;
	nua_ack(c->nh, TAG_END());
	c->ack_pending = 0;
	c->ack_sent = 1;
}

/* The 200 to our INVITE came: ACKs it, ack_delay_ms later if the test asked so. */
static void schedule_ack(pc_client *c)
{
	if(c->ack_delay_ms <= 0) {
		c->ack_sent = 1; /* nua's own, at once */
		return;
	}
	if(c->ack_pending || c->ack_sent)
		return; /* a retransmitted 200 */
	if(!c->ack_timer)
		c->ack_timer = su_timer_create(su_root_task(c->ctx->root), 0);
	c->ack_pending = 1;
	if(!c->ack_timer ||
			su_timer_set_interval(c->ack_timer, on_ack_timer, (su_timer_arg_t *)c,
					(su_duration_t)c->ack_delay_ms) < 0)
		on_ack_timer(NULL, NULL, (su_timer_arg_t *)c);
}

void pc_set_ack_delay(pc_context *ctx, int ms)
{
	if(ctx)
		ctx->ack_delay_ms = ms > 0 ? ms : 0;
}

int pc_infos_before_ack(const pc_client *c)
{
	return c ? c->infos_before_ack : 0;
}

int pc_ack_sent(const pc_client *c)
{
	return c && c->ack_sent;
}

/* Describes a failed request in ctx->last_error. (Failures of the local stack, such
 * as a refused TCP connection, also arrive as responses, e.g. 503, from nta.) */
static void note_error(
		pc_client *c, const char *method, int status, const char *phrase, sip_t const *sip)
{
	char ra[48] = "";
	if(sip && sip->sip_retry_after)
		snprintf(ra, sizeof ra, ", Retry-After %u",
				(unsigned)sip->sip_retry_after->af_delta);
	snprintf(c->ctx->last_error, sizeof c->ctx->last_error, "%s: %d %s%s", method, status,
			phrase ? phrase : "", ra);
}

const char *pc_last_error(const pc_context *ctx)
{
	return ctx && ctx->last_error[0] ? ctx->last_error : "no error";
}

/* "alice" out of "sip:alice@example.com" (malloc'd; NULL if no user part). */
static char *user_part(const char *uri)
{
	const char *p = strncmp(uri, "sip:", 4) == 0 ? uri + 4 : uri;
	const char *at = strchr(p, '@');
	if(!at || at == p)
		return NULL;
	return strndup(p, (size_t)(at - p));
}

void pc_set_password_fn(pc_context *ctx, pc_password_fn fn, void *arg)
{
	ctx->password = fn;
	ctx->password_arg = arg;
}

/* At most this many challenges answered in a row: a second 401/407 after credentials
 * means they were refused (the server may also answer 403). */
#define AUTH_TRIES_MAX 2

/* A 401/407 to a request of c on nh: answers it with Digest credentials (the user
 * part of c's URI, the password the context's function gives, the realm of the
 * challenge) and returns 1 (nua resends the request; its response comes as another
 * event); 0 if the response is no challenge or there is nothing to answer it with. */
static int authenticate(pc_client *c, nua_handle_t *nh, int status, sip_t const *sip)
{
	if(status == 401 || status == 407) {
		const char *pw = c->ctx->password
				? c->ctx->password(c->user_uri, c->ctx->password_arg)
				: NULL;
		msg_auth_t const *au = !sip	? NULL
				: status == 407 ? sip->sip_proxy_authenticate
						: sip->sip_www_authenticate;
		const char *realm = au ? msg_params_find(au->au_params, "realm=") : NULL;
		char *user = user_part(c->user_uri);
		int ok = pw && au && realm && user && c->auth_tries < AUTH_TRIES_MAX &&
				strchr(realm, ':') == NULL; /* the tag's separator */
		if(ok) {
			/* NUTAG_AUTH: scheme:"realm":user:password (the realm keeps its quotes) */
			char cred[1024];
			const char *q = realm[0] == '"' ? "" : "\"";
			snprintf(cred, sizeof cred, "%s:%s%s%s:%s:%s", au->au_scheme, q, realm, q,
					user, pw);
			c->auth_tries++;
			nua_authenticate(nh, NUTAG_AUTH(cred), TAG_END());
			memset(cred, 0, sizeof cred); /* it held the password */
		}
		free(user);
		return ok;
	}
	if(status >= 200)
		c->auth_tries = 0;
	return 0;
}

static void pc_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
		nua_magic_t *magic, nua_handle_t *nh, nua_hmagic_t *hmagic, sip_t const *sip,
		tagi_t tags[])
{
	pc_client *c = (pc_client *)magic;
	(void)hmagic;
	if(!c)
		return;
	if(nh && nh == c->nh && sip && sip->sip_status && sip->sip_cseq &&
			sip->sip_cseq->cs_seq > c->last_cseq)
		c->last_cseq = sip->sip_cseq->cs_seq;

	if((event == nua_r_invite || event == nua_r_info || event == nua_r_update ||
			   event == nua_r_bye) &&
			authenticate(c, nh, status, sip))
		return;

	switch(event) {
		case nua_r_invite:
			if(status >= 200 && nh == c->nh) {
				c->invite_status = status;
				if(status >= 300)
					note_error(c, "INVITE", status, phrase, sip);
				if(status < 300) {
					save_dialog(c, sip);
					arm_refresh(c, sip);
					schedule_ack(c);
				}
			}
			break;

		case nua_i_state:
			if(nh == c->nh) {
				int cs = -1;
				tl_gets(tags, NUTAG_CALLSTATE_REF(cs), TAG_END());
				if(cs == nua_callstate_ready) {
					c->up = 1;
				} else if(cs == nua_callstate_terminated) {
					c->up = 0;
					c->ended = 1;
				}
			}
			break;

		case nua_r_info:
			if(status < 200)
				break;
			if(status != 200)
				note_error(c, "INFO", status, phrase, sip);
			if(nh == c->nh) {
				unsigned k = c->info_done % STATUS_RING;
				c->info_status[k] = status;
				c->info_retry[k] = (sip && sip->sip_retry_after)
						? (int)sip->sip_retry_after->af_delta
						: -1;
				c->info_done++;
			} else if(nh == c->replay_nh) {
				c->replay_status = status;
			}
			break;

		case nua_i_info:
			if(nh && nh == c->nh && c->ack_pending) {
				c->infos_before_ack++;
				nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(nua),
						TAG_END());
			} else if(nh && nh == c->nh && c->info_answer) {
				nua_respond(nh, c->info_answer, sip_status_phrase(c->info_answer),
						NUTAG_WITH_THIS(nua), TAG_END());
			} else if(nh && nh == c->nh) {
				enqueue_info(c, sip);
				nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua), TAG_END());
			} else {
				nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(nua),
						TAG_END());
				if(nh && nh != c->replay_nh)
					nua_handle_destroy(nh);
			}
			break;

		case nua_i_bye:
			if(nh == c->nh) {
				c->peer_bye = 1;
				c->up = 0;
			}
			break;

		case nua_r_update:
			/* The server no longer knows the session: it is gone. */
			if(nh == c->nh && (status == 481 || status == 408)) {
				note_error(c, "UPDATE", status, phrase, sip);
				c->up = 0;
				c->peer_bye = 1;
			}
			break;

		case nua_r_bye:
			if(status >= 200 && nh == c->nh) {
				c->bye_status = status;
				c->up = 0;
			}
			break;

		case nua_r_shutdown:
			if(status >= 200)
				c->shutdown_done = 1;
			break;

		case nua_i_invite:
			/* A chat client accepts no calls. */
			nua_respond(nh, SIP_603_DECLINE, TAG_END());
			nua_handle_destroy(nh);
			break;

		case nua_i_error:
			fprintf(stderr, "pchat: sip stack error %d %s\n", status,
					phrase ? phrase : "");
			break;

		default: break;
	}
}

static int cond_invite_done(pc_client *c)
{
	return c->invite_status >= 200 || c->ended;
}
static int cond_ended(pc_client *c)
{
	return c->ended;
}

/* Destroys the handles and the nua; the client memory is freed unless the nua did not
 * finish its shutdown (then the client moves to the context's zombie list). */
static void teardown(pc_client *c, int timeout_ms)
{
	pc_context *ctx = c->ctx;
	unlink_client(&ctx->clients, c);
	if(c->refresh) {
		su_timer_destroy(c->refresh);
		c->refresh = NULL;
	}
	if(c->ack_timer) {
		su_timer_destroy(c->ack_timer);
		c->ack_timer = NULL;
	}
	if(c->replay_nh) {
		nua_handle_destroy(c->replay_nh);
		c->replay_nh = NULL;
	}
	if(c->nh) {
		nua_handle_destroy(c->nh);
		c->nh = NULL;
	}
	if(c->nua) {
		nua_shutdown(c->nua);
		wait_for(ctx, cond_shutdown, c, timeout_ms > 500 ? timeout_ms : 500);
		if(!c->shutdown_done) {
			c->next = ctx->zombies;
			ctx->zombies = c;
			return;
		}
		nua_destroy(c->nua);
		c->nua = NULL;
	}
	free_client_memory(c);
}

pc_client *pc_open(pc_context *ctx, const char *user_uri, const char *chat_uri, const char *proxy,
		const char *transport, int timeout_ms, int *status)
{
	int dummy;
	if(!status)
		status = &dummy;
	*status = 0;
	if(!ctx || !user_uri || !chat_uri || !proxy)
		return NULL;
	if(!transport || !*transport)
		transport = "tcp";
	if(strcmp(transport, "tcp") != 0 && strcmp(transport, "udp") != 0 &&
			strcmp(transport, "tls") != 0)
		return NULL;
	int tls = strcmp(transport, "tls") == 0;
	char *cert_dir = tls ? tls_cert_dir(ctx) : NULL;
	if(tls && !cert_dir)
		return NULL;

	pc_client *c = calloc(1, sizeof *c);
	if(!c) {
		tls_cert_dir_remove(cert_dir);
		return NULL;
	}
	c->ctx = ctx;
	c->inbox_tail = &c->inbox;
	c->user_uri = strdup(user_uri);
	c->chat_uri = strdup(chat_uri);
	/* envid: random 30-bit start, +1 per envelope (as sipe does). */
	c->envid = su_random() & 0x3fffffffu;
	c->ack_delay_ms = ctx->ack_delay_ms;

	char local[64], proxy_url[300];
	/* sofia-sip binds a TLS transport for a sips: URL only */
	if(tls)
		snprintf(local, sizeof local, "sips:127.0.0.1:*");
	else
		snprintf(local, sizeof local, "sip:127.0.0.1:*;transport=%s", transport);
	if(strncmp(proxy, "sip:", 4) == 0)
		snprintf(proxy_url, sizeof proxy_url, "%s", proxy);
	else
		snprintf(proxy_url, sizeof proxy_url, "sip:%s;transport=%s", proxy, transport);
	char *user = user_part(user_uri);

	c->next = ctx->clients;
	ctx->clients = c;

	c->nua = nua_create(ctx->root, pc_event, (nua_magic_t *)c, NUTAG_URL(local),
			NUTAG_PROXY(proxy_url), TAG_IF(user, NUTAG_M_USERNAME(user)),
			NUTAG_MEDIA_ENABLE(0),
			/* nua answers methods missing from Allow with 405: the server's
                         * XCCOS replies come as INFO. */
			NUTAG_ALLOW("INFO"),
			/* Left to itself nua answers every INFO 200, even one outside any
                         * dialog; as an application method we answer it: 200 in our
                         * dialog, 481 otherwise (the server then drops a stale session). */
			NUTAG_APPL_METHOD("INFO"),
			/* nua would silently re-send a request answered 5xx with a
                         * Retry-After below this many seconds (reporting only 100); the
                         * caller must see the 503 and decide, so never retry. */
			NUTAG_MAX_RETRY_AFTER(0),
			/* Refresh the session with UPDATE (as sipe does), not re-INVITE. */
			NUTAG_UPDATE_REFRESH(1), NUTAG_USER_AGENT(ctx->user_agent),
			/* pc_set_ack_delay: the ACK is ours to send */
			TAG_IF(c->ack_delay_ms > 0, NUTAG_AUTOACK(0)),
			/* TLS: the server's certificate must be signed by a CA of tls_ca and
			 * name the host of the proxy URL */
			TAG_IF(tls, TPTAG_CERTIFICATE(cert_dir)),
			TAG_IF(tls, TPTAG_TLS_VERIFY_POLICY(TPTLS_VERIFY_SUBJECTS_OUT)),
			SIPTAG_FROM_STR(user_uri), TAG_END());
	free(user);
	tls_cert_dir_remove(cert_dir);
	if(!c->nua) {
		fprintf(stderr, "pchat: cannot create SIP stack on %s\n", local);
		unlink_client(&ctx->clients, c);
		free_client_memory(c);
		return NULL;
	}

	char to[300], from[400];
	snprintf(to, sizeof to, "<%s>", chat_uri);
	/* sipe's form: the endpoint id as a From parameter */
	if(ctx->epid[0])
		snprintf(from, sizeof from, "<%s>;epid=%s", user_uri, ctx->epid);
	else
		snprintf(from, sizeof from, "%s", user_uri);
	c->nh = nua_handle(c->nua, (nua_hmagic_t *)c, SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from),
			TAG_END());
	if(!c->nh) {
		teardown(c, 1000);
		return NULL;
	}

	static const char sdp[] = "v=0\r\n"
				  "o=- 0 0 IN IP4 127.0.0.1\r\n"
				  "s=session\r\n"
				  "c=IN IP4 127.0.0.1\r\n"
				  "t=0 0\r\n"
				  "m=message 5060 sip null\r\n"
				  "a=accept-types:text/plain\r\n";
	nua_invite(c->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(sdp),
			TAG_END());

	ctx->last_error[0] = '\0';
	if(!wait_for(ctx, cond_invite_done, c, timeout_ms)) {
		*status = 408;
		/* a certificate sofia-sip refuses ends the connection, silently */
		snprintf(ctx->last_error, sizeof ctx->last_error,
				"INVITE: no final response within %d ms%s", timeout_ms,
				tls ? " (over TLS also when the server's certificate is not signed by "
				      "a CA of the CA file or does not name the server)"
				    : "");
		nua_cancel(c->nh, TAG_END());
		wait_for(ctx, cond_ended, c, 1000);
		teardown(c, 1000);
		return NULL;
	}
	if(c->invite_status < 200 || c->invite_status >= 300) {
		*status = c->invite_status ? c->invite_status : 500;
		teardown(c, 1000);
		return NULL;
	}
	*status = c->invite_status;
	/* nua ACKs the 2xx itself (NUTAG_AUTOACK default), or schedule_ack() does after
	 * pc_set_ack_delay's wait; the call state becomes ready. */
	c->up = !c->ended;
	return c;
}

int pc_send_info(pc_client *c, const char *body, int timeout_ms, int *retry_after)
{
	if(retry_after)
		*retry_after = -1;
	if(!c || !body)
		return 0;
	if(!c->up || !c->nh)
		return 481;
	unsigned seq = c->info_sent++;
	nua_info(c->nh, SIPTAG_CONTENT_TYPE_STR("text/plain"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	/* Responses arrive in order: nua sends a handle's INFOs one after another. */
	long long deadline = now_ms() + timeout_ms;
	while(c->info_done <= seq) {
		long long left = deadline - now_ms();
		if(left <= 0) {
			snprintf(c->ctx->last_error, sizeof c->ctx->last_error,
					"INFO: no final response within %d ms", timeout_ms);
			return 408;
		}
		if(c->ended && !c->nh)
			return 481;
		su_root_step(c->ctx->root, left > 50 ? 50 : (su_duration_t)left);
	}
	unsigned k = seq % STATUS_RING;
	if(retry_after)
		*retry_after = c->info_retry[k];
	return c->info_status[k];
}

/* Wraps items in an envelope with this envid and sends it as an INFO. */
static int send_envelope(pc_client *c, unsigned long envid, const char *items, int timeout_ms,
		int *retry_after)
{
	char *env = xv_envelope_wrap(envid, items);
	if(!env)
		return 0;
	int st = pc_send_info(c, env, timeout_ms, retry_after);
	free(env);
	return st;
}

int pc_resend_xccos(pc_client *c, const char *items, int timeout_ms, int *retry_after)
{
	if(!c || c->last_envid == 0)
		return 0;
	return send_envelope(c, c->last_envid, items, timeout_ms, retry_after);
}

int pc_send_xccos(pc_client *c, const char *items, int timeout_ms, int *retry_after)
{
	if(!c)
		return 0;
	c->envid++;
	c->last_envid = c->envid;
	return send_envelope(c, c->last_envid, items, timeout_ms, retry_after);
}

unsigned long pc_last_envid(const pc_client *c)
{
	return c ? c->last_envid : 0;
}

static int cond_inbox(pc_client *c)
{
	return c->inbox != NULL;
}

char *pc_next_info(pc_client *c, int timeout_ms)
{
	if(!c)
		return NULL;
	if(!wait_for(c->ctx, cond_inbox, c, timeout_ms))
		return NULL;
	struct info_item *it = c->inbox;
	c->inbox = it->next;
	if(!c->inbox)
		c->inbox_tail = &c->inbox;
	char *body = it->body;
	free(it);
	return body;
}

void pc_run(pc_context *ctx, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	do {
		long long left = deadline - now_ms();
		su_root_step(ctx->root, left > 50 ? 50 : (left > 0 ? (su_duration_t)left : 0));
	} while(now_ms() < deadline);
}

void pc_set_info_answer(pc_client *c, int status)
{
	c->info_answer = status;
}

int pc_is_up(const pc_client *c)
{
	return c && c->up;
}
int pc_peer_hung_up(const pc_client *c)
{
	return c && c->peer_bye;
}
const char *pc_user_uri(const pc_client *c)
{
	return c ? c->user_uri : NULL;
}
const char *pc_chat_uri(const pc_client *c)
{
	return c ? c->chat_uri : NULL;
}
const char *pc_call_id(const pc_client *c)
{
	return c ? c->call_id : NULL;
}

static int cond_bye_done(pc_client *c)
{
	return c->bye_status >= 200 || c->ended;
}

int pc_bye(pc_client *c, int timeout_ms)
{
	if(!c || !c->nh || !c->up)
		return 0;
	nua_bye(c->nh, TAG_END());
	c->up = 0;
	wait_for(c->ctx, cond_bye_done, c, timeout_ms);
	return c->bye_status ? c->bye_status : (c->ended ? 200 : 408);
}

static int cond_replay_done(pc_client *c)
{
	return c->replay_status >= 200;
}

int pc_replay_info(pc_client *c, const char *body, int timeout_ms)
{
	if(!c || !c->nua || !c->call_id || !c->local_tag || !c->remote_tag)
		return 0;
	if(c->replay_nh)
		nua_handle_destroy(c->replay_nh);
	char from[400], to[400];
	snprintf(from, sizeof from, "<%s>;tag=%s", c->user_uri, c->local_tag);
	snprintf(to, sizeof to, "<%s>;tag=%s", c->chat_uri, c->remote_tag);
	c->replay_status = 0;
	c->replay_nh = nua_handle(c->nua, (nua_hmagic_t *)c, SIPTAG_FROM_STR(from),
			SIPTAG_TO_STR(to), TAG_END());
	if(!c->replay_nh)
		return 0;
	/* CSeq above anything the dialog used, as a later in-dialog request would carry. */
	char cseq[32];
	snprintf(cseq, sizeof cseq, "%u INFO", (unsigned)(c->last_cseq + 1));
	nua_info(c->replay_nh, TAG_IF(c->remote_target, NUTAG_URL(c->remote_target)),
			SIPTAG_CALL_ID_STR(c->call_id), SIPTAG_CSEQ_STR(cseq),
			SIPTAG_CONTENT_TYPE_STR("text/plain"), SIPTAG_PAYLOAD_STR(body ? body : ""),
			TAG_END());
	if(!wait_for(c->ctx, cond_replay_done, c, timeout_ms))
		return 408;
	return c->replay_status;
}

void pc_close(pc_client *c, int timeout_ms)
{
	if(!c)
		return;
	if(c->up)
		pc_bye(c, timeout_ms);
	teardown(c, timeout_ms);
}
