/*
 * test_soap.c - the file service's SOAP 1.1 (backend/soap.c): requests read under
 * the XCCOS parsing rules, answers and faults, base64.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"
#include "soap.h"
#include "xccos.h"

/* libxml2 as pchatd sets it up: its messages go to our log, not to stderr */
static void setup(void)
{
	xccos_init();
}

static void teardown(void)
{
	xccos_cleanup();
}

TestSuite(soap, .init = setup, .fini = teardown);

#define ENV_BEGIN                                                                \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"" \
	"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
#define ENV_END "</soap:Body></soap:Envelope>"

static const char append[] = ENV_BEGIN
		"<AppendChunk xmlns=\"http://www.microsoft.com\"><token>3e0f6a52-77b1-4c2e-9d55-"
		"0a1b2c3d4e5f</token><channelId>12</channelId><uniqueFilename>x.txt</uniqueFilename>"
		"<fileChunk>aGVsbG8=</fileChunk><offset>0</offset><fileLength>5</fileLength>"
		"</AppendChunk>" ENV_END;

static int parse(const char *body, const char *action, struct soap_req *q, char *why)
{
	return soap_parse(body, strlen(body), 65536, action, q, why, 256);
}

Test(soap, reads_an_operation_and_its_parameters)
{
	struct soap_req q;
	char why[256];
	cr_assert_eq(parse(append, "\"www.microsoft.com/AppendChunk\"", &q, why), 0, "%s", why);
	cr_assert_str_eq(q.op, "AppendChunk");
	cr_assert_str_eq(soap_param(&q, "token"), "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f");
	cr_assert_str_eq(soap_param(&q, "fileChunk"), "aGVsbG8=");
	cr_assert_str_eq(soap_param(&q, "fileLength"), "5");
	cr_assert_null(soap_param(&q, "bufferSize"));
	soap_req_free(&q);
	cr_assert_eq(parse(append, "http://www.microsoft.com/AppendChunk", &q, why), 0);
	soap_req_free(&q);
	cr_assert_eq(parse(append, NULL, &q, why), 0, "no SOAPAction");
	soap_req_free(&q);
	cr_assert_eq(parse(append, "\"\"", &q, why), 0, "an empty SOAPAction");
	soap_req_free(&q);
}

Test(soap, an_operation_without_parameters_and_a_header)
{
	struct soap_req q;
	char why[256];
	const char *body =
			"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
			"<s:Header/><s:Body><m:GetMaxFileSizeInKB xmlns:m=\"http://www.microsoft.com\"/>"
			"</s:Body></s:Envelope>";
	cr_assert_eq(parse(body, NULL, &q, why), 0, "%s", why);
	cr_assert_str_eq(q.op, "GetMaxFileSizeInKB");
	cr_assert_eq(q.n, 0);
	soap_req_free(&q);
}

static void refused(const char *body, const char *action, const char *reason)
{
	struct soap_req q;
	char why[256] = "";
	cr_assert_eq(soap_parse(body, strlen(body), 4096, action, &q, why, sizeof(why)), -1,
			"accepted: %s", body);
	cr_assert(strstr(why, reason) != NULL, "'%s' does not say '%s'", why, reason);
	cr_assert_eq(q.n, 0);
}

