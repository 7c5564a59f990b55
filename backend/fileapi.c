/*
 * fileapi.c - the file service's plain HTTP API (XEP-0363 style; docs/FILES.md):
 *
 *   PUT <prefix>/files/<upload token>          with an exact Content-Length
 *       201 {file, name, size, url, message_id}; errors as JSON
 *   GET <prefix>/files/<room id>/<GUID>.<ext>  with the download token (?token= or
 *       Authorization: Bearer); 200, 206 for a range, 416; HEAD alike
 *
 * An upload is refused before a byte of it is read when its headers say enough (no
 * Content-Length 411, over MaxFileSizeKB 413, over the quota 429, a bad token 403);
 * its body is written as it comes (fileup.c), so memory does not grow with the
 * file.  A download is sent from the file by libmicrohttpd (sendfile), attached
 * unless it is a type a browser may show safely, with nosniff and a CSP that lets
 * nothing run.
 */
#include "filedb.h"
#include "filehttp.h"
#include "filestore.h"
#include "metrics.h"
#include "pchat_filelink.h"
#include "pchat_filename.h"
#include "pchat_log.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- PUT ---- */

/* A refused upload: counted, then answered (at its first call, see filehttp_refuse). */
static enum MHD_Result refuse(
		struct MHD_Connection *c, struct filereq *r, int status, const char *msg)
{
	fileup_count_refusal(status, NULL);
	return filehttp_refuse(c, r, status, msg, filehttp_error);
}

static enum MHD_Result put_start(struct MHD_Connection *c, struct filereq *r, const char *token)
{
	char type[PCHAT_CTYPE_MAX + 1];
	uint64_t len = 0;
	int has = filehttp_content_length(c, &len);

	if(filehttp_header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL || has == 0)
		return refuse(c, r, 411,
				"an upload needs an exact Content-Length (no chunked encoding)");
	if(has < 0)
		return refuse(c, r, 400, "the Content-Length is not a number");
	if(!pchat_media_type(filehttp_header(c, MHD_HTTP_HEADER_CONTENT_TYPE), type))
		type[0] = '\0'; /* none or not sane: the extension's */
	if(fileup_begin(&r->up, token, NULL, len, NULL, type[0] ? type : NULL, 0, &r->err) < 0)
		return refuse(c, r, r->err.status, r->err.msg);
	return MHD_YES;
}

static enum MHD_Result put_created(struct MHD_Connection *c, json_t *post)
{
	const char *url = json_string_value(json_object_get(post, "url"));
	json_t *out = json_pack("{s:O,s:O,s:O,s:O,s:O}", "file", json_object_get(post, "file"),
			"name", json_object_get(post, "name"), "size",
			json_object_get(post, "size"), "url", json_object_get(post, "url"),
			"message_id", json_object_get(post, "message_id"));
	return filehttp_json_with(c, MHD_HTTP_CREATED, out, MHD_HTTP_HEADER_LOCATION, url);
}

/* A piece of the body is written at once; an error is answered when the body has
 * been read (libmicrohttpd answers only then), the upload given up at once. */
static enum MHD_Result put_body(
		struct MHD_Connection *c, struct filereq *r, const char *data, size_t *size)
{
	json_t *post = NULL;
	enum MHD_Result rc;

	if(*size > 0) {
		if(!r->failed && fileup_write(&r->up, data, *size, &r->err) < 0) {
			r->failed = 1;
			fileup_count_refusal(r->err.status, NULL);
			fileup_abort(&r->up);
		}
		*size = 0;
		return MHD_YES;
	}
	if(r->failed)
		return filehttp_error(c, r->err.status, r->err.msg);
	if(fileup_finish(&r->up, &post, &r->err) < 0) {
		fileup_count_refusal(r->err.status, NULL);
		return filehttp_error(c, r->err.status, r->err.msg);
	}
	rc = put_created(c, post);
	json_decref(post);
	return rc;
}

/* The connection ended before the body did (or the server stops): nothing stays. */
static void put_done(struct filereq *r, int ok)
{
	(void)ok;
	if(r->up.fd < 0 && !r->up.row)
		return;
	log_info("files: upload %s cut off after %" PRIu64 " of %" PRIu64 " bytes; deleted",
			r->up.stored, r->up.received, r->up.size);
	fileup_count_refusal(0, "truncated");
	fileup_abort(&r->up);
}

const struct filereq_ops fileapi_put = {.start = put_start, .body = put_body, .done = put_done};

/* ---- GET ---- */

/* The requested part of a file of size bytes. */
struct range {
	int partial; /* 206 */
	uint64_t off, len;
};

/* Reads a Range header (RFC 9110 14.1.2, one range of bytes): 0 and *rg (the whole
 * file when there is none, or one we do not serve: several ranges, another unit,
 * a malformed one), or -1 if it cannot be satisfied (416). */
