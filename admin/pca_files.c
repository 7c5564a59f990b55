/*
 * pca_files.c - the file store's transactions for pchatd's file service: check a
 * transfer token, begin an upload, complete it (the files row, the file post and
 * the token in ONE transaction), abandon it, begin a download (docs/FILES.md); and
 * issue a download token to a user who may read the room (the web page).
 *
 * The file service runs these as the administrator (the token is what authorizes
 * the transfer; cmd:getfutok/getfdtok or file.download_token checked the user's
 * rights when the token was issued),
 * each in a transaction that does not bump server_config.revision (pca_core.c:
 * a file changes no room).  Refusals carry the HTTP status the service answers
 * with: 403 for every token problem, 404 no such file, 409 a conflicting upload,
 * 413 over MaxFileSizeKB, 429 over FileDailyQuotaKB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca_int.h"
#include "pchat_filelink.h"
#include "pchat_filename.h"
#include "pchat_filetoken.h"
#include "pchat_settings.h"

/* A token row and its room, as token_load reads it. */
enum {
	T_DIRECTION,
	T_USER,
	T_ROOM_ID,
	T_FILE_NAME,
	T_FILE_ID, /* NULL: no upload begun */
	T_EXPIRED,
	T_USED,
	T_EXPIRES,
	T_CHAN_ID,
	T_ROOM_URI,
};
#define TOKEN_COLS                                                           \
	"SELECT t.direction, t.user_uri, t.room_id, t.file_name, t.file_id," \
	" t.expires_at <= UTC_TIMESTAMP(3), t.used_at IS NOT NULL,"          \
	" DATE_FORMAT(t.expires_at, '%Y-%m-%dT%H:%i:%sZ'), r.chan_id,"       \
	" CONCAT('ma-chan://', r.domain, '/', r.chan_id)"                    \
	" FROM file_tokens t JOIN rooms r ON r.id = t.room_id WHERE t.token = ?"

/* Does channel (a room's id, chan id or ma-chan:// URI, as the URL or a SOAP
 * channelId gives it) name the token's room? */
static int same_room(const json_t *tok, const char *channel)
{
	return strcmp(channel, pca_col(tok, T_ROOM_ID)) == 0 ||
			strcasecmp(channel, pca_col(tok, T_CHAN_ID)) == 0 ||
			strcasecmp(channel, pca_col(tok, T_ROOM_URI)) == 0;
}

/* The token of args ("token"), valid for direction and (if given) channel, locked
 * for the transaction when lock: 1 and *tok (release it), or -1 with a 403 saying
 * what is wrong with it.  An upload token used already is refused too. */
static int token_load(struct pca_ctx *c, const json_t *args, const char *direction, int lock,
		json_t **tok)
{
	const char *token, *channel;
	*tok = NULL;
	if(pca_str(c, args, "token", 1, 64, &token) < 0 ||
			pca_str(c, args, "channel", 0, 1024, &channel) < 0)
		return -1;
	if(!pchat_guid_valid(token))
		return pca_fail(c, 403, "the token is not one this server issued");
	int rc = pca_row(c, tok, lock ? TOKEN_COLS " FOR UPDATE" : TOKEN_COLS, P(PS(token)));
	if(rc <= 0)
		return rc < 0 ? -1
			      : pca_fail(c, 403,
						"the token is not one this server issued (or its room "
						"was removed)");
	if(strcmp(pca_col(*tok, T_DIRECTION), direction) != 0)
		rc = pca_fail(c, 403, "this is a%s token, not a%s one",
				strcmp(direction, "upload") == 0 ? " download" : "n upload",
				strcmp(direction, "upload") == 0 ? "n upload" : " download");
	else if(pca_col_int(*tok, T_EXPIRED))
		rc = pca_fail(c, 403, "the token expired at %s", pca_col(*tok, T_EXPIRES));
	else if(channel && !same_room(*tok, channel))
		rc = pca_fail(c, 403, "the token is for another room");
	else if(strcmp(direction, "upload") == 0 && pca_col_int(*tok, T_USED))
		rc = pca_fail(c, 403,
				"the token was used already: an upload token completes one "
				"upload");
	if(rc < 0) {
		json_decref(*tok);
		*tok = NULL;
	}
	return rc < 0 ? -1 : 1;
}

