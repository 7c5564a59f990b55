/*
 * pchat_rpc.h - the module's RPC commands (pchat.status and the queries answered by
 * pchatd; pchat_rpc.c).
 */
#ifndef PCHAT_RPC_H
#define PCHAT_RPC_H

/* Registers the commands (mod_init).  Returns 0 or -1. */
int pchat_rpc_register(void);
/* Notes the process's rank (child_init): commands that wait for pchatd are refused
 * in SIP workers. */
void pchat_rpc_child_init(int rank);

#endif
