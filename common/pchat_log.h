/*
 * pchat_log.h - leveled logging to stderr, one line per call, UTC timestamps, for
 * pchatd and pchat-compliance alike ("<time> <log_ident>[pid] <level>: <text>").
 *
 * Safe to call from the DB worker thread too: each line is formatted into a local
 * buffer and written with a single stdio call, which glibc serialises.
 */
#ifndef PCHAT_LOG_H
#define PCHAT_LOG_H

#include <stddef.h>

/* Not LOG_INFO etc.: those names belong to <syslog.h>. */
enum log_level {
	LL_ERROR = 0,
	LL_WARN,
	LL_INFO,
	LL_DEBUG,
};

extern enum log_level log_threshold;
/* The program's name in each line; main() sets it ("pchatd" unless told). */
extern const char *log_ident;

/* Parses "error", "warn", "info" or "debug"; returns 0 or -1. */
int log_parse_level(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_enabled(level) ((level) <= log_threshold)
#define log_error(...) log_msg(LL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...)                                  \
	do {                                            \
		if(log_enabled(LL_DEBUG))               \
			log_msg(LL_DEBUG, __VA_ARGS__); \
	} while(0)

/*
 * Copies at most len bytes of untrusted text into dst (size dstlen, NUL-terminated)
 * so that it can be logged on one line: control bytes become '?', CR and LF
 * become "\r" and "\n".  Returns dst.
 */
char *log_safe(char *dst, size_t dstlen, const char *src, size_t len);

#endif
