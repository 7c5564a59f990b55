/* filexfer: see filexfer.h. */
#define _GNU_SOURCE
#include "filexfer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#define SOAP_ENDPOINT "/MGCWebService.asmx"
#define ANSWER_MAX 8192 /* an answer's body kept: the JSON of a 201 or of an error */

/* One transfer's state, shared by curl's callbacks. */
struct xfer {
	CURL *curl;
	const struct fx_opts *opts;
	FILE *out;		    /* download: where a 200's body goes */
	unsigned long long written; /* bytes written to out */
	int write_errno;	    /* why writing to out failed */
	char answer[ANSWER_MAX];    /* the body otherwise (truncated) */
	size_t answer_len;
	char curl_err[CURL_ERROR_SIZE];
};

int fx_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void fx_cleanup(void)
{
	curl_global_cleanup();
}

char *fx_api_base(const char *serveruri)
{
	size_t n = serveruri ? strlen(serveruri) : 0, e = strlen(SOAP_ENDPOINT);
	if(n <= e || strcasecmp(serveruri + n - e, SOAP_ENDPOINT) != 0)
		return NULL;
	return strndup(serveruri, n - e);
}

static long response_code(CURL *curl)
{
	long code = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* A 200's body goes to the file (downloads); any other body is the answer to read. */
static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if(x->out && response_code(x->curl) == 200) {
		if(fwrite(p, 1, len, x->out) != len) {
			x->write_errno = errno ? errno : EIO;
			return 0; /* curl stops with CURLE_WRITE_ERROR */
		}
		x->written += len;
		return len;
	}
	size_t room = sizeof x->answer - 1 - x->answer_len;
	size_t k = len < room ? len : room;
	memcpy(x->answer + x->answer_len, p, k);
	x->answer_len += k;
	x->answer[x->answer_len] = '\0';
	return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		curl_off_t ulnow)
{
	const struct xfer *x = arg;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return x->opts->tick && x->opts->tick(x->opts->arg) ? 1 : 0;
}

/* An easy handle for url with what every transfer shares: no redirects, http(s) only,
 * bounded connect and stall times, the speed limit, the callbacks above. NULL if out of
 * memory. */
static CURL *easy_for(struct xfer *x, const struct fx_opts *opts, const char *url)
{
	CURL *c = curl_easy_init();
	if(!c)
		return NULL;
	x->curl = c;
	x->opts = opts;
	if(opts->max_speed) {
		curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t)opts->max_speed);
		curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t)opts->max_speed);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)FX_CONNECT_SECONDS);
	/* no overall limit (a large file on a slow link takes long); a stalled one fails */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)FX_STALL_SECONDS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "pchat-client/0.1");
	return c;
}

/* "HTTP 413 too_large: the file is ..." out of an error answer's JSON. */
static void http_error(const struct xfer *x, long code, char *err, size_t errlen)
{
	json_t *j = json_loadb(x->answer, x->answer_len, 0, NULL);
	const char *e = json_string_value(json_object_get(j, "error"));
	const char *m = json_string_value(json_object_get(j, "message"));
	if(e && m)
		snprintf(err, errlen, "HTTP %ld %s: %s", code, e, m);
	else
		snprintf(err, errlen, "HTTP %ld (an answer that is not the file service's)", code);
	json_decref(j);
}

/* Describes how a transfer ended badly: the service's answer if there was one (a
 * refusal may also end the connection before the body was sent), else curl's error. */
static void transfer_error(const struct xfer *x, CURLcode rc, long code, char *err, size_t errlen)
{
	if(rc == CURLE_ABORTED_BY_CALLBACK)
		snprintf(err, errlen, "interrupted");
	else if(rc == CURLE_WRITE_ERROR && x->write_errno)
		snprintf(err, errlen, "cannot write the file: %s", strerror(x->write_errno));
	else if(code >= 300 && x->answer_len)
		http_error(x, code, err, errlen);
	else if(rc != CURLE_OK)
		snprintf(err, errlen, "%s", x->curl_err[0] ? x->curl_err : curl_easy_strerror(rc));
	else
		http_error(x, code, err, errlen);
}

