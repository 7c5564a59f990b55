/*
 * http.h - pchatd's HTTP server (libevent's evhttp): the room management web
 * page (static files under --web-root) and the JSON API (webapi.c) under /api/.
 *
 * Runs in the event loop like everything else; it never touches the database
 * (the API hands its work to the admin worker, adminq.c).  Every response carries
 * the same security headers; request bodies are capped (413 above the cap).
 */
#ifndef PCHAT_HTTP_H
#define PCHAT_HTTP_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct evhttp_request;

/* The largest request body accepted (the API's JSON objects are small). */
#define HTTP_BODY_MAX 65536L

/* Starts listening on addr ("ADDR:PORT"), serving files from web_root.  Returns 0,
 * or -1 (logged) if the address cannot be bound.  Requests must name in their Host
 * header addr, localhost:PORT, 127.0.0.1:PORT, [::1]:PORT or one of hosts (the
 * --web-host names); others are answered 421 (400 without a Host). */
/* Requests under /api/ go to api(req, path without "/api"), the JSON API
 * (webapi.c, which calls down into this file's helpers). */
typedef void (*http_api_fn)(struct evhttp_request *req, const char *path);
int http_start(struct event_base *base, const char *addr, const char *web_root,
		const char *const *hosts, size_t nhosts, http_api_fn api);
/* Closes the listener and every connection (after adminq_stop has answered the
 * requests still waiting for the database). */
void http_stop(void);

/* Sends status with the JSON value (consumed; NULL sends no body). */
void http_send_json(struct evhttp_request *req, int status, json_t *body);
/* Sends status with {"error": msg, "status": status}. */
void http_send_error(struct evhttp_request *req, int status, const char *msg);

/* The client's address ("127.0.0.1", "::1"; "" if unknown), for the sign-in limits. */
const char *http_peer(struct evhttp_request *req);

/* The request body (NUL-terminated copy, caller frees) and its length, or NULL
 * when there is none. */
char *http_body(struct evhttp_request *req, size_t *len);

/* The value of cookie name in the request's Cookie header (copied into out),
 * or -1 if it is absent or longer than outlen - 1. */
int http_cookie(struct evhttp_request *req, const char *name, char *out, size_t outlen);

#endif
