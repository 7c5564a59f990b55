/* fileposts: the file posts the CLI has shown, numbered for /download N.
 *
 * A file post is a post whose text is an ma-filelink (common/pchat_filelink.h): the CLI
 * prints it as "[file N] NAME (SIZE bytes)".  Every file post it prints, from a
 * room's history or as it arrives, is numbered in the order it was first shown,
 * from 1, for as long as the CLI runs; the same post shown again (the history of a
 * room joined twice) keeps its number.
 */
#ifndef PCHAT_FILEPOSTS_H
#define PCHAT_FILEPOSTS_H

#include <stddef.h>

struct fp_file {
	unsigned long n;	 /* its number */
	char *room_uri;		 /* the room it was posted in (ma-chan://...) */
	char *url;		 /* <public URL>/files/<room id>/<GUID>.<ext> */
	char *name;		 /* the name the uploader gave it */
	char *shown;		 /* name to print: control characters as '?' */
	unsigned long long size; /* bytes */
};

struct fp_list {
	struct fp_file *v;
	size_t len;
};

/* The entry of the post text in room_uri if it is a file post: the one numbered for
 * its URL already, or a new one with the next number.  NULL if it is not a file post
 * (or out of memory). */
const struct fp_file *fp_note(struct fp_list *, const char *room_uri, const char *text);
/* The file numbered n, or NULL. */
const struct fp_file *fp_get(const struct fp_list *, unsigned long n);
void fp_free(struct fp_list *);

/* The name the file is stored under, <GUID>.<ext>: the last segment of its URL. */
const char *fp_stored_name(const struct fp_file *);

/* name as a file name to create in a directory (malloc'd; NULL if out of memory): '/',
 * '\\' and control characters become '_', and so does a leading '.' (no hidden file,
 * no "." or ".."); cut at 255 bytes. */
char *fp_local_name(const char *name);

#endif
