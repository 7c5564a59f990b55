/*
 * pchat_ntlm.h - the server (acceptor) side of connectionless NTLM as [MS-SIPAE] uses
 * it to authenticate SIP clients (Lync / Skype for Business, pidgin-sipe): the
 * CHALLENGE message, the AUTHENTICATE message parsed and its NTLMv2 response
 * verified against the user's NT hash, and the session keys that sign every later
 * message (pchat_ntlm_mac.h).  [MS-NLMP] sections are cited where they apply.
 *
 * The flow, as the Kamailio module drives it (kamailio-module/pchat_ntlm_auth.c;
 * docs/ARCHITECTURE.md, "NTLM in the module"):
 *   1. REGISTER with gssapi-data="": pchat_ntlm_challenge() gives the CHALLENGE in
 *      base64 and its 8-byte server challenge, which the module keeps (keyed by the
 *      opaque it sends) until the client answers.
 *   2. REGISTER with gssapi-data=<AUTHENTICATE>: pchat_ntlm_b64_decode(), then
 *      pchat_ntlm_parse_authenticate() (names, no secret needed); the module maps
 *      user/domain to a subscriber row and reads its nt_hash (pchat_ntlm_from_hex),
 *      then pchat_ntlm_verify() checks the proof and fills the session keys.
 * Only NTLMv2 with extended session security in datagram (connectionless) mode is
 * accepted: that is what every [MS-SIPAE] client sends, and it is the only mode whose
 * signatures need no state shared between messages.
 *
 * Cryptography from nettle (MD4, MD5, HMAC-MD5, ARC4, base64): OpenSSL 3 keeps MD4 and
 * RC4 in its legacy provider only, which a system need not enable.  Pure functions but
 * for pchat_ntlm_challenge()'s random numbers (getrandom(2)); no allocation.
 */
#ifndef PCHAT_NTLM_H
#define PCHAT_NTLM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* NegotiateFlags ([MS-NLMP] 2.2.2.5), those this code sends or looks at. */
#define PCHAT_NTLM_NEGOTIATE_UNICODE 0x00000001u
#define PCHAT_NTLM_NEGOTIATE_OEM 0x00000002u
#define PCHAT_NTLM_REQUEST_TARGET 0x00000004u
#define PCHAT_NTLM_NEGOTIATE_SIGN 0x00000010u
#define PCHAT_NTLM_NEGOTIATE_SEAL 0x00000020u
#define PCHAT_NTLM_NEGOTIATE_DATAGRAM 0x00000040u
#define PCHAT_NTLM_NEGOTIATE_LM_KEY 0x00000080u
#define PCHAT_NTLM_NEGOTIATE_NTLM 0x00000200u
#define PCHAT_NTLM_NEGOTIATE_ALWAYS_SIGN 0x00008000u
#define PCHAT_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY 0x00080000u
#define PCHAT_NTLM_NEGOTIATE_IDENTIFY 0x00100000u
#define PCHAT_NTLM_NEGOTIATE_TARGET_INFO 0x00800000u
#define PCHAT_NTLM_NEGOTIATE_VERSION 0x02000000u
#define PCHAT_NTLM_NEGOTIATE_128 0x20000000u
#define PCHAT_NTLM_NEGOTIATE_KEY_EXCH 0x40000000u
#define PCHAT_NTLM_NEGOTIATE_56 0x80000000u

/* The flags of our CHALLENGE: those of a real Lync 2013 server's (0xE29882F3), which
 * pidgin-sipe requires (it refuses a CHALLENGE without UNICODE, NTLM, ALWAYS_SIGN,
 * EXTENDED_SESSIONSECURITY, TARGET_INFO, SIGN, DATAGRAM, IDENTIFY and KEY_EXCH). */
#define PCHAT_NTLM_CHALLENGE_FLAGS                                                             \
	(PCHAT_NTLM_NEGOTIATE_UNICODE | PCHAT_NTLM_NEGOTIATE_OEM | PCHAT_NTLM_NEGOTIATE_SIGN | \
			PCHAT_NTLM_NEGOTIATE_SEAL | PCHAT_NTLM_NEGOTIATE_DATAGRAM |            \
			PCHAT_NTLM_NEGOTIATE_LM_KEY | PCHAT_NTLM_NEGOTIATE_NTLM |              \
			PCHAT_NTLM_NEGOTIATE_ALWAYS_SIGN |                                     \
			PCHAT_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |                        \
			PCHAT_NTLM_NEGOTIATE_IDENTIFY | PCHAT_NTLM_NEGOTIATE_TARGET_INFO |     \
			PCHAT_NTLM_NEGOTIATE_VERSION | PCHAT_NTLM_NEGOTIATE_128 |              \
			PCHAT_NTLM_NEGOTIATE_KEY_EXCH | PCHAT_NTLM_NEGOTIATE_56)

