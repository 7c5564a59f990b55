/*
 * ntlm-peer: the server's NTLM ([MS-SIPAE]) checked from the outside, by a SIP client
 * whose NTLM is not ours: Debian's gss-ntlmssp through MIT GSSAPI (connectionless:
 * GSS_C_DATAGRAM_FLAG, sequence number 100 set with GSS_NTLMSSP_SET_SEQ_NUM_OID), as
 * tests/unit/test_ntlm_peer.c uses it; only the signed string is built with
 * common/pchat_sipsign.c.  Plain TCP to the NTLM listener; the user is EXAMPLE\alice
 * (a DOMAIN\user login, mapped to sip:alice@example.com), password "alice".
 *
 *   ntlm-peer --server 127.0.0.1:PORT
 *
 * Checks, in order (one "PASS name" / "FAIL name: why" line each, then "N passed, M
 * failed"; exit status 0 only if all passed):
 *   challenge        REGISTER without credentials: 401, WWW-Authenticate: NTLM with
 *                    realm, targetname, version=4
 *   challenge_data   REGISTER with gssapi-data="": 401 with opaque and gssapi-data
 *   register         REGISTER with gss-ntlmssp's AUTHENTICATE, signed: 200 with an
 *                    Expires header and Authentication-Info whose rspauth gss-ntlmssp
 *                    verifies over the response's signed string
 *   signed_request   a signed SUBSCRIBE (provisioning): 200, signed
 *   refresh          a signed REGISTER (a refresh, no gssapi-data): 200, signed
 *   unsigned         the same without Authorization: 401
 *   tampered         a signature with one digit changed: 401
 *   other_message    a valid signature of another message (another Call-ID): 401
 *   forged_from      correctly signed, From bob: 403
 *   replay           the AUTHENTICATE sent again (its challenge is used up): 401
 *   wrong_password   a new connection with a wrong password: its AUTHENTICATE gets 401
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nettle/base64.h>

#include "../../common/pchat_sipsign.h"
#include "check.h"

static gss_OID_desc ntlmssp_oid = {GSS_NTLMSSP_OID_LENGTH, GSS_NTLMSSP_OID_STRING};
static gss_OID_desc seq_num_oid = {
		GSS_NTLMSSP_SET_SEQ_NUM_OID_LENGTH, GSS_NTLMSSP_SET_SEQ_NUM_OID_STRING};

static const char *host;
static int port;
static char user_file[64];

/* A check that a request was answered want. */
static void expect_code(const char *name, int code, int want)
{
	if(code == want)
		pass(name);
	else
		fail(name, "got %d, want %d", code, want);
}

/* One client: its connection, its GSSAPI context, its dialog-less request state. */
struct client {
	int fd;
	int lport;
	gss_cred_id_t cred;
	gss_name_t target;
	gss_ctx_id_t ctx;
	int cseq;
	char call_id[64], tag[32], opaque[64];
	char resp[16384]; /* the last response */
};

/* smbpasswd format: DOMAIN\USER:UID:LM hash:NT hash:...; NT hash of "alice" (or not). */
static int write_users(const char *nt_hash)
{
	strcpy(user_file, "/tmp/pchat-ntlm-peer-XXXXXX");
	int fd = mkstemp(user_file);
	if(fd < 0)
		return -1;
	FILE *f = fdopen(fd, "w");
	fprintf(f, "EXAMPLE\\alice:1000:00000000000000000000000000000000:%s:[U          ]:LCT-00000000:\n",
			nt_hash);
	fclose(f);
	setenv("NTLM_USER_FILE", user_file, 1);
	return 0;
}

