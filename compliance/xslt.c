/*
 * xslt.c - CustomConfiguration with libxslt (xslt.h).
 *
 * libxml2 and libxslt report errors through global (per-thread) handlers that print
 * to stderr by default; each call here points them at the caller's err buffer for its
 * duration and then puts back whatever was there.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxslt/documents.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "xslt.h"

/* How the stylesheet, what it reads and the input are parsed: no network, and no
 * entity expansion nor DTD loading (so no billion laughs, no external entities);
 * CDATA as text, as libxslt's own options have it. */
#define SAFE_PARSE (XML_PARSE_NONET | XML_PARSE_NOCDATA)
/* The input is our own adapter's output, whose text nodes may exceed libxml2's
 * default 10 MB limit (a post is a MEDIUMTEXT). */
#define INPUT_PARSE (SAFE_PARSE | XML_PARSE_HUGE)

struct xslt {
	xsltStylesheetPtr sheet;
	const char *ext;
};

/* ---- errors into a buffer ----------------------------------------------------- */

struct capture {
	char *buf;
	size_t len, used;
	xmlGenericErrorFunc xml_generic;
	void *xml_generic_ctx;
	xmlStructuredErrorFunc xml_structured;
	void *xml_structured_ctx;
	xmlGenericErrorFunc xslt_generic;
	void *xslt_generic_ctx;
};

/* Messages end with a newline: the one before this message becomes "; ". */
static void append(struct capture *c, const char *fmt, va_list ap)
{
	int n;

	if(c->len == 0 || c->used >= c->len - 2)
		return;
	if(c->used > 0 && c->buf[c->used - 1] == '\n') {
		memcpy(c->buf + c->used - 1, "; ", 3);
		c->used++;
	}
	n = vsnprintf(c->buf + c->used, c->len - c->used, fmt, ap);
	if(n > 0)
		c->used += (size_t)n < c->len - c->used ? (size_t)n : c->len - c->used - 1;
}

static void add(struct capture *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(c, fmt, ap);
	va_end(ap);
}

static void on_generic(void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(ctx, fmt, ap);
	va_end(ap);
}

/* libxml2's parse errors: "file:line: message". */
static void on_structured(void *ctx, xmlErrorPtr e)
{
	const char *msg = e->message != NULL ? e->message : "error";

	if(e->file != NULL)
		add(ctx, "%s:%d: %s", e->file, e->line, msg);
	else
		add(ctx, "%s", msg);
}

static void capture_begin(struct capture *c, char *err, size_t errlen)
{
	c->buf = err;
	c->len = errlen;
	c->used = 0;
	if(errlen > 0)
		err[0] = '\0';
	c->xml_generic = xmlGenericError;
	c->xml_generic_ctx = xmlGenericErrorContext;
	c->xml_structured = xmlStructuredError;
	c->xml_structured_ctx = xmlStructuredErrorContext;
	c->xslt_generic = xsltGenericError;
	c->xslt_generic_ctx = xsltGenericErrorContext;
	xmlSetGenericErrorFunc(c, on_generic);
	xmlSetStructuredErrorFunc(c, on_structured);
	xsltSetGenericErrorFunc(c, on_generic);
}

/* A failure: err becomes "what went wrong: what libxml2 and libxslt said".  -1. */
static int capture_fail(struct capture *c, const char *fmt, ...)
{
	char *said = c->used > 0 ? strdup(c->buf) : NULL;
	va_list ap;

	c->used = 0;
	va_start(ap, fmt);
	append(c, fmt, ap);
	va_end(ap);
	if(said != NULL)
		add(c, ": %s", said);
	free(said);
	return -1;
}

/* Puts the handlers back, and makes what was said one line.  Returns rc. */
static int capture_end(struct capture *c, int rc)
{
	char *p;

	xmlSetGenericErrorFunc(c->xml_generic_ctx, c->xml_generic);
	xmlSetStructuredErrorFunc(c->xml_structured_ctx, c->xml_structured);
	xsltSetGenericErrorFunc(c->xslt_generic_ctx, c->xslt_generic);
	if(c->len == 0)
		return rc;
	while(c->used > 0 && (c->buf[c->used - 1] == '\n' || c->buf[c->used - 1] == ' '))
		c->buf[--c->used] = '\0';
	for(p = c->buf; (p = strchr(p, '\n')) != NULL;)
		*p = ' ';
	return rc;
}

/* ---- what a stylesheet may do ------------------------------------------------- */

static xsltDocLoaderFunc libxslt_loader;

/* Every document libxslt loads (xsl:include, xsl:import, document()) is parsed with
 * our options, whatever libxslt asks for (its default includes entity expansion). */
static xmlDocPtr safe_loader(
		const xmlChar *uri, xmlDictPtr dict, int options, void *ctxt, xsltLoadType type)
{
	(void)options;
	return libxslt_loader(uri, dict, SAFE_PARSE, ctxt, type);
}

/* The security preferences, made once: the default ones too, since those guard what
 * is read while a stylesheet is compiled (xsl:include, xsl:import). */
