/*
 * filesoap.c - the reference's file web service, SOAP 1.1 at
 * <prefix>/MGCWebService.asmx (docs/FILES.md, "SOAP"): a Lync client uploads and
 * downloads with its token.
 *
 *   RequestUniqueFilenameWithExtension(token, channelId)  -> <GUID>.<ext>
 *   GetMaxFileSizeInKB()                                  -> MaxFileSizeKB
 *   GetMaxRequestContentInKB()                            -> --file-soap-max-kb
 *   AppendChunk(token, channelId, uniqueFilename, fileChunk (base64), offset,
 *               fileLength)                               -> the bytes stored so far
 *   GetFileSize(token, channelId, reposFileName)          -> bytes
 *   DownloadChunk(token, channelId, reposFileName, offset, bufferSize) -> base64
 *
 * AppendChunk's offset must be the bytes stored so far; the chunk that makes them
 * fileLength completes the upload exactly as a PUT does (fileup.c).  Everything
 * that goes wrong is a SOAP fault with HTTP 500: the reference's clients stop a
 * transfer on any 4xx or 500.  A request's body is read into memory up to
 * GetMaxRequestContentInKB, which bounds what one request costs.
 */
#include "filedb.h"
#include "filehttp.h"
#include "filestore.h"
#include "metrics.h"
#include "pchat_filename.h"
#include "pchat_log.h"
#include "sbuf.h"
#include "soap.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XML_TYPE "text/xml; charset=utf-8"

/* ---- answers ---- */

static enum MHD_Result send_xml(struct MHD_Connection *c, unsigned status, struct sbuf *sb)
{
	enum MHD_Result rc = filehttp_send(c, status, XML_TYPE, sbuf_str(sb), sb->len);
	sbuf_free(sb);
	return rc;
}

static enum MHD_Result fault(struct MHD_Connection *c, int status, const char *msg)
{
	struct sbuf sb = SBUF_INIT;
	soap_fault(&sb, status < 500, status, fileup_code(status), msg);
	return send_xml(c, MHD_HTTP_INTERNAL_SERVER_ERROR, &sb);
}

/* A refused upload: counted, then the fault. */
static enum MHD_Result refuse(struct MHD_Connection *c, const struct pca_error *err)
{
	fileup_count_refusal(err->status, NULL);
	return fault(c, err->status, err->msg);
}

static enum MHD_Result answer(struct MHD_Connection *c, const char *op, const char *result)
{
	struct sbuf sb = SBUF_INIT;
	soap_response(&sb, op, result);
	return send_xml(c, MHD_HTTP_OK, &sb);
}

static enum MHD_Result answer_number(struct MHD_Connection *c, const char *op, uint64_t v)
{
	char num[24];
	snprintf(num, sizeof(num), "%" PRIu64, v);
	return answer(c, op, num);
}

/* ---- arguments ---- */

/* The parameter or a 400 in err. */
static const char *need(const struct soap_req *q, const char *name, struct pca_error *err)
{
	const char *v = soap_param(q, name);
	if(v == NULL || *v == '\0') {
		err->status = 400;
		snprintf(err->msg, sizeof(err->msg), "%s needs <%s>", q->op, name);
	}
	return v && *v ? v : NULL;
}

static int need_number(
		const struct soap_req *q, const char *name, uint64_t *out, struct pca_error *err)
{
	const char *v = need(q, name, err);
	unsigned long long n;
	if(v == NULL)
		return -1;
	if(parse_uint(v, 1ULL << 62, &n) < 0) {
		err->status = 400;
		snprintf(err->msg, sizeof(err->msg), "<%s> is not a number of bytes", name);
		return -1;
	}
	*out = n;
	return 0;
}

/* ---- the operations ---- */

typedef enum MHD_Result (*op_fn)(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err);

static enum MHD_Result max_file_size(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	json_t *conf = NULL;
	enum MHD_Result rc;
	if(filedb_run("config.get", NULL, &conf, err) < 0)
		return fault(c, err->status, err->msg);
	rc = answer_number(c, q->op,
			(uint64_t)json_integer_value(json_object_get(conf, "MaxFileSizeKB")));
	json_decref(conf);
	return rc;
}

static enum MHD_Result max_request(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	(void)err;
	return answer_number(c, q->op, filesvc_conf.soap_max_kb);
}

