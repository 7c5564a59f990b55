/*
 * pchat_handoff.c - the worker -> link process pipe (see pchat_handoff.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../core/dprint.h"
#include "../../core/mem/shm_mem.h"
#include "pchat_handoff.h"
#include "pchat_mod.h"

/* One pipe per link process. */
static int handoff_pipe[PCHAT_MAX_LINKS][2];

int pchat_handoff_init(void)
{
	int i;
	for(i = 0; i < pchat_link_processes; i++) {
		int *p = handoff_pipe[i];
		if(pipe(p) < 0) {
			LM_ERR("cannot create the handoff pipe: %s\n", strerror(errno));
			return -1;
		}
		/* Writers must never block: a full pipe means the link process is far
		 * behind and the request is answered 503 instead. */
		if(fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
			LM_ERR("cannot make the handoff pipe non-blocking: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int pchat_handoff_read_fd(void)
{
	return handoff_pipe[pchat_link_index][0];
}

/* Every request of a dialog carries its Call-ID, so hashing it sends them all to
 * the link process that holds the session (FNV-1a). */
int pchat_link_of_call_id(const str *call_id)
{
	uint32_t h = 2166136261u;
	int i;
	for(i = 0; i < call_id->len; i++)
		h = (h ^ (unsigned char)call_id->s[i]) * 16777619u;
	return (int)(h % (uint32_t)pchat_link_processes);
}

/* Session ids are handed out so that id % link_processes is their link process
 * (pchat_dialogs.c). */
int pchat_link_of_session(uint64_t id)
{
	return (int)(id % (uint64_t)pchat_link_processes);
}

static int link_of_event(const struct pchat_event *ev)
{
	return ev->kind == PCHAT_EV_DEAD || ev->kind == PCHAT_EV_ACK
			? pchat_link_of_session(ev->session)
			: pchat_link_of_call_id(&ev->call_id);
}

struct pchat_event *pchat_event_new(enum pchat_event_kind kind, const str *fields[], int nfields)
{
	struct pchat_event *ev;
	str *dst[PCHAT_FLD_COUNT];
	size_t size = sizeof(*ev);
	char *p;
	int i;

	for(i = 0; i < PCHAT_FLD_COUNT; i++)
		size += (size_t)(i < nfields && fields[i] ? fields[i]->len : 0) + 1;
	ev = shm_malloc(size);
	if(ev == NULL) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	dst[PCHAT_FLD_SRC_URI] = &ev->src_uri;
	dst[PCHAT_FLD_CALL_ID] = &ev->call_id;
	dst[PCHAT_FLD_FROM_TAG] = &ev->from_tag;
	dst[PCHAT_FLD_TO_TAG] = &ev->to_tag;
	dst[PCHAT_FLD_FROM_URI] = &ev->from_uri;
	dst[PCHAT_FLD_TO_URI] = &ev->to_uri;
	dst[PCHAT_FLD_CONTACT] = &ev->contact;
	dst[PCHAT_FLD_IDENTITY] = &ev->identity;
	dst[PCHAT_FLD_EPID] = &ev->epid;
	dst[PCHAT_FLD_USER_AGENT] = &ev->user_agent;
	dst[PCHAT_FLD_OUR_CONTACT] = &ev->our_contact;
	dst[PCHAT_FLD_BODY] = &ev->body;
	p = (char *)(ev + 1);
	for(i = 0; i < PCHAT_FLD_COUNT; i++) {
		if(i >= nfields || fields[i] == NULL || fields[i]->len <= 0) {
			dst[i]->s = p; /* empty, but a valid NUL-terminated string */
			dst[i]->len = 0;
			*p++ = '\0';
			continue;
		}
		memcpy(p, fields[i]->s, fields[i]->len);
		dst[i]->s = p;
		dst[i]->len = fields[i]->len;
		p += fields[i]->len;
		*p++ = '\0';
	}
	return ev;
}

int pchat_handoff_send(struct pchat_event *ev)
{
	/* the pipe carries the event's address as one machine word */
	uintptr_t word = (uintptr_t)ev;
	ssize_t n;
	do {
		n = write(handoff_pipe[link_of_event(ev)][1], &word, sizeof(word));
	} while(n < 0 && errno == EINTR);
	if(n != (ssize_t)sizeof(word)) {
		/* overload: a line every 10 s per process, not one per request (the busy
		 * statistic counts them all) */
		static time_t last;
		static unsigned more;
		time_t now = time(NULL);
		if(now - last >= 10) {
			LM_WARN("handoff pipe full or broken (%s), 503 sent; more since the last "
				"line: %u\n",
					n < 0 ? strerror(errno) : "short write", more);
			last = now;
			more = 0;
		} else {
			more++;
		}
		return -1;
	}
	return 0;
}

void pchat_event_free(struct pchat_event *ev)
{
	shm_free(ev);
}
