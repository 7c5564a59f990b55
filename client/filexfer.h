/* filexfer: file transfers through the file service's plain HTTP API (docs/FILES.md,
 * "The plain HTTP API") with libcurl, for the pchat CLI's /upload and /download.
 *
 *   upload:   PUT <base>/files/<upload token>, the file as the body with an exact
 *             Content-Length, streamed from the FILE* (never held in memory);
 *             201 {"file": "<GUID>.<ext>", "name", "size", "url", "message_id"}
 *   download: GET <the file post's URL> with "Authorization: Bearer <download token>"
 *             (not ?token=, so that the token stays out of logs and proxies),
 *             written to a FILE* as it arrives
 *
 * <base> is the rpl:getftok serveruri without its "/MGCWebService.asmx" (the service's
 * public URL, as the server derives the links of file posts from it).  Every error of
 * the API is JSON {"error": CODE, "message": SENTENCE}; fx_* put the status, the code
 * and the sentence (or curl's own error) into err.
 *
 * The calls block.  opts->tick is called from curl's progress callback (at least once a
 * second, more often while bytes move): the CLI runs its SIP stack there so that the
 * session keeps answering and refreshing during a long transfer; a non-zero return
 * cancels the transfer.  A transfer that moves no byte for FX_STALL_SECONDS fails.
 */
#ifndef PCHAT_FILEXFER_H
#define PCHAT_FILEXFER_H

#include <stddef.h>
#include <stdio.h>

#define FX_CONNECT_SECONDS 10
#define FX_STALL_SECONDS 60

struct fx_opts {
	int (*tick)(void *arg); /* non-zero: cancel */
	void *arg;
	unsigned long long max_speed; /* bytes per second at most (0: no limit) */
};

/* What an upload's 201 says. */
struct fx_stored {
	char file[128];		 /* the stored name <GUID>.<ext> */
	unsigned long long size; /* bytes the service stored */
};

/* curl_global_init; 0 or -1. */
int fx_init(void);
void fx_cleanup(void);

/* The API's base URL out of a token reply's serveruri (malloc'd); NULL if it does not
 * end with /MGCWebService.asmx. */
char *fx_api_base(const char *serveruri);

/* PUTs size bytes of f to <base>/files/<token>. 0 and *out on 201, else -1 and err. */
int fx_upload(const char *base, const char *token, FILE *f, unsigned long long size,
		const struct fx_opts *opts, struct fx_stored *out, char *err, size_t errlen);

/* GETs url with the download token into out; *bytes is what was written. 0 on 200
 * with the whole body written, else -1 and err (what was written is then garbage). */
int fx_download(const char *url, const char *token, FILE *out, const struct fx_opts *opts,
		unsigned long long *bytes, char *err, size_t errlen);

#endif
