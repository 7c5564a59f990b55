/*
 * pchat_ntlm.c - the NTLM handshake's server side (pchat_ntlm.h): CHALLENGE out,
 * AUTHENTICATE in, NTLMv2 verified, session keys derived.  Every multi-byte field is
 * little-endian (pchat_le.h); every offset a client sends is checked against the
 * message's length before it is used.
 */
#include <string.h>
#include <sys/random.h>

#include <nettle/arcfour.h>
#include <nettle/base64.h>
#include <nettle/hmac.h>
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <nettle/memops.h>

#include "pchat_le.h"
#include "pchat_ntlm.h"
#include "pchat_utf16.h"

static const uint8_t signature[8] = "NTLMSSP";

const char *pchat_ntlm_strerror(int err)
{
	static const char *const text[] = {"ok", "gssapi-data is not base64",
			"message or name too long", "message shorter than its header",
			"not an NTLMSSP message of the expected type",
			"a field lies outside the message", "required NTLM flags not negotiated",
			"a name is not well-formed UTF-16", "no NTLMv2 response",
			"key exchange without a 16-byte session key",
			"NTLMv2 proof does not match (wrong password)",
			"no random numbers available", "bad argument", "not 32 hex digits",
			"bad message signature"};
	size_t i = err <= 0 ? (size_t)-err : sizeof(text) / sizeof(text[0]);
	return i < sizeof(text) / sizeof(text[0]) ? text[i] : "unknown NTLM error";
}

int pchat_ntlm_nt_hash(const char *password, uint8_t out[PCHAT_NTLM_HASH_LEN])
{
	uint8_t u16[512]; /* 255 bytes of UTF-8 take at most 510 in UTF-16 */
	struct md4_ctx ctx;
	long n = strlen(password) <= 255 ? pchat_utf16le_from_utf8(password, u16, sizeof(u16)) : -1;
	if(n < 0)
		return PCHAT_NTLM_EARG;
	md4_init(&ctx);
	md4_update(&ctx, (size_t)n, u16);
	md4_digest(&ctx, MD4_DIGEST_SIZE, out);
	explicit_bzero(u16, sizeof(u16)); /* the password */
	explicit_bzero(&ctx, sizeof(ctx));
	return PCHAT_NTLM_OK;
}

