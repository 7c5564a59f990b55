/*
 * test_ntlm.c - the NTLM core (common/pchat_ntlm*.c, pchat_sipsign.c, pchat_utf16.c):
 * [MS-NLMP] 4.2.4's NTLMv2 vectors byte for byte, a real Communicator 2007 R2 /
 * OCS 2007 R2 exchange (pidgin-sipe's test data) verified and its SIP signatures
 * reproduced, our CHALLENGE's layout, and malformed or tampered input refused with
 * the right error, never a crash (this suite runs under ASan and UBSan).
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <nettle/arcfour.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/pchat_le.h"
#include "../../common/pchat_ntlm.h"
#include "../../common/pchat_ntlm_mac.h"
#include "../../common/pchat_sipsign.h"
#include "../../common/pchat_utf16.h"
#include "ntlm_vectors.h"

/* hex (even length, either case) into out (cap bytes): the bytes written. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	cr_assert_leq(n, cap);
	for(size_t i = 0; i < n; i++) {
		unsigned v;
		cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* Are the 16 bytes b the hex h? */
static void assert_hex16(const uint8_t *b, const char *h, const char *what)
{
	uint8_t want[16];
	unhex(h, want, sizeof(want));
	cr_assert_arr_eq(b, want, 16, "%s", what);
}

