/*
 * test_ntlm_peer.c - the NTLM core against an independent implementation: Debian's
 * gss-ntlmssp (1.2.0), driven through MIT GSSAPI as the *initiator* (the client) in
 * connectionless mode (GSS_C_DATAGRAM_FLAG), its credentials from an NTLM_USER_FILE.
 * The file is in smbpasswd format, with [MS-NLMP] 4.2.2.1's NT hash of "Password", not
 * in the DOMAIN:USER:PASSWORD format: gss-ntlmssp 1.2.0 leaks an OpenSSL EVP_MD each
 * time it computes MD4 (MD4_HASH never frees what EVP_MD_fetch gave it), which
 * LeakSanitizer would report; our side computes the hash from the password itself.
 *
 *   gss_init_sec_context(no token)  -> an empty token: no NEGOTIATE in datagram mode
 *   our CHALLENGE                   -> gss-ntlmssp's AUTHENTICATE, which we verify
 *   gss_get_mic(seq 100)            -> we check it with the client keys
 *   our signature (seq 100)         -> gss_verify_mic accepts it
 *
 * gss-ntlmssp lets the application set the sequence number of a datagram context
 * (gss_set_sec_context_option with GSS_NTLMSSP_SET_SEQ_NUM_OID, a host-order
 * uint32) and re-keys RC4 per message from it, as [MS-SIPAE] needs (seq 100 always).
 * Without GSS_C_DATAGRAM_FLAG it sends a NEGOTIATE first and then refuses our CHALLENGE
 * ("Invalid combinations of negotiate flags": Lync's flags carry both OEM and UNICODE
 * with TARGET_INFO, which it accepts in datagram mode only); we refuse a
 * connection-oriented AUTHENTICATE anyway (test_ntlm.c, content_errors).
 */
#include <criterion/criterion.h>
#ifndef TestSuite /* cppcheck, which does not read criterion.h */
#define TestSuite(...)
#endif
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/pchat_ntlm.h"
#include "../../common/pchat_ntlm_mac.h"

static gss_OID_desc ntlmssp_oid = {GSS_NTLMSSP_OID_LENGTH, GSS_NTLMSSP_OID_STRING};
static gss_OID_desc seq_num_oid = {
		GSS_NTLMSSP_SET_SEQ_NUM_OID_LENGTH, GSS_NTLMSSP_SET_SEQ_NUM_OID_STRING};

static const struct pchat_ntlm_names names = {
		"EXAMPLE", "CHAT1", "example.com", "chat1.example.com", "example.com"};

struct peer {
	char user_file[64];
	gss_cred_id_t cred;
	gss_name_t target;
	gss_ctx_id_t ctx;
};

/* gss-ntlmssp's credentials (smbpasswd's format, DOMAIN\USER:UID:LM hash:NT hash:...)
 * in a file of our own, and the client's credential handle and target name. */
static void peer_start(struct peer *p)
{
	OM_uint32 min;
	gss_OID_set_desc mechs = {1, &ntlmssp_oid};
	gss_buffer_desc svc = {strlen("sip@chat1.example.com"), "sip@chat1.example.com"};
	strcpy(p->user_file, "/tmp/pchat-ntlm-users-XXXXXX");
	int fd = mkstemp(p->user_file);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	fputs("TESTDOM\\testuser:1000:e52cac67419a9a224a3b108f3fa6cb6d:"
	      "a4f49c406510bdcab6824ee7c30fd852:[U          ]:LCT-00000000:\n",
			f);
	fclose(f);
	setenv("NTLM_USER_FILE", p->user_file, 1);
	cr_assert_eq(gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
				     &p->cred, NULL, NULL),
			GSS_S_COMPLETE, "gss-ntlmssp missing? (minor %u)", min);
	cr_assert_eq(gss_import_name(&min, &svc, GSS_C_NT_HOSTBASED_SERVICE, &p->target),
			GSS_S_COMPLETE);
	p->ctx = GSS_C_NO_CONTEXT;
}

static void peer_stop(struct peer *p)
{
	OM_uint32 min;
	gss_delete_sec_context(&min, &p->ctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &p->target);
	gss_release_cred(&min, &p->cred);
	unlink(p->user_file);
}

/* One init_sec_context step with input in (NULL: none): the major status; the
 * output token in *out (release it). */
static OM_uint32 peer_step(struct peer *p, gss_buffer_t in, gss_buffer_t out)
{
	OM_uint32 min, flags = GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG;
	return gss_init_sec_context(&min, p->cred, &p->ctx, p->target, &ntlmssp_oid, flags, 0,
			GSS_C_NO_CHANNEL_BINDINGS, in ? in : GSS_C_NO_BUFFER, NULL, out, NULL,
			NULL);
}

