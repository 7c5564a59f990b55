/*
 * reload.h - follows administrative changes while pchatd runs.
 *
 * Every second the DB writer reads server_config (a handful of rows by primary
 * key, queued like any job, so the loop never waits).  Its limits apply at once;
 * when `revision` differs from the last one seen (pchat-admin and the web service
 * bump it on every change), every cached room is read again (rooms_refresh) and
 * every present session that lost the right to be in a room is put out of it
 * (room_evict_unauthorized).
 *
 * server_config rows win over the command-line options, which stay the values
 * used while (or if) the database has no such row or a value outside the range of
 * common/pchat_settings.h (the table pchat-admin validates with too):
 *   DefaultChatHistory      (also capped by --bccontext-max)   (cfg.default_chat_history)
 *   ParticipantUpdateLimit  (--participant-update-limit)
 *   MessageSizeLimit        (--message-max-bytes)
 *   SearchLimit             (cfg.search_limit)
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
/* Reads the configuration and every cached room again now, and applies them (the
 * web service calls it after a change; the poll does the same by itself within a
 * second of a server_config.revision bump).  Call it in the event loop's thread. */
void rooms_reload_all(void);
/* Called by reload_now() when done: ok is 0 if the database could not be read (or
 * pchatd is stopping). */
typedef void (*reload_done_fn)(void *arg, int ok);
/* Like rooms_reload_all(), then fn(arg, ok) once the configuration and the rooms
 * have been read and applied (pchat.reload).  Call it in the event loop's thread. */
void reload_now(reload_done_fn fn, void *arg);
/* The server_config.revision in force (-1 before the first read). */
long long reload_revision(void);
/* Forgets the saved option values, the revision seen and (answering them with
 * ok = 0) the reload_now() callers (tests). */
void reload_reset(void);

#endif
