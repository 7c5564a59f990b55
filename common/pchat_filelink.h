/*
 * pchat_filelink.h - the body of a file post: the one place that writes it and
 * reads it (docs/XCCOS.md, "File posts").
 *
 * When an upload completes the file service stores a post whose text is exactly
 *
 *   ma-filelink:<url>?name=<name>&size=<bytes>
 *
 * <url> is where the file is fetched (the file service's GET URL,
 * <base>/files/<room id>/<GUID>.<ext>, without a token: the client asks for a
 * download token with cmd:getfdtok and adds ?token=...), <name> the name the user
 * gave, percent-encoded as UTF-8 (RFC 3986: everything but A-Z a-z 0-9 - . _ ~), and
 * <bytes> the size in bytes, in decimal.  Further "&key=value" parameters may be
 * added later: readers ignore those they do not know.  A client that does not know
 * the scheme shows the line as it is: a URL with the name in it.
 */
#ifndef PCHAT_FILELINK_H
#define PCHAT_FILELINK_H

#include <stddef.h>

#define PCHAT_FILELINK_SCHEME "ma-filelink:"

struct pchat_filelink {
	char *url;		 /* http:// or https://, no '?', no blanks */
	char *name;		 /* decoded; not empty, no NUL */
	unsigned long long size; /* bytes */
};

/* The post's text for url (no '?', '#', blanks or controls), name and size, as a
 * new string (free() it); NULL if url is not one or out of memory. */
char *pchat_filelink_build(const char *url, const char *name, unsigned long long size);
/* Reads text[0..len) (the whole post text) into *out (free with
 * pchat_filelink_free): 0, or -1 if it is not a file link (then *out is empty). */
int pchat_filelink_parse(const char *text, size_t len, struct pchat_filelink *out);
void pchat_filelink_free(struct pchat_filelink *l);

/* The file service's GET URL of a stored file, "<base>/files/<room id>/<stored>", with
 * "?token=<token>" when token is not NULL (the URL of a download), as a new string
 * (free() it); NULL if out of memory.  base is the service's public URL (no trailing
 * '/'), stored a stored name and token a GUID: nothing here needs encoding. */
char *pchat_file_url(const char *base, unsigned long long room_id, const char *stored,
		const char *token);

/* Percent-encodes s[0..len) as above into out (at least 3 * len + 1 bytes); returns
 * the length written.  Also for the filename* of Content-Disposition (RFC 8187). */
size_t pchat_pct_encode(const char *s, size_t len, char *out);

#endif