static const uint8_t spec_sc[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

/* The spec's AUTHENTICATE, parsed after DATAGRAM is set in its flags (we accept
 * connectionless NTLM only; no MIC covers the flags): its length. */
static size_t spec_auth(uint8_t *msg, size_t cap, struct pchat_ntlm_auth *a)
{
	size_t len = unhex(SPEC_AUTHENTICATE, msg, cap);
	pchat_put_le32(msg + 60, pchat_le32(msg + 60) | PCHAT_NTLM_NEGOTIATE_DATAGRAM);
	cr_assert_eq(pchat_ntlm_parse_authenticate(msg, len, a), 0);
	return len;
}

Test(ntlm, nt_hash_is_ntowfv1_of_4_2_2_1_2)
{
	uint8_t h[16];
	cr_assert_eq(pchat_ntlm_nt_hash("Password", h), 0);
	assert_hex16(h, "a4f49c406510bdcab6824ee7c30fd852", "NTOWFv1(Password)");
	cr_assert_eq(pchat_ntlm_nt_hash("\xff", h), PCHAT_NTLM_EARG, "not UTF-8");
}

Test(ntlm, spec_4_2_4_authenticate_verifies_with_the_spec_keys)
{
	uint8_t msg[512], nt[16];
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session s;
	spec_auth(msg, sizeof(msg), &a);
	cr_assert_str_eq(a.user, "User");
	cr_assert_str_eq(a.domain, "Domain");
	cr_assert_str_eq(a.workstation, "COMPUTER");
	cr_assert_not_null(a.enc_session_key);
	pchat_ntlm_nt_hash("Password", nt);
	cr_assert_eq(pchat_ntlm_verify(&a, nt, spec_sc, &s), 0, "NTProofStr 68cd0ab8...");
	/* 4.2.4.2.3: RC4(SessionBaseKey 8de40cca..., c5dad254...) is RandomSessionKey */
	assert_hex16(s.exported_key, "55555555555555555555555555555555", "session key");
	/* 4.2.4.4 */
	assert_hex16(s.client_sign, "4788dc861b4782f35d43fd98fe1a2d39", "client signing key");
	assert_hex16(s.client_seal, "59f600973cc4960a25480a7c196e4c58", "client sealing key");
}

Test(ntlm, spec_4_2_4_wrong_password_or_challenge_is_denied)
{
	uint8_t msg[512], nt[16], sc[8];
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session s;
	spec_auth(msg, sizeof(msg), &a);
	pchat_ntlm_nt_hash("password", nt);
	cr_assert_eq(pchat_ntlm_verify(&a, nt, spec_sc, &s), PCHAT_NTLM_EDENIED);
	pchat_ntlm_nt_hash("Password", nt);
	memcpy(sc, spec_sc, 8);
	sc[7] ^= 1;
	cr_assert_eq(pchat_ntlm_verify(&a, nt, sc, &s), PCHAT_NTLM_EDENIED, "another challenge");
	a.nt_response_len = 24;
	cr_assert_eq(pchat_ntlm_verify(&a, nt, spec_sc, &s), PCHAT_NTLM_EARG, "not parsed so");
}

Test(ntlm, spec_4_2_4_tampered_response_is_denied)
{
	uint8_t msg[512], nt[16];
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session s;
	size_t len = unhex(SPEC_AUTHENTICATE, msg, sizeof(msg));
	pchat_put_le32(msg + 60, pchat_le32(msg + 60) | PCHAT_NTLM_NEGOTIATE_DATAGRAM);
	pchat_ntlm_nt_hash("Password", nt);
	/* every byte of the NTLMv2 response (proof and blob) counts */
	size_t nt_off = pchat_le32(msg + 24), nt_len = pchat_le16(msg + 20);
	for(size_t i = nt_off; i < nt_off + nt_len; i++) {
		msg[i] ^= 0x40;
		int rc = pchat_ntlm_parse_authenticate(msg, len, &a);
		if(rc == 0) /* a flipped RespType is refused before */
			cr_assert_eq(pchat_ntlm_verify(&a, nt, spec_sc, &s), PCHAT_NTLM_EDENIED,
					"byte %zu", i);
		msg[i] ^= 0x40;
	}
	/* and so does the user name: NTOWFv2 hashes it */
	msg[pchat_le32(msg + 40)] = 'X';
	cr_assert_eq(pchat_ntlm_parse_authenticate(msg, len, &a), 0);
	cr_assert_eq(pchat_ntlm_verify(&a, nt, spec_sc, &s), PCHAT_NTLM_EDENIED);
}

Test(ntlm, spec_4_2_4_4_checksum_and_sealed_signature)
{
	static const uint8_t key55[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
			0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};
	uint8_t text[18], sealed[18], sig[16], want[18];
	struct pchat_ntlm_session s;
	struct arcfour_ctx rc4;
	pchat_ntlm_session_keys(0xe28a8233, key55, &s); /* 4.2.4's flags */
	cr_assert_eq(pchat_utf16le_from_utf8("Plaintext", text, sizeof(text)), 18);
	pchat_ntlm_checksum(s.client_sign, 0, text, sizeof(text), sig + 4);
	unhex("70352851f2564309", want, 8);
	cr_assert_arr_eq(sig + 4, want, 8, "HMAC_MD5(SigningKey, SeqNum + Message)[0..7]");
	/* connection-oriented SEAL: one RC4 stream, the message first, then the checksum
	 * (our signatures are connectionless; this checks the keys and checksum they use) */
	arcfour_set_key(&rc4, 16, s.client_seal);
	arcfour_crypt(&rc4, sizeof(text), sealed, text);
	unhex("54e50165bf1936dc996020c1811b0f06fb5f", want, 18);
	cr_assert_arr_eq(sealed, want, 18, "sealed data");
	arcfour_crypt(&rc4, 8, sig + 4, sig + 4);
	pchat_put_le32(sig, 1);
	pchat_put_le32(sig + 12, 0);
	assert_hex16(sig, "010000007fb38ec5c55d497600000000", "signature");
	/* without KEY_EXCH the checksum goes out as it is (pidgin-sipe's test of 4.2.4) */
	pchat_ntlm_mac(0xe28a8233 & ~PCHAT_NTLM_NEGOTIATE_KEY_EXCH, s.client_sign, s.client_seal, 0,
			text, sizeof(text), sig);
	assert_hex16(sig, "0100000070352851f256430900000000", "MAC without key exchange");
}

Test(ntlm, spec_4_2_3_4_56_bit_sealing_key_and_checksum_without_key_exchange)
{
	/* NTLMv1 with extended session security, 56-bit, no KEY_EXCH: the session key is
	 * 4.2.3.1.3's KeyExchangeKey; only the key derivation and MAC apply to us */
	uint8_t kx[16], text[18], sealed[18], want[18], sig[16];
	struct pchat_ntlm_session s;
	struct arcfour_ctx rc4;
	unhex("eb93429a8bd952f8b89c55b87f475edc", kx, sizeof(kx));
	pchat_ntlm_session_keys(0x820a8233, kx, &s);
	assert_hex16(s.client_sign, "60e799be5c72fc92922ae8ebe961fb8d", "client signing key");
	assert_hex16(s.client_seal, "04dd7f014d8504d265a25cc86a3a7c06", "client sealing key");
	pchat_utf16le_from_utf8("Plaintext", text, sizeof(text));
	arcfour_set_key(&rc4, 16, s.client_seal);
	arcfour_crypt(&rc4, sizeof(text), sealed, text);
	unhex("a02372f6530273f3aa1eb90190ce5200c99d", want, 18);
	cr_assert_arr_eq(sealed, want, 18, "sealed data");
	pchat_ntlm_mac(0x820a8233, s.client_sign, s.client_seal, 0, text, sizeof(text), sig);
	assert_hex16(sig, "01000000ff2aeb52f681793a00000000", "signature");
}

/* The Communicator 2007 R2 AUTHENTICATE, parsed and verified: the session. */
static void cosmo_session(struct pchat_ntlm_session *s)
{
	uint8_t msg[512], nt[16], sc[8];
	struct pchat_ntlm_auth a;
	size_t len = unhex(COSMO_AUTHENTICATE, msg, sizeof(msg));
	unhex(COSMO_CHALLENGE_SC, sc, sizeof(sc));
	cr_assert_eq(pchat_ntlm_parse_authenticate(msg, len, &a), 0);
	cr_assert_str_eq(a.user, "User");
	cr_assert_str_eq(a.domain, "COSMO");
	cr_assert_str_eq(a.workstation, "COSMO-OCS-R2");
	cr_assert_eq(a.flags, 0x62988255);
	pchat_ntlm_nt_hash("Pa$$word", nt);
	cr_assert_eq(pchat_ntlm_verify(&a, nt, sc, s), 0);
}

Test(ntlm, communicator_2007_r2_authenticates_and_signs_like_ocs)
{
	struct pchat_ntlm_session s;
	uint8_t sig[16];
	char hex[33];
	cosmo_session(&s);
	/* the client's REGISTER: its signature verifies */
	cr_assert_eq(pchat_ntlm_from_hex(COSMO_REQUEST_SIG, 32, sig), 0);
	cr_assert_eq(pchat_ntlm_check(&s, PCHAT_NTLM_SIP_SEQ, COSMO_REQUEST_SIGNED,
				     strlen(COSMO_REQUEST_SIGNED), sig),
			0);
	/* OCS's 200 OK: we sign it to the same bytes */
	pchat_ntlm_sign(&s, PCHAT_NTLM_SIP_SEQ, COSMO_RESPONSE_SIGNED,
			strlen(COSMO_RESPONSE_SIGNED), sig);
	pchat_ntlm_to_hex(sig, hex);
	cr_assert_str_eq(hex, "01000000e615438a917661be64000000");
}

Test(ntlm, tampered_signatures_are_refused)
{
	struct pchat_ntlm_session s;
	uint8_t sig[16];
	char text[] = COSMO_REQUEST_SIGNED;
	cosmo_session(&s);
	pchat_ntlm_from_hex(COSMO_REQUEST_SIG, 32, sig);
	for(size_t i = 0; i < 16; i++) { /* any bit of the signature */
		sig[i] ^= 0x01;
		cr_assert_eq(pchat_ntlm_check(&s, 100, text, strlen(text), sig), PCHAT_NTLM_EBADSIG,
				"byte %zu", i);
		sig[i] ^= 0x01;
	}
	cr_assert_eq(pchat_ntlm_check(&s, 101, text, strlen(text), sig), PCHAT_NTLM_EBADSIG,
			"another sequence number");
	text[strlen(text) - 2] = '1'; /* an Expires added */
	cr_assert_eq(pchat_ntlm_check(&s, 100, text, strlen(text), sig), PCHAT_NTLM_EBADSIG);
	/* our own signature is not the client's: the directions have their own keys */
	pchat_ntlm_sign(&s, 100, COSMO_REQUEST_SIGNED, strlen(COSMO_REQUEST_SIGNED), sig);
	cr_assert_eq(pchat_ntlm_check(&s, 100, COSMO_REQUEST_SIGNED, strlen(COSMO_REQUEST_SIGNED),
				     sig),
			PCHAT_NTLM_EBADSIG);
}

/* The fields of the Communicator 2007 R2 REGISTER and of OCS's 200 OK. */
static struct pchat_sipsign cosmo_fields(int response)
{
	struct pchat_sipsign f = {.protocol = "NTLM",
			.rand = "13317733",
			.num = "1",
			.realm = "SIP Communications Service",
			.targetname = "cosmo-ocs-r2.cosmo.local",
			.call_id = "4037df9284354df39065195bd57a4b14",
			.cseq_num = "3",
			.cseq_method = "REGISTER",
			.from_uri = "sip:user@cosmo.local",
			.from_tag = "3e49177a52",
			.to_uri = "sip:user@cosmo.local"};
	if(response) {
		f.rand = "9616454F";
		f.to_tag = "5E61CCD925D17E043D9A74835A88F664";
		f.expires = "7200";
		f.response_code = 200;
	}
	return f;
}

Test(sipsign, version_4_strings_are_what_communicator_and_ocs_signed)
{
	char out[512];
	struct pchat_sipsign req = cosmo_fields(0), resp = cosmo_fields(1);
	cr_assert_eq(pchat_sipsign_string(&req, 4, out, sizeof(out)),
			(long)strlen(COSMO_REQUEST_SIGNED));
	cr_assert_str_eq(out, COSMO_REQUEST_SIGNED);
	cr_assert_eq(pchat_sipsign_string(&resp, 4, out, sizeof(out)),
			(long)strlen(COSMO_RESPONSE_SIGNED));
	cr_assert_str_eq(out, COSMO_RESPONSE_SIGNED);
}

Test(sipsign, version_2_leaves_out_to_uri_and_asserted_identity)
{
	/* pidgin-sipe's [MS-SIPE] example (OCS 2007, protocol version 2) */
	struct pchat_sipsign f = {.protocol = "NTLM",
			.rand = "0878F41B",
			.num = "1",
			.realm = "SIP Communications Service",
			.targetname = "ocs1.ocs.provo.novell.com",
			.call_id = "8592g5DCBa1694i5887m0D0Bt2247b3F38xAE9Fx",
			.cseq_num = "3",
			.cseq_method = "REGISTER",
			.from_uri = "sip:gabriel@ocs.provo.novell.com",
			.from_tag = "2947328781",
			.to_uri = "sip:gabriel@ocs.provo.novell.com",
			.to_tag = "B816D65C2300A32CFA6D371F2AF537FD",
			.pai_sip_uri = "sip:x@y",
			.expires = "900",
			.response_code = 200};
	char out[512];
	cr_assert_gt(pchat_sipsign_string(&f, 2, out, sizeof(out)), 0);
	cr_assert_str_eq(out,
			"<NTLM><0878F41B><1><SIP Communications Service>"
			"<ocs1.ocs.provo.novell.com><8592g5DCBa1694i5887m0D0Bt2247b3F38xAE9Fx>"
			"<3><REGISTER><sip:gabriel@ocs.provo.novell.com><2947328781>"
			"<B816D65C2300A32CFA6D371F2AF537FD><900><200>");
}

Test(sipsign, asserted_identity_and_limits)
{
	struct pchat_sipsign f = cosmo_fields(0);
	char out[512];
	f.pai_sip_uri = "sip:pchat@example.com";
	f.pai_tel_uri = "tel:+15551234";
	long n = pchat_sipsign_string(&f, 3, out, sizeof(out));
	cr_assert_gt(n, 0);
	cr_assert_not_null(strstr(out, "<><sip:pchat@example.com><tel:+15551234><>"), "%s", out);
	cr_assert_eq(pchat_sipsign_string(&f, 3, out, (size_t)n), -1, "no room for the NUL");
	cr_assert_eq(pchat_sipsign_string(&f, 3, out, (size_t)n + 1), n);
	f.realm = "";
	cr_assert_eq(pchat_sipsign_string(&f, 3, out, sizeof(out)), -1, "no realm, no signature");
}

static const struct pchat_ntlm_names names = {
		"EXAMPLE", "CHAT1", "example.com", "chat1.example.com", "example.com"};

Test(ntlm, challenge_layout)
{
	uint8_t msg[1024], sc[8] = {1, 2, 3, 4, 5, 6, 7, 8}, u16[64];
	long n = pchat_ntlm_challenge_build(&names, 0x01d9000011112222ull, sc, msg, sizeof(msg));
	cr_assert_gt(n, 56);
	cr_assert_eq(memcmp(msg, "NTLMSSP\0", 8), 0);
	cr_assert_eq(pchat_le32(msg + 8), 2);
	cr_assert_eq(pchat_le32(msg + 20), 0xE29882F3, "Lync 2013's flags");
	cr_assert_arr_eq(msg + 24, sc, 8);
	cr_assert_eq(pchat_le32(msg + 44), 56, "target info offset");
	cr_assert_eq(pchat_le16(msg + 40) + 56, n, "target info: the whole payload");
	/* the AV pairs, in Lync's order, then the timestamp and MsvAvEOL */
	static const int ids[] = {2, 1, 4, 3, 5};
	const char *vals[] = {
			"EXAMPLE", "CHAT1", "example.com", "chat1.example.com", "example.com"};
	const uint8_t *p = msg + 56;
	for(int i = 0; i < 5; i++) {
		long len = pchat_utf16le_from_utf8(vals[i], u16, sizeof(u16));
		cr_assert_eq(pchat_le16(p), ids[i]);
		cr_assert_eq(pchat_le16(p + 2), len);
		cr_assert_arr_eq(p + 4, u16, (size_t)len);
		p += 4 + len;
	}
	cr_assert_eq(pchat_le16(p), 7);
	cr_assert_eq(pchat_le16(p + 2), 8);
	cr_assert_eq(pchat_le32(p + 4), 0x11112222);
	cr_assert_eq(pchat_le32(p + 8), 0x01d90000);
	cr_assert_eq(pchat_le32(p + 12), 0, "MsvAvEOL");
	cr_assert_eq(p + 16 - msg, n);
}

Test(ntlm, challenge_is_random_and_base64)
{
	uint8_t sc1[8], sc2[8], msg[PCHAT_NTLM_MSG_MAX];
	char b64[PCHAT_NTLM_CHALLENGE_B64_MAX];
	cr_assert_eq(pchat_ntlm_challenge(&names, sc1, b64, sizeof(b64)), 0);
	long n = pchat_ntlm_b64_decode(b64, strlen(b64), msg, sizeof(msg));
	cr_assert_gt(n, 56);
	cr_assert_arr_eq(msg + 24, sc1, 8, "the message carries the challenge returned");
	cr_assert_eq(pchat_ntlm_challenge(&names, sc2, b64, sizeof(b64)), 0);
	cr_assert_neq(memcmp(sc1, sc2, 8), 0, "a fresh challenge each time");
	cr_assert_eq(pchat_ntlm_challenge(&names, sc2, b64, 100), PCHAT_NTLM_EARG, "no room");
	struct pchat_ntlm_names bad = names;
	bad.dns_tree = NULL;
	cr_assert_eq(pchat_ntlm_challenge(&bad, sc2, b64, sizeof(b64)), PCHAT_NTLM_EARG);
	bad.dns_tree = "\xc0\x80"; /* overlong */
	cr_assert_eq(pchat_ntlm_challenge(&bad, sc2, b64, sizeof(b64)), PCHAT_NTLM_EARG);
}

Test(ntlm, base64_errors)
{
	uint8_t out[8];
	cr_assert_eq(pchat_ntlm_b64_decode("TlRMTVNTUAA=", 12, out, sizeof(out)), 8);
	cr_assert_eq(memcmp(out, "NTLMSSP\0", 8), 0);
	cr_assert_eq(pchat_ntlm_b64_decode("TlRM*VNTUAA=", 12, out, 8), PCHAT_NTLM_EBASE64);
	cr_assert_eq(pchat_ntlm_b64_decode("TlRMTVNTUA", 10, out, 8), PCHAT_NTLM_EBASE64,
			"truncated");
	cr_assert_eq(pchat_ntlm_b64_decode("TlRMTVNTUAAA", 12, out, 8), PCHAT_NTLM_ETOOBIG);
	cr_assert_eq(pchat_ntlm_b64_decode("", 0, out, 8), 0);
}

/* A copy of the Communicator AUTHENTICATE to break: its length. */
static size_t cosmo_msg(uint8_t msg[512])
{
	return unhex(COSMO_AUTHENTICATE, msg, 512);
}

static int parse(const uint8_t *msg, size_t len)
{
	struct pchat_ntlm_auth a;
	return pchat_ntlm_parse_authenticate(msg, len, &a);
}

Test(ntlm_malformed, every_truncation_is_refused)
{
	uint8_t msg[512];
	size_t len = cosmo_msg(msg);
	for(size_t n = 0; n < len; n++) {
		/* on the heap at its exact size, so that ASan sees any read past it */
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, msg, n);
		int rc = parse(copy, n);
		cr_assert_eq(rc, n < 64 ? PCHAT_NTLM_ESHORT : PCHAT_NTLM_EFIELD, "%zu bytes: %d", n,
				rc);
		free(copy);
	}
	cr_assert_eq(parse(msg, len), 0);
}

