/*
 * pchat_link.h - the pchat link process: owns the chat sessions and the connection
 * to the backend, answers suspended transactions and sends the backend's INFOs.
 */
#ifndef PCHAT_LINK_H
#define PCHAT_LINK_H

/* Runs the link process's event loop; returns only on a fatal error. */
int pchat_link_run(void);

#endif