/* What an AUTHENTICATE message must have negotiated for us to accept it (above). */
#define PCHAT_NTLM_REQUIRED_FLAGS                                   \
	(PCHAT_NTLM_NEGOTIATE_UNICODE | PCHAT_NTLM_NEGOTIATE_SIGN | \
			PCHAT_NTLM_NEGOTIATE_DATAGRAM |             \
			PCHAT_NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY)

#define PCHAT_NTLM_CHALLENGE_LEN 8 /* the server challenge */
#define PCHAT_NTLM_HASH_LEN 16	   /* an NT hash, a key */
#define PCHAT_NTLM_HEX_LEN 32	   /* the same in hex */
/* The largest AUTHENTICATE message accepted (decoded bytes): room for every AV pair a
 * client adds to our target info, far below what would cost us anything. */
#define PCHAT_NTLM_MSG_MAX 4096
/* The longest user, domain or workstation name accepted: 256 UTF-16 code units,
 * which take at most 3 bytes each in UTF-8 (a pair takes 4 for 2 units), plus NUL. */
#define PCHAT_NTLM_NAME_UNITS 256
#define PCHAT_NTLM_NAME_BYTES 512 /* the same in UTF-16LE bytes */
#define PCHAT_NTLM_NAME_MAX (3 * PCHAT_NTLM_NAME_UNITS + 1)
/* The base64 of the largest CHALLENGE we build (pchat_ntlm_challenge()), with NUL. */
#define PCHAT_NTLM_CHALLENGE_B64_MAX 4096

/* Errors: negative, one per way an input can be wrong (pchat_ntlm_strerror). */
enum pchat_ntlm_err {
	PCHAT_NTLM_OK = 0,
	PCHAT_NTLM_EBASE64 = -1,  /* gssapi-data is not base64 */
	PCHAT_NTLM_ETOOBIG = -2,  /* a message over PCHAT_NTLM_MSG_MAX, a name too long */
	PCHAT_NTLM_ESHORT = -3,	  /* shorter than the message's fixed header */
	PCHAT_NTLM_ETYPE = -4,	  /* not "NTLMSSP\0" with MessageType 3 */
	PCHAT_NTLM_EFIELD = -5,	  /* a field's offset + length outside the message */
	PCHAT_NTLM_EFLAGS = -6,	  /* a flag of PCHAT_NTLM_REQUIRED_FLAGS missing */
	PCHAT_NTLM_ENAME = -7,	  /* a name not well-formed UTF-16LE (or empty user) */
	PCHAT_NTLM_ENOTV2 = -8,	  /* no NTLMv2 response (NTLMv1, anonymous, bad blob) */
	PCHAT_NTLM_EKEY = -9,	  /* KEY_EXCH without a 16-byte EncryptedRandomSessionKey */
	PCHAT_NTLM_EDENIED = -10, /* the proof does not match: wrong password */
	PCHAT_NTLM_ERANDOM = -11, /* no random numbers (getrandom failed) */
	PCHAT_NTLM_EARG = -12,	  /* a bad argument: output too small, bad server name */
	PCHAT_NTLM_EHEX = -13,	  /* not 32 hex digits (a stored NT hash, a signature) */
	PCHAT_NTLM_EBADSIG = -14, /* a message signature that does not verify */
};

/* A short English description of err, for logs. */
const char *pchat_ntlm_strerror(int err);

/* The server's names, sent in the CHALLENGE's target info ([MS-NLMP] 2.2.2.1), UTF-8:
 * e.g. "EXAMPLE", "CHAT1", "example.com", "chat1.example.com", "example.com". */
struct pchat_ntlm_names {
	const char *nb_domain, *nb_computer, *dns_domain, *dns_computer, *dns_tree;
};

/* The AUTHENTICATE message, parsed (pchat_ntlm_parse_authenticate).  The pointers
 * point into the message, which must outlive this. */
struct pchat_ntlm_auth {
	uint32_t flags; /* NegotiateFlags: in connectionless NTLM, the negotiated ones */
	char user[PCHAT_NTLM_NAME_MAX], domain[PCHAT_NTLM_NAME_MAX];
	char workstation[PCHAT_NTLM_NAME_MAX];
	const uint8_t *user16, *domain16; /* UTF-16LE, as NTOWFv2 hashes them */
	size_t user16_len, domain16_len;
	const uint8_t *nt_response; /* NTProofStr (16) + the client's blob */
	size_t nt_response_len;
	const uint8_t *enc_session_key; /* 16 bytes if KEY_EXCH, else NULL */
};

