/*
 * sdnotify.h - systemd's readiness protocol (sd_notify(3)), without libsystemd: a
 * datagram with "VAR=value" lines sent to the Unix socket named by $NOTIFY_SOCKET
 * (a path, or "@name" in the abstract namespace), which systemd sets for a unit of
 * Type=notify.  Outside such a unit the variable is unset and nothing is sent.
 */
#ifndef PCHAT_SDNOTIFY_H
#define PCHAT_SDNOTIFY_H

/* Sends state (e.g. "READY=1"): 1 sent, 0 no $NOTIFY_SOCKET, -1 failed (logged). */
int sdnotify(const char *state);

#endif
