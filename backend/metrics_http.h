/*
 * metrics_http.h - GET /metrics on pchatd's HTTP server (--http): the registry
 * (metrics.h) and the gauges of the loop's state, in the Prometheus text format
 * 0.0.4.  Answered from memory: no database round trip, nothing that waits.
 */
#ifndef PCHAT_METRICS_HTTP_H
#define PCHAT_METRICS_HTTP_H

struct evhttp_request;

/* Answers req if path is /metrics (1), else leaves it (0). */
int metrics_handle(struct evhttp_request *req, const char *path);

#endif