Test(ntlm_malformed, header_errors)
{
	uint8_t msg[PCHAT_NTLM_MSG_MAX + 1];
	size_t len = cosmo_msg(msg);
	cr_assert_eq(parse(msg, PCHAT_NTLM_MSG_MAX + 1), PCHAT_NTLM_ETOOBIG);
	msg[0] = 'X';
	cr_assert_eq(parse(msg, len), PCHAT_NTLM_ETYPE);
	msg[0] = 'N';
	msg[8] = 2; /* a CHALLENGE */
	cr_assert_eq(parse(msg, len), PCHAT_NTLM_ETYPE);
}

Test(ntlm_malformed, fields_outside_the_message)
{
	uint8_t msg[512];
	size_t len = cosmo_msg(msg);
	static const size_t at[] = {12, 20, 28, 36, 44, 52};
	for(size_t i = 0; i < 6; i++) {
		uint8_t m[512];
		memcpy(m, msg, len);
		pchat_put_le32(m + at[i] + 4, 0xFFFFFFF0u); /* offset + length wraps in 32 bits */
		cr_assert_eq(parse(m, len), PCHAT_NTLM_EFIELD, "field at %zu", at[i]);
		memcpy(m, msg, len);
		pchat_put_le32(m + at[i] + 4, (uint32_t)len - pchat_le16(m + at[i]) + 1);
		cr_assert_eq(parse(m, len), PCHAT_NTLM_EFIELD, "one byte past, field at %zu",
				at[i]);
	}
}

