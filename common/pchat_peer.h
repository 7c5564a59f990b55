/*
 * pchat_peer.h - the credentials the kernel recorded for the peer of a connected Unix
 * socket (SO_PEERCRED), read by both ends of the module-backend link: pchatd checks the
 * module's uid (backend/peer.c, link.c), the module checks pchatd's (pchat_link.c).
 * Header-only, as pchat_frame.h, because the two are built by different build systems.
 * The file including it must define _GNU_SOURCE before any system header (struct ucred).
 */
#ifndef PCHAT_COMMON_PEER_H
#define PCHAT_COMMON_PEER_H

#include <sys/socket.h>
#include <sys/types.h>

/* Returns 0 and the peer's pid and uid, or -1 with errno set. */
static inline int pchat_peer_cred(int fd, pid_t *pid, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	*pid = cr.pid;
	*uid = cr.uid;
	return 0;
}

#endif
