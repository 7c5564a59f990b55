/*
 * webapi.c - see webapi.h.  This file only maps HTTP to verbs: who may do what
 * is decided by the admin library (with common/pchat_acl.h), never here.
 */
#include "webapi.h"
#include "adminq.h"
#include "config.h"
#include "feeds.h"
#include "http.h"
#include "pchat_filelink.h"
#include "pchat_log.h"
#include "reload.h"
#include "util.h"
#include "weblimit.h"
#include "websess.h"
#include "webparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* What to make of a verb's result. */
enum reply {
	R_PLAIN,    /* the result as it is, 200 */
	R_CREATED,  /* the result, 201 */
	R_ONE,	    /* the first element of a list, 404 if empty */
	R_SIGNIN,   /* {user}: start a session */
	R_DOWNLOAD, /* a download token: its URL on the file service added, 200 */
	R_SIGNOUT,  /* handled here */
	R_ME,	    /* handled here */
};

struct route {
	const char *resource; /* /api/<resource> */
	const char *action;   /* /api/<resource>/<room>/<action>, or NULL */
	const char *verb;     /* NULL: answered without the database */
	enum evhttp_cmd_type method;
	int with_room; /* /api/<resource>/<room> */
	enum reply reply;
	int body;  /* takes a JSON object (missing: {}) */
	int query; /* takes its arguments in the query string (a GET) */
};

static const struct route routes[] = {
		{"session", NULL, "auth.check", EVHTTP_REQ_POST, 0, R_SIGNIN, 1, 0},
		{"session", NULL, NULL, EVHTTP_REQ_DELETE, 0, R_SIGNOUT, 0, 0},
		{"me", NULL, NULL, EVHTTP_REQ_GET, 0, R_ME, 0, 0},
		{"rooms", NULL, "room.get", EVHTTP_REQ_GET, 0, R_PLAIN, 0, 0},
		{"rooms", NULL, "room.new", EVHTTP_REQ_POST, 0, R_CREATED, 1, 0},
		{"rooms", NULL, "room.get", EVHTTP_REQ_GET, 1, R_ONE, 0, 0},
		{"rooms", NULL, "room.set", EVHTTP_REQ_PUT, 1, R_PLAIN, 1, 0},
		{"rooms", NULL, "room.remove", EVHTTP_REQ_DELETE, 1, R_PLAIN, 0, 0},
		{"rooms", "clear", "room.clear", EVHTTP_REQ_POST, 1, R_PLAIN, 1, 0},
		{"rooms", "files", "file.list_room", EVHTTP_REQ_GET, 1, R_PLAIN, 0, 0},
		{"rooms", "messages", "message.history", EVHTTP_REQ_GET, 1, R_PLAIN, 0, 1},
		{"rooms", "messages", "message.remove_one", EVHTTP_REQ_DELETE, 1, R_PLAIN, 0, 1},
		{"rooms", "messages", "message.replace_one", EVHTTP_REQ_PUT, 1, R_PLAIN, 1, 0},
		{"search", NULL, "message.search", EVHTTP_REQ_GET, 0, R_PLAIN, 0, 1},
		{"rooms", "download", "file.download_token", EVHTTP_REQ_POST, 1, R_DOWNLOAD, 1, 0},
		{"categories", NULL, "category.get", EVHTTP_REQ_GET, 0, R_PLAIN, 0, 0},
		{"feeds", NULL, "feed.get", EVHTTP_REQ_GET, 0, R_PLAIN, 0, 0},
		{"feeds", NULL, "feed.add", EVHTTP_REQ_POST, 0, R_CREATED, 1, 0},
		{"feeds", NULL, "feed.remove", EVHTTP_REQ_DELETE, 0, R_PLAIN, 0, 1},
		{"alerts", NULL, "feed.alerts", EVHTTP_REQ_GET, 0, R_PLAIN, 0, 1},
};

/* The parts of an API path: /<resource>[/<room>[/<action>]]. */

/* A request waiting for the admin worker. */
struct call {
	struct evhttp_request *req;
	const struct route *route;
	char *user; /* NULL while signing in */
	/* signing in: the keys its outcome is counted under (weblimit.h) */
	char login_user[128];
	char login_addr[64];
};

/* How long a client should wait before trying again when the database is down. */
#define RETRY_AFTER_SEC "5"

/* The route for t and method; *known says whether the path exists at all. */
static const struct route *find_route(
		const struct web_target *t, enum evhttp_cmd_type method, int *known)
{
	size_t i;
	*known = 0;
	for(i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		if(strcmp(r->resource, t->resource) != 0 || r->with_room != t->with_room ||
				strcmp(r->action ? r->action : "", t->action) != 0)
			continue;
		*known = 1;
		if(r->method == method)
			return r;
	}
	return NULL;
}

