/*
 * frames.c - see frames.h.
 */
#include "frames.h"
#include "commands.h"
#include "config.h"
#include "link.h"
#include "log.h"
#include "sessions.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

int frames_refusing;

static void reply(struct link_conn *c, const struct pchat_frame *f, uint8_t type, const char *text)
{
	link_send(c, type, f->token, f->session, text, text ? strlen(text) : 0);
}

static void on_hello(struct link_conn *c, const struct pchat_frame *f)
{
	char name[256];
	log_info("link %u: hello from node '%s'", link_conn_id(c),
			log_safe(name, sizeof(name), f->payload, f->payload_len));
}

static void on_open(struct link_conn *c, const struct pchat_frame *f)
{
	const char *fields[PCHAT_OPEN_NFIELDS];
	if(pchat_open_split(f->payload, f->payload_len, fields) < 0) {
		log_warn("link %u session %" PRIu64 ": OPEN with missing fields; ignored",
				link_conn_id(c), f->session);
		return;
	}
	session_open(c, f->session, fields);
}

static void on_close(struct link_conn *c, const struct pchat_frame *f)
{
	struct session *s = session_find(link_conn_id(c), f->session);
	char why[128];
	if(s == NULL) {
		log_debug("link %u session %" PRIu64 ": CLOSE for an unknown session",
				link_conn_id(c), f->session);
		return;
	}
	log_safe(why, sizeof(why), f->payload, f->payload_len);
	session_close(s, why[0] ? why : "closed by the module");
}

/* Overload is worth a warning, but not one per frame. */
static void log_busy(void)
{
	static time_t last;
	static unsigned suppressed;
	time_t now = time(NULL);
	if(now - last < 10) {
		suppressed++;
		return;
	}
	log_warn("inbound queue full (%u commands pending, limit %u): answering BUSY "
		 "(%u more since the last warning)",
			commands_pending(), cfg.queue_limit, suppressed);
	last = now;
	suppressed = 0;
}

/* Decides ACCEPT / BUSY / REJECT at once; the accepted command runs afterwards. */
static void on_xccos(struct link_conn *c, const struct pchat_frame *f)
{
	struct session *s;
	char reject[64];

	if(frames_refusing || commands_pending() >= cfg.queue_limit) {
		/* Nothing is parsed: the client retries (503 + Retry-After). */
		if(!frames_refusing)
			log_busy();
		reply(c, f, PCHAT_F_BUSY, NULL);
		return;
	}
	s = session_find(link_conn_id(c), f->session);
	if(s == NULL) {
		log_info("link %u session %" PRIu64 ": XCCOS for an unknown session",
				link_conn_id(c), f->session);
		reply(c, f, PCHAT_F_REJECT, "481 Call/Transaction Does Not Exist");
		return;
	}
	if(log_enabled(LL_DEBUG)) {
		char buf[2048];
		log_msg(LL_DEBUG, SESS_FMT " -> %s", SESS_ARGS(s),
				log_safe(buf, sizeof(buf), f->payload, f->payload_len));
	}
	if(commands_accept(s, f->payload, f->payload_len, reject, sizeof(reject)) < 0) {
		reply(c, f, PCHAT_F_REJECT, reject);
		return;
	}
	/* ACCEPT goes out before any SEND the command produces. */
	reply(c, f, PCHAT_F_ACCEPT, NULL);
	commands_pump(s);
}

void frames_on_frame(struct link_conn *c, const struct pchat_frame *f)
{
	switch(f->type) {
		case PCHAT_F_HELLO: on_hello(c, f); break;
		case PCHAT_F_OPEN: on_open(c, f); break;
		case PCHAT_F_XCCOS: on_xccos(c, f); break;
		case PCHAT_F_CLOSE: on_close(c, f); break;
		default:
			/* Newer modules may send more; ignoring keeps the link up. */
			log_warn("link %u: ignoring frame of type %u", link_conn_id(c), f->type);
			break;
	}
}

void frames_on_close(struct link_conn *c)
{
	sessions_close_conn(link_conn_id(c));
}
