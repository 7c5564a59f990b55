/*
 * filetok.h - the rules of file-transfer tokens (cmd:getfutok, cmd:getfdtok;
 * docs/XCCOS.md, "File transfer tokens"): what a file name may be and the token
 * itself, a random GUID (how long it lives: common/pchat_filetoken.h).  Pure
 * functions, except that ftok_guid() asks the kernel for random bytes.
 */
#ifndef PCHAT_FILETOK_H
#define PCHAT_FILETOK_H

#include <stddef.h>

/* "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f": 32 lower-case hex digits and 4 dashes. */
#define FTOK_GUID_LEN 36
/* The longest name a user may give a file (file_tokens.file_name, files.file_name). */
#define FTOK_NAME_MAX 255

/*
 * NULL if name may name a file, otherwise why not, as a sentence for the client:
 * empty, longer than FTOK_NAME_MAX bytes, "." or "..", a path
 * separator (/ or \), a control character (C0, DEL or C1), or not UTF-8 made of
 * characters XML can carry.  The name is only ever a label (files are stored under
 * a GUID), but it comes back in posts, downloads and save dialogs, where any of
 * these could turn it into a path or hide what it says.
 */
const char *ftok_name_problem(const char *name);

/* Writes a random version 4 GUID, lower case with dashes, into out; returns 0, or
 * -1 if the kernel gave no random bytes (getrandom). */
int ftok_guid(char out[FTOK_GUID_LEN + 1]);

/* Is s a GUID in that form (any version)? */
int ftok_guid_valid(const char *s);

#endif
