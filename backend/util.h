/*
 * util.h - allocation that cannot fail, server clock and timestamp formatting.
 */
#ifndef PCHAT_UTIL_H
#define PCHAT_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * Like Redis' zmalloc: running out of memory is not a condition this daemon can
 * recover from meaningfully, so these log and abort instead of returning NULL.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A monotonic clock in milliseconds (deadlines; thread-safe). */
uint64_t mono_ms(void);

/* The server clock (UTC), truncated to whole milliseconds. */
void clock_now_ms(struct timespec *ts);

/* Length of an XCCOS timestamp "YYYY-MM-DDTHH:MM:SS.mmmZ" plus its NUL. */
#define TS_BUFSZ 32

/* Formats a UTC time as "YYYY-MM-DDTHH:MM:SS.mmmZ" (the form sipe's GLib parser reads). */
void format_ts(char out[TS_BUFSZ], time_t sec, unsigned ms);

/* Parses an unsigned decimal; returns 0 on success (whole string, no sign, in range). */
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/* A random-ish 64-bit value (getrandom, or time and pid if that fails). */
uint64_t random_u64(void);

/* ADDR:PORT ("[v6]:PORT" too; config.c checked the form) as passive socket addresses
 * of type socktype, to free with freeaddrinfo; NULL (logged, naming the option) if
 * it does not resolve. */
struct addrinfo *resolve_address(const char *option, const char *spec, int socktype);

#endif