/* A fresh <GUID>.<ext> for the token's file (its extension: the token's name's). */
static enum MHD_Result unique_name(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	const char *token = need(q, "token", err), *channel = soap_param(q, "channelId");
	char guid[PCHAT_GUID_LEN + 1], name[PCHAT_STORED_NAME_SIZE];
	json_t *tok = NULL, *args;

	if(token == NULL)
		return fault(c, err->status, err->msg);
	args = json_pack("{s:s,s:s}", "token", token, "direction", "upload");
	if(channel && *channel)
		json_object_set_new(args, "channel", json_string(channel));
	if(filedb_run("file.token_check", args, &tok, err) < 0)
		return fault(c, err->status, err->msg);
	if(pchat_guid(guid) < 0) {
		json_decref(tok);
		return fault(c, 500, "no random bytes for a file name");
	}
	pchat_stored_name(guid, json_string_value(json_object_get(tok, "file_name")), name);
	json_decref(tok);
	return answer(c, q->op, name);
}

/* The chunk at offset, into the upload; the last one completes it. */
static int append(
		struct fileup *u, const struct soap_req *q, uint64_t offset, struct pca_error *err)
{
	const char *chunk = soap_param(q, "fileChunk");
	size_t clen = chunk ? strlen(chunk) : 0;
	unsigned char *bytes = xmalloc(clen / 4 * 3 + 3);
	long n = soap_base64_decode(chunk ? chunk : "", clen, bytes);
	json_t *post = NULL;
	int rc = 0;

	if(n < 0) {
		err->status = 400;
		snprintf(err->msg, sizeof(err->msg), "<fileChunk> is not base64");
		rc = -1;
	} else if(offset != u->received) {
		err->status = 409;
		snprintf(err->msg, sizeof(err->msg),
				"<offset> %" PRIu64 " is not the %" PRIu64 " bytes stored so far",
				offset, u->received);
		rc = -1;
	} else if(fileup_write(u, bytes, (size_t)n, err) < 0) {
		rc = err->status == 413 ? -1 : -2; /* -2: the upload cannot go on */
	} else if(u->received == u->size) {
		rc = fileup_finish(u, &post, err) < 0 ? -3 : 0; /* -3: aborted already */
		json_decref(post);
	}
	free(bytes);
	return rc;
}

static enum MHD_Result append_chunk(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	const char *token = need(q, "token", err), *channel = soap_param(q, "channelId");
	const char *name = token ? need(q, "uniqueFilename", err) : NULL;
	uint64_t offset, length;
	struct fileup u;
	int rc;

	if(name == NULL || need_number(q, "offset", &offset, err) < 0 ||
			need_number(q, "fileLength", &length, err) < 0)
		return refuse(c, err);
	fileup_init(&u, "soap");
	if(fileup_begin(&u, token, channel && *channel ? channel : NULL, length, name, NULL, 1,
			   err) < 0)
		return refuse(c, err);
	rc = append(&u, q, offset, err);
	if(rc == -2)
		fileup_abort(&u);
	else if(rc != -3)
		fileup_close(&u); /* the next chunk continues it */
	return rc < 0 ? refuse(c, err) : answer_number(c, q->op, u.received);
}

/* The download the token grants: the file's row, or a fault's err. */
static json_t *download(const struct soap_req *q, struct pca_error *err)
{
	const char *token = need(q, "token", err),
		   *channel = token ? need(q, "channelId", err) : NULL;
	const char *name = channel ? need(q, "reposFileName", err) : NULL;
	json_t *f = NULL;
	if(name == NULL)
		return NULL;
	if(filedb_run("file.download_begin",
			   json_pack("{s:s,s:s,s:s}", "token", token, "channel", channel,
					   "stored_name", name),
			   &f, err) < 0)
		return NULL;
	return f;
}

static enum MHD_Result file_size(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	json_t *f = download(q, err);
	enum MHD_Result rc;
	if(f == NULL)
		return fault(c, err->status, err->msg);
	rc = answer_number(c, q->op, (uint64_t)json_integer_value(json_object_get(f, "size")));
	json_decref(f);
	return rc;
}

/* Reads up to want bytes at offset of the file f into a new buffer: its length, or
 * -1 with err. */
static long read_chunk(const json_t *f, uint64_t offset, uint64_t want, unsigned char **out,
		struct pca_error *err)
{
	uint64_t size;
	int fd = filestore_read_open((uint64_t)json_integer_value(json_object_get(f, "room_id")),
			json_string_value(json_object_get(f, "stored_name")), &size);
	ssize_t n = 0;

	*out = NULL;
	if(fd < 0) {
		err->status = 404;
		snprintf(err->msg, sizeof(err->msg), "the file is not in the store");
		return -1;
	}
	if(offset > size) {
		close(fd);
		err->status = 416;
		snprintf(err->msg, sizeof(err->msg),
				"<offset> %" PRIu64 " is past the end of the file (%" PRIu64
				" bytes)",
				offset, size);
		return -1;
	}
	if(want > size - offset)
		want = size - offset;
	*out = xmalloc(want + 1);
	while((uint64_t)n < want) {
		ssize_t r = pread(fd, *out + n, want - (uint64_t)n, (off_t)(offset + (uint64_t)n));
		if(r <= 0)
			break;
		n += r;
	}
	close(fd);
	return n;
}