static int hex_digit(char c)
{
	if(c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20); /* lower case */
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pchat_ntlm_from_hex(const char *hex, size_t len, uint8_t out[PCHAT_NTLM_HASH_LEN])
{
	if(len != PCHAT_NTLM_HEX_LEN)
		return PCHAT_NTLM_EHEX;
	for(size_t i = 0; i < PCHAT_NTLM_HASH_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
		if(hi < 0 || lo < 0)
			return PCHAT_NTLM_EHEX;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PCHAT_NTLM_OK;
}

void pchat_ntlm_to_hex(const uint8_t in[PCHAT_NTLM_HASH_LEN], char out[PCHAT_NTLM_HEX_LEN + 1])
{
	static const char digit[] = "0123456789abcdef";
	for(size_t i = 0; i < PCHAT_NTLM_HASH_LEN; i++) {
		out[2 * i] = digit[in[i] >> 4];
		out[2 * i + 1] = digit[in[i] & 15];
	}
	out[PCHAT_NTLM_HEX_LEN] = '\0';
}

uint64_t pchat_ntlm_filetime(time_t t)
{
	/* 100 ns units; 11644473600 s from 1601-01-01 to 1970-01-01 */
	return ((uint64_t)t + 11644473600ull) * 10000000ull;
}

/* ---- CHALLENGE ([MS-NLMP] 2.2.1.2) ---- */

enum {
	CHAL_HEADER = 56, /* through the Version field; the payload follows */
	AV_EOL = 0,
	AV_NB_COMPUTER = 1,
	AV_NB_DOMAIN = 2,
	AV_DNS_COMPUTER = 3,
	AV_DNS_DOMAIN = 4,
	AV_DNS_TREE = 5,
	AV_TIMESTAMP = 7,
	NAME_BYTES_MAX = 255, /* of UTF-8 per name in the target info */
};

/* Appends the AV_PAIR id with the UTF-16LE of name to out[*n..cap): 0 or -1. */
static int av_name(uint8_t *out, size_t cap, size_t *n, uint16_t id, const char *name)
{
	long len = -1;
	if(name && strlen(name) <= NAME_BYTES_MAX && *n + 4 <= cap)
		len = pchat_utf16le_from_utf8(name, out + *n + 4, cap - *n - 4);
	if(len < 0)
		return -1;
	pchat_put_le16(out + *n, id);
	pchat_put_le16(out + *n + 2, (uint16_t)len);
	*n += 4 + (size_t)len;
	return 0;
}

/* The target info (AV pairs, [MS-NLMP] 2.2.2.1) at out[*n..cap), in the order a Lync
 * server sends them: 0 or -1. */
static int target_info(const struct pchat_ntlm_names *nm, uint64_t filetime, uint8_t *out,
		size_t cap, size_t *n)
{
	if(av_name(out, cap, n, AV_NB_DOMAIN, nm->nb_domain) < 0 ||
			av_name(out, cap, n, AV_NB_COMPUTER, nm->nb_computer) < 0 ||
			av_name(out, cap, n, AV_DNS_DOMAIN, nm->dns_domain) < 0 ||
			av_name(out, cap, n, AV_DNS_COMPUTER, nm->dns_computer) < 0 ||
			av_name(out, cap, n, AV_DNS_TREE, nm->dns_tree) < 0 || *n + 16 > cap)
		return -1;
	pchat_put_le16(out + *n, AV_TIMESTAMP);
	pchat_put_le16(out + *n + 2, 8);
	pchat_put_le64(out + *n + 4, filetime);
	pchat_put_le32(out + *n + 12, AV_EOL); /* id and length 0 */
	*n += 16;
	return 0;
}

long pchat_ntlm_challenge_build(const struct pchat_ntlm_names *names, uint64_t filetime,
		const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN], uint8_t *out, size_t cap)
{
	size_t n = CHAL_HEADER;
	if(cap < CHAL_HEADER || target_info(names, filetime, out, cap, &n) < 0)
		return PCHAT_NTLM_EARG;
	memset(out, 0, CHAL_HEADER);
	memcpy(out, signature, 8);
	pchat_put_le32(out + 8, 2);	       /* MessageType */
	pchat_put_le32(out + 16, CHAL_HEADER); /* TargetName: empty, as Lync sends it */
	pchat_put_le32(out + 20, PCHAT_NTLM_CHALLENGE_FLAGS);
	memcpy(out + 24, sc, PCHAT_NTLM_CHALLENGE_LEN);	       /* then 8 reserved bytes */
	pchat_put_le16(out + 40, (uint16_t)(n - CHAL_HEADER)); /* TargetInfo */
	pchat_put_le16(out + 42, (uint16_t)(n - CHAL_HEADER));
	pchat_put_le32(out + 44, CHAL_HEADER);
	/* Version (VERSION is negotiated): 6.1.7601, NTLMSSP_REVISION_W2K3 */
	out[48] = 6, out[49] = 1;
	pchat_put_le16(out + 50, 7601);
	out[55] = 0x0F;
	return (long)n;
}

int pchat_ntlm_challenge(const struct pchat_ntlm_names *names, uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN],
		char *b64, size_t cap)
{
	/* the header, five names of at most 255 UTF-8 bytes (510 in UTF-16), the
	 * timestamp and MsvAvEOL */
	uint8_t msg[CHAL_HEADER + 5 * (4 + 2 * NAME_BYTES_MAX) + 16];
	_Static_assert(BASE64_ENCODE_RAW_LENGTH(sizeof(msg)) < PCHAT_NTLM_CHALLENGE_B64_MAX,
			"PCHAT_NTLM_CHALLENGE_B64_MAX holds the largest CHALLENGE");
	if(getrandom(sc, PCHAT_NTLM_CHALLENGE_LEN, 0) != PCHAT_NTLM_CHALLENGE_LEN)
		return PCHAT_NTLM_ERANDOM;
	long n = pchat_ntlm_challenge_build(
			names, pchat_ntlm_filetime(time(NULL)), sc, msg, sizeof(msg));
	if(n < 0 || BASE64_ENCODE_RAW_LENGTH((size_t)n) >= cap)
		return PCHAT_NTLM_EARG;
	base64_encode_raw(b64, (size_t)n, msg);
	b64[BASE64_ENCODE_RAW_LENGTH((size_t)n)] = '\0';
	return PCHAT_NTLM_OK;
}

long pchat_ntlm_b64_decode(const char *b64, size_t len, uint8_t *out, size_t cap)
{
	struct base64_decode_ctx ctx;
	size_t n = 0;
	base64_decode_init(&ctx);
	/* in pieces, so that nettle never writes past a buffer we sized ourselves */
	for(size_t at = 0; at < len; at += 64) {
		uint8_t piece[BASE64_DECODE_LENGTH(64)];
		size_t got = 0, take = len - at < 64 ? len - at : 64;
		if(!base64_decode_update(&ctx, &got, piece, take, b64 + at))
			return PCHAT_NTLM_EBASE64;
		if(got > cap - n)
			return PCHAT_NTLM_ETOOBIG;
		memcpy(out + n, piece, got);
		n += got;
	}
	return base64_decode_final(&ctx) ? (long)n : PCHAT_NTLM_EBASE64;
}

