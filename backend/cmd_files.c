/*
 * cmd_files.c - file-transfer tokens: cmd:getfutok (upload) and cmd:getfdtok
 * (download), both answered by rpl:getftok with a one-time token and the URL of
 * the file service (--file-service-url) where the client then uses it.
 *
 * A token is bound to the session's authenticated user, the room and the
 * direction, lives PCHAT_FTOK_TTL_SEC (30 minutes) and is stored in file_tokens before
 * the reply goes out (the reply is sent from the job's callback, after its
 * commit), so any node of a pool can check it.  Who may have one: an upload needs
 * the right to post in the room and its category's file_upload switch; a download
 * the right to read the room (its history) and a stored file of that name there.
 * The file_upload switch governs uploads only: files already posted stay readable
 * like the posts that announce them.  docs/XCCOS.md, "File transfer tokens".
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "filetok.h"
#include "pchat_filetoken.h"
#include "pchat_log.h"
#include "rooms.h"
#include "sessions.h"
#include "util.h"

#include <string.h>

static int is_upload(const struct cmd *c)
{
	return c->def == &cmd_getfutok;
}

static void send_token(struct cmd *c, const struct db_job *job)
{
	struct sbuf sb = SBUF_INIT;
	xccos_build_ftok(&sb, c->req.seqid, c->req.envid, job->u.ftok.token, cfg.file_service_url);
	cmd_send(c, &sb);
	log_info(SESS_FMT ": %s token in %s", SESS_ARGS(c->sess),
			job->u.ftok.upload ? "upload" : "download", c->room->uri);
}

static void on_token(struct db_job *job)
{
	struct cmd *c = job->arg;
	if(job->status == DB_NOT_FOUND && !c->sess->closed) {
		cmd_reply_reason(c, XC_NOT_FOUND, "no stored file of that name in this room");
		cmdq_finish(c);
		return;
	}
	cmd_answer(job, send_token);
}

/* The room is loaded: the user's rights, the category's switch, then the token. */
static enum run_result issue_token(struct cmd *c)
{
	int upload = is_upload(c);
	unsigned need = upload ? ACL_POST : ACL_JOIN;
	int code = cmd_access_code(c->room, c->sess->user, need);
	char token[FTOK_GUID_LEN + 1];
	struct timespec now;

	/* In an auditorium whoever may enter may read, but only presenters post. */
	if(code == XC_ACCESS_DENIED && (room_rights(c->room, c->sess->user) & ACL_JOIN))
		return cmd_reply_reason(c, code, "only presenters may post in this room");
	if(code)
		return cmd_refuse(c, code);
	if(upload && !c->room->file_upload)
		return cmd_reply_reason(
				c, XC_ACCESS_DENIED, "file upload is off in this room's category");
	if(ftok_guid(token) < 0) {
		log_error("file token: no random bytes from the kernel");
		return cmd_reply(c, XC_INTERNAL);
	}
	clock_now_ms(&now);
	db_submit(db_file_token(token, upload, c->sess->user, c->room->id, c->req.ftdb_file_url,
			&now, PCHAT_FTOK_TTL_SEC, on_token, c));
	return RUN_WAIT;
}

/* What needs no database: a file service to send clients to, the request's shape
 * and the file name; then the room. */
static enum run_result run_ftok(struct cmd *c)
{
	const char *problem;
	if(cfg.file_service_url == NULL)
		return cmd_reply_reason(c, XC_NOT_IMPLEMENTED, "this server has no file service");
	if(!c->req.has_ftdb || c->req.ftdb_chan_uri == NULL || c->req.ftdb_file_url == NULL)
		return cmd_reply_reason(
				c, XC_BAD_REQUEST, "ftdb with channelUri and fileUrl is missing");
	/* A download names a stored file; one this rule refuses cannot exist. */
	if((problem = ftok_name_problem(c->req.ftdb_file_url)) != NULL)
		return cmd_reply_reason(c, XC_BAD_REQUEST, problem);
	return cmd_with_room(c, issue_token);
}

const struct cmd_def cmd_getfutok = {.id = "cmd:getfutok", .run = run_ftok, .rpl = XCCOS_FTOK_RPL};
const struct cmd_def cmd_getfdtok = {.id = "cmd:getfdtok", .run = run_ftok, .rpl = XCCOS_FTOK_RPL};
