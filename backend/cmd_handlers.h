/*
 * cmd_handlers.h - the command handlers, by family, each a `struct cmd_def`
 * (cmdq.h) collected by cmd_table.c.  A handler file reads on its own: its
 * commands' parsing is done (xccos.c), its rules are the access rules
 * (rooms.h), its database work is a typed job (db.h), its replies go through
 * the helpers of cmdq.h.
 */
#ifndef PCHAT_CMD_HANDLERS_H
#define PCHAT_CMD_HANDLERS_H

#include "cmdq.h"

struct db_job;
struct room;

/* cmd_join.c: entering and leaving rooms */
extern const struct cmd_def cmd_join, cmd_bjoin, cmd_part, cmd_restore;

/* cmd_history.c: reading a room's messages */
extern const struct cmd_def cmd_bccontext;
/* How many of the newest messages of r a client gets when it asks for want. */
unsigned history_limit(const struct room *r, unsigned want);
/* Sends rpl:bccontext for c with the messages job read (DB_HISTORY). */
void history_send(struct cmd *c, struct room *room, const struct db_job *job);

/* cmd_rooms.c: room lists */
extern const struct cmd_def cmd_chansrch, cmd_getassociations, cmd_getinv, cmd_nodespermcreatechild;

/* cmd_search.c: message search (ours: docs/XCCOS.md) */
extern const struct cmd_def cmd_search;
/* (authors of a search or a feed: pchat_author_parse(), common/pchat_search.h) */

/* cmd_feeds.c: topic feeds and keyword alerts (ours: docs/XCCOS.md) */
extern const struct cmd_def cmd_feed;
/* cmd_post.c: grpchat */
extern const struct cmd_def cmd_grpchat;

/* cmd_files.c: file-transfer tokens (rpl:getftok) */
extern const struct cmd_def cmd_getfutok, cmd_getfdtok;

/* cmd_server.c: server info, preferences, and what is not a command we know */
extern const struct cmd_def cmd_requri, cmd_getserverinfo, cmd_getpref, cmd_setpref, cmd_unknown,
		cmd_error;
/* Frees the cached server_config ids (getserverinfo). */
void cmd_server_free(void);

#endif