/* ---- AUTHENTICATE ([MS-NLMP] 2.2.1.3) ---- */

enum {
	AUTH_HEADER = 64, /* through NegotiateFlags: Version and MIC are optional */
	F_LM = 12,
	F_NT = 20,
	F_DOMAIN = 28,
	F_USER = 36,
	F_WORKSTATION = 44,
	F_SESSION_KEY = 52,
	F_FLAGS = 60,
	NTPROOF = 16,	   /* NTProofStr */
	BLOB_MIN = 28 + 4, /* the NTLMv2_CLIENT_CHALLENGE through its AvPairs' EOL */
};

struct field {
	const uint8_t *p;
	size_t len;
};

/* The field whose len/maxlen/offset header is at msg + at: 0, or EFIELD if it does not
 * lie inside msg[0..len).  An empty field's offset is not looked at. */
static int field(const uint8_t *msg, size_t len, size_t at, struct field *f)
{
	size_t flen = pchat_le16(msg + at), off = pchat_le32(msg + at + 4);
	if(flen && (off > len || flen > len - off))
		return PCHAT_NTLM_EFIELD;
	f->p = flen ? msg + off : NULL;
	f->len = flen;
	return PCHAT_NTLM_OK;
}

/* The UTF-16LE name f as UTF-8 in out: 0 or an error. */
static int name(const struct field *f, char out[PCHAT_NTLM_NAME_MAX])
{
	if(f->len > PCHAT_NTLM_NAME_BYTES)
		return PCHAT_NTLM_ETOOBIG;
	if(pchat_utf16le_to_utf8(f->p, f->len, out, PCHAT_NTLM_NAME_MAX) < 0)
		return PCHAT_NTLM_ENAME;
	return PCHAT_NTLM_OK;
}

/* Reads the six fields; 0 or EFIELD. */
static int fields(const uint8_t *msg, size_t len, struct field f[6])
{
	static const size_t at[6] = {F_LM, F_NT, F_DOMAIN, F_USER, F_WORKSTATION, F_SESSION_KEY};
	for(int i = 0; i < 6; i++)
		if(field(msg, len, at[i], &f[i]) < 0)
			return PCHAT_NTLM_EFIELD;
	return PCHAT_NTLM_OK;
}

/* The checks of the fields' contents, after their bounds: 0 or an error. */
static int check_contents(const struct field f[6], struct pchat_ntlm_auth *a)
{
	int rc;
	if((a->flags & PCHAT_NTLM_REQUIRED_FLAGS) != PCHAT_NTLM_REQUIRED_FLAGS)
		return PCHAT_NTLM_EFLAGS;
	if((rc = name(&f[3], a->user)) < 0 || (rc = name(&f[2], a->domain)) < 0 ||
			(rc = name(&f[4], a->workstation)) < 0)
		return rc;
	if(!a->user[0])
		return PCHAT_NTLM_ENAME; /* anonymous */
	/* NTLMv2: NTProofStr, then a blob of RespType 1 ([MS-NLMP] 2.2.2.7); NTLMv1's
	 * response has 24 bytes */
	if(f[1].len < NTPROOF + BLOB_MIN || f[1].p[NTPROOF] != 1)
		return PCHAT_NTLM_ENOTV2;
	if((a->flags & PCHAT_NTLM_NEGOTIATE_KEY_EXCH) && f[5].len != PCHAT_NTLM_HASH_LEN)
		return PCHAT_NTLM_EKEY;
	return PCHAT_NTLM_OK;
}

int pchat_ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct pchat_ntlm_auth *a)
{
	struct field f[6];
	int rc;
	memset(a, 0, sizeof(*a));
	if(len > PCHAT_NTLM_MSG_MAX)
		return PCHAT_NTLM_ETOOBIG;
	if(len < AUTH_HEADER)
		return PCHAT_NTLM_ESHORT;
	if(memcmp(msg, signature, 8) != 0 || pchat_le32(msg + 8) != 3)
		return PCHAT_NTLM_ETYPE;
	if((rc = fields(msg, len, f)) < 0)
		return rc;
	a->flags = pchat_le32(msg + F_FLAGS);
	if((rc = check_contents(f, a)) < 0)
		return rc;
	a->domain16 = f[2].p, a->domain16_len = f[2].len;
	a->user16 = f[3].p, a->user16_len = f[3].len;
	a->nt_response = f[1].p, a->nt_response_len = f[1].len;
	a->enc_session_key = (a->flags & PCHAT_NTLM_NEGOTIATE_KEY_EXCH) ? f[5].p : NULL;
	return PCHAT_NTLM_OK;
}

/* ---- NTLMv2 ([MS-NLMP] 3.3.2) and the session keys (3.4.5) ---- */

