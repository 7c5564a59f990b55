/*
 * filetok.h - the rules of file-transfer tokens (cmd:getfutok, cmd:getfdtok;
 * docs/XCCOS.md, "File transfer tokens"): what a file name may be.  The token itself
 * is a random GUID, made by pchat_guid() (common/pchat_filename.h), the same generator
 * that names stored files; how long it lives: common/pchat_filetoken.h.  Pure
 * functions.
 */
#ifndef PCHAT_FILETOK_H
#define PCHAT_FILETOK_H

#include <stddef.h>

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

#endif
