/*
 * filesvc.c - see filesvc.h: the listener, its threads, the routing of requests to
 * the handlers of filehttp.h, and the inbox of stored posts.
 */
#include "filesvc.h"
#include "config.h"
#include "filedb.h"
#include "filehttp.h"
#include "filestore.h"
#include "filesweep.h"
#include "fileup.h"
#include "inbox.h"
#include "pchat_log.h"
#include "util.h"

#include <malloc.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <microhttpd.h>

static struct MHD_Daemon *daemon_;
static MHD_socket quiesced = MHD_INVALID_SOCKET;
static struct inbox posts = INBOX_INIT(posts);
static filesvc_deliver_fn deliver;
static const char *prefix;
static char base_url[CONFIG_URL_MAX];

const char *filesvc_base_url(void)
{
	return base_url;
}

/* ---- the posts' way to the loop ---- */

struct post_item {
	struct filesvc_post p;
	char *room_uri, *author, *ts, *body;
	struct list link;
};

static char *field(const json_t *post, const char *key)
{
	const char *v = json_string_value(json_object_get(post, key));
	return xstrdup(v ? v : "");
}

/* A service thread: the post is committed; the loop sends it. */
static void announce(const json_t *post)
{
	struct post_item *it = xcalloc(1, sizeof(*it));
	it->room_uri = field(post, "room_uri");
	it->author = field(post, "author");
	it->ts = field(post, "ts");
	it->body = field(post, "body");
	it->p = (struct filesvc_post){
			(uint64_t)json_integer_value(json_object_get(post, "message_id")),
			(uint64_t)json_integer_value(json_object_get(post, "seq")), it->room_uri,
			it->author, it->ts, it->body, strlen(it->body)};
	inbox_put(&posts, &it->link);
}

static void on_post(struct list *link, void *arg)
{
	struct post_item *it = list_entry(link, struct post_item, link);
	(void)arg;
	deliver(&it->p);
	free(it->room_uri);
	free(it->author);
	free(it->ts);
	free(it->body);
	free(it);
}

/* ---- routing ---- */

/* The handler of method on path (the part after "<prefix>/"), *rest its argument;
 * NULL: *status (404 or 405) and *why say so. */
static const struct filereq_ops *route(const char *method, const char *path, const char **rest,
		int *status, const char **why)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	*status = 405;
	if(strcasecmp(path, &CONFIG_SOAP_PATH[1]) == 0) { /* without its "/" */
		*why = "the SOAP service takes POST";
		return strcmp(method, "POST") == 0 ? &filesoap_post : NULL;
	}
	if(strncmp(path, "files/", 6) == 0 && path[6] != '\0') {
		*rest = path + 6;
		*why = strchr(*rest, '/') ? "a file is fetched with GET"
					  : "a file is uploaded with PUT";
		if(strchr(*rest, '/'))
			return get ? &fileapi_get : NULL;
		return strcmp(method, "PUT") == 0 ? &fileapi_put : NULL;
	}
	*status = 404;
	*why = "no such resource";
	return NULL;
}

/* The first call of a request: its handler, or the answer that there is none. */
static enum MHD_Result first_call(
		struct MHD_Connection *c, struct filereq *r, const char *url, const char *method)
{
	size_t plen = strlen(prefix);
	const char *rest = "", *why = "no such resource";
	int status = 404;

	if(strncmp(url, prefix, plen) == 0 && url[plen] == '/')
		r->ops = route(method, url + plen + 1, &rest, &status, &why);
	if(r->ops == NULL)
		return filehttp_refuse(c, r, status, why, filehttp_error);
	return r->ops->start(c, r, rest);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
		const char *method, const char *version, const char *data, size_t *size, void **ctx)
{
	struct filereq *r = *ctx;
	(void)cls;
	(void)version;

	if(r == NULL) {
		r = xcalloc(1, sizeof(*r));
		fileup_init(&r->up, "put");
		r->method = method;
		*ctx = r;
		return first_call(c, r, url, method);
	}
	if(r->deferred) { /* refused at the first call: drop the body, then answer */
		if(*size == 0)
			return r->deferred(c, r->err.status, r->err.msg);
		*size = 0;
		return MHD_YES;
	}
	if(r->ops == NULL) { /* answered at the first call: drop the body */
		*size = 0;
		return MHD_YES;
	}
	return r->ops->body(c, r, data, size);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **ctx,
		enum MHD_RequestTerminationCode why)
{
	struct filereq *r = *ctx;
	(void)cls;
	(void)c;
	if(r == NULL)
		return;
	if(r->ops)
		r->ops->done(r, why == MHD_REQUEST_TERMINATED_COMPLETED_OK);
	free(r->body);
	free(r);
	*ctx = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_info("files: libmicrohttpd: %s", buf); /* mostly clients that went away */
}

