/*
 * xslt.h - CustomConfiguration: an XSLT 1.0 stylesheet (a file) that transforms each
 * output file of the adapter, as the reference's compliance service does.  The daemon
 * applies it to the file the adapter wrote and keeps the result, named with the
 * extension the stylesheet's xsl:output announces.
 *
 * The stylesheet is trusted no more than needed: it and the documents it reads are
 * parsed without network access, without entity expansion and without DTD loading;
 * it may read local files (document(), xsl:include) but not the network, and may not
 * write files, create directories or write to the network (xsl:document and the like
 * are refused).  EXSLT is not registered, so exsl:document does not exist either.
 * These rules are libxslt's process-wide defaults from the first xslt_load on (its
 * security preferences and document loader): they bind every libxslt use of the
 * process, and that first call must not race another thread's.
 *
 * libxslt works on a tree: the whole input document is in memory while it is
 * transformed (several times its size in bytes), which is why the daemon bounds the
 * number of events per output file when a stylesheet is configured.
 */
#ifndef PCHAT_XSLT_H
#define PCHAT_XSLT_H

#include <stddef.h>
#include <stdio.h>

struct xslt;

/* The stylesheet at path, compiled; NULL with the reason in err (NUL-ended, truncated
 * to errlen) when it cannot be read, is not well-formed or is no valid stylesheet. */
struct xslt *xslt_load(const char *path, char *err, size_t errlen);

/* The extension (without the dot) of what the stylesheet writes: from xsl:output's
 * media-type when it is a known one (text/csv: csv, application/json: json, ...),
 * else from its method (text: txt, html: html, xml or none: xml). */
const char *xslt_extension(const struct xslt *x);

/* Transforms the XML file at xml_path into out (flushed).  0, or -1 with the reason
 * in err; out may then hold part of a result. */
int xslt_apply(struct xslt *x, const char *xml_path, FILE *out, char *err, size_t errlen);

void xslt_free(struct xslt *x);

#endif
