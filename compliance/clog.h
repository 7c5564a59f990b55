/*
 * clog.h - pchat-compliance's log: one line per call on stderr, with a UTC timestamp
 * and the level, as pchatd's (backend/log.c) so that both read alike in a journal:
 *     2024-05-01T12:00:00.123Z pchat-compliance[42] info: run: 10 events, ...
 */
#ifndef PCHAT_CLOG_H
#define PCHAT_CLOG_H

enum clog_level { CLOG_ERROR, CLOG_WARN, CLOG_INFO, CLOG_DEBUG };

/* Lines above this level are dropped (--log-level). */
extern enum clog_level clog_threshold;

/* "error", "warn", "info" or "debug": 0, else -1. */
int clog_parse_level(const char *name, enum clog_level *out);

void clog_msg(enum clog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define clog_error(...) clog_msg(CLOG_ERROR, __VA_ARGS__)
#define clog_warn(...) clog_msg(CLOG_WARN, __VA_ARGS__)
#define clog_info(...) clog_msg(CLOG_INFO, __VA_ARGS__)
#define clog_debug(...) clog_msg(CLOG_DEBUG, __VA_ARGS__)

#endif
