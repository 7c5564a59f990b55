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

enum log_level log_threshold = LL_INFO;
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

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[4096];
	struct timespec now;
	struct tm tm;
	size_t n;
	va_list ap;

	if(!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			".%03ldZ %s[%d] %s: ", now.tv_nsec / 1000000, log_ident, (int)getpid(),
			level_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* One fputs per line so that lines of the two threads never interleave. */
	n = strlen(line);
	if(n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
}

char *log_safe(char *dst, size_t dstlen, const char *src, size_t len)
{
	size_t i, o = 0;

	if(dstlen < 8) {
		if(dstlen > 0)
			dst[0] = '\0';
		return dst;
	}
	/* Keep 4 bytes for "..." and the NUL. */
	for(i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)src[i];
		size_t need = ch == '\n' || ch == '\r' ? 2 : 1;
		if(o + need > dstlen - 4)
			break;
		if(need == 2) {
			dst[o++] = '\\';
			dst[o++] = ch == '\n' ? 'n' : 'r';
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
	dst[o] = '\0';
	return dst;
}
