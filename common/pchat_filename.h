/*
 * pchat_filename.h - the file store's naming rules (docs/FILES.md), shared by pchatd's
 * file service and the administration library that records the files, so that the
 * name a file is stored under is made and checked by the same code.
 *
 * A stored file is <store>/<room id>/<GUID>.<ext>: the GUID a fresh random one
 * (lower case, with dashes), the extension the original name's, sanitised and short,
 * so that no byte of what a user typed ever reaches a path.  Pure functions, except
 * that pchat_guid() asks the kernel for random bytes.
 */
#ifndef PCHAT_FILENAME_H
#define PCHAT_FILENAME_H

#include <stddef.h>

#define PCHAT_GUID_LEN 36 /* "3e0f6a52-77b1-4c2e-9d55-0a1b2c3d4e5f" */
#define PCHAT_EXT_MAX 10  /* letters and digits */
/* <GUID>.<ext> and its NUL (files.stored_name is VARCHAR(64)) */
#define PCHAT_STORED_NAME_SIZE (PCHAT_GUID_LEN + 1 + PCHAT_EXT_MAX + 1)
/* The extension of a name that has none we keep. */
#define PCHAT_EXT_DEFAULT "bin"
#define PCHAT_CTYPE_DEFAULT "application/octet-stream"
#define PCHAT_CTYPE_MAX 127 /* files.content_type */

/* A random version 4 GUID, lower case with dashes, into out: 0, or -1 if the kernel
 * gave no random bytes. */
int pchat_guid(char out[PCHAT_GUID_LEN + 1]);
/* Is s a GUID in that form (any version)? */
int pchat_guid_valid(const char *s);

/* The extension name's file is stored with: what follows its last '.', lower-cased,
 * if that is 1 to PCHAT_EXT_MAX ASCII letters and digits and the dot is not the
 * name's first character; else PCHAT_EXT_DEFAULT. */
void pchat_file_ext(const char *name, char out[PCHAT_EXT_MAX + 1]);
/* "<guid>.<ext of name>" into out. */
void pchat_stored_name(const char *guid, const char *name, char out[PCHAT_STORED_NAME_SIZE]);
/* Is s a stored name (a GUID, '.', 1 to PCHAT_EXT_MAX lower-case letters or digits)?
 * A name that is one can be joined to a directory: no '/', no "..". */
int pchat_stored_name_valid(const char *s);
/* Is stored the name a file called name would be stored under (its extension)? */
int pchat_stored_name_fits(const char *stored, const char *name);

/* A declared Content-Type's "type/subtype", lower-cased, into out: 1 if both are
 * RFC 6838 names (letters, digits, !#$&^_.+-) and it fits PCHAT_CTYPE_MAX
 * (parameters such as charset are dropped), else 0 (NULL too). */
int pchat_media_type(const char *declared, char out[PCHAT_CTYPE_MAX + 1]);
/* The media type to record: the declared one if pchat_media_type() takes it, else
 * the extension's (pchat_ctype_of_ext). */
void pchat_content_type(const char *declared, const char *ext, char out[PCHAT_CTYPE_MAX + 1]);
/* A few well-known extensions' types; PCHAT_CTYPE_DEFAULT for the rest. */
const char *pchat_ctype_of_ext(const char *ext);
/* May a file of this media type be shown inline by a browser (images and plain
 * text), rather than only offered for saving (Content-Disposition: attachment)? */
int pchat_ctype_inline(const char *ctype);

#endif