/* ---- sign-in limits ---- */

static struct weblimit *login_by_user, *login_by_addr;

void webapi_start(const struct weblimit_opts *per_user, const struct weblimit_opts *per_addr)
{
	login_by_user = weblimit_new(per_user);
	login_by_addr = weblimit_new(per_addr);
}

void webapi_stop(void)
{
	weblimit_free(login_by_user);
	weblimit_free(login_by_addr);
	login_by_user = login_by_addr = NULL;
}

static time_t now_sec(void)
{
	return (time_t)(mono_ms() / 1000);
}

/* Refuses (and answers 429) a sign-in whose user name or address failed too often:
 * a lookup in memory, so a guesser costs the database nothing. */
static int login_refused(struct evhttp_request *req, const struct call *c)
{
	time_t now = now_sec();
	unsigned by_user = weblimit_wait(login_by_user, c->login_user, now);
	unsigned by_addr = weblimit_wait(login_by_addr, c->login_addr, now);
	unsigned wait = by_user > by_addr ? by_user : by_addr;
	char secs[16], msg[128], who[300];

	if(wait == 0)
		return 0;
	snprintf(secs, sizeof(secs), "%u", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", secs);
	snprintf(msg, sizeof(msg), "too many failed sign-ins %s; try again in %u s",
			by_user >= by_addr ? "for this user" : "from this address", wait);
	log_info("web: sign-in refused, too many failures user=%s addr=%s wait=%u",
			log_value(who, sizeof(who), c->login_user, strlen(c->login_user)),
			c->login_addr, wait);
	http_send_error(req, 429, msg);
	return 1;
}

/* A refused sign-in (403: wrong credentials, or chat not allowed) counts against its
 * user name and address; a success clears the user name's count (not the address's:
 * one good account must not reset a guesser's count). */
static void login_count(const struct call *c, const struct pca_error *err)
{
	time_t now = now_sec();
	if(err == NULL) {
		weblimit_forget(login_by_user, c->login_user);
	} else if(err->status == 403) {
		weblimit_fail(login_by_user, c->login_user, now);
		weblimit_fail(login_by_addr, c->login_addr, now);
	}
}

/* ---- answers ---- */

static void set_cookie(struct evhttp_request *req, const char *token, int max_age)
{
	char v[WEBSESS_TOKEN_SIZE + 128];
	snprintf(v, sizeof(v), WEBSESS_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
			token, max_age);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", v);
}

static void send_failure(struct evhttp_request *req, const struct pca_error *err)
{
	int status = err->status >= 400 && err->status <= 599 ? err->status : 500;
	if(status == 503)
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
				RETRY_AFTER_SEC);
	http_send_error(req, status, err->msg[0] ? err->msg : "the operation failed");
}

static void signed_in(struct evhttp_request *req, json_t *result)
{
	const char *user = json_string_value(json_object_get(result, "user"));
	char token[WEBSESS_TOKEN_SIZE];

	if(user == NULL || websess_create(user, token) < 0) {
		json_decref(result);
		http_send_error(req, 500, "cannot start a session");
		return;
	}
	log_info("web: signed in user=%s", user);
	set_cookie(req, token, WEBSESS_MAX_SEC);
	http_send_json(req, 200, json_pack("{s:s}", "user", user));
	json_decref(result);
}

/* The token's URL, <file service>/files/<room id>/<stored name>?token=..., where the
 * page sends the browser. */
static void send_download(struct evhttp_request *req, json_t *result)
{
	char base[CONFIG_URL_MAX];
	const char *token = json_string_value(json_object_get(result, "token"));
	const char *file = json_string_value(json_object_get(result, "file"));
	json_int_t room = json_integer_value(json_object_get(result, "room_id"));
	char *url = NULL;

	if(token && file && config_file_base(&cfg, base, sizeof(base)) == 0)
		url = pchat_file_url(base, (unsigned long long)room, file, token);
	if(url == NULL) {
		json_decref(result);
		http_send_error(req, 500, "cannot make the download URL");
		return;
	}
	json_object_set_new(result, "url", json_string(url));
	free(url);
	http_send_json(req, 200, result);
}

static void send_result(struct evhttp_request *req, const struct route *r, json_t *result)
{
	json_t *one;

	switch(r->reply) {
		case R_SIGNIN: signed_in(req, result); return;
		case R_DOWNLOAD: send_download(req, result); return;
		case R_CREATED: http_send_json(req, 201, result); return;
		case R_ONE:
			one = json_array_get(result, 0);
			if(one == NULL)
				http_send_error(req, 404, "no such room (or you may not see it)");
			else
				http_send_json(req, 200, json_incref(one));
			json_decref(result);
			return;
		default: http_send_json(req, 200, result); return;
	}
}

