/*
 * pchat_log.h - leveled logging to stderr, one line per call, UTC timestamps, for
 * pchatd and pchat-compliance alike ("<time> <log_ident>[pid] <level>: <text>").
 * What each level is for, and the key=value form of the text: docs/OPERATIONS.md, Logs.
 *
 * Safe to call from the DB worker thread too: each line is formatted into a local
 * buffer and written with a single stdio call, which glibc serialises.  Every line is
 * one line: log_msg() escapes the control bytes of the text it formats (a client's
 * newline cannot start a forged line), whatever its arguments hold.
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

/* Atomic: the loop changes it at run time (log_step) while the worker threads log. */
extern _Atomic enum log_level log_threshold;
/* The program's name in each line; main() sets it ("pchatd" unless told). */
extern const char *log_ident;

/* Parses "error", "warn", "info" or "debug"; returns 0 or -1. */
int log_parse_level(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Moves the threshold by delta levels (+1 more detail, -1 less), within error..debug,
 * and says so in a line written whatever the new level ("log level now debug (was
 * info, SIGUSR1)"), so that the change is always on record.  The programs call it
 * for SIGUSR1 (+1) and SIGUSR2 (-1).  Returns the new level.
 */
enum log_level log_step(int delta, const char *cause);

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
 * become "\r" and "\n"; a cut is marked "...".  Returns dst.
 */
char *log_safe(char *dst, size_t dstlen, const char *src, size_t len);

/*
 * Untrusted text as the value of a key=value (user agents, names, URIs a client sent):
 * as it is when it is one plain word (no space, control byte, '"', '\' or '='), else
 * within double quotes, '"' and '\' escaped by a '\' and the rest as log_safe()
 * does, so that it cannot pass for more keys.
 */
char *log_value(char *dst, size_t dstlen, const char *src, size_t len);

#endif
