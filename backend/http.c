/*
 * http.c - see http.h.  libevent's own evhttp: pchatd already runs on libevent,
 * so the web service needs no new library and shares the event loop.
 */
#include "health.h"
#include "metrics_http.h"
#include "http.h"
#include "pchat_log.h"
#include "util.h"
#include "webparse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* req->major, req->minor: evhttp_send_error below */
#include <event2/keyvalq_struct.h>

static struct evhttp *http;
static char *root; /* --web-root, resolved */
static http_api_fn api_handler;
/* The Host names answered (webparse.h, web_host_allowed). */
static char **host_names;
static size_t host_count;

/* Idle connections and slow clients are dropped after this many seconds. */
#define HTTP_TIMEOUT_SEC 30
#define HTTP_HEADERS_MAX 16384L
/* Longest path component of a static file name we look at. */
#define STATIC_PATH_MAX 256

/* The page loads only its own files and talks only to its own origin; nobody may
 * frame it (clickjacking) or sniff a JSON answer into a script. */
static void add_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Content-Security-Policy",
			"default-src 'self'; img-src 'self' data:; object-src 'none'; "
			"frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

void http_send_json(struct evhttp_request *req, int status, json_t *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *buf = evbuffer_new();
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;

	add_security_headers(req);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if(text) {
		evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
		evbuffer_add(buf, text, strlen(text));
		evbuffer_add(buf, "\n", 1);
	}
	evhttp_send_reply(req, status, NULL, buf);
	evbuffer_free(buf);
	free(text);
	json_decref(body);
}

void http_send_error(struct evhttp_request *req, int status, const char *msg)
{
	http_send_json(req, status, json_pack("{s:s, s:i}", "error", msg, "status", status));
}

/* What libevent's own refusals mean, for a person. */
static const char *libevent_error(int status)
{
	switch(status) {
		case 400: return "malformed HTTP request (or headers over 16 KiB)";
		case 413: return "request body too large (64 KiB at most)";
		case 501: return "method not implemented";
		default: return "HTTP error";
	}
}

/*
 * libevent 2.1 answers what it cannot hand to on_request itself - a request line or
 * header it cannot parse (400), headers or a body over the limits (413), a method it
 * does not know (501) - through evhttp_send_error(), with an HTML page, and offers no
 * hook for it (evhttp_set_errorcb came with 2.2).  This definition takes the
 * library's place: libevent calls evhttp_send_error through its PLT, so the dynamic
 * linker binds those calls to the executable's definition (symbol interposition, as
 * with a malloc replacement), and those answers are JSON like every other.
 * tests/web/run.sh checks that they are.
 */
void evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	/* A request line that could not be parsed left no version: answer in 1.1, as
	 * libevent's own version does. */
	if(req->major != 1) {
		req->major = 1;
		req->minor = 1;
	}
	/* The rest of the stream cannot be trusted to start a request: close after. */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
	(void)reason; /* libevent's reason phrases say less than ours */
	http_send_error(req, error, libevent_error(error));
}

const char *http_peer(struct evhttp_request *req)
{
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	char *addr = NULL;
	ev_uint16_t port = 0;
	if(con)
		evhttp_connection_get_peer(con, &addr, &port);
	return addr ? addr : "";
}

char *http_body(struct evhttp_request *req, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *s;
	if(n == 0)
		return NULL;
	s = xmalloc(n + 1);
	evbuffer_copyout(in, s, n);
	s[n] = '\0';
	*len = n;
	return s;
}

int http_cookie(struct evhttp_request *req, const char *name, char *out, size_t outlen)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
	return web_cookie_value(h, name, out, outlen);
}

/* ---- static files ---- */