/* A verb that failed: the caller's fault (4xx) is an event, ours (5xx) a degradation. */
static void log_failure(const struct call *c, const struct pca_error *err)
{
	char msg[300];
	log_msg(err->status >= 500 ? LL_WARN : LL_INFO,
			"web: request failed user=%s verb=%s status=%d error=%s",
			c->user ? c->user : "-", c->route->verb, err->status,
			log_value(msg, sizeof(msg), err->msg, strlen(err->msg)));
}

static void on_done(void *arg, json_t *result, const struct pca_error *err)
{
	struct call *c = arg;

	if(c->route->reply == R_SIGNIN)
		login_count(c, err);
	if(err) {
		if(c->route->reply != R_SIGNIN || err->status != 403)
			log_failure(c, err);
		send_failure(c->req, err);
	} else {
		/* Chat clients see the change at once, not at the next revision poll
		 * (2: a change of no room, such as a download token; 3: a user's feeds,
		 * which this node's index reads again now, the others at their poll of
		 * FeedsRevision, as after cmd:feed). */
		int mutates = pca_verb_mutates(c->route->verb);
		if(mutates > 0)
			log_info("web: change made user=%s verb=%s", c->user, c->route->verb);
		if(mutates == 1)
			rooms_reload_all();
		else if(mutates == 3)
			feeds_reload();
		send_result(c->req, c->route, result);
	}
	free(c->user);
	free(c);
}

/* ---- checks before the work ---- */

/* Does the Origin header, when there is one, name this server (Host)? */
static int same_origin(struct evhttp_request *req)
{
	const struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	const char *origin = evhttp_find_header(h, "Origin");
	const char *host = evhttp_find_header(h, "Host");
	const char *p;

	if(origin == NULL)
		return 1; /* not a browser's cross-site request: those always say */
	p = strstr(origin, "://");
	return host && p && strcasecmp(p + 3, host) == 0;
}

