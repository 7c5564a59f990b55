/*
 * health.c - /healthz and /readyz (health.h).  Answered from state the loop already
 * has, so a probe costs no database round trip and never waits.
 */
#include "health.h"
#include "db.h"
#include "frames.h"
#include "http.h"
#include "link.h"
#include "ready.h"

#include <string.h>

#include <event2/http.h>

static void send_ready(struct evhttp_request *req)
{
	int db_up = db_reachable();
	size_t links = link_count();
	int draining = frames_stopping();
	int ready = ready_serving() && links > 0;
	json_t *body = json_pack("{s:b, s:s, s:I, s:b}", "ready", ready, "database",
			db_up ? "up" : "down", "module_links", (json_int_t)links, "draining",
			draining);
	http_send_json(req, ready ? 200 : 503, body);
}

int health_handle(struct evhttp_request *req, const char *path)
{
	int is_health = strcmp(path, "/healthz") == 0, is_ready = strcmp(path, "/readyz") == 0;
	if(!is_health && !is_ready)
		return 0;
	if(evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
			evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		http_send_error(req, 405, "use GET");
	else if(is_health)
		http_send_json(req, 200, json_pack("{s:s}", "status", "up"));
	else
		send_ready(req);
	return 1;
}
