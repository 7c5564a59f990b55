/*
 * cmd_server.c - what is not about a room: cmd:requri (the chat URI to invite),
 * cmd:getserverinfo (limits and stable ids), cmd:getpref / cmd:setpref (per-user
 * preference blobs), and the answers to commands we do not know (501) and to
 * envelopes that do not parse (rpl:error).
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "pchat_log.h"
#include "sessions.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* getpref/setpref limits: label bytes, content (base64) bytes. */
#define PREF_LABEL_MAX 128
#define PREF_CONTENT_MAX 65536

/* ---- cmd:requri ---- */

static enum run_result run_requri(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	const char *uri = cfg.channel_uri ? cfg.channel_uri : c->sess->local;
	xccos_build_requri(&sb, c->req.seqid, c->req.envid, uri);
	cmd_send(c, &sb);
	return RUN_DONE;
}

const struct cmd_def cmd_requri = {.id = "cmd:requri", .run = run_requri};

/* ---- cmd:getserverinfo ---- */

/* server_config values, read once (they never change while the server runs). */
static char *srv_db_version, *srv_root_id;

#define NIL_GUID "00000000-0000-0000-0000-000000000000"

static void send_serverinfo(struct cmd *c)
{
	struct xccos_server_info si;
	struct sbuf sb = SBUF_INIT;
	struct timespec now;
	char ts[TS_BUFSZ], *root;
	const char *domain = c->req.sib_domain, *at = strrchr(c->sess->user, '@');
	size_t n;

	if(domain == NULL || domain[0] == '\0')
		domain = at ? at + 1 : "localhost";
	n = strlen("ma-cat:///") + strlen(domain) + strlen(srv_root_id) + 1;
	root = xmalloc(n);
	snprintf(root, n, "ma-cat://%s/%s", domain, srv_root_id);
	clock_now_ms(&now);
	format_ts(ts, now.tv_sec, (unsigned)(now.tv_nsec / 1000000));
	si = (struct xccos_server_info){c->req.info_type ? c->req.info_type : "", ts,
			cfg.search_limit, cfg.message_max_bytes, cfg.message_max_bytes, root,
			srv_db_version, cfg.default_chat_history, cfg.bccontext_max};
	xccos_build_serverinfo(&sb, c->req.seqid, c->req.envid, &si);
	cmd_send(c, &sb);
	free(root);
}

static void on_server_config(struct db_job *job)
{
	struct cmd *c = job->arg;
	const char *version = job->u.config.db_version, *root = job->u.config.root_id;
	if(job->status == DB_OK && srv_db_version == NULL) {
		srv_db_version = xstrdup(version ? version : NIL_GUID);
		srv_root_id = xstrdup(root ? root : NIL_GUID);
	}
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(srv_db_version == NULL)
		cmd_reply(c, XC_INTERNAL);
	else
		send_serverinfo(c);
	cmdq_finish(c);
}

static enum run_result run_getserverinfo(struct cmd *c)
{
	if(srv_db_version == NULL) {
		db_submit(db_server_config(on_server_config, c));
		return RUN_WAIT;
	}
	send_serverinfo(c);
	return RUN_DONE;
}

void cmd_server_free(void)
{
	free(srv_db_version);
	free(srv_root_id);
	srv_db_version = srv_root_id = NULL;
}

const struct cmd_def cmd_getserverinfo = {.id = "cmd:getserverinfo", .run = run_getserverinfo};

/* ---- cmd:getpref, cmd:setpref ---- */

static int valid_label(const char *label)
{
	size_t n = label ? strlen(label) : 0, i;
	if(n == 0 || n > PREF_LABEL_MAX)
		return 0;
	for(i = 0; i < n; i++) {
		if((unsigned char)label[i] < 0x20)
			return 0;
	}
	return 1;
}

static int valid_base64(const char *s)
{
	size_t n = strlen(s), i;
	for(i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if(!isalnum(ch) && ch != '+' && ch != '/' && ch != '=')
			return 0;
	}
	return 1;
}

static void on_pref(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(c->sess->closed) {
		/* nobody to answer */
	} else if(job->status == DB_NOT_FOUND)
		cmd_reply(c, XC_NOT_FOUND);
	else if(job->status != DB_OK)
		cmd_reply(c, XC_INTERNAL);
	else {
		struct sbuf sb = SBUF_INIT;
		xccos_build_pref(&sb, cmd_name(c), c->req.seqid, c->req.envid, job->u.pref.label,
				(unsigned long long)job->u.pref.seqid,
				job->type == DB_GET_PREF ? job->u.pref.out : NULL);
		cmd_send(c, &sb);
	}
	cmdq_finish(c);
}

static enum run_result run_getpref(struct cmd *c)
{
	if(!valid_label(c->req.pref_label))
		return cmd_reply(c, XC_BAD_REQUEST);
	db_submit(db_get_pref(
			c->sess->user, c->req.pref_label, c->req.pref_createdefault, on_pref, c));
	return RUN_WAIT;
}

static enum run_result run_setpref(struct cmd *c)
{
	if(!valid_label(c->req.pref_label) || c->req.pref_content == NULL)
		return cmd_reply(c, XC_BAD_REQUEST);
	if(strlen(c->req.pref_content) > PREF_CONTENT_MAX)
		return cmd_reply(c, XC_TOO_LARGE);
	if(!valid_base64(c->req.pref_content))
		return cmd_reply(c, XC_BAD_REQUEST);
	db_submit(db_set_pref(c->sess->user, c->req.pref_label, c->req.pref_content, on_pref, c));
	return RUN_WAIT;
}

const struct cmd_def cmd_getpref = {.id = "cmd:getpref", .run = run_getpref};
const struct cmd_def cmd_setpref = {.id = "cmd:setpref", .run = run_setpref};

/* ---- anything else ---- */

static enum run_result run_unknown(struct cmd *c)
{
	return cmd_reply(c, XC_NOT_IMPLEMENTED);
}

static enum run_result run_error(struct cmd *c)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_error(&sb, c->req.envid, c->error);
	cmd_send(c, &sb);
	return RUN_DONE;
}

const struct cmd_def cmd_unknown = {
		.id = "cmd:*", .run = run_unknown, .log_as = "unsupported command"};
const struct cmd_def cmd_error = {.id = "error", .run = run_error};
