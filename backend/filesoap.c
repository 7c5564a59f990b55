/*
 * filesoap.c - the SOAP 1.1 service (not yet).
 */
#include "filehttp.h"

static enum MHD_Result soap_start(struct MHD_Connection *c, struct filereq *r, const char *rest)
{
	(void)r;
	(void)rest;
	return filehttp_error(c, 404, "not yet");
}

static enum MHD_Result soap_body(
		struct MHD_Connection *c, struct filereq *r, const char *data, size_t *size)
{
	(void)c;
	(void)r;
	(void)data;
	*size = 0;
	return MHD_YES;
}

static void soap_done(struct filereq *r, int ok)
{
	(void)r;
	(void)ok;
}

const struct filereq_ops filesoap_post = {
		.start = soap_start, .body = soap_body, .done = soap_done};