/* The tokens the service issues are GUIDs; anything else must not reach a URL. */
static int token_ok(const char *t)
{
	size_t n = t ? strlen(t) : 0;
	return n > 0 && n <= 64 && strspn(t, "0123456789abcdefABCDEF-") == n;
}

/* What a 201 says: the stored name and the size. 0, or -1 and err. */
static int read_created(const struct xfer *x, struct fx_stored *out, char *err, size_t errlen)
{
	json_t *j = json_loadb(x->answer, x->answer_len, 0, NULL);
	const char *file = json_string_value(json_object_get(j, "file"));
	json_t *size = json_object_get(j, "size");
	int ok = file && strlen(file) < sizeof out->file && json_is_integer(size) &&
			json_integer_value(size) >= 0;
	if(ok) {
		snprintf(out->file, sizeof out->file, "%s", file);
		out->size = (unsigned long long)json_integer_value(size);
	} else {
		snprintf(err, errlen, "HTTP 201 without the stored file in its answer: %.200s",
				x->answer);
	}
	json_decref(j);
	return ok ? 0 : -1;
}

int fx_upload(const char *base, const char *token, FILE *f, unsigned long long size,
		const struct fx_opts *opts, struct fx_stored *out, char *err, size_t errlen)
{
	if(!token_ok(token)) {
		snprintf(err, errlen, "the server's token is not a GUID");
		return -1;
	}
	char *url = NULL;
	struct xfer *x = calloc(1, sizeof *x);
	if(x && asprintf(&url, "%s/files/%s", base, token) < 0)
		url = NULL;
	if(!x || !url || !easy_for(x, opts, url)) {
		snprintf(err, errlen, "out of memory");
		free(url);
		free(x);
		return -1;
	}
	/* Expect: 100-continue: a refusal (size, quota, token) comes before the body is
	 * sent, whatever curl's own threshold for the header is. */
	struct curl_slist *h = curl_slist_append(NULL, "Expect: 100-continue");
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(x->curl, CURLOPT_UPLOAD, 1L);	/* PUT */
	curl_easy_setopt(x->curl, CURLOPT_READDATA, f); /* curl's default read: fread */
	curl_easy_setopt(x->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
	CURLcode rc = curl_easy_perform(x->curl);
	long code = response_code(x->curl);
	int r = -1;
	if(rc == CURLE_OK && code == 201)
		r = read_created(x, out, err, errlen);
	else
		transfer_error(x, rc, code, err, errlen);
	curl_easy_cleanup(x->curl);
	curl_slist_free_all(h);
	free(url);
	free(x);
	return r;
}

int fx_download(const char *url, const char *token, FILE *out, const struct fx_opts *opts,
		unsigned long long *bytes, char *err, size_t errlen)
{
	*bytes = 0;
	if(!token_ok(token)) {
		snprintf(err, errlen, "the server's token is not a GUID");
		return -1;
	}
	char *auth = NULL;
	struct xfer *x = calloc(1, sizeof *x);
	if(x && asprintf(&auth, "Authorization: Bearer %s", token) < 0)
		auth = NULL;
	if(!x || !auth || !easy_for(x, opts, url)) {
		snprintf(err, errlen, "out of memory");
		free(auth);
		free(x);
		return -1;
	}
	x->out = out;
	struct curl_slist *h = curl_slist_append(NULL, auth);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(x->curl);
	long code = response_code(x->curl);
	int r = -1;
	if(rc == CURLE_OK && code == 200 && fflush(out) == 0)
		r = 0;
	else if(rc == CURLE_OK && code == 200)
		snprintf(err, errlen, "cannot write the file: %s", strerror(errno));
	else
		transfer_error(x, rc, code, err, errlen);
	*bytes = x->written;
	curl_easy_cleanup(x->curl);
	curl_slist_free_all(h);
	free(auth);
	free(x);
	return r;
}
