/*
 * reload.h - follows administrative changes while pchatd runs.
 *
 * Every second the DB worker reads server_config (a handful of rows by primary
 * key, queued like any job, so the loop never waits).  Its limits apply at once;
 * when `revision` differs from the last one seen (pchat-admin and the web service
 * bump it on every change), every room is read again (rooms_reload_apply).
 *
 * server_config rows win over the command-line options, which stay the values
 * used while (or if) the database has no such row or an unusable value:
 *   DefaultChatHistory      1..500, capped by --bccontext-max   (cfg.default_chat_history)
 *   ParticipantUpdateLimit  1..1000000  (--participant-update-limit)
 *   MessageSizeLimit        1..32768    (--message-max-bytes)
 *   SearchLimit             1..10000    (cfg.search_limit)
 */
#ifndef PCHAT_RELOAD_H
#define PCHAT_RELOAD_H

struct event_base;
struct config;

/* Starts polling (the first poll runs at once). */
int reload_start(struct event_base *base);
void reload_stop(void);
/* Applies server_config values (DB_SERVER_CONFIG's conf[], -1 = no row) to c;
 * defaults are the options' values, taken on the first call. */
void reload_apply_config(struct config *c, const long long *conf);
/* Forgets the saved option values and the revision seen (tests). */
void reload_reset(void);

#endif