/* What the service needs to know of a token. */
static json_t *token_out(const json_t *tok)
{
	return json_pack("{s:I,s:s,s:s,s:s}", "room_id", (json_int_t)pca_col_int(tok, T_ROOM_ID),
			"room_uri", pca_col(tok, T_ROOM_URI), "user", pca_col(tok, T_USER),
			"file_name", pca_col(tok, T_FILE_NAME));
}

int pca_file_token_check(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"token", "direction", "channel", NULL};
	static const char *const dirs[] = {"upload", "download", NULL};
	json_t *tok;
	int dir = 0;
	if(pca_keys(c, args, keys) < 0 || pca_enum(c, args, "direction", dirs, &dir) < 0 ||
			token_load(c, args, dirs[dir], 0, &tok) < 0)
		return -1;
	*result = token_out(tok);
	json_decref(tok);
	return 0;
}

/* ---- upload ---- */

/* Refuses (413) a file over MaxFileSizeKB, (429) one over what is left of the
 * uploader's FileDailyQuotaKB today (UTC).  The day's rows are locked, so that two
 * uploads of one user cannot both take the last of the quota. */
static int check_limits(struct pca_ctx *c, const char *user, long long size)
{
	long long max_kb, quota_kb;
	json_t *row = NULL;
	if(pca_setting(c, PS_MAX_FILE_SIZE_KB, &max_kb) < 0 ||
			pca_setting(c, PS_FILE_DAILY_QUOTA_KB, &quota_kb) < 0)
		return -1;
	if(size > max_kb * 1024)
		return pca_fail(c, 413,
				"the file is %lld bytes, over the limit of %lld KB (MaxFileSizeKB)",
				size, max_kb);
	if(quota_kb == 0)
		return 0;
	if(pca_row(c, &row,
			   "SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader = ?"
			   " AND created_at >= UTC_DATE() FOR UPDATE",
			   P(PS(user))) < 0)
		return -1;
	long long used = pca_col_int(row, 0);
	json_decref(row);
	if(used + size > quota_kb * 1024)
		return pca_fail(c, 429,
				"the daily upload quota is used up: %lld bytes uploaded today "
				"(UTC), %lld more would exceed %lld KB (FileDailyQuotaKB); it "
				"starts again at midnight UTC",
				used, size, quota_kb);
	return 0;
}

enum { F_ID, F_ROOM_ID, F_STORED, F_NAME, F_SIZE, F_CTYPE, F_UPLOADER, F_STATE };
#define FILE_COLS                                                                              \
	"SELECT id, room_id, stored_name, file_name, size, content_type, uploader, state FROM" \
	" files"

static json_t *file_out(const json_t *f, int resumed)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:I,s:s,s:s,s:b}", "file_id",
			(json_int_t)pca_col_int(f, F_ID), "room_id",
			(json_int_t)pca_col_int(f, F_ROOM_ID), "stored_name", pca_col(f, F_STORED),
			"file_name", pca_col(f, F_NAME), "size", (json_int_t)pca_col_int(f, F_SIZE),
			"content_type", pca_col(f, F_CTYPE), "user", pca_col(f, F_UPLOADER),
			"resumed", resumed);
}

/* The upload the token began already: the same one again (SOAP: the next chunk),
 * if resume and stored name and size agree; otherwise 409. */
static int upload_again(struct pca_ctx *c, const json_t *tok, const char *stored, long long size,
		int resume, json_t **result)
{
	json_t *f = NULL;
	int rc = pca_row(c, &f, FILE_COLS " WHERE id = ? FOR UPDATE",
			P(PI(pca_col_int(tok, T_FILE_ID))));
	if(rc < 0)
		return -1;
	if(rc == 0 || strcmp(pca_col(f, F_STATE), "uploading") != 0)
		rc = pca_fail(c, 409, "the upload this token began is gone; ask for a new token");
	else if(!resume)
		rc = pca_fail(c, 409, "an upload with this token is in progress");
	else if(stored && strcmp(stored, pca_col(f, F_STORED)) != 0)
		rc = pca_fail(c, 409, "this token uploads %s, not %s", pca_col(f, F_STORED),
				stored);
	else if(size != pca_col_int(f, F_SIZE))
		rc = pca_fail(c, 409, "the upload began with a length of %lld bytes, not %lld",
				pca_col_int(f, F_SIZE), size);
	else
		*result = file_out(f, 1);
	json_decref(f);
	return rc < 0 ? -1 : 0;
}

/* The stored name of a new upload: the caller's (a name RequestUniqueFilenameWith-
 * Extension gave, checked) or a fresh one, into out. */