/* ---- start and stop ---- */

/* The threads start with every signal blocked: signals are the loop's.  poll(), not
 * epoll: libmicrohttpd 0.9.75 (Debian 12) registers sockets edge-triggered and takes
 * a short read for "no more data", so a client that sends the end of its body and
 * closes at once is not noticed until the connection times out, and its cut-off
 * upload would lie there until then (tests/files: the truncated upload). */
static struct MHD_Daemon *start_daemon(const struct config *c, const struct addrinfo *ai)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
			MHD_USE_ERROR_LOG | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
	sigset_t all, old;
	struct MHD_Daemon *d;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
			on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
			MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->file_threads,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d;
}

/* A SOAP request's buffers (its body, the decoded chunk, libxml2's copy of the
 * chunk's text) are each up to GetMaxRequestContentInKB: over glibc's first mmap
 * threshold (128 KiB), so each was mapped and unmapped per request and every page of
 * it faulted in afresh, half of pchatd's CPU in an upload (perf, bench scenario i).
 * Served from the heap instead, where they are reused; larger blocks are still mapped. */
static void keep_request_buffers_in_heap(unsigned soap_max_kb)
{
	size_t want = (size_t)soap_max_kb * 1024 * 4; /* libxml2 grows the text by doubling */
	if(want < ((size_t)1 << 20))
		want = (size_t)1 << 20;
	if(want > ((size_t)32 << 20)) /* glibc's most on 64 bits */
		want = (size_t)32 << 20;
	/* and not given back at each free either: a heap keeps up to twice that free */
	if(mallopt(M_MMAP_THRESHOLD, (int)want) != 1 ||
			mallopt(M_TRIM_THRESHOLD, (int)(2 * want)) != 1)
		log_warn("files: mallopt(M_MMAP_THRESHOLD/M_TRIM_THRESHOLD, %zu) refused", want);
}

int filesvc_start(struct event_base *base, const struct config *c, filesvc_deliver_fn fn)
{
	struct addrinfo *ai;

	deliver = fn;
	prefix = c->file_prefix;
	filesvc_conf = (struct filesvc_conf){c->file_store, c->file_soap_max_kb};
	keep_request_buffers_in_heap(c->file_soap_max_kb);
	/* config_parse checked that there is one (with --file-listen) */
	config_file_base(c, base_url, sizeof(base_url));
	fileup_metrics_init();
	fileup_setup(base_url, announce);
	if(filestore_open(c->file_store, c->test_store_limit) < 0 || filedb_init(c) < 0 ||
			inbox_open(&posts, base, on_post, NULL, "files") < 0)
		return -1;
	ai = resolve_address("file-listen", c->file_listen, SOCK_STREAM);
	if(ai == NULL)
		return -1;
	daemon_ = start_daemon(c, ai);
	freeaddrinfo(ai);
	if(daemon_ == NULL) {
		log_error("files: cannot listen on %s (in use?)", c->file_listen);
		return -1;
	}
	if(filesweep_start(base, c->file_sweep_interval) < 0)
		return -1;
	log_info("files: serving %s on %s, store %s, %u threads", base_url, c->file_listen,
			c->file_store, c->file_threads);
	return 0;
}

void filesvc_quiesce(void)
{
	if(daemon_ && quiesced == MHD_INVALID_SOCKET)
		quiesced = MHD_quiesce_daemon(daemon_);
}

void filesvc_stop(void)
{
	filesweep_stop();
	if(daemon_)
		MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	if(quiesced != MHD_INVALID_SOCKET)
		close(quiesced);
	quiesced = MHD_INVALID_SOCKET;
	if(deliver)
		inbox_drain(&posts);
	inbox_close(&posts);
	filestore_close();
}