Test(soap, malformed_requests_are_refused)
{
	refused("not XML at all", NULL, "malformed XML");
	refused("", NULL, "empty body");
	refused(ENV_BEGIN "<AppendChunk xmlns=\"http://www.microsoft.com\">" ENV_END, NULL,
			"malformed XML");
	refused("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]>" ENV_BEGIN
		"<AppendChunk xmlns=\"http://www.microsoft.com\"><token>&e;</token></AppendChunk>" ENV_END,
			NULL, "DOCTYPE");
	refused(ENV_BEGIN "<AppendChunk xmlns=\"http://www.microsoft.com\"><token>&e;</token>"
			  "</AppendChunk>" ENV_END,
			NULL, "malformed XML");
	refused("<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body>"
		"<GetFileSize xmlns=\"http://www.microsoft.com\"/></soap:Body></soap:Envelope>",
			NULL, "not a SOAP 1.1 envelope");
	refused("<Envelope><Body><GetFileSize/></Body></Envelope>", NULL, "not a SOAP 1.1");
	refused("<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"/>", NULL,
			"no Body");
	refused(ENV_BEGIN "<GetFileSize xmlns=\"urn:other\"/>" ENV_END, NULL, "no operation");
	refused(ENV_BEGIN ENV_END, NULL, "no operation");
	refused(append, "\"www.microsoft.com/DownloadChunk\"", "does not name AppendChunk");
	refused(append, "\"www.evil.example/AppendChunk\"", "does not name");
	refused(ENV_BEGIN "<GetFileSize xmlns=\"http://www.microsoft.com\"><token>a</token>"
			  "<token>b</token></GetFileSize>" ENV_END,
			NULL, "repeated");
	refused(ENV_BEGIN "<GetFileSize xmlns=\"http://www.microsoft.com\"><x:token "
			  "xmlns:x=\"urn:x\">a</x:token></GetFileSize>" ENV_END,
			NULL, "another namespace");
	refused(ENV_BEGIN "<GetFileSize xmlns=\"http://www.microsoft.com\"><a/><b/><c/><d/><e/>"
			  "<f/><g/><h/><i/></GetFileSize>" ENV_END,
			NULL, "more than 8");
}

Test(soap, size_is_checked_before_parsing)
{
	struct soap_req q;
	char why[256];
	cr_assert_eq(soap_parse(append, strlen(append), 100, NULL, &q, why, sizeof(why)), -1);
	cr_assert(strstr(why, "request too large") != NULL, "%s", why);
}

Test(soap, answers_and_faults)
{
	struct sbuf sb = SBUF_INIT;
	soap_response(&sb, "RequestUniqueFilenameWithExtension", "a<b>.txt");
	cr_assert(strstr(sb.buf,
				  "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">"
				  "<soap:Body><RequestUniqueFilenameWithExtensionResponse "
				  "xmlns=\"http://www.microsoft.com\"><RequestUniqueFilenameWithExtensionResult>"
				  "a&lt;b&gt;.txt</RequestUniqueFilenameWithExtensionResult>") !=
					NULL,
			"%s", sb.buf);
	sbuf_reset(&sb);
	soap_fault(&sb, 1, 403, "forbidden", "the token expired & is <gone>");
	cr_assert(strstr(sb.buf,
				  "<soap:Fault><faultcode>soap:Client</faultcode><faultstring>the "
				  "token expired &amp; is &lt;gone&gt;</faultstring><detail><error "
				  "status=\"403\">forbidden</error></detail></soap:Fault>") != NULL,
			"%s", sb.buf);
	sbuf_reset(&sb);
	soap_fault(&sb, 0, 503, "unavailable", "down");
	cr_assert(strstr(sb.buf, "<faultcode>soap:Server</faultcode>") != NULL);
	sbuf_free(&sb);
}

static long decode(const char *s, unsigned char *out)
{
	return soap_base64_decode(s, strlen(s), out);
}

/* Longer than the encoder's block (4096 characters, 3072 bytes): the whole the same as
 * its groups of 3 encoded one by one, and decoded back. */
Test(soap, base64_blocks)
{
	enum { N = 3072 * 3 + 2 };
	static unsigned char in[N], back[N + 3];
	struct sbuf whole = SBUF_INIT, groups = SBUF_INIT;
	size_t i;
	for(i = 0; i < N; i++)
		in[i] = (unsigned char)(i * 7 + (i >> 8));
	soap_base64_encode(&whole, in, N);
	for(i = 0; i < N; i += 3)
		soap_base64_encode(&groups, in + i, N - i < 3 ? N - i : 3);
	cr_assert_eq(whole.len, (size_t)(N + 2) / 3 * 4);
	cr_assert_str_eq(sbuf_str(&whole), sbuf_str(&groups));
	cr_assert_eq(soap_base64_decode(whole.buf, whole.len, back), N);
	cr_assert_eq(memcmp(in, back, N), 0);
	sbuf_free(&whole);
	sbuf_free(&groups);
}