static enum MHD_Result download_chunk(
		struct MHD_Connection *c, const struct soap_req *q, struct pca_error *err)
{
	/* the answer's base64 must fit what a request may be */
	const uint64_t cap = (uint64_t)filesvc_conf.soap_max_kb * 1024 / 4 * 3 - 1024;
	uint64_t offset, want;
	unsigned char *bytes = NULL;
	struct sbuf sb = SBUF_INIT;
	json_t *f = NULL;
	long n;

	if(need_number(q, "offset", &offset, err) < 0 ||
			need_number(q, "bufferSize", &want, err) < 0 ||
			(f = download(q, err)) == NULL)
		return fault(c, err->status, err->msg);
	n = read_chunk(f, offset, want < cap ? want : cap, &bytes, err);
	if(n >= 0 &&
			offset + (uint64_t)n ==
					(uint64_t)json_integer_value(json_object_get(f, "size")))
		metric_add(&m_file_downloads, "soap", NULL, 1); /* the last chunk */
	json_decref(f);
	if(n < 0)
		return fault(c, err->status, err->msg);
	metric_add(&m_file_bytes, "downloaded", NULL, (uint64_t)n);
	soap_response_begin(&sb, q->op);
	soap_base64_encode(&sb, bytes, (size_t)n);
	soap_response_end(&sb, q->op);
	free(bytes);
	return send_xml(c, MHD_HTTP_OK, &sb);
}

static const struct {
	const char *name;
	op_fn fn;
} ops[] = {
		{"RequestUniqueFilenameWithExtension", unique_name},
		{"GetMaxFileSizeInKB", max_file_size},
		{"GetMaxRequestContentInKB", max_request},
		{"AppendChunk", append_chunk},
		{"GetFileSize", file_size},
		{"DownloadChunk", download_chunk},
};

/* ---- the request ---- */

/* The body is kept in a buffer of its declared length (no slack: memory is what
 * bounds the concurrent requests), or grown up to body_max when chunked. */
static enum MHD_Result soap_start(struct MHD_Connection *c, struct filereq *r, const char *rest)
{
	uint64_t len = 0;
	(void)rest;
	r->body_max = (size_t)filesvc_conf.soap_max_kb * 1024;
	if(filehttp_content_length(c, &len) > 0) {
		if(len > r->body_max)
			return filehttp_refuse(c, r, 413,
					"the request is over GetMaxRequestContentInKB", fault);
		r->body_cap = (size_t)len;
		r->body = xmalloc(r->body_cap + 1);
	}
	return MHD_YES;
}

static enum MHD_Result run(struct MHD_Connection *c, struct filereq *r)
{
	struct soap_req q;
	char why[256];
	size_t i;
	enum MHD_Result rc;

	int parsed = soap_parse(r->body ? r->body : "", r->body_len, r->body_max,
			filehttp_header(c, "SOAPAction"), &q, why, sizeof(why));

	free(r->body); /* the parameters are copies: not both at once */
	r->body = NULL;
	if(parsed < 0)
		return fault(c, 400, why);
	for(i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if(strcmp(q.op, ops[i].name) == 0)
			break;
	}
	if(i == sizeof(ops) / sizeof(ops[0])) {
		snprintf(why, sizeof(why), "no operation %s", q.op);
		rc = fault(c, 400, why);
	} else {
		rc = ops[i].fn(c, &q, &r->err);
	}
	soap_req_free(&q);
	return rc;
}

static enum MHD_Result soap_body(
		struct MHD_Connection *c, struct filereq *r, const char *data, size_t *size)
{
	if(*size > 0) {
		size_t n = *size;
		*size = 0;
		if(r->too_large || r->body_len + n > r->body_max) {
			r->too_large = 1; /* chunked: known only now; the rest is dropped */
			return MHD_YES;
		}
		if(r->body_len + n > r->body_cap) { /* chunked */
			r->body_cap = r->body_len + n > r->body_cap * 2 ? r->body_len + n
									: r->body_cap * 2;
			if(r->body_cap > r->body_max)
				r->body_cap = r->body_max;
			r->body = xrealloc(r->body, r->body_cap + 1);
		}
		memcpy(r->body + r->body_len, data, n);
		r->body_len += n;
		return MHD_YES;
	}
	if(r->too_large)
		return fault(c, 413, "the request is over GetMaxRequestContentInKB");
	return run(c, r);
}

static void soap_done(struct filereq *r, int ok)
{
	(void)r;
	(void)ok;
}

const struct filereq_ops filesoap_post = {
		.start = soap_start, .body = soap_body, .done = soap_done};
