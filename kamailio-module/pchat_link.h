/*
 * pchat_link.h - the pchat link process: owns the chat sessions and the connection
 * to the backend, answers suspended transactions and sends the backend's INFOs.
 */
#ifndef PCHAT_LINK_H
#define PCHAT_LINK_H

/* Runs the link process's event loop; returns only on a fatal error. */
int pchat_link_run(void);

/* Connects to backend_socket (non-blocking) and checks that pchatd, as backend_uid,
 * is at the other end (SO_PEERCRED).  Returns the socket, or -1 if the backend is not
 * reachable or not ours (logged).  Used by the link processes and the RPC commands. */
int pchat_backend_dial(void);

#endif
