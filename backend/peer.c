/*
 * peer.c - see peer.h.
 */
#define _GNU_SOURCE /* struct ucred */
#include "peer.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>

int peer_cred(int fd, pid_t *pid, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if(getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	*pid = cr.pid;
	*uid = cr.uid;
	return 0;
}

const char *peer_refusal(int have_cred, uid_t uid, uid_t expected)
{
	if(!have_cred)
		return "its credentials cannot be read";
	if(uid != expected)
		return "its uid is not the module's (--module-uid)";
	return NULL;
}

const char *peer_dir_problem(mode_t mode, uid_t owner, uid_t euid)
{
	if(!S_ISDIR(mode))
		return "is not a directory";
	if(owner != euid && owner != 0)
		return "is owned by another user";
	if(mode & (S_IWGRP | S_IWOTH))
		return "is writable by group or others";
	return NULL;
}