/* Opens root/name as a regular file (no symlink as the last component). */
static int open_static(const char *name, off_t *size)
{
	char full[PATH_MAX];
	struct stat st;
	int fd;

	if(root == NULL ||
			(size_t)snprintf(full, sizeof(full), "%s/%s", root, name) >= sizeof(full))
		return -1;
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if(fd < 0)
		return -1;
	if(fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

static void serve_static(struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	char name[STATIC_PATH_MAX];
	struct evbuffer *buf;
	struct evkeyvalq *h;
	off_t size;
	int fd;

	if(cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		http_send_error(req, 405, "only GET here");
		return;
	}
	if(web_static_name(path, name, sizeof(name)) < 0) {
		http_send_error(req, 404, "no such file");
		return;
	}
	fd = open_static(name, &size);
	if(fd < 0) {
		http_send_error(req, 404, "no such file");
		return;
	}
	buf = evbuffer_new();
	if(evbuffer_add_file(buf, fd, 0, size) < 0) { /* owns fd from here */
		evbuffer_free(buf);
		http_send_error(req, 500, "cannot read the file");
		return;
	}
	add_security_headers(req);
	h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", web_content_type(name));
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

/* ---- dispatch ---- */

/* Refuses (and answers) a request for a name this server does not go by. */
static int host_refused(struct evhttp_request *req)
{
	const char *host = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
	char shown[120];
	if(host == NULL) {
		http_send_error(req, 400, "a Host header is required");
		return 1;
	}
	if(web_host_allowed(host, (const char *const *)host_names, host_count))
		return 0;
	log_info("http: request refused, unknown Host (add it with --web-host if it is ours) "
		 "host=%s",
			log_value(shown, sizeof(shown), host, strlen(host)));
	http_send_error(req, 421, "this server does not answer for that host name");
	return 1;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	size_t len = 0;
	char *path;
	(void)arg;

	if(host_refused(req))
		return;
	if(raw == NULL || raw[0] != '/') {
		http_send_error(req, 400, "bad request target");
		return;
	}
	if(strncmp(raw, "/api/", 5) == 0) {
		api_handler(req, raw + 4);
		return;
	}
	if(health_handle(req, raw) || metrics_handle(req, raw))
		return;
	path = evhttp_uridecode(raw, 0, &len);
	if(path == NULL || strlen(path) != len) /* a %00 in the path */
		http_send_error(req, 400, "bad path");
	else
		serve_static(req, path);
	free(path);
}

/* Splits "host:port" ("[v6]:port" too) and binds. */
static int bind_address(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	char host[256];
	size_t hlen = colon ? (size_t)(colon - addr) : 0;
	unsigned long long port;

	if(colon == NULL || hlen == 0 || hlen >= sizeof(host) ||
			parse_uint(colon + 1, 65535, &port) < 0) {
		log_error("http: bad address '%s' (want ADDR:PORT)", addr);
		return -1;
	}
	if(addr[0] == '[' && addr[hlen - 1] == ']') {
		addr++;
		hlen -= 2;
	}
	memcpy(host, addr, hlen);
	host[hlen] = '\0';
	if(evhttp_bind_socket(http, host, (ev_uint16_t)port) < 0) {
		log_error("http: cannot listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	return 0;
}

static void add_host(const char *prefix, const char *name)
{
	char full[300];
	snprintf(full, sizeof(full), "%s%s", prefix, name);
	host_names = xrealloc(host_names, (host_count + 1) * sizeof(*host_names));
	host_names[host_count++] = xstrdup(full);
}

/* --http's ADDR:PORT, the loopback names on its port (a browser on this machine),
 * and the --web-host names. */
static void set_host_names(const char *addr, const char *const *hosts, size_t nhosts)
{
	const char *port = strrchr(addr, ':') + 1; /* config.c checked ADDR:PORT */
	add_host("", addr);
	add_host("localhost:", port);
	add_host("127.0.0.1:", port);
	add_host("[::1]:", port);
	for(size_t i = 0; i < nhosts; i++)
		add_host("", hosts[i]);
}

int http_start(struct event_base *base, const char *addr, const char *web_root,
		const char *const *hosts, size_t nhosts, http_api_fn api)
{
	api_handler = api;
	set_host_names(addr, hosts, nhosts);
	root = realpath(web_root, NULL);
	if(root == NULL)
		log_warn("http: web root %s: %s (the API works, the page will not)", web_root,
				strerror(errno));
	http = evhttp_new(base);
	if(http == NULL) {
		log_error("http: cannot create the server");
		return -1;
	}
	evhttp_set_max_body_size(http, HTTP_BODY_MAX);
	evhttp_set_max_headers_size(http, HTTP_HEADERS_MAX);
	evhttp_set_timeout(http, HTTP_TIMEOUT_SEC);
	/* Every method libevent knows reaches on_request, which answers the ones no
	 * route takes with a JSON 405 (libevent would send an HTML 501). */
	evhttp_set_allowed_methods(http,
			EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
					EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
					EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(http, on_request, NULL);
	if(bind_address(addr) < 0)
		return -1;
	log_info("http: room management page on http://%s/ (files in %s)", addr,
			root ? root : web_root);
	return 0;
}

void http_stop(void)
{
	if(http)
		evhttp_free(http);
	http = NULL;
	free(root);
	root = NULL;
	for(size_t i = 0; i < host_count; i++)
		free(host_names[i]);
	free(host_names);
	host_names = NULL;
	host_count = 0;
}
