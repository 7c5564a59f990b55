/*
 * clog.c - see clog.h.
 */
#include "clog.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

enum clog_level clog_threshold = CLOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int clog_parse_level(const char *name, enum clog_level *out)
{
	size_t i;
	for(i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if(strcasecmp(name, level_names[i]) == 0) {
			*out = (enum clog_level)i;
			return 0;
		}
	}
	return -1;
}

void clog_msg(enum clog_level level, const char *fmt, ...)
{
	char line[4096];
	struct timespec now;
	struct tm tm;
	size_t n;
	va_list ap;

	if(level > clog_threshold)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n,
			".%03ldZ pchat-compliance[%d] %s: ", now.tv_nsec / 1000000, (int)getpid(),
			level_names[level]);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* one write per line: a journal or a test reading stderr never sees half a line */
	n = strlen(line);
	if(n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	line[n] = '\0';
	fputs(line, stderr);
}