/* The keys of an authenticated session ([MS-NLMP] 3.4.5): plain bytes, no pointers,
 * so that the module can copy the struct into shared memory as it is. */
struct pchat_ntlm_session {
	uint32_t flags;
	uint8_t exported_key[PCHAT_NTLM_HASH_LEN];
	uint8_t client_sign[PCHAT_NTLM_HASH_LEN], client_seal[PCHAT_NTLM_HASH_LEN];
	uint8_t server_sign[PCHAT_NTLM_HASH_LEN], server_seal[PCHAT_NTLM_HASH_LEN];
};

/* MD4(UTF-16LE(password)) ([MS-NLMP] 3.3.1, NTOWFv1), what subscriber.nt_hash holds in
 * hex: 0, or PCHAT_NTLM_EARG if password is not UTF-8 or longer than 256 characters. */
int pchat_ntlm_nt_hash(const char *password, uint8_t out[PCHAT_NTLM_HASH_LEN]);

/* 32 hex digits (either case) hex[0..len) as 16 bytes: subscriber.nt_hash, a SIP
 * response="..." signature.  0, or PCHAT_NTLM_EHEX (an empty nt_hash column: a user
 * whose password was set before migration 016). */
int pchat_ntlm_from_hex(const char *hex, size_t len, uint8_t out[PCHAT_NTLM_HASH_LEN]);

/* 16 bytes as 32 lowercase hex digits and a NUL (rspauth="...", response="..."). */
void pchat_ntlm_to_hex(const uint8_t in[PCHAT_NTLM_HASH_LEN], char out[PCHAT_NTLM_HEX_LEN + 1]);

/* Windows time (100 ns since 1601, [MS-DTYP] FILETIME) of t, for MsvAvTimestamp. */
uint64_t pchat_ntlm_filetime(time_t t);

/* The CHALLENGE message for server challenge sc and time filetime into out (cap
 * bytes): its length, or PCHAT_NTLM_EARG (a name NULL, not UTF-8, over 255
 * characters, or no room).  Deterministic: the tests' entry point. */
long pchat_ntlm_challenge_build(const struct pchat_ntlm_names *names, uint64_t filetime,
		const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN], uint8_t *out, size_t cap);

/* A CHALLENGE with a fresh server challenge from the kernel's CSPRNG, now's time,
 * base64-encoded (NUL-terminated) into b64 (PCHAT_NTLM_CHALLENGE_B64_MAX bytes is
 * always enough) for gssapi-data; the server challenge in sc.  0 or an error. */
int pchat_ntlm_challenge(const struct pchat_ntlm_names *names, uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN],
		char *b64, size_t cap);

/* The base64 text b64[0..len) decoded into out (cap bytes): its length, or
 * PCHAT_NTLM_EBASE64 (not base64), PCHAT_NTLM_ETOOBIG (more than cap bytes). */
long pchat_ntlm_b64_decode(const char *b64, size_t len, uint8_t *out, size_t cap);

/* Parses the AUTHENTICATE message msg[0..len) into *a, checking every field lies
 * inside it: 0 or an error (ETOOBIG, ESHORT, ETYPE, EFIELD, EFLAGS, ENAME, ENOTV2,
 * EKEY).  Needs no secret: the names say whose NT hash to look up. */
int pchat_ntlm_parse_authenticate(const uint8_t *msg, size_t len, struct pchat_ntlm_auth *a);

/* Verifies the parsed AUTHENTICATE's NTLMv2 response against nt_hash and the server
 * challenge sc our CHALLENGE carried ([MS-NLMP] 3.3.2, 3.2.5.1.2) and, if it holds,
 * fills *s with the session keys: 0, or PCHAT_NTLM_EDENIED (PCHAT_NTLM_EARG for an
 * *a that pchat_ntlm_parse_authenticate() did not fill). */
int pchat_ntlm_verify(const struct pchat_ntlm_auth *a, const uint8_t nt_hash[PCHAT_NTLM_HASH_LEN],
		const uint8_t sc[PCHAT_NTLM_CHALLENGE_LEN], struct pchat_ntlm_session *s);

/* The four signing and sealing keys from the exported session key ([MS-NLMP] 3.4.5.2
 * SIGNKEY, 3.4.5.3 SEALKEY with extended session security), into *s with flags. */
void pchat_ntlm_session_keys(uint32_t flags, const uint8_t exported[PCHAT_NTLM_HASH_LEN],
		struct pchat_ntlm_session *s);

#endif