static int client_open(struct client *c, const char *nt_hash)
{
	OM_uint32 min;
	gss_OID_set_desc mechs = {1, &ntlmssp_oid};
	gss_buffer_desc svc = {strlen("sip@pchat.example.com"), "sip@pchat.example.com"};
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t alen = sizeof(a);
	memset(c, 0, sizeof(*c));
	c->ctx = GSS_C_NO_CONTEXT;
	if(write_users(nt_hash) < 0)
		return -1;
	if(gss_acquire_cred(&min, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &c->cred,
			   NULL, NULL) != GSS_S_COMPLETE ||
			gss_import_name(&min, &svc, GSS_C_NT_HOSTBASED_SERVICE, &c->target) !=
					GSS_S_COMPLETE) {
		fprintf(stderr, "ntlm-peer: gss-ntlmssp missing?\n");
		return -1;
	}
	inet_pton(AF_INET, host, &a.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if(c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	getsockname(c->fd, (struct sockaddr *)&a, &alen);
	c->lport = ntohs(a.sin_port);
	snprintf(c->call_id, sizeof(c->call_id), "ntlmpeer-%d-%d", (int)getpid(), c->lport);
	snprintf(c->tag, sizeof(c->tag), "t%d", c->lport);
	c->cseq = 1;
	return 0;
}

static void client_close(struct client *c)
{
	OM_uint32 min;
	if(c->ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&min, &c->ctx, GSS_C_NO_BUFFER);
	gss_release_name(&min, &c->target);
	gss_release_cred(&min, &c->cred);
	close(c->fd);
	unlink(user_file);
}

/* Reads one SIP message (headers and Content-Length body) into c->resp: its status
 * code, or -1 (timeout, connection closed). */
static int read_response(struct client *c)
{
	size_t n = 0;
	for(;;) {
		char *eoh = n ? strstr(c->resp, "\r\n\r\n") : NULL;
		if(eoh) {
			const char *cl = strcasestr(c->resp, "\r\nContent-Length:");
			size_t body = cl && cl < eoh ? (size_t)atoi(cl + 17) : 0;
			if(n >= (size_t)(eoh + 4 - c->resp) + body) {
				int code = 0;
				if(sscanf(c->resp, "SIP/2.0 %d", &code) == 1)
					return code;
				/* a request to us (none expected): skip it */
				memmove(c->resp, eoh + 4 + body,
						n - (size_t)(eoh + 4 + body - c->resp));
				n -= (size_t)(eoh + 4 + body - c->resp);
				c->resp[n] = '\0';
				continue;
			}
		}
		struct pollfd p = {c->fd, POLLIN, 0};
		if(poll(&p, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(c->fd, c->resp + n, sizeof(c->resp) - 1 - n);
		if(r <= 0)
			return -1;
		n += (size_t)r;
		c->resp[n] = '\0';
	}
}

/* A header's value in c->resp (the first with that name), into out. */
static int header(const struct client *c, const char *name, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\r\n%s:", name);
	const char *h = strcasestr(c->resp, pat);
	if(h == NULL)
		return -1;
	h += strlen(pat);
	while(*h == ' ')
		h++;
	size_t len = strcspn(h, "\r\n");
	if(len >= cap)
		return -1;
	memcpy(out, h, len);
	out[len] = '\0';
	return 0;
}

/* A quoted parameter name="..." of an auth header value. */
static int param(const char *hv, const char *name, char *out, size_t cap)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "%s=\"", name);
	const char *p = hv;
	while((p = strstr(p, pat)) != NULL) {
		if(p == hv || p[-1] == ' ' || p[-1] == ',')
			break;
		p++;
	}
	if(p == NULL)
		return -1;
	p += strlen(pat);
	size_t len = strcspn(p, "\"");
	if(len >= cap)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static int hex_to_bytes(const char *hex, unsigned char *out, size_t n)
{
	for(size_t i = 0; i < n; i++) {
		unsigned v;
		if(sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

/* gss-ntlmssp's signature (seq 100) of s as 32 hex digits. */
static int mic_hex(struct client *c, const char *s, char out[33])
{
	OM_uint32 min;
	uint32_t seq = 100;
	gss_buffer_desc v = {sizeof(seq), &seq}, msg = {strlen(s), (void *)s},
			mic = GSS_C_EMPTY_BUFFER;
	if(gss_set_sec_context_option(&min, &c->ctx, &seq_num_oid, &v) != GSS_S_COMPLETE ||
			gss_get_mic(&min, c->ctx, GSS_C_QOP_DEFAULT, &msg, &mic) !=
					GSS_S_COMPLETE ||
			mic.length != 16)
		return -1;
	for(size_t i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02X", ((unsigned char *)mic.value)[i]);
	gss_release_buffer(&min, &mic);
	return 0;
}

#define REALM "SIP Communications Service"
#define TARGET "pchat.example.com"

/* Sends METHOD from user (From) to uri's AOR with the extra headers and auth (an
 * Authorization value or NULL); sign: add crand/cnum/response of gss-ntlmssp over the
 * message's signed string (call_id: the Call-ID to sign, NULL: the real one);
 * tamper: change a digit of the signature.  The response's code. */
static int request(struct client *c, const char *method, const char *from_user, const char *extra,
		const char *auth, int sign, const char *sign_call_id, int tamper)
{
	char msg[16384], authz[8192] = "", from_uri[128];
	int cseq = c->cseq++;
	char cseq_s[16];
	snprintf(from_uri, sizeof(from_uri), "sip:%s@example.com", from_user);
	snprintf(cseq_s, sizeof(cseq_s), "%d", cseq);
	if(sign) {
		char s[2048], sig[33];
		struct pchat_sipsign f = {.protocol = "NTLM",
				.rand = "1a2b3c4d",
				.num = cseq_s,
				.realm = REALM,
				.targetname = TARGET,
				.call_id = sign_call_id ? sign_call_id : c->call_id,
				.cseq_num = cseq_s,
				.cseq_method = method,
				.from_uri = from_uri,
				.from_tag = c->tag,
				.to_uri = "sip:alice@example.com",
				.expires = strcmp(method, "REGISTER") == 0 ? "300" : NULL};
		if(pchat_sipsign_string(&f, 4, s, sizeof(s)) < 0 || mic_hex(c, s, sig) < 0)
			return -2;
		if(tamper)
			sig[20] = sig[20] == '0' ? '1' : '0';
		snprintf(authz, sizeof(authz),
				"Authorization: NTLM qop=\"auth\", opaque=\"%s\", realm=\"" REALM
				"\", targetname=\"" TARGET
				"\"%s%s, version=4, crand=\"1a2b3c4d\", cnum=\"%s\", "
				"response=\"%s\"\r\n",
				c->opaque, auth ? ", " : "", auth ? auth : "", cseq_s, sig);
	} else if(auth) {
		snprintf(authz, sizeof(authz), "Authorization: NTLM %s\r\n", auth);
	}
	int n = snprintf(msg, sizeof(msg),
			"%s sip:%s SIP/2.0\r\n"
			"Via: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%s%d\r\n"
			"Max-Forwards: 70\r\n"
			"From: <%s>;tag=%s\r\n"
			"To: <sip:alice@example.com>\r\n"
			"Call-ID: %s\r\n"
			"CSeq: %d %s\r\n"
			"Contact: <sip:alice@127.0.0.1:%d;transport=tcp>\r\n"
			"%s%s"
			"Content-Length: 0\r\n\r\n",
			method,
			strcmp(method, "REGISTER") == 0 ? "example.com" : "alice@example.com",
			c->lport, c->tag, cseq, from_uri, c->tag, c->call_id, cseq, method,
			c->lport, extra ? extra : "", authz);
	if(write(c->fd, msg, (size_t)n) != n)
		return -1;
	return read_response(c);
}

/* Checks the Authentication-Info of c->resp with gss-ntlmssp: 0 if it verifies. */
static int verify_response(struct client *c, int code, const char *method, char *why, size_t cap)
{
	char ai[1024], rspauth[64], srand[32], snum[32], realm[128], tn[128], cid[128], cseq[64],
			from[256], to[256], expires[32] = "", s[2048];
	unsigned char sig[16];
	OM_uint32 min;
	uint32_t seq = 100;
	if(header(c, "Authentication-Info", ai, sizeof(ai)) < 0) {
		snprintf(why, cap, "no Authentication-Info");
		return -1;
	}
	if(strncmp(ai, "NTLM ", 5) != 0 || param(ai, "rspauth", rspauth, sizeof(rspauth)) < 0 ||
			param(ai, "srand", srand, sizeof(srand)) < 0 ||
			param(ai, "snum", snum, sizeof(snum)) < 0 ||
			param(ai, "realm", realm, sizeof(realm)) < 0 ||
			param(ai, "targetname", tn, sizeof(tn)) < 0 || strlen(rspauth) != 32 ||
			hex_to_bytes(rspauth, sig, 16) < 0) {
		snprintf(why, cap, "malformed Authentication-Info: %.200s", ai);
		return -1;
	}
	if(header(c, "Call-ID", cid, sizeof(cid)) < 0 ||
			header(c, "CSeq", cseq, sizeof(cseq)) < 0 ||
			header(c, "From", from, sizeof(from)) < 0 ||
			header(c, "To", to, sizeof(to)) < 0) {
		snprintf(why, cap, "headers missing");
		return -1;
	}
	header(c, "Expires", expires, sizeof(expires));
	/* From/To: <uri>;tag=... */
	char fu[256], ft[64] = "", tu[256], tt[64] = "";
	sscanf(from, "<%255[^>]>", fu);
	sscanf(to, "<%255[^>]>", tu);
	const char *t = strstr(from, ";tag=");
	if(t)
		sscanf(t + 5, "%63[^;\r\n ]", ft);
	t = strstr(to, ";tag=");
	if(t)
		sscanf(t + 5, "%63[^;\r\n ]", tt);
	char cseq_num[32];
	sscanf(cseq, "%31s", cseq_num);
	struct pchat_sipsign f = {.protocol = "NTLM",
			.rand = srand,
			.num = snum,
			.realm = realm,
			.targetname = tn,
			.call_id = cid,
			.cseq_num = cseq_num,
			.cseq_method = method,
			.from_uri = fu,
			.from_tag = ft,
			.to_uri = tu,
			.to_tag = tt,
			.expires = expires,
			.response_code = code};
	if(pchat_sipsign_string(&f, 4, s, sizeof(s)) < 0)
		return -1;
	gss_buffer_desc v = {sizeof(seq), &seq}, msg = {strlen(s), s}, sb = {16, sig};
	gss_set_sec_context_option(&min, &c->ctx, &seq_num_oid, &v);
	if(gss_verify_mic(&min, c->ctx, &msg, &sb, NULL) != GSS_S_COMPLETE) {
		snprintf(why, cap, "gss-ntlmssp refuses rspauth over %.300s", s);
		return -1;
	}
	return 0;
}

/* The handshake up to the AUTHENTICATE token (base64 into b64); opaque kept. */
static int handshake(struct client *c, char *b64, size_t cap, int report)
{
	char wa[8192], chal_b64[4096];
	unsigned char chal[4096];
	OM_uint32 min, flags = GSS_C_DATAGRAM_FLAG | GSS_C_INTEG_FLAG;
	gss_buffer_desc in, out = GSS_C_EMPTY_BUFFER;
	int code = request(c, "REGISTER", "alice", "Expires: 300\r\n", NULL, 0, NULL, 0);
	if(report) {
		if(code == 401 && header(c, "WWW-Authenticate", wa, sizeof(wa)) == 0 &&
				strncmp(wa, "NTLM ", 5) == 0 && strstr(wa, "realm=\"" REALM "\"") &&
				strstr(wa, "targetname=\"") && strstr(wa, "version=4"))
			pass("challenge");
		else
			fail("challenge", "got %d: %.200s", code, c->resp);
	}
	code = request(c, "REGISTER", "alice", "Expires: 300\r\n",
			"qop=\"auth\", realm=\"" REALM "\", targetname=\"" TARGET
			"\", gssapi-data=\"\", version=4",
			0, NULL, 0);
	if(code != 401 || header(c, "WWW-Authenticate", wa, sizeof(wa)) < 0 ||
			param(wa, "opaque", c->opaque, sizeof(c->opaque)) < 0 ||
			param(wa, "gssapi-data", chal_b64, sizeof(chal_b64)) < 0 ||
			chal_b64[0] == '\0') {
		fail(report ? "challenge_data" : "handshake", "got %d: %.300s", code, c->resp);
		return -1;
	}
	if(report)
		pass("challenge_data");
	/* gss-ntlmssp: no NEGOTIATE in datagram mode, then our CHALLENGE */
	if(gss_init_sec_context(&min, c->cred, &c->ctx, c->target, &ntlmssp_oid, flags, 0,
			   GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL,
			   NULL) != GSS_S_CONTINUE_NEEDED) {
		fail("handshake", "gss_init_sec_context (1) failed");
		return -1;
	}
	gss_release_buffer(&min, &out);
	struct base64_decode_ctx d;
	size_t dlen = sizeof(chal);
	base64_decode_init(&d);
	if(!base64_decode_update(&d, &dlen, chal, strlen(chal_b64), chal_b64) ||
			!base64_decode_final(&d)) {
		fail("handshake", "CHALLENGE not base64");
		return -1;
	}
	in.value = chal;
	in.length = dlen;
	if(gss_init_sec_context(&min, c->cred, &c->ctx, c->target, &ntlmssp_oid, flags, 0,
			   GSS_C_NO_CHANNEL_BINDINGS, &in, NULL, &out, NULL,
			   NULL) != GSS_S_COMPLETE) {
		fail("handshake", "gss-ntlmssp refused our CHALLENGE");
		return -1;
	}
	if(BASE64_ENCODE_RAW_LENGTH(out.length) + 1 > cap)
		return -1;
	base64_encode_raw(b64, out.length, out.value);
	b64[BASE64_ENCODE_RAW_LENGTH(out.length)] = '\0';
	gss_release_buffer(&min, &out);
	return 0;
}

int main(int argc, char **argv)
{
	static struct client c, w;
	char b64[8192], gd[8300];
	int code;
	if(argc != 3 || strcmp(argv[1], "--server") != 0 || strchr(argv[2], ':') == NULL) {
		fprintf(stderr, "usage: ntlm-peer --server 127.0.0.1:PORT\n");
		return 2;
	}
	static char hbuf[64];
	snprintf(hbuf, sizeof(hbuf), "%.*s", (int)(strchr(argv[2], ':') - argv[2]), argv[2]);
	host = hbuf;
	port = atoi(strchr(argv[2], ':') + 1);
	if(client_open(&c, "4039730e1bf6e10dd01eaac983db4d7c") < 0) {
		fprintf(stderr, "ntlm-peer: cannot connect to %s: %s\n", argv[2], strerror(errno));
		return 2;
	}
	if(handshake(&c, b64, sizeof(b64), 1) == 0) {
		char why[512], exp[32];
		const char *prov = "Event: vnd-microsoft-provisioning-v2\r\nAccept: "
				   "application/vnd-microsoft-roaming-provisioning-v2+xml\r\n";
		snprintf(gd, sizeof(gd), "gssapi-data=\"%s\"", b64);
		code = request(&c, "REGISTER", "alice", "Expires: 300\r\n", gd, 1, NULL, 0);
		if(code != 200)
			fail("register", "got %d: %.300s", code, c.resp);
		else if(header(&c, "Expires", exp, sizeof(exp)) < 0)
			fail("register", "200 without Expires");
		else if(verify_response(&c, 200, "REGISTER", why, sizeof(why)) < 0)
			fail("register", "%s", why);
		else
			pass("register");

		code = request(&c, "SUBSCRIBE", "alice", prov, NULL, 1, NULL, 0);
		if(code != 200)
			fail("signed_request", "got %d: %.300s", code, c.resp);
		else if(verify_response(&c, 200, "SUBSCRIBE", why, sizeof(why)) < 0)
			fail("signed_request", "%s", why);
		else
			pass("signed_request");

		code = request(&c, "REGISTER", "alice", "Expires: 300\r\n", NULL, 1, NULL, 0);
		if(code != 200)
			fail("refresh", "got %d: %.300s", code, c.resp);
		else if(verify_response(&c, 200, "REGISTER", why, sizeof(why)) < 0)
			fail("refresh", "%s", why);
		else
			pass("refresh");

		code = request(&c, "SUBSCRIBE", "alice", prov, NULL, 0, NULL, 0);
		expect_code("unsigned", code, 401);

		code = request(&c, "SUBSCRIBE", "alice", prov, NULL, 1, NULL, 1);
		expect_code("tampered", code, 401);

		code = request(&c, "SUBSCRIBE", "alice", prov, NULL, 1, "another-call-id", 0);
		expect_code("other_message", code, 401);

		code = request(&c, "SUBSCRIBE", "bob", prov, NULL, 1, NULL, 0);
		expect_code("forged_from", code, 403);

		code = request(&c, "REGISTER", "alice", "Expires: 300\r\n", gd, 1, NULL, 0);
		expect_code("replay", code, 401);
	}
	client_close(&c);

	/* the NT hash of "not-alice" */
	if(client_open(&w, "00000000000000000000000000000001") < 0) {
		fail("wrong_password", "cannot connect");
	} else {
		if(handshake(&w, b64, sizeof(b64), 0) == 0) {
			snprintf(gd, sizeof(gd), "gssapi-data=\"%s\"", b64);
			code = request(&w, "REGISTER", "alice", "Expires: 300\r\n", gd, 1, NULL, 0);
			if(code == 401)
				pass("wrong_password");
			else
				fail("wrong_password", "got %d", code);
		}
		client_close(&w);
	}
	check_summary();
	return n_fail == 0 && n_pass > 0 ? 0 : 1;
}
