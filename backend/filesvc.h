/*
 * filesvc.h - the file service (docs/FILES.md): pchatd's listener of its own for
 * file uploads and downloads, on libmicrohttpd.
 *
 * Why not the web service's evhttp: libevent 2.1 reads a request's whole body into
 * memory before its handler runs, and its handlers run in the event loop.  Here
 * libmicrohttpd's threads (--file-threads, epoll) take the requests, hand the
 * handlers a body in pieces of a few KiB, and serve downloads with sendfile; every
 * disk and database call of a transfer runs in those threads, each thread on a
 * MariaDB connection of its own (filedb.h), never in the event loop.  A sweeper
 * thread (filesweep.h) deletes what no post refers to any more.
 *
 * The one thing that reaches the loop is a stored file post, through an inbox
 * (inbox.h): the loop fans it out to the room like any grpchat.
 *
 *   <prefix>/files/<token>                 PUT      fileapi.c
 *   <prefix>/files/<room id>/<GUID>.<ext>  GET/HEAD fileapi.c
 *   <prefix>/MGCWebService.asmx            POST     filesoap.c (SOAP 1.1)
 */
#ifndef PCHAT_FILESVC_H
#define PCHAT_FILESVC_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;

/* A stored file post, for the loop to send to the room (strings valid during the
 * call only). */
struct filesvc_post {
	uint64_t msg_id;
	uint64_t seq;	      /* its number in the room (roompost.h); 0: none */
	const char *room_uri; /* ma-chan://... */
	const char *author;
	const char *ts; /* XCCOS time */
	const char *body;
	size_t body_len;
};
typedef void (*filesvc_deliver_fn)(const struct filesvc_post *p);

/* Starts the service of c's --file-* options (c->file_listen set): the store,
 * the listener and its threads, the sweeper.  deliver runs in the loop thread.
 * 0, or -1 (logged) with nothing left running. */
int filesvc_start(struct event_base *base, const struct config *c, filesvc_deliver_fn deliver);
/* Stops accepting connections (shutdown begins); requests under way go on. */
void filesvc_quiesce(void);
/* Stops the threads (requests under way are cut off: their uploads deleted) and
 * delivers the posts stored meanwhile.  Loop thread; harmless if never started. */
void filesvc_stop(void);

/* The public URL of the service: <scheme>://<host>[:port]<prefix> (the links of
 * file posts: --file-service-url without its /MGCWebService.asmx). */
const char *filesvc_base_url(void);

#endif