Test(ntlm_malformed, content_errors)
{
	uint8_t msg[512], m[512];
	size_t len = cosmo_msg(msg);
	uint32_t flags = pchat_le32(msg + 60);
	memcpy(m, msg, len);
	pchat_put_le32(m + 60, flags & ~PCHAT_NTLM_NEGOTIATE_DATAGRAM);
	cr_assert_eq(parse(m, len), PCHAT_NTLM_EFLAGS, "connection-oriented");
	pchat_put_le32(m + 60, flags & ~PCHAT_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY);
	cr_assert_eq(parse(m, len), PCHAT_NTLM_EFLAGS);
	memcpy(m, msg, len);
	pchat_put_le16(m + 20, 24); /* an NTLMv1 response */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_ENOTV2);
	pchat_put_le16(m + 20, 0); /* anonymous */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_ENOTV2);
	memcpy(m, msg, len);
	pchat_put_le16(m + 52, 0); /* KEY_EXCH without the key */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_EKEY);
	memcpy(m, msg, len);
	m[pchat_le32(m + 40) + 1] = 0xDC; /* user "User" starts with a low surrogate */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_ENAME);
	memcpy(m, msg, len);
	pchat_put_le16(m + 36, 0); /* no user */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_ENAME);
	pchat_put_le16(m + 36, 3); /* odd length */
	cr_assert_eq(parse(m, len), PCHAT_NTLM_ENAME);
}