static int parse_range(const char *h, uint64_t size, struct range *rg)
{
	unsigned long long a = 0, b = 0;
	const char *dash;
	char first[24], last[24];
	size_t n;

	*rg = (struct range){0, 0, size};
	if(h == NULL || strncasecmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;
	h += 6;
	dash = strchr(h, '-');
	if(dash == NULL || (size_t)(dash - h) >= sizeof(first) || strlen(dash + 1) >= sizeof(last))
		return 0;
	n = (size_t)(dash - h);
	memcpy(first, h, n);
	first[n] = '\0';
	snprintf(last, sizeof(last), "%s", dash + 1);
	if((n && parse_uint(first, UINT64_MAX, &a) < 0) ||
			(*last && parse_uint(last, UINT64_MAX, &b) < 0) || (!n && !*last) ||
			(n && *last && b < a))
		return 0;
	if(!n) { /* the last b bytes */
		if(b == 0 || size == 0)
			return -1;
		a = b > size ? 0 : size - b;
		b = size - 1;
	} else if(a >= size) {
		return -1;
	} else if(!*last || b >= size) {
		b = size - 1;
	}
	*rg = (struct range){1, a, b - a + 1};
	return 0;
}

/* Content-Disposition for the user's file name: attachment (inline for the safe
 * types), an ASCII fallback and the UTF-8 name (RFC 6266, 8187). */
static char *disposition(const char *name, const char *ctype)
{
	size_t len = strlen(name), i;
	char *ascii = xmalloc(len + 1), *pct = xmalloc(3 * len + 1), *out;
	int n;

	for(i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];
		ascii[i] = ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' ? '_' : (char)ch;
	}
	ascii[len] = '\0';
	pchat_pct_encode(name, len, pct);
	n = snprintf(NULL, 0, "%s; filename=\"%s\"; filename*=UTF-8''%s",
			pchat_ctype_inline(ctype) ? "inline" : "attachment", ascii, pct);
	out = xmalloc((size_t)n + 1);
	snprintf(out, (size_t)n + 1, "%s; filename=\"%s\"; filename*=UTF-8''%s",
			pchat_ctype_inline(ctype) ? "inline" : "attachment", ascii, pct);
	free(ascii);
	free(pct);
	return out;
}

/* The download token: ?token=, else Authorization: Bearer. */
static const char *download_token(struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	const char *h = filehttp_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
	if(t && *t)
		return t;
	if(h && strncasecmp(h, "Bearer ", 7) == 0)
		return h + 7 + strspn(h + 7, " ");
	return NULL;
}

/* Sends fd's range (fd is the response's now). */
static enum MHD_Result send_file(struct MHD_Connection *c, struct filereq *r, int fd, uint64_t size,
		const struct range *rg, const json_t *f)
{
	const char *ctype = json_string_value(json_object_get(f, "content_type"));
	char *disp = disposition(json_string_value(json_object_get(f, "file_name")), ctype);
	struct MHD_Response *resp = MHD_create_response_from_fd_at_offset64(rg->len, fd, rg->off);
	enum MHD_Result rc;

	if(resp == NULL) {
		close(fd);
		free(disp);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	filehttp_common_headers(resp);
	if(rg->partial) {
		char crange[80];
		snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, rg->off,
				rg->off + rg->len - 1, size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
	}
	free(disp);
	r->sent = rg->len;
	rc = MHD_queue_response(c, rg->partial ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result not_satisfiable(struct MHD_Connection *c, uint64_t size)
{
	char crange[48];
	snprintf(crange, sizeof(crange), "bytes */%" PRIu64, size);
	return filehttp_json_with(c, MHD_HTTP_RANGE_NOT_SATISFIABLE,
			filehttp_error_obj(416, "the range is not within the file"),
			MHD_HTTP_HEADER_CONTENT_RANGE, crange);
}

/* rest: "<room id>/<stored name>". */
static enum MHD_Result get_start(struct MHD_Connection *c, struct filereq *r, const char *rest)
{
	const char *slash = strchr(rest, '/'), *token = download_token(c);
	char room[24];
	json_t *f = NULL;
	struct range rg;
	uint64_t size;
	int fd;

	if(slash == NULL || slash == rest || (size_t)(slash - rest) >= sizeof(room) ||
			!pchat_stored_name_valid(slash + 1))
		return filehttp_error(c, 404, "no such file");
	snprintf(room, sizeof(room), "%.*s", (int)(slash - rest), rest);
	if(token == NULL)
		return filehttp_error(c, 403,
				"a download token is needed: ?token= or Authorization: Bearer");
	if(filedb_run("file.download_begin",
			   json_pack("{s:s,s:s,s:s}", "token", token, "channel", room,
					   "stored_name", slash + 1),
			   &f, &r->err) < 0)
		return filehttp_error(c, r->err.status, r->err.msg);
	fd = filestore_read_open((uint64_t)json_integer_value(json_object_get(f, "room_id")),
			slash + 1, &size);
	if(fd < 0) {
		log_error("files: %s/%s is stored but cannot be opened: %s", room, slash + 1,
				strerror(errno));
		json_decref(f);
		return filehttp_error(c, 404, "the file is not in the store");
	}
	if(parse_range(filehttp_header(c, MHD_HTTP_HEADER_RANGE), size, &rg) < 0) {
		close(fd);
		json_decref(f);
		return not_satisfiable(c, size);
	}
	r->api = strcmp(r->method, "HEAD") == 0 ? NULL : "get"; /* HEAD is not a download */
	enum MHD_Result rc = send_file(c, r, fd, size, &rg, f);
	json_decref(f);
	return rc;
}

static enum MHD_Result get_body(
		struct MHD_Connection *c, struct filereq *r, const char *data, size_t *size)
{
	(void)c;
	(void)r;
	(void)data;
	*size = 0; /* a GET answered at its headers: a body is ignored */
	return MHD_YES;
}

static void get_done(struct filereq *r, int ok)
{
	if(!ok || r->api == NULL)
		return;
	metric_add(&m_file_downloads, r->api, NULL, 1);
	metric_add(&m_file_bytes, "downloaded", NULL, r->sent);
}

const struct filereq_ops fileapi_get = {.start = get_start, .body = get_body, .done = get_done};
