/*
 * peer.c - see peer.h.
 */
#include "peer.h"

#include <stddef.h>
#include <sys/stat.h>

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