Test(ntlm_malformed, long_names)
{
	uint8_t m[PCHAT_NTLM_MSG_MAX];
	size_t len = cosmo_msg(m), units = PCHAT_NTLM_NAME_UNITS + 1;
	/* a user name one unit too long at the end of the message */
	for(size_t i = 0; i < units; i++)
		pchat_put_le16(m + len + 2 * i, 'a');
	pchat_put_le16(m + 36, (uint16_t)(2 * units));
	pchat_put_le32(m + 40, (uint32_t)len);
	cr_assert_eq(parse(m, len + 2 * units), PCHAT_NTLM_ETOOBIG);
	units--; /* the most accepted */
	pchat_put_le16(m + 36, (uint16_t)(2 * units));
	struct pchat_ntlm_auth a;
	cr_assert_eq(pchat_ntlm_parse_authenticate(m, len + 2 * units, &a), 0);
	cr_assert_eq(strlen(a.user), units);
}

Test(ntlm_malformed, random_corruption_never_crashes)
{
	uint8_t msg[512], m[512], nt[16], sc[8];
	size_t len = cosmo_msg(msg);
	struct pchat_ntlm_auth a;
	struct pchat_ntlm_session s;
	pchat_ntlm_nt_hash("Pa$$word", nt);
	unhex(COSMO_CHALLENGE_SC, sc, sizeof(sc));
	srand(13);
	for(int round = 0; round < 20000; round++) {
		memcpy(m, msg, len);
		for(int k = 1 + rand() % 4; k > 0; k--)
			m[(size_t)rand() % 80] = (uint8_t)rand(); /* the header mostly */
		size_t n = (size_t)rand() % 8 == 0 ? (size_t)rand() % len : len;
		if(pchat_ntlm_parse_authenticate(m, n, &a) == 0)
			pchat_ntlm_verify(&a, nt, sc, &s); /* ok or denied, but in bounds */
	}
}