/* The whole handshake: gss-ntlmssp authenticates to us; our session in *s. */
static void handshake(struct peer *p, struct pchat_ntlm_session *s)
{
	uint8_t chal[PCHAT_NTLM_MSG_MAX], sc[8], nt[16];
	char b64[PCHAT_NTLM_CHALLENGE_B64_MAX];
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER, in;
	struct pchat_ntlm_auth a;
	OM_uint32 min;
	cr_assert_eq(peer_step(p, NULL, &out), GSS_S_CONTINUE_NEEDED);
	cr_assert_eq(out.length, 0, "connectionless: no NEGOTIATE message");
	cr_assert_eq(pchat_ntlm_challenge(&names, sc, b64, sizeof(b64)), 0);
	long n = pchat_ntlm_b64_decode(b64, strlen(b64), chal, sizeof(chal));
	in.value = chal, in.length = (size_t)n;
	cr_assert_eq(peer_step(p, &in, &out), GSS_S_COMPLETE);
	int rc = pchat_ntlm_parse_authenticate(out.value, out.length, &a);
	cr_assert_eq(rc, 0, "%s", pchat_ntlm_strerror(rc));
	cr_assert_str_eq(a.user, "testuser");
	cr_assert_str_eq(a.domain, "TESTDOM");
	cr_assert(a.flags & PCHAT_NTLM_NEGOTIATE_KEY_EXCH);
	pchat_ntlm_nt_hash("Password", nt);
	rc = pchat_ntlm_verify(&a, nt, sc, s);
	cr_assert_eq(rc, 0, "%s", pchat_ntlm_strerror(rc));
	pchat_ntlm_nt_hash("password", nt);
	cr_assert_eq(pchat_ntlm_verify(&a, nt, sc, s), PCHAT_NTLM_EDENIED);
	pchat_ntlm_nt_hash("Password", nt);
	pchat_ntlm_verify(&a, nt, sc, s);
	gss_release_buffer(&min, &out);
}

static void set_seq(struct peer *p, uint32_t seq)
{
	OM_uint32 min;
	gss_buffer_desc v = {sizeof(seq), &seq};
	cr_assert_eq(gss_set_sec_context_option(&min, &p->ctx, &seq_num_oid, &v), GSS_S_COMPLETE);
}

Test(ntlm_peer, gss_ntlmssp_client_authenticates_and_both_sides_sign)
{
	struct peer p;
	struct pchat_ntlm_session s;
	char text[] = "<NTLM><0a1b2c3d><1><SIP Communications Service><chat1.example.com>"
		      "<callid><2><REGISTER><sip:testuser@example.com><tag1><sip:testuser@"
		      "example.com><><><><>";
	gss_buffer_desc msg = {strlen(text), text}, mic = GSS_C_EMPTY_BUFFER, sigbuf;
	uint8_t sig[PCHAT_NTLM_SIG_LEN];
	OM_uint32 min;
	peer_start(&p);
	handshake(&p, &s);
	set_seq(&p, PCHAT_NTLM_SIP_SEQ);
	/* the client signs, we check */
	cr_assert_eq(gss_get_mic(&min, p.ctx, GSS_C_QOP_DEFAULT, &msg, &mic), GSS_S_COMPLETE);
	cr_assert_eq(mic.length, PCHAT_NTLM_SIG_LEN);
	cr_assert_eq(pchat_ntlm_check(&s, PCHAT_NTLM_SIP_SEQ, text, strlen(text), mic.value), 0);
	cr_assert_eq(pchat_ntlm_check(&s, 0, text, strlen(text), mic.value), PCHAT_NTLM_EBADSIG);
	gss_release_buffer(&min, &mic);
	/* datagram mode keeps the sequence number: the next message uses 100 again */
	cr_assert_eq(gss_get_mic(&min, p.ctx, GSS_C_QOP_DEFAULT, &msg, &mic), GSS_S_COMPLETE);
	cr_assert_eq(pchat_ntlm_check(&s, PCHAT_NTLM_SIP_SEQ, text, strlen(text), mic.value), 0);
	gss_release_buffer(&min, &mic);
	/* we sign, the client verifies; a changed message fails */
	pchat_ntlm_sign(&s, PCHAT_NTLM_SIP_SEQ, text, strlen(text), sig);
	sigbuf.value = sig, sigbuf.length = sizeof(sig);
	cr_assert_eq(gss_verify_mic(&min, p.ctx, &msg, &sigbuf, NULL), GSS_S_COMPLETE);
	text[1] = 'X';
	cr_assert_eq(gss_verify_mic(&min, p.ctx, &msg, &sigbuf, NULL), GSS_S_BAD_SIG);
	peer_stop(&p);
}
