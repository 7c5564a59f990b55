/*
 * filehttp.h - what the file service's handlers share (fileapi.c, filesoap.c,
 * routed by filesvc.c): the state of one request and the answers.
 *
 * Every answer carries X-Content-Type-Options: nosniff; errors of the plain API are
 * JSON, {"error": "<code>", "message": "<sentence>"} with the codes of
 * fileup_code(), as in docs/FILES.md.
 */
#ifndef PCHAT_FILEHTTP_H
#define PCHAT_FILEHTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <microhttpd.h>

#include "fileup.h"

struct filereq;

/* One kind of request: its first call (headers only), each piece of its body and
 * the last call (body done, *size 0), and the end of the connection's request
 * (ok: answered completely).  start and body return what libmicrohttpd's access
 * handler returns. */
struct filereq_ops {
	enum MHD_Result (*start)(struct MHD_Connection *c, struct filereq *r, const char *rest);
	enum MHD_Result (*body)(struct MHD_Connection *c, struct filereq *r, const char *data,
			size_t *size);
	void (*done)(struct filereq *r, int ok);
};

/* How a kind of request answers an error: JSON (filehttp_error) or a SOAP fault. */
typedef enum MHD_Result (*filehttp_answer_fn)(
		struct MHD_Connection *c, int status, const char *msg);

/* One request (libmicrohttpd's per-request pointer). */
struct filereq {
	const struct filereq_ops *ops;
	const char *method;
	struct fileup up; /* PUT: the upload (up.fd >= 0 while it runs) */
	int failed;	  /* PUT: an error met in the body, answered once it is read */
	struct pca_error err;
	char *body; /* SOAP: the request body (no more than body_max) */
	size_t body_len, body_cap, body_max;
	int too_large;	 /* SOAP: more body than body_max; the rest is dropped */
	uint64_t sent;	 /* a download's bytes, counted once it was sent completely */
	const char *api; /* a download's metrics label */
	/* a refusal answered once the body has been read and dropped (filehttp_refuse) */
	filehttp_answer_fn deferred;
};

extern const struct filereq_ops fileapi_put, fileapi_get, filesoap_post;

/* The configuration the handlers read (filesvc.c sets it before starting). */
struct filesvc_conf {
	const char *store;
	unsigned soap_max_kb; /* GetMaxRequestContentInKB */
};
extern struct filesvc_conf filesvc_conf;

/* Answers with body (copied), status and type. */
enum MHD_Result filehttp_send(struct MHD_Connection *c, unsigned status, const char *ctype,
		const char *body, size_t len);
/* Answers a JSON object (released). */
enum MHD_Result filehttp_json(struct MHD_Connection *c, unsigned status, json_t *obj);
/* The same with one more header, name: value (Location, Content-Range, ...). */
enum MHD_Result filehttp_json_with(struct MHD_Connection *c, unsigned status, json_t *obj,
		const char *name, const char *value);
/* The JSON error of status with the sentence msg: {error, message}. */
json_t *filehttp_error_obj(int status, const char *msg);
/* Answers filehttp_error_obj(status, msg). */
enum MHD_Result filehttp_error(struct MHD_Connection *c, int status, const char *msg);
/* Refuses a request at its first call, with answer(c, status, msg): at once if the
 * client waits for it (Expect: 100-continue) or sends no body, a chunked one or one
 * over FILEHTTP_DRAIN_MAX (the connection is then closed unread); otherwise once the
 * body has been read and dropped (filesvc.c), since closing on a client still sending
 * resets the connection, and the answer may be lost with it. */
#define FILEHTTP_DRAIN_MAX ((uint64_t)1024 * 1024)
enum MHD_Result filehttp_refuse(struct MHD_Connection *c, struct filereq *r, int status,
		const char *msg, filehttp_answer_fn answer);
/* Sets the headers every answer carries. */
void filehttp_common_headers(struct MHD_Response *resp);
/* A header of the request, or NULL. */
const char *filehttp_header(struct MHD_Connection *c, const char *name);
/* Reads a Content-Length header's value: 1 and *out, 0 if absent, -1 if not a
 * plain decimal number. */
int filehttp_content_length(struct MHD_Connection *c, uint64_t *out);

#endif