static int new_stored_name(struct pca_ctx *c, const char *given, const char *file_name,
		char out[PCHAT_STORED_NAME_SIZE])
{
	char guid[PCHAT_GUID_LEN + 1];
	if(given) {
		if(!pchat_stored_name_fits(given, file_name))
			return pca_fail(c, 400,
					"\"%s\" is not a name this server gives to \"%s\" "
					"(RequestUniqueFilenameWithExtension)",
					given, file_name);
		snprintf(out, PCHAT_STORED_NAME_SIZE, "%s", given);
		return 0;
	}
	if(pchat_guid(guid) < 0)
		return pca_fail(c, 500, "no random bytes for a file name");
	pchat_stored_name(guid, file_name, out);
	return 0;
}

static int upload_new(struct pca_ctx *c, const char *token, const json_t *tok, const char *stored,
		const char *ctype, long long size, json_t **result)
{
	char name[PCHAT_STORED_NAME_SIZE], ext[PCHAT_EXT_MAX + 1], type[PCHAT_CTYPE_MAX + 1];
	const char *file_name = pca_col(tok, T_FILE_NAME), *user = pca_col(tok, T_USER);
	json_t *f = NULL;
	if(check_limits(c, user, size) < 0 || new_stored_name(c, stored, file_name, name) < 0)
		return -1;
	pchat_file_ext(file_name, ext);
	pchat_content_type(ctype, ext, type);
	if(pca_exec(c,
			   "INSERT INTO files (room_id, stored_name, file_name, size, content_type,"
			   " uploader, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'uploading',"
			   " UTC_TIMESTAMP(3))",
			   P(PI(pca_col_int(tok, T_ROOM_ID)), PS(name), PS(file_name), PI(size),
					   PS(type), PS(user))) < 0)
		return -1;
	unsigned long long id = c->insert_id;
	if(pca_exec(c, "UPDATE file_tokens SET file_id = ? WHERE token = ?", P(PI(id), PS(token))) <
			0)
		return -1;
	if(pca_row(c, &f, FILE_COLS " WHERE id = ?", P(PI(id))) <= 0)
		return -1;
	*result = file_out(f, 0);
	json_decref(f);
	return 0;
}

int pca_file_upload_begin(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"token", "channel", "size", "stored_name", "content_type", "resume", NULL};
	const char *stored, *ctype, *token;
	long long size = -1;
	int resume = 0, rc;
	json_t *tok;
	if(pca_keys(c, args, keys) < 0 ||
			pca_int(c, args, "size", 0, (long long)1 << 50, &size) < 0 ||
			pca_str(c, args, "stored_name", 0, PCHAT_STORED_NAME_SIZE, &stored) < 0 ||
			pca_str(c, args, "content_type", 0, 1024, &ctype) < 0 ||
			pca_bool(c, args, "resume", &resume) < 0)
		return -1;
	if(size < 0)
		return pca_fail(c, 400, "\"size\" is required");
	if(token_load(c, args, "upload", 1, &tok) < 0)
		return -1;
	token = json_string_value(json_object_get(args, "token"));
	if(json_is_null(json_array_get(tok, T_FILE_ID)))
		rc = upload_new(c, token, tok, stored, ctype, size, result);
	else
		rc = upload_again(c, tok, stored, size, resume, result);
	json_decref(tok);
	return rc;
}

/* "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, as the database gives it) as an XCCOS time,
 * "YYYY-MM-DDTHH:MM:SS.mmmZ". */
static json_t *xccos_time(const char *db)
{
	char ts[32];
	snprintf(ts, sizeof(ts), "%.10sT%.12sZ", db, db + 11);
	return json_string(ts);
}

/* The file post: its text, then the message, the file and the token, one
 * transaction (pca_run's). */
