/*
 * pchat_log.c - see pchat_log.h.
 */
#include "pchat_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

_Atomic enum log_level log_threshold = LL_INFO;
const char *log_ident = "pchatd";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_parse_level(const char *name, enum log_level *out)
{
	size_t i;
	for(i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if(strcasecmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}

/* One line, whatever the threshold: the callers check it. */
__attribute__((format(printf, 2, 0))) static void write_line(
		enum log_level level, const char *fmt, va_list ap)
{
	char text[4000], line[4096];
	struct timespec now;
	struct tm tm;
	size_t n, len;
	int want = vsnprintf(text, sizeof(text), fmt, ap);

	len = want < 0 ? 0 : (size_t)want;
	if(len >= sizeof(text)) {
		/* Mark the cut so that a truncated line is not mistaken for the whole. */
		len = sizeof(text) - 1;
		memcpy(text + len - 3, "...", 4); /* with the NUL, at text[len] */
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			".%03ldZ %s[%d] %s: ", now.tv_nsec / 1000000, log_ident, (int)getpid(),
			level_names[level]);
	/* The text holds what clients sent (names, user agents, parse errors): escaped
	 * here, once for every caller, so that it stays on this line. */
	log_safe(line + n, sizeof(line) - n - 1, text, len);
	n += strlen(line + n);
	line[n++] = '\n';
	line[n] = '\0';
	/* One fputs per line so that lines of the two threads never interleave. */
	fputs(line, stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if(!log_enabled(level))
		return;
	va_start(ap, fmt);
	write_line(level, fmt, ap);
	va_end(ap);
}

static void write_always(enum log_level level, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

static void write_always(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	write_line(level, fmt, ap);
	va_end(ap);
}

enum log_level log_step(int delta, const char *cause)
{
	enum log_level was = log_threshold;
	int to = (int)was + delta;

	if(to < (int)LL_ERROR)
		to = LL_ERROR;
	if(to > (int)LL_DEBUG)
		to = LL_DEBUG;
	log_threshold = (enum log_level)to;
	/* Labelled info, the level of lifecycle events, but written even below it. */
	write_always(LL_INFO, "log level now %s (was %s, %s)", level_names[to], level_names[was],
			cause);
	return (enum log_level)to;
}

/* The letter that follows a '\' for ch, or '\0' if ch is not escaped that way. */
static char escape_of(unsigned char ch, int quoted)
{
	switch(ch) {
		case '\n': return 'n';
		case '\r': return 'r';
		case '"':
		case '\\': return quoted ? (char)ch : '\0';
		default: return '\0';
	}
}

/* log_safe() and log_value(): quoted adds the quotes and escapes '"' and '\'. */
static char *escape(char *dst, size_t dstlen, const char *src, size_t len, int quoted)
{
	/* Kept for "...", the closing quote and the NUL. */
	const size_t tail = quoted ? 5 : 4;
	size_t i, o = 0;

	if(dstlen < 8) {
		if(dstlen > 0)
			dst[0] = '\0';
		return dst;
	}
	if(quoted)
		dst[o++] = '"';
	for(i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		char esc = escape_of(ch, quoted);
		if(o + (esc ? 2 : 1) > dstlen - tail)
			break;
		if(esc) {
			dst[o++] = '\\';
			dst[o++] = esc;
		} else if(ch < 0x20 || ch == 0x7f) {
			dst[o++] = '?';
		} else {
			dst[o++] = (char)ch;
		}
	}
	if(i < len) {
		/* Mark the cut so that a truncated line is not mistaken for the whole. */
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	if(quoted)
		dst[o++] = '"';
	dst[o] = '\0';
	return dst;
}

char *log_safe(char *dst, size_t dstlen, const char *src, size_t len)
{
	return escape(dst, dstlen, src, len, 0);
}

char *log_value(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t i;
	int plain = len > 0;

	for(i = 0; plain && i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		plain = ch > 0x20 && ch != 0x7f && ch != '"' && ch != '\\' && ch != '=';
	}
	return escape(dst, dstlen, src, len, !plain);
}
