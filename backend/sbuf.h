/*
 * sbuf.h - a growable byte buffer, always NUL-terminated, for building XML.
 */
#ifndef PCHAT_SBUF_H
#define PCHAT_SBUF_H

#include <stddef.h>

struct sbuf {
	char *buf; /* NUL-terminated once anything was added; NULL before */
	size_t len;
	size_t cap;
};

#define SBUF_INIT          \
	{                  \
		NULL, 0, 0 \
	}

void sbuf_init(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb); /* empties it, keeps the memory */
void sbuf_add(struct sbuf *sb, const char *data, size_t len);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The content as a C string ("" when empty). */
const char *sbuf_str(const struct sbuf *sb);

#endif
