/*
 * cmd_table.h - every command pchatd runs, for cmdq_init().  Adding a command: a
 * handler file (cmd_handlers.h) and one line in cmd_table.c.
 */
#ifndef PCHAT_CMD_TABLE_H
#define PCHAT_CMD_TABLE_H

#include "cmdq.h"

extern const struct cmd_table cmd_table;

/* Frees what the handlers cache (at exit, and between unit tests). */
void cmd_table_free(void);

#endif
