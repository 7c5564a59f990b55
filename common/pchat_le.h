/*
 * pchat_le.h - little-endian integers in byte buffers, the byte order of every NTLM
 * structure ([MS-NLMP] 2.2), read and written byte by byte so that neither the host's
 * byte order nor alignment matters.
 */
#ifndef PCHAT_LE_H
#define PCHAT_LE_H

#include <stdint.h>

static inline uint16_t pchat_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t pchat_le32(const uint8_t *p)
{
	return (uint32_t)pchat_le16(p) | (uint32_t)pchat_le16(p + 2) << 16;
}

static inline void pchat_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void pchat_put_le32(uint8_t *p, uint32_t v)
{
	pchat_put_le16(p, (uint16_t)v);
	pchat_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void pchat_put_le64(uint8_t *p, uint64_t v)
{
	pchat_put_le32(p, (uint32_t)v);
	pchat_put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
