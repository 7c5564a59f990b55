/*
 * soap.h - SOAP 1.1 as the file service's MGCWebService.asmx speaks it
 * (filesoap.c; docs/FILES.md): reading a request, writing an answer or a fault.
 *
 * A request is <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">
 * <soap:Body><Operation xmlns="http://www.microsoft.com"><param>text</param>...
 * (the reference's namespace), read by xmlsafe_read() under the XCCOS rules: size
 * first, no DOCTYPE, no entity expansion, no network.  An answer is
 * <OperationResponse xmlns="http://www.microsoft.com"><OperationResult>...; a fault
 * <soap:Fault> with faultcode soap:Client (the request's fault) or soap:Server,
 * the sentence in faultstring and <detail><error status="403">forbidden</error>
 * (our status and code, docs/FILES.md).  Pure functions; libxml2 initialised.
 */
#ifndef PCHAT_SOAP_H
#define PCHAT_SOAP_H

#include <stddef.h>

struct sbuf;

#define SOAP_ENV_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP_SERVICE_NS "http://www.microsoft.com"
#define SOAP_OP_MAX 64
#define SOAP_PARAMS_MAX 8

struct soap_req {
	char op[SOAP_OP_MAX]; /* the operation's local name */
	size_t n;
	struct {
		char name[SOAP_OP_MAX];
		char *value; /* the element's text */
	} p[SOAP_PARAMS_MAX];
};

/* Reads buf[0..len) (at most max_bytes) as a request.  soap_action, the SOAPAction
 * header (NULL: none), must name the same operation when given ("www.microsoft.com/
 * Op", quoted or not, with or without http://).  0 and *req (soap_req_free), or -1
 * with the reason in why. */
int soap_parse(const char *buf, size_t len, size_t max_bytes, const char *soap_action,
		struct soap_req *req, char *why, size_t whylen);
/* The text of parameter name, or NULL. */
const char *soap_param(const struct soap_req *req, const char *name);
void soap_req_free(struct soap_req *req);

/* An answer: begin, the result's content (escaped text, base64...), end. */
void soap_response_begin(struct sbuf *sb, const char *op);
void soap_response_end(struct sbuf *sb, const char *op);
/* A whole answer whose result is text (escaped here). */
void soap_response(struct sbuf *sb, const char *op, const char *result);
/* A fault: client (1: the request is at fault) or the server's; status and code are
 * ours (403, "forbidden"). */
void soap_fault(struct sbuf *sb, int client, int status, const char *code, const char *msg);

/* Base64 (RFC 4648, with padding) of p[0..n) appended to sb. */
void soap_base64_encode(struct sbuf *sb, const unsigned char *p, size_t n);
/* Decodes base64 text (blanks and line ends between groups allowed) into out (at
 * least len / 4 * 3 bytes): the number of bytes, or -1 if it is not base64. */
long soap_base64_decode(const char *in, size_t len, unsigned char *out);

#endif
