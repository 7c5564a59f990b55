/*
 * fuzz_soap.c - libFuzzer harness for the file service's SOAP 1.1 reader and writer
 * (backend/soap.c, parsed by backend/xmlsafe.c).
 *
 * The input is the body of a POST to MGCWebService.asmx, which anyone who reaches the
 * file service sends.  It is parsed as pchatd parses it (soap_parse with a size
 * limit; the SOAPAction taken from the input's first line when it has one), then:
 *
 *  - the answer and the fault pchatd would write with what was parsed (the operation,
 *    each parameter's text, the parser's reason) must be well-formed XML, and the
 *    answer's result must read back as the parameter's text (escaping loses only the
 *    characters XML cannot carry, which the writer replaces);
 *  - a parameter that decodes as base64 must encode back to the same bytes once
 *    decoded again (the chunk of AppendChunk, the result of DownloadChunk).
 *
 * A failed check abort()s, which libFuzzer reports as a crash with the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "sbuf.h"
#include "soap.h"
#include "xccos.h"

#define FUZZ_NAME "fuzz_soap"
#include "fuzz_check.h"
#include "fuzz_xml.h"

/* Small, so that libFuzzer's inputs also reach the "too large" path. */
#define FUZZ_SOAP_MAX 2048

static xmlDoc *read_back(const struct sbuf *sb)
{
	return fuzz_xml_read(sb->buf, sb->len);
}

/* The answer with text as its result is well-formed; returns its result's text. */
static char *answer_result(const char *op, const char *text)
{
	struct sbuf sb = SBUF_INIT;
	xmlDoc *d;
	xmlNode *n;
	char *got = NULL;

	soap_response(&sb, op, text);
	d = read_back(&sb);
	require(d != NULL, "we wrote a malformed answer: %s", sb.buf);
	/* Envelope / Body / OpResponse / OpResult */
	n = xmlDocGetRootElement(d)->children->children->children;
	got = (char *)xmlNodeGetContent(n);
	xmlFreeDoc(d);
	sbuf_free(&sb);
	return got;
}

static void check_fault(const char *msg)
{
	struct sbuf sb = SBUF_INIT;
	xmlDoc *d;
	soap_fault(&sb, 1, 400, "bad_request", msg);
	d = read_back(&sb);
	require(d != NULL, "we wrote a malformed fault: %s", sb.buf);
	xmlFreeDoc(d);
	sbuf_free(&sb);
}

static void check_base64(const char *text)
{
	size_t len = strlen(text);
	unsigned char *bytes = malloc(len / 4 * 3 + 3);
	long n = soap_base64_decode(text, len, bytes);
	struct sbuf sb = SBUF_INIT;

	if(n >= 0) {
		unsigned char *again;
		long m;
		soap_base64_encode(&sb, bytes, (size_t)n);
		again = malloc(sb.len / 4 * 3 + 3);
		m = soap_base64_decode(sbuf_str(&sb), sb.len, again);
		require(m == n && memcmp(bytes, again, (size_t)n) == 0,
				"base64 round trip changed %ld bytes", n);
		free(again);
	}
	free(bytes);
	sbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *nl = memchr(buf, '\n', size);
	char action[128], why[256];
	const char *act = NULL;
	struct soap_req q;
	size_t i;

	/* "SOAPAction: X\n" first: X is the header */
	if(nl && size > 12 && memcmp(buf, "SOAPAction: ", 12) == 0 && nl - buf - 12 < 127) {
		snprintf(action, sizeof(action), "%.*s", (int)(nl - buf - 12), buf + 12);
		act = action;
		size -= (size_t)(nl + 1 - buf);
		buf = nl + 1;
	}
	if(soap_parse(buf, size, FUZZ_SOAP_MAX, act, &q, why, sizeof(why)) < 0) {
		check_fault(why);
		return 0;
	}
	for(i = 0; i < q.n; i++) {
		const char *v = soap_param(&q, q.p[i].name);
		char *got = answer_result(q.op, v);
		/* the writer replaces what XML cannot carry; the parser gave us none */
		require(strcmp(got ? got : "", v) == 0, "result '%s' came back as '%s'", v, got);
		xmlFree(got);
		check_fault(v);
		check_base64(v);
	}
	soap_req_free(&q);
	return 0;
}