static int store_post(struct pca_ctx *c, const char *token, const json_t *tok, const json_t *f,
		const char *base_url, json_t **result)
{
	json_t *now = NULL;
	char *url, *body;
	if(pca_row(c, &now, "SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%d %H:%i:%s.%f')", P0) <=
			0)
		return -1;
	url = pchat_file_url(base_url, (unsigned long long)pca_col_int(f, F_ROOM_ID),
			pca_col(f, F_STORED), NULL);
	body = url ? pchat_filelink_build(url, pca_col(f, F_NAME),
				     (unsigned long long)pca_col_int(f, F_SIZE))
		   : NULL;
	int rc = body ? 0 : pca_fail(c, 400, "\"base_url\" is not an http(s) URL: %s", base_url);
	if(rc == 0 &&
			pca_exec(c,
					"INSERT INTO messages (room_id, author, posted_at, body)"
					" VALUES (?, ?, ?, ?)",
					P(PI(pca_col_int(f, F_ROOM_ID)), PS(pca_col(f, F_UPLOADER)),
							PS(pca_col(now, 0)), PS(body))) < 0)
		rc = -1;
	unsigned long long msg = c->insert_id;
	json_t *seq = NULL; /* its number in the room (migration 017), for the delivery order */
	if(rc == 0 &&
			pca_row(c, &seq, "SELECT COALESCE(seq, 0) FROM messages WHERE id = ?",
					P(PI(msg))) <= 0)
		rc = -1;
	if(rc == 0 &&
			pca_exec(c,
					"UPDATE files SET state = 'stored', stored_at = ?,"
					" message_id = ? WHERE id = ?",
					P(PS(pca_col(now, 0)), PI(msg), PI(pca_col_int(f, F_ID)))) <
					0)
		rc = -1;
	if(rc == 0 &&
			pca_exec(c, "UPDATE file_tokens SET used_at = ? WHERE token = ?",
					P(PS(pca_col(now, 0)), PS(token))) < 0)
		rc = -1;
	if(rc == 0)
		*result = json_pack("{s:I,s:I,s:I,s:s,s:s,s:o,s:s,s:s,s:s,s:I,s:s,s:s}",
				"message_id", (json_int_t)msg, "seq",
				(json_int_t)pca_col_int(seq, 0), "room_id",
				(json_int_t)pca_col_int(f, F_ROOM_ID), "room_uri",
				pca_col(tok, T_ROOM_URI), "author", pca_col(f, F_UPLOADER), "ts",
				xccos_time(pca_col(now, 0)), "body", body, "file",
				pca_col(f, F_STORED), "name", pca_col(f, F_NAME), "size",
				(json_int_t)pca_col_int(f, F_SIZE), "url", url, "content_type",
				pca_col(f, F_CTYPE));
	free(url);
	free(body);
	json_decref(now);
	json_decref(seq);
	return rc;
}

int pca_file_upload_complete(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"token", "file_id", "base_url", NULL};
	const char *base_url;
	long long id = 0;
	json_t *tok, *f = NULL;
	if(pca_keys(c, args, keys) < 0 ||
			pca_int(c, args, "file_id", 1, (long long)1 << 62, &id) <= 0 ||
			pca_str(c, args, "base_url", 1, 1024, &base_url) < 0 ||
			token_load(c, args, "upload", 1, &tok) < 0)
		return c->err->status ? -1 : pca_fail(c, 400, "\"file_id\" is required");
	int rc = pca_col_int(tok, T_FILE_ID) == id
			? pca_row(c, &f,
					  FILE_COLS
					  " WHERE id = ? AND state = 'uploading' FOR UPDATE",
					  P(PI(id)))
			: 0;
	if(rc == 0)
		rc = pca_fail(c, 409, "the token's upload is not this one (or it was removed)");
	if(rc > 0)
		rc = store_post(c, json_string_value(json_object_get(args, "token")), tok, f,
				base_url, result);
	json_decref(f);
	json_decref(tok);
	return rc < 0 ? -1 : 0;
}

/* An upload that will not complete (connection dropped, disk full): its row goes,
 * and its token may begin another one until it expires. */
int pca_file_upload_abort(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"file_id", NULL};
	long long id = 0;
	if(pca_keys(c, args, keys) < 0 ||
			pca_int(c, args, "file_id", 1, (long long)1 << 62, &id) <= 0)
		return c->err->status ? -1 : pca_fail(c, 400, "\"file_id\" is required");
	long long n = pca_exec(
			c, "DELETE FROM files WHERE id = ? AND state = 'uploading'", P(PI(id)));
	if(n < 0 ||
			pca_exec(c,
					"UPDATE file_tokens SET file_id = NULL WHERE file_id = ?"
					" AND used_at IS NULL",
					P(PI(id))) < 0)
		return -1;
	*result = pca_count("removed", n);
	return 0;
}

/* ---- download ---- */

/* A download token serves the one file it was issued for, in its room, until it
 * expires; its first use is recorded (used_at, and so FILEDOWNLOAD). */
