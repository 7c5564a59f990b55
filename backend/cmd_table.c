/*
 * cmd_table.c - see cmd_table.h.
 */
#include "cmd_table.h"
#include "cmd_handlers.h"

#include <string.h>

/* The client commands, by item id. */
static const struct cmd_def *const client_commands[] = {
		&cmd_requri,
		&cmd_join,
		&cmd_part,
		&cmd_bccontext,
		&cmd_chansrch,
		&cmd_bjoin,
		&cmd_getserverinfo,
		&cmd_getassociations,
		&cmd_getinv,
		&cmd_nodespermcreatechild,
		&cmd_getpref,
		&cmd_setpref,
		&cmd_getfutok,
		&cmd_getfdtok,
		&cmd_search,
		&cmd_feed,
};

static const struct cmd_def *find(const char *id)
{
	size_t i;
	for(i = 0; i < sizeof(client_commands) / sizeof(client_commands[0]); i++) {
		if(strcmp(client_commands[i]->id, id) == 0)
			return client_commands[i];
	}
	return &cmd_unknown;
}

const struct cmd_table cmd_table = {find, &cmd_grpchat, &cmd_error, &cmd_restore};

void cmd_table_free(void)
{
	cmd_server_free();
}
