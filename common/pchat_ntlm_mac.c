/*
 * pchat_ntlm_mac.c - message signatures of connectionless NTLM (pchat_ntlm_mac.h).
 */
#include <string.h>

#include <nettle/arcfour.h>
#include <nettle/hmac.h>
#include <nettle/md5.h>
#include <nettle/memops.h>

#include "pchat_le.h"
#include "pchat_ntlm_mac.h"

void pchat_ntlm_checksum(const uint8_t sign_key[PCHAT_NTLM_HASH_LEN], uint32_t seq, const void *msg,
		size_t len, uint8_t out[8])
{
	struct hmac_md5_ctx ctx;
	uint8_t seq_le[4], md[MD5_DIGEST_SIZE];
	pchat_put_le32(seq_le, seq);
	hmac_md5_set_key(&ctx, PCHAT_NTLM_HASH_LEN, sign_key);
	hmac_md5_update(&ctx, sizeof(seq_le), seq_le);
	if(len)
		hmac_md5_update(&ctx, len, msg);
	hmac_md5_digest(&ctx, sizeof(md), md);
	memcpy(out, md, 8);
}

/* RC4 of the checksum under the message's own key, MD5(seal_key + SeqNum). */
static void seal_checksum(
		const uint8_t seal_key[PCHAT_NTLM_HASH_LEN], uint32_t seq, uint8_t checksum[8])
{
	struct md5_ctx md5;
	struct arcfour_ctx rc4;
	uint8_t seq_le[4], key[MD5_DIGEST_SIZE];
	pchat_put_le32(seq_le, seq);
	md5_init(&md5);
	md5_update(&md5, PCHAT_NTLM_HASH_LEN, seal_key);
	md5_update(&md5, sizeof(seq_le), seq_le);
	md5_digest(&md5, sizeof(key), key);
	arcfour_set_key(&rc4, sizeof(key), key);
	arcfour_crypt(&rc4, 8, checksum, checksum);
}

void pchat_ntlm_mac(uint32_t flags, const uint8_t sign_key[PCHAT_NTLM_HASH_LEN],
		const uint8_t seal_key[PCHAT_NTLM_HASH_LEN], uint32_t seq, const void *msg,
		size_t len, uint8_t sig[PCHAT_NTLM_SIG_LEN])
{
	pchat_put_le32(sig, 1); /* Version */
	pchat_ntlm_checksum(sign_key, seq, msg, len, sig + 4);
	if(flags & PCHAT_NTLM_NEGOTIATE_KEY_EXCH)
		seal_checksum(seal_key, seq, sig + 4);
	pchat_put_le32(sig + 12, seq);
}

void pchat_ntlm_sign(const struct pchat_ntlm_session *s, uint32_t seq, const void *msg, size_t len,
		uint8_t sig[PCHAT_NTLM_SIG_LEN])
{
	pchat_ntlm_mac(s->flags, s->server_sign, s->server_seal, seq, msg, len, sig);
}

int pchat_ntlm_check(const struct pchat_ntlm_session *s, uint32_t seq, const void *msg, size_t len,
		const uint8_t sig[PCHAT_NTLM_SIG_LEN])
{
	uint8_t want[PCHAT_NTLM_SIG_LEN];
	pchat_ntlm_mac(s->flags, s->client_sign, s->client_seal, seq, msg, len, want);
	return memeql_sec(want, sig, sizeof(want)) ? PCHAT_NTLM_OK : PCHAT_NTLM_EBADSIG;
}
