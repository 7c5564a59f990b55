/*
 * fuzz_ntlm.c - libFuzzer harness for the NTLM core's readers of client bytes
 * (common/pchat_ntlm.c): pchat_ntlm_parse_authenticate() on the input as an
 * AUTHENTICATE message, then pchat_ntlm_verify() and a signature round trip on what it
 * accepted, and pchat_ntlm_b64_decode() on the input as gssapi-data text.
 *
 * Beyond "no crash", the checks are what the Kamailio module will rely on: an accepted
 * message's names are NUL-terminated within their buffers (the user never empty), every
 * pointer it hands back lies inside the input, the flags include the required ones, and
 * the decoder never writes past the buffer it is given.
 */
#include <stdint.h>
#include <string.h>

#include "pchat_ntlm.h"
#include "pchat_ntlm_mac.h"

#define FUZZ_NAME "fuzz_ntlm"
#include "fuzz_check.h"

/* Does p[0..len) lie inside data[0..size)? */
static int inside(const uint8_t *data, size_t size, const uint8_t *p, size_t len)
{
	return p >= data && len <= size && (size_t)(p - data) <= size - len;
}

static void check_name(const char *name, const char *what)
{
	require(memchr(name, '\0', PCHAT_NTLM_NAME_MAX) != NULL, "%s not NUL-terminated", what);
}

static void check_auth(const uint8_t *data, size_t size, const struct pchat_ntlm_auth *a)
{
	check_name(a->user, "user");
	check_name(a->domain, "domain");
	check_name(a->workstation, "workstation");
	require(a->user[0] != '\0', "an empty user accepted");
	require((a->flags & PCHAT_NTLM_REQUIRED_FLAGS) == PCHAT_NTLM_REQUIRED_FLAGS,
			"flags %08x accepted", a->flags);
	require(inside(data, size, a->user16, a->user16_len), "user outside the message");
	require(!a->domain16_len || inside(data, size, a->domain16, a->domain16_len),
			"domain outside the message");
	require(a->nt_response_len >= 48 && inside(data, size, a->nt_response, a->nt_response_len),
			"NT response outside the message or too short");
	require(!a->enc_session_key || inside(data, size, a->enc_session_key, 16),
			"session key outside the message");
}

/* A verified session signs and checks its own client-side signature. */
static void check_session(const uint8_t *data, size_t size, const struct pchat_ntlm_session *s)
{
	uint8_t sig[PCHAT_NTLM_SIG_LEN];
	pchat_ntlm_mac(s->flags, s->client_sign, s->client_seal, PCHAT_NTLM_SIP_SEQ, data, size,
			sig);
	require(pchat_ntlm_check(s, PCHAT_NTLM_SIP_SEQ, data, size, sig) == 0,
			"a client signature does not verify");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nt_hash[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca, 0xb6,
			0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52}; /* "Password" */
	static const uint8_t sc[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session s;
	uint8_t out[64];
	if(pchat_ntlm_parse_authenticate(data, size, &a) == 0) {
		check_auth(data, size, &a);
		if(pchat_ntlm_verify(&a, nt_hash, sc, &s) == 0)
			check_session(data, size, &s);
	}
	/* a small buffer: the decoder must stop at it, not overrun it (ASan) */
	long n = pchat_ntlm_b64_decode((const char *)data, size, out, sizeof(out));
	require(n <= (long)sizeof(out), "decoded %ld bytes into %zu", n, sizeof(out));
	return 0;
}
