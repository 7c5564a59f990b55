/*
 * peer.h - who is at the other end of the module socket, and whether the socket's
 * directory keeps others out (docs/ARCHITECTURE.md, "The module–backend link").
 *
 * The decisions are pure functions (unit-tested); the one system call,
 * pchat_peer_cred(), is common/pchat_peer.h, shared with the module.
 */
#ifndef PCHAT_PEER_H
#define PCHAT_PEER_H

#include <sys/types.h>

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
