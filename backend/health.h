/*
 * health.h - pchatd's health endpoints on its HTTP server (--http), for systemd, load
 * balancers and the pool's probes:
 *   GET /healthz  200 {"status": "up"} while the process serves its event loop;
 *   GET /readyz   200 when pchatd can serve chat, else 503, with why:
 *                 {"ready": bool, "database": "up"|"down", "module_links": N,
 *                  "draining": bool}; ready = the database answered the last attempt,
 *                 at least one Kamailio link is connected, and pchatd is not stopping.
 *                 "database" is what the worker last met: pchatd polls server_config every
 *                 second (reload.c), so it is at most about a second old.
 */
#ifndef PCHAT_HEALTH_H
#define PCHAT_HEALTH_H

struct evhttp_request;

/* Answers req if path is one of the endpoints (1), else leaves it (0). */
int health_handle(struct evhttp_request *req, const char *path);

#endif