static xsltSecurityPrefsPtr security(void)
{
	static xsltSecurityPrefsPtr sec;
	static const xsltSecurityOption forbidden[] = {XSLT_SECPREF_WRITE_FILE,
			XSLT_SECPREF_CREATE_DIRECTORY, XSLT_SECPREF_READ_NETWORK,
			XSLT_SECPREF_WRITE_NETWORK};
	size_t i;

	if(sec != NULL)
		return sec;
	if((sec = xsltNewSecurityPrefs()) == NULL)
		return NULL;
	for(i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
		if(xsltSetSecurityPrefs(sec, forbidden[i], xsltSecurityForbid) < 0) {
			xsltFreeSecurityPrefs(sec);
			return sec = NULL;
		}
	xsltSetDefaultSecurityPrefs(sec);
	libxslt_loader = xsltDocDefaultLoader; /* replaced by the next call */
	xsltSetLoaderFunc(safe_loader);
	return sec;
}

/* ---- the output's extension --------------------------------------------------- */

static const struct {
	const char *name, *ext;
} media_types[] =
		{
				{"text/csv", "csv"},
				{"application/json", "json"},
				{"text/tab-separated-values", "tsv"},
				{"text/plain", "txt"},
				{"text/html", "html"},
				{"application/xhtml+xml", "html"},
				{"text/xml", "xml"},
				{"application/xml", "xml"},
},
  methods[] = {
		  {"text", "txt"},
		  {"html", "html"},
		  {"xhtml", "html"},
		  {"xml", "xml"},
};

/* The media type is compared without its parameters ("text/csv; charset=UTF-8"). */
static const char *media_ext(const char *type)
{
	size_t i, n;

	if(type == NULL)
		return NULL;
	n = strcspn(type, "; \t");
	for(i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if(strlen(media_types[i].name) == n &&
				strncasecmp(type, media_types[i].name, n) == 0)
			return media_types[i].ext;
	return NULL;
}

static const char *method_ext(const char *method)
{
	size_t i;

	for(i = 0; method != NULL && i < sizeof(methods) / sizeof(methods[0]); i++)
		if(strcmp(method, methods[i].name) == 0)
			return methods[i].ext;
	return "xml";
}

static const char *extension_of(xsltStylesheetPtr sheet)
{
	const char *ext = media_ext((const char *)sheet->mediaType);

	return ext != NULL ? ext : method_ext((const char *)sheet->method);
}

/* ---- the API ------------------------------------------------------------------ */

struct xslt *xslt_load(const char *path, char *err, size_t errlen)
{
	struct capture c;
	struct xslt *x;
	xmlDocPtr doc;

	capture_begin(&c, err, errlen);
	if(security() == NULL || (x = calloc(1, sizeof(*x))) == NULL) {
		capture_fail(&c, "%s: out of memory", path);
		capture_end(&c, -1);
		return NULL;
	}
	if((doc = xmlReadFile(path, NULL, SAFE_PARSE)) == NULL) {
		capture_fail(&c, "%s: not a well-formed XML file", path);
	} else if((x->sheet = xsltParseStylesheetDoc(doc)) == NULL || x->sheet->errors != 0) {
		capture_fail(&c, "%s: not a valid XSLT 1.0 stylesheet", path);
		if(x->sheet == NULL)
			xmlFreeDoc(doc); /* on failure it stays ours */
	} else {
		x->ext = extension_of(x->sheet);
		capture_end(&c, 0);
		return x;
	}
	xslt_free(x);
	capture_end(&c, -1);
	return NULL;
}

const char *xslt_extension(const struct xslt *x)
{
	return x->ext;
}

int xslt_apply(struct xslt *x, const char *xml_path, FILE *out, char *err, size_t errlen)
{
	struct capture c;
	xmlDocPtr doc, res = NULL;
	xsltTransformContextPtr t;
	int rc = -1;

	capture_begin(&c, err, errlen);
	if((doc = xmlReadFile(xml_path, NULL, INPUT_PARSE)) == NULL)
		return capture_end(&c, capture_fail(&c, "%s: cannot parse", xml_path));
	if((t = xsltNewTransformContext(x->sheet, doc)) == NULL ||
			xsltSetCtxtSecurityPrefs(security(), t) < 0) {
		capture_fail(&c, "%s: out of memory", xml_path);
		goto done;
	}
	xsltSetTransformErrorFunc(t, &c, on_generic);
	res = xsltApplyStylesheetUser(x->sheet, doc, NULL, NULL, NULL, t);
	if(res == NULL || t->state != XSLT_STATE_OK)
		capture_fail(&c, "%s: the transformation failed", xml_path);
	else if(xsltSaveResultToFile(out, res, x->sheet) < 0 || fflush(out) != 0 || ferror(out))
		capture_fail(&c, "%s: cannot write the transformation's result", xml_path);
	else
		rc = 0;
done:
	xmlFreeDoc(res);
	if(t != NULL)
		xsltFreeTransformContext(t);
	xmlFreeDoc(doc);
	return capture_end(&c, rc);
}

void xslt_free(struct xslt *x)
{
	if(x == NULL)
		return;
	if(x->sheet != NULL)
		xsltFreeStylesheet(x->sheet); /* and its document */
	free(x);
}