/* NTOWFv2: HMAC_MD5(NT hash, UPPER(user) + domain), both UTF-16LE.  Upper case is
 * ASCII's only, as pidgin-sipe computes it (Windows would upcase all of Unicode). */
static void ntowfv2(const struct pchat_ntlm_auth *a, const uint8_t nt_hash[16], uint8_t out[16])
{
	uint8_t user[PCHAT_NTLM_NAME_BYTES];
	struct hmac_md5_ctx ctx;
	memcpy(user, a->user16, a->user16_len);
	for(size_t i = 0; i < a->user16_len; i += 2)
		if(user[i + 1] == 0 && user[i] >= 'a' && user[i] <= 'z')
			user[i] = (uint8_t)(user[i] - 'a' + 'A');
	hmac_md5_set_key(&ctx, 16, nt_hash);
	hmac_md5_update(&ctx, a->user16_len, user);
	if(a->domain16_len)
		hmac_md5_update(&ctx, a->domain16_len, a->domain16);
	hmac_md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

/* HMAC_MD5(key, a + b) into out. */
static void hmac2(const uint8_t key[16], const uint8_t *a, size_t alen, const uint8_t *b,
		size_t blen, uint8_t out[16])
{
	struct hmac_md5_ctx ctx;
	hmac_md5_set_key(&ctx, 16, key);
	hmac_md5_update(&ctx, alen, a);
	if(blen)
		hmac_md5_update(&ctx, blen, b);
	hmac_md5_digest(&ctx, MD5_DIGEST_SIZE, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

int pchat_ntlm_verify(const struct pchat_ntlm_auth *a, const uint8_t nt_hash[PCHAT_NTLM_HASH_LEN],
		const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN], struct pchat_ntlm_session *s)
{
	uint8_t key[16], proof[16], base_key[16], exported[16];
	const uint8_t *blob = a->nt_response + NTPROOF;
	if(a->user16_len > PCHAT_NTLM_NAME_BYTES || a->nt_response_len < NTPROOF + BLOB_MIN)
		return PCHAT_NTLM_EARG; /* not what pchat_ntlm_parse_authenticate() accepts */
	ntowfv2(a, nt_hash, key);
	hmac2(key, sc, PCHAT_NTLM_CHALLENGE_LEN, blob, a->nt_response_len - NTPROOF, proof);
	int ok = memeql_sec(proof, a->nt_response, NTPROOF); /* no timing to learn from */
	if(ok) {
		hmac2(key, proof, sizeof(proof), NULL, 0, base_key); /* SessionBaseKey */
		/* KeyExchangeKey is SessionBaseKey in NTLMv2 (KXKEY); with KEY_EXCH the
		 * client chose the session key and sent it RC4-encrypted under it */
		memcpy(exported, base_key, sizeof(exported));
		if(a->enc_session_key) {
			struct arcfour_ctx rc4;
			arcfour_set_key(&rc4, sizeof(base_key), base_key);
			arcfour_crypt(&rc4, sizeof(exported), exported, a->enc_session_key);
			explicit_bzero(&rc4, sizeof(rc4));
		}
		pchat_ntlm_session_keys(a->flags, exported, s);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(base_key, sizeof(base_key));
	explicit_bzero(exported, sizeof(exported));
	return ok ? PCHAT_NTLM_OK : PCHAT_NTLM_EDENIED;
}

/* MD5(key[0..len) + magic, its NUL included) into out: SIGNKEY's and SEALKEY's step. */
static void magic_key(const uint8_t *key, size_t len, const char *magic, uint8_t out[16])
{
	struct md5_ctx ctx;
	md5_init(&ctx);
	md5_update(&ctx, len, key);
	md5_update(&ctx, strlen(magic) + 1, (const uint8_t *)magic);
	md5_digest(&ctx, MD5_DIGEST_SIZE, out);
}

void pchat_ntlm_session_keys(uint32_t flags, const uint8_t exported[PCHAT_NTLM_HASH_LEN],
		struct pchat_ntlm_session *s)
{
	/* SEALKEY keeps 128, 56 or 40 bits of the session key, as negotiated */
	size_t seal_len = (flags & PCHAT_NTLM_NEGOTIATE_128) ? 16
			: (flags & PCHAT_NTLM_NEGOTIATE_56)  ? 7
							     : 5;
	s->flags = flags;
	memcpy(s->exported_key, exported, PCHAT_NTLM_HASH_LEN);
	magic_key(exported, 16, "session key to client-to-server signing key magic constant",
			s->client_sign);
	magic_key(exported, 16, "session key to server-to-client signing key magic constant",
			s->server_sign);
	magic_key(exported, seal_len, "session key to client-to-server sealing key magic constant",
			s->client_seal);
	magic_key(exported, seal_len, "session key to server-to-client sealing key magic constant",
			s->server_seal);
}