static int is_json(struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
	size_t n = strlen("application/json");
	return ct && strncasecmp(ct, "application/json", n) == 0 &&
			(ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Refuses (and answers) a request that changes something from elsewhere. */
static int csrf_refused(struct evhttp_request *req)
{
	if(evhttp_request_get_command(req) == EVHTTP_REQ_GET)
		return 0;
	if(!is_json(req)) {
		http_send_error(req, 415,
				"requests that change something must be "
				"Content-Type: application/json");
		return 1;
	}
	if(!same_origin(req)) {
		http_send_error(req, 403, "cross-origin request refused");
		return 1;
	}
	return 0;
}

/* The request body as a JSON object ({} when empty), or NULL after answering 400. */
static json_t *body_object(struct evhttp_request *req)
{
	size_t len = 0;
	char *text = http_body(req, &len);
	json_error_t jerr;
	json_t *v;

	if(text == NULL)
		return json_object();
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if(v == NULL) {
		char msg[256];
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s (at character %d)",
				jerr.text, jerr.position);
		http_send_error(req, 400, msg);
		return NULL;
	}
	if(!json_is_object(v)) {
		json_decref(v);
		http_send_error(req, 400, "the body must be a JSON object");
		return NULL;
	}
	return v;
}

/* Query keys whose values are whole numbers (message ids, counts): the verbs take
 * them as JSON integers; every other value is a string. */
static const char *const integer_keys[] = {"before", "limit", "id"};

static int integer_key(const char *key)
{
	for(size_t i = 0; i < sizeof(integer_keys) / sizeof(integer_keys[0]); i++)
		if(strcmp(key, integer_keys[i]) == 0)
			return 1;
	return 0;
}

/* A query value as JSON, or NULL with the reason in why. */
static json_t *query_value(const char *key, const char *value, char *why, size_t wn)
{
	json_t *v;
	if(integer_key(key)) {
		char *end;
		long long n = strtoll(value, &end, 10);
		if(*value == '\0' || *end != '\0' || n < 0) {
			snprintf(why, wn, "\"%s\" must be a whole number", key);
			return NULL;
		}
		return json_integer(n);
	}
	if((v = json_string(value)) == NULL)
		snprintf(why, wn, "\"%s\" is not UTF-8", key);
	return v;
}

/* The query string's arguments as a JSON object (the verb refuses unknown keys), or
 * NULL after answering 400. */
static json_t *query_object(struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq kv;
	struct evkeyval *e;
	json_t *args = json_object();
	char why[300] = "";

	if(q == NULL)
		return args;
	if(evhttp_parse_query_str(q, &kv) < 0) {
		json_decref(args);
		http_send_error(req, 400, "malformed query string");
		return NULL;
	}
	for(e = kv.tqh_first; e != NULL; e = e->next.tqe_next) {
		json_t *v = NULL;
		if(json_object_get(args, e->key))
			snprintf(why, sizeof(why), "\"%s\" is given twice", e->key);
		else if((v = query_value(e->key, e->value, why, sizeof(why))) != NULL &&
				json_object_set_new(args, e->key, v) < 0) {
			snprintf(why, sizeof(why), "a key of the query is not UTF-8");
			v = NULL; /* released by jansson */
		}
		if(v == NULL)
			break;
	}
	evhttp_clear_headers(&kv);
	if(why[0]) {
		json_decref(args);
		http_send_error(req, 400, why);
		return NULL;
	}
	return args;
}

/* The signed-in user, or NULL (with the token in token, for signing out). */
static const char *session_user(struct evhttp_request *req, char token[WEBSESS_TOKEN_SIZE])
{
	if(http_cookie(req, WEBSESS_COOKIE, token, WEBSESS_TOKEN_SIZE) < 0)
		return NULL;
	return websess_user(token);
}

/* ---- dispatch ---- */

/* Answers 501 (and says so) when there is no file service to send a download to:
 * before a token is issued for nothing. */
static int no_file_service(struct evhttp_request *req)
{
	char base[CONFIG_URL_MAX];
	if(config_file_base(&cfg, base, sizeof(base)) == 0)
		return 0;
	http_send_error(req, 501, "this server has no file service");
	return 1;
}

static void answer_locally(struct evhttp_request *req, const struct route *r, const char *user,
		const char *token)
{
	if(r->reply == R_ME) {
		http_send_json(req, 200, json_pack("{s:s}", "user", user));
		return;
	}
	log_info("web: signed out user=%s", user); /* before: user is the session's */
	websess_remove(token);			   /* R_SIGNOUT */
	set_cookie(req, "", 0);
	http_send_json(req, 200, json_pack("{s:b}", "signed_out", 1));
}

static void submit(
		struct evhttp_request *req, const struct route *r, const char *user, json_t *args)
{
	struct call *c = xcalloc(1, sizeof(*c));
	c->req = req;
	c->route = r;
	c->user = user ? xstrdup(user) : NULL;
	if(r->reply == R_SIGNIN) {
		const char *name = json_string_value(json_object_get(args, "user"));
		weblimit_user_key(name ? name : "", c->login_user, sizeof(c->login_user));
		snprintf(c->login_addr, sizeof(c->login_addr), "%s", http_peer(req));
		if(login_refused(req, c)) {
			free(c);
			json_decref(args);
			return;
		}
	}
	/* Signing in runs as "" (a user who matches nobody), never as NULL, which
	 * would be the administrator. */
	if(adminq_submit(user ? user : "", r->verb, args, on_done, c) < 0) {
		free(c->user);
		free(c);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After",
				RETRY_AFTER_SEC);
		http_send_error(req, 503, "the server is busy; try again shortly");
	}
}

void webapi_handle(struct evhttp_request *req, const char *path)
{
	char token[WEBSESS_TOKEN_SIZE];
	const struct route *r;
	const char *user = NULL;
	struct web_target t;
	json_t *args;
	int known = 0;

	if(web_parse_target(path, &t) < 0 ||
			(r = find_route(&t, evhttp_request_get_command(req), &known)) == NULL) {
		if(t.resource[0] && known)
			http_send_error(req, 405, "method not allowed here");
		else
			http_send_error(req, 404, "no such API");
		return;
	}
	if(csrf_refused(req))
		return;
	if(r->reply != R_SIGNIN && (user = session_user(req, token)) == NULL) {
		http_send_error(req, 401, "please sign in");
		return;
	}
	if(r->verb == NULL) {
		answer_locally(req, r, user, token);
		return;
	}
	if(r->reply == R_DOWNLOAD && no_file_service(req))
		return;
	args = r->body ? body_object(req) : r->query ? query_object(req) : json_object();
	if(args == NULL)
		return;
	if(t.with_room) {
		json_t *room = json_string(t.room);
		if(room == NULL) { /* not UTF-8 */
			json_decref(args);
			http_send_error(req, 400, "bad room name in the path");
			return;
		}
		json_object_set_new(args, "room", room);
	}
	submit(req, r, user, args);
}
