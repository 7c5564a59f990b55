/*
 * webapi.h - the room management JSON API under /api/: routes mapped to admin
 * library verbs, run as the signed-in user in the admin worker (adminq.c).
 *
 *   POST   /api/session           {user, password} -> {user}; sets the cookie
 *   DELETE /api/session           signs out
 *   GET    /api/me                -> {user}
 *   GET    /api/rooms             room.get (the rooms the user may see)
 *   POST   /api/rooms             room.new -> 201 room
 *   GET    /api/rooms/{room}      room.get {room}
 *   PUT    /api/rooms/{room}      room.set
 *   DELETE /api/rooms/{room}      room.remove
 *   POST   /api/rooms/{room}/clear room.clear
 *   GET    /api/rooms/{room}/files file.list_room (who may read the room)
 *   GET    /api/rooms/{room}/messages?before=&limit= message.history
 *   GET    /api/search?q=&room=&author=&since=&until=&before=&limit= message.search
 *   POST   /api/rooms/{room}/download {file} file.download_token -> its url added
 *   GET    /api/categories        category.get (where the user may create rooms)
 *
 * GET routes that take arguments take them in the query string.
 * Everything but signing in needs the session cookie (401).  Requests that
 * change something must be Content-Type: application/json and, when the browser
 * says where they come from (Origin), come from this server: together with the
 * SameSite=Strict cookie that stops cross-site request forgery.  Errors are
 * {"error": "...", "status": N} with the admin library's status.  Sign-ins that
 * failed (403) are counted per user name and per client address; past the limits
 * further ones are refused (429) until the back-off is over.
 */
#ifndef PCHAT_WEBAPI_H
#define PCHAT_WEBAPI_H

struct evhttp_request;
struct weblimit_opts;

/* Sets up the sign-in limits, per user name and per client address (weblimit.h):
 * past them a sign-in is answered 429 with Retry-After, without asking the database. */
void webapi_start(const struct weblimit_opts *per_user, const struct weblimit_opts *per_addr);
void webapi_stop(void);

/* Handles req; path is the part after "/api" (still URL-encoded), e.g. "/rooms". */
void webapi_handle(struct evhttp_request *req, const char *path);

#endif
