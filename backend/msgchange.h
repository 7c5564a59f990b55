/*
 * msgchange.h - moderation reaching the clients: a message a moderator removed or
 * replaced (pchat-admin message remove|replace, a room manager on the web page;
 * admin/pca_messages.c writes each to message_changes, migration 013) is announced
 * to every session present in its room as our notice ntc:msgchg (docs/XCCOS.md,
 * *Moderated messages*).  reload.c asks for the changes whenever
 * server_config.revision moves, which every such change bumps: within a second for
 * the CLI's, at once for the web page's (rooms_reload_all), on every pchatd of the
 * pool, each for its own sessions.
 *
 * One read at a time (DB_MSG_CHANGES, a reader job: the loop never waits); the first
 * only learns where the changes stand, so a (re)started pchatd announces none made
 * before it.  Lync and sipe ignore the notice (docs/XCCOS.md); our client shows it.
 */
#ifndef PCHAT_MSGCHANGE_H
#define PCHAT_MSGCHANGE_H

/* Reads (and announces) the changes made since the last read. */
void msgchange_poll(void);
/* Forgets where the changes stood (tests, and reload_reset). */
void msgchange_reset(void);

#endif