Test(ntlm, hex)
{
	uint8_t b[16];
	char h[33];
	cr_assert_eq(pchat_ntlm_from_hex("0123456789ABCDEFabcdef0123456789", 32, b), 0);
	pchat_ntlm_to_hex(b, h);
	cr_assert_str_eq(h, "0123456789abcdefabcdef0123456789");
	cr_assert_eq(pchat_ntlm_from_hex("", 0, b), PCHAT_NTLM_EHEX, "no NT hash stored");
	cr_assert_eq(pchat_ntlm_from_hex("0123456789abcdefabcdef012345678g", 32, b),
			PCHAT_NTLM_EHEX);
	cr_assert_str_eq(pchat_ntlm_strerror(PCHAT_NTLM_EBADSIG), "bad message signature");
	cr_assert_str_eq(pchat_ntlm_strerror(-99), "unknown NTLM error");
}

Test(utf16, both_ways)
{
	uint8_t u[16];
	char s[16];
	/* "aé€😀": 1, 2, 3 and 4 bytes of UTF-8; the last a surrogate pair */
	const char *text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	long n = pchat_utf16le_from_utf8(text, u, sizeof(u));
	cr_assert_eq(n, 10);
	cr_assert_arr_eq(u, "a\0\xe9\0\xac\x20\x3d\xd8\x00\xde", 10);
	cr_assert_eq(pchat_utf16le_to_utf8(u, (size_t)n, s, sizeof(s)), 10);
	cr_assert_str_eq(s, text);
	cr_assert_eq(pchat_utf16le_to_utf8(u, (size_t)n, s, 10), -1, "no room for the NUL");
	cr_assert_eq(pchat_utf16le_to_utf8(u, 8, s, sizeof(s)), -1, "a high surrogate alone");
	cr_assert_eq(pchat_utf16le_to_utf8((const uint8_t *)"\0\0", 2, s, sizeof(s)), -1, "NUL");
	cr_assert_eq(pchat_utf16le_from_utf8("\xed\xa0\x80", u, sizeof(u)), -1, "a surrogate");
	cr_assert_eq(pchat_utf16le_from_utf8("abcdefghi", u, 16), -1, "no room");
}