int pca_file_download_begin(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"token", "channel", "stored_name", NULL};
	const char *stored, *channel;
	json_t *tok, *f = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "channel", 1, 1024, &channel) < 0 ||
			pca_str(c, args, "stored_name", 1, 1024, &stored) < 0 ||
			token_load(c, args, "download", 1, &tok) < 0)
		return -1;
	int rc = strcmp(stored, pca_col(tok, T_FILE_NAME)) == 0
			? 0
			: pca_fail(c, 403, "the token is for another file");
	if(rc == 0)
		rc = pca_row(c, &f,
				FILE_COLS
				" WHERE room_id = ? AND stored_name = ? AND state = 'stored'"
				" AND message_id IS NOT NULL",
				P(PI(pca_col_int(tok, T_ROOM_ID)), PS(stored)));
	if(rc == 0)
		rc = pca_fail(c, 404, "no file %s in this room (removed with its post?)", stored);
	if(rc > 0 &&
			pca_exec(c,
					"UPDATE file_tokens SET used_at = UTC_TIMESTAMP(3)"
					" WHERE token = ? AND used_at IS NULL",
					P(PS(json_string_value(json_object_get(args, "token"))))) <
					0)
		rc = -1;
	if(rc > 0)
		*result = file_out(f, 0);
	json_decref(f);
	json_decref(tok);
	return rc < 0 ? -1 : 0;
}

/* ---- a download token for the web page ---- */

/* Now and the end of a token's life, as DATETIME(3) text for the statement and the
 * end as ISO-8601 for the answer: the database's clock, which checks the token. */
#define TOKEN_TIMES                                                                   \
	"SELECT DATE_FORMAT(UTC_TIMESTAMP(3), '%Y-%m-%d %H:%i:%s.%f'),"               \
	" DATE_FORMAT(UTC_TIMESTAMP(3) + INTERVAL ? SECOND, '%Y-%m-%d %H:%i:%s.%f')," \
	" DATE_FORMAT(UTC_TIMESTAMP(3) + INTERVAL ? SECOND, '%Y-%m-%dT%H:%i:%sZ')"

/* Issues the token row for stored in room, as cmd:getfdtok does (the same statement,
 * common/pchat_filetoken.h); then the file's row in *f.  404 if the room has no
 * stored file of that name with its post. */
static int issue_download(struct pca_ctx *c, const char *token, unsigned long long room,
		const char *stored, json_t **times, json_t **f)
{
	long long n;
	if(pca_row(c, times, TOKEN_TIMES, P(PI(PCHAT_FTOK_TTL_SEC), PI(PCHAT_FTOK_TTL_SEC))) <= 0)
		return -1;
	n = pca_exec(c, PCHAT_FTOK_DOWNLOAD_SQL,
			P(PS(token), PS(c->user), PS(stored), PS(pca_col(*times, 0)),
					PS(pca_col(*times, 1)), PI(room), PS(stored)));
	if(n < 0)
		return -1;
	if(n == 0)
		return pca_fail(c, 404, "no file %s in this room (removed with its post?)", stored);
	return pca_row(c, f, FILE_COLS " WHERE room_id = ? AND stored_name = ?",
			       P(PI(room), PS(stored))) > 0
			? 0
			: -1;
}

/* A download token for a user who may read the room (its history holds the file's
 * post), bound to that user as a client's would be: the web page's downloads. */
int pca_file_download_token(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "file", NULL};
	char token[PCHAT_GUID_LEN + 1];
	const char *stored;
	struct pca_room room;
	json_t *times = NULL, *f = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "file", 1, 64, &stored) < 0)
		return -1;
	if(c->user == NULL)
		return pca_fail(c, 400,
				"a download token is bound to the user who downloads: "
				"ask as a user (the web page)");
	if(pca_room_with_right(c, args, ACL_JOIN, "you may not read room", &room) < 0)
		return -1;
	json_decref(room.obj);
	if(pchat_guid(token) < 0)
		return pca_fail(c, 500, "no random bytes for a token");
	int rc = issue_download(c, token, room.id, stored, &times, &f);
	if(rc == 0)
		*result = json_pack("{s:s,s:s,s:I,s:s,s:s,s:I,s:s}", "token", token, "expires",
				pca_col(times, 2), "room_id", (json_int_t)room.id, "file", stored,
				"name", pca_col(f, F_NAME), "size",
				(json_int_t)pca_col_int(f, F_SIZE), "content_type",
				pca_col(f, F_CTYPE));
	json_decref(times);
	json_decref(f);
	return rc;
}