/* White space anywhere (inside a group too, which leaves the decoder's group-a-step
 * path), every gap tried in turn: the same bytes as without it. */
Test(soap, base64_spaces_anywhere)
{
	enum { N = 300 };
	static unsigned char in[N], back[N + 3];
	char spaced[N / 3 * 4 + 16];
	struct sbuf sb = SBUF_INIT;
	size_t i, gap;
	for(i = 0; i < N; i++)
		in[i] = (unsigned char)(i * 13 + 5);
	soap_base64_encode(&sb, in, N);
	for(gap = 0; gap <= sb.len; gap++) {
		memcpy(spaced, sb.buf, gap);
		spaced[gap] = '\r';
		spaced[gap + 1] = '\n';
		spaced[gap + 2] = ' ';
		memcpy(spaced + gap + 3, sb.buf + gap, sb.len - gap);
		memset(back, 0, sizeof back);
		cr_assert_eq(soap_base64_decode(spaced, sb.len + 3, back), N, "gap at %zu", gap);
		cr_assert_eq(memcmp(in, back, N), 0, "gap at %zu", gap);
	}
	cr_assert_eq(decode("Zm9vYmFyZm9vYmE=\nZm9v", back), -1,
			"data after padding, then more groups");
	sbuf_free(&sb);
}

Test(soap, base64)
{
	const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
	unsigned char out[64], all[256], back[260];
	struct sbuf sb = SBUF_INIT;
	size_t i;
	for(i = 0; i < 7; i++) {
		sbuf_reset(&sb);
		soap_base64_encode(&sb, (const unsigned char *)plain[i], strlen(plain[i]));
		cr_assert_str_eq(sbuf_str(&sb), enc[i]);
		cr_assert_eq(decode(enc[i], out), (long)strlen(plain[i]));
		cr_assert_eq(memcmp(out, plain[i], strlen(plain[i])), 0);
	}
	for(i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	sbuf_reset(&sb);
	soap_base64_encode(&sb, all, 256);
	cr_assert_eq(soap_base64_decode(sb.buf, sb.len, back), 256, "all bytes");
	cr_assert_eq(memcmp(all, back, 256), 0);
	sbuf_free(&sb);
	cr_assert_eq(decode("Zm9v\r\nYmFy", out), 6, "line ends between groups");
	for(i = 1; i < 256; i++) {			 /* every other byte refused in a group */
		char g[5] = {'Z', 'm', '8', (char)i, 0}; /* "fo" and a fourth */
		int ok = isalnum((int)i) || i == '+' || i == '/' || i == '=' || i == ' ' ||
				i == '\t' || i == '\r' || i == '\n';
		cr_assert_eq(decode(g, out) >= 0, ok, "byte %zu", i);
	}
	cr_assert_eq(decode("+/9-", out), -1, "- is not in the alphabet");
	cr_assert_eq(decode("+/+/", out), 3, "+ and /");
	cr_assert(out[0] == 0xfb && out[1] == 0xff && out[2] == 0xbf, "+ is 62, / is 63");
	cr_assert_eq(decode("Zm9v!", out), -1, "not the alphabet");
	cr_assert_eq(decode("Zg=", out), -1, "short padding");
	cr_assert_eq(decode("Zg==Zg==", out), -1, "data after the padding");
	cr_assert_eq(decode("Z", out), -1, "one character");
	cr_assert_eq(decode("Zh==", out), -1, "bits after the last byte");
	cr_assert_eq(decode("Zg===", out), -1, "three pads");
}
