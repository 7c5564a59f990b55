/*
 * ready.h - when pchatd can serve, for systemd (Type=notify) and /readyz.
 *
 * pchatd serves once its database answers and it is not stopping: then a Kamailio
 * that connects to the module socket (listening before the loop starts) gets chat
 * served.  /readyz (health.c) also wants a module link; systemd's READY=1 does not,
 * since Kamailio's unit is ordered after pchatd's and waits for it (a deadlock
 * otherwise).  See docs/OPERATIONS.md, "Health and readiness".
 */
#ifndef PCHAT_READY_H
#define PCHAT_READY_H

struct event_base;

/* 1 while pchatd can serve chat to a module that connects. */
int ready_serving(void);
/* Watches for the first moment it can serve and then tells systemd READY=1 (once).
 * 0, or -1 (logged). */
int ready_watch(struct event_base *base);
/* Tells systemd STOPPING=1 (shutdown begins) and stops watching. */
void ready_stopping(void);
/* Frees the watch (at exit). */
void ready_free(void);

#endif
