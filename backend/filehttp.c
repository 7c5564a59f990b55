/*
 * filehttp.c - see filehttp.h.
 */
#include "filehttp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct filesvc_conf filesvc_conf;

void filehttp_common_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
}

/* body (copied) with status and type, and the header name: value if name is set */
static enum MHD_Result send_with(struct MHD_Connection *c, unsigned status, const char *ctype,
		const char *body, size_t len, const char *name, const char *value)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
			len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;
	if(resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if(name)
		MHD_add_response_header(resp, name, value);
	filehttp_common_headers(resp);
	rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

enum MHD_Result filehttp_send(struct MHD_Connection *c, unsigned status, const char *ctype,
		const char *body, size_t len)
{
	return send_with(c, status, ctype, body, len, NULL, NULL);
}

enum MHD_Result filehttp_json_with(struct MHD_Connection *c, unsigned status, json_t *obj,
		const char *name, const char *value)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	enum MHD_Result rc;
	json_decref(obj);
	if(text == NULL)
		return MHD_NO;
	rc = send_with(c, status, "application/json", text, strlen(text), name, value);
	free(text);
	return rc;
}

enum MHD_Result filehttp_json(struct MHD_Connection *c, unsigned status, json_t *obj)
{
	return filehttp_json_with(c, status, obj, NULL, NULL);
}

json_t *filehttp_error_obj(int status, const char *msg)
{
	return json_pack("{s:s,s:s}", "error", fileup_code(status), "message", msg);
}

enum MHD_Result filehttp_error(struct MHD_Connection *c, int status, const char *msg)
{
	return filehttp_json(c, (unsigned)status, filehttp_error_obj(status, msg));
}

enum MHD_Result filehttp_refuse(struct MHD_Connection *c, struct filereq *r, int status,
		const char *msg, filehttp_answer_fn answer)
{
	const char *expect = filehttp_header(c, MHD_HTTP_HEADER_EXPECT);
	uint64_t len = 0;
	if((expect && strcasecmp(expect, "100-continue") == 0) ||
			filehttp_header(c, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL ||
			filehttp_content_length(c, &len) <= 0 || len > FILEHTTP_DRAIN_MAX)
		return answer(c, status, msg);
	r->err.status = status;
	if(msg != r->err.msg) /* often it is r->err's own */
		snprintf(r->err.msg, sizeof(r->err.msg), "%s", msg);
	r->deferred = answer;
	return MHD_YES;
}

const char *filehttp_header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

int filehttp_content_length(struct MHD_Connection *c, uint64_t *out)
{
	const char *v = filehttp_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
	char *end;
	if(v == NULL)
		return 0;
	if(*v < '0' || *v > '9')
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno == 0 && *end == '\0' ? 1 : -1;
}
