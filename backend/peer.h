/*
 * peer.h - who is at the other end of the module socket, and whether the socket's
 * directory keeps others out (docs/ARCHITECTURE.md, "The module–backend link").
 *
 * The decisions are pure functions (unit-tested); peer_cred() is the one system call.
 */
#ifndef PCHAT_PEER_H
#define PCHAT_PEER_H

#include <sys/types.h>

/* The credentials the kernel recorded for the peer of a connected Unix socket
 * (SO_PEERCRED).  Returns 0, or -1 with errno set. */
int peer_cred(int fd, pid_t *pid, uid_t *uid);

/* May a peer whose credentials were read (have_cred) as uid connect, when only
 * expected may?  Exactly that uid: root gets no exception.  Returns NULL if so, else
 * why not (for the log). */
const char *peer_refusal(int have_cred, uid_t uid, uid_t expected);

/* Is a directory with this mode and owner safe to hold the socket for a server running
 * as euid?  It must be a directory, owned by euid or root, writable by nobody else
 * (no group or other write bit, sticky or not: whoever may write there may squat the
 * socket's name while the server is down).  Returns NULL if so, else why not. */
const char *peer_dir_problem(mode_t mode, uid_t owner, uid_t euid);

#endif
