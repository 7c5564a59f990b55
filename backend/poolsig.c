/*
 * poolsig.c - see poolsig.h.
 */
#include "poolsig.h"
#include "config.h"
#include "pchat_log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#define MAGIC "PCHATSEQ 1\n"
/* Datagrams read per wake-up, so that a flood cannot hold the loop. */
#define READS_PER_WAKE 64
/* The longest line: two 20-digit numbers, a blank and a newline. */
#define LINE_MAX_BYTES 42

struct peer {
	struct sockaddr_storage addr;
	socklen_t len;
};

/* What the loop's turn committed: room and its highest number, or (seq ROSTER) a
 * change of its presence (deduplicated). */
struct noted {
	uint64_t room_id, seq;
};
#define ROSTER UINT64_MAX

static int sock = -1;
static struct event *read_ev, *flush_ev;
static struct peer peers[CONFIG_POOL_PEERS_MAX];
static size_t npeers;
static const struct poolsig_handlers *handlers;
static struct noted *noted;
static size_t nnoted, noted_cap;
static uint64_t sent, received;

/* ---- parsing ---- */

/* One line (NUL-terminated, without its newline); 0, or -1 if malformed. */
static int parse_line(char *line, const struct poolsig_handlers *h)
{
	unsigned long long room, seq;
	char *blank = strchr(line, ' ');
	if(blank == NULL)
		return -1;
	*blank = '\0';
	if(strcmp(line, "R") == 0) {
		if(parse_uint(blank + 1, UINT64_MAX, &room) < 0)
			return -1;
		h->on_roster(room);
		return 0;
	}
	if(parse_uint(line, UINT64_MAX, &room) < 0 || parse_uint(blank + 1, UINT64_MAX, &seq) < 0)
		return -1;
	h->on_head(room, seq);
	return 0;
}

int poolsig_parse(const char *buf, size_t len, const struct poolsig_handlers *h)
{
	size_t at = sizeof(MAGIC) - 1;
	int n = 0;

	if(len < at || memcmp(buf, MAGIC, at) != 0)
		return -1;
	while(at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		char line[LINE_MAX_BYTES + 1];
		size_t l = nl ? (size_t)(nl - (buf + at)) : 0;

		if(nl == NULL || l == 0 || l > LINE_MAX_BYTES)
			return -1;
		memcpy(line, buf + at, l);
		line[l] = '\0';
		if(parse_line(line, h) < 0)
			return -1;
		n++;
		at += l + 1;
	}
	return n;
}

/* ---- receiving ---- */

static int from_peer(const struct sockaddr_storage *a, socklen_t len)
{
	for(size_t i = 0; i < npeers; i++) {
		if(peers[i].len == len && memcmp(&peers[i].addr, a, len) == 0)
			return 1;
	}
	return 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	char buf[POOLSIG_MAX];
	(void)what;
	(void)arg;
	for(int i = 0; i < READS_PER_WAKE; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		if(n < 0)
			return; /* EAGAIN: all read */
		if(!from_peer(&from, flen)) {
			log_debug("pool signal from an unknown address ignored");
			continue;
		}
		if(poolsig_parse(buf, (size_t)n, handlers) < 0)
			log_warn("pool signal malformed: ignored (%zd bytes)", n);
		else
			received++;
	}
}

/* ---- sending ---- */

/* Notes (room, seq): a post number, or ROSTER. */
static void note(uint64_t room_id, uint64_t seq)
{
	struct noted *e;
	if(sock < 0)
		return;
	for(size_t i = 0; i < nnoted; i++) {
		if(noted[i].room_id == room_id && (noted[i].seq == ROSTER) == (seq == ROSTER)) {
			if(seq > noted[i].seq)
				noted[i].seq = seq;
			return;
		}
	}
	if(nnoted == noted_cap) {
		noted_cap = noted_cap ? noted_cap * 2 : 32;
		noted = xrealloc(noted, noted_cap * sizeof(*noted));
	}
	e = &noted[nnoted++];
	e->room_id = room_id;
	e->seq = seq;
	if(nnoted == 1)
		event_active(flush_ev, EV_TIMEOUT, 0); /* after this turn's other callbacks */
}

void poolsig_note(uint64_t room_id, uint64_t seq)
{
	if(seq != 0 && seq != ROSTER) /* 0: an unnumbered post, nothing to read */
		note(room_id, seq);
}

void poolsig_note_roster(uint64_t room_id)
{
	note(room_id, ROSTER);
}

static void send_all(const char *buf, size_t len)
{
	for(size_t i = 0; i < npeers; i++) {
		/* A full socket buffer or a peer that is down loses this hint: the poll
		 * finds the posts. */
		if(sendto(sock, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&peers[i].addr,
				   peers[i].len) < 0 &&
				errno != EAGAIN && errno != ECONNREFUSED)
			log_debug("pool signal not sent: %s", strerror(errno));
		else
			sent++;
	}
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	char buf[POOLSIG_MAX];
	size_t len = 0;
	(void)fd;
	(void)what;
	(void)arg;
	for(size_t i = 0; i < nnoted; i++) {
		char line[LINE_MAX_BYTES + 1];
		int l = noted[i].seq == ROSTER
				? snprintf(line, sizeof(line), "R %" PRIu64 "\n", noted[i].room_id)
				: snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n",
						  noted[i].room_id, noted[i].seq);
		if(len + (size_t)l > sizeof(buf)) {
			send_all(buf, len);
			len = 0;
		}
		if(len == 0) {
			memcpy(buf, MAGIC, sizeof(MAGIC) - 1);
			len = sizeof(MAGIC) - 1;
		}
		memcpy(buf + len, line, (size_t)l);
		len += (size_t)l;
	}
	if(len > 0)
		send_all(buf, len);
	nnoted = 0;
}

/* ---- start and stop ---- */

static int add_peer(const char *spec)
{
	struct addrinfo *ai = resolve_address("pool-peer", spec, SOCK_DGRAM);
	if(ai == NULL)
		return -1;
	if(npeers == sizeof(peers) / sizeof(peers[0]) || ai->ai_addrlen > sizeof(peers[0].addr)) {
		freeaddrinfo(ai);
		return -1;
	}
	memcpy(&peers[npeers].addr, ai->ai_addr, ai->ai_addrlen);
	peers[npeers++].len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int open_socket(const char *listen)
{
	struct addrinfo *ai = resolve_address("pool-listen", listen, SOCK_DGRAM);
	if(ai == NULL)
		return -1;
	sock = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(sock < 0 || bind(sock, ai->ai_addr, ai->ai_addrlen) < 0) {
		log_error("pool: cannot listen on %s: %s", listen, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return 0;
}

int poolsig_start(struct event_base *base, const char *listen, const char *const *peer_specs,
		size_t n, const struct poolsig_handlers *h)
{
	handlers = h;
	for(size_t i = 0; i < n; i++) {
		if(add_peer(peer_specs[i]) < 0)
			return -1;
	}
	if(open_socket(listen) < 0)
		return -1;
	read_ev = event_new(base, sock, EV_READ | EV_PERSIST, on_readable, NULL);
	flush_ev = event_new(base, -1, 0, on_flush, NULL);
	if(read_ev == NULL || flush_ev == NULL || event_add(read_ev, NULL) < 0)
		return -1;
	log_info("pool: signals on %s, %zu peer(s)", listen, npeers);
	return 0;
}

uint64_t poolsig_sent(void)
{
	return sent;
}

uint64_t poolsig_received(void)
{
	return received;
}

void poolsig_stop(void)
{
	if(read_ev)
		event_free(read_ev);
	if(flush_ev)
		event_free(flush_ev);
	read_ev = flush_ev = NULL;
	if(sock >= 0)
		close(sock);
	sock = -1;
	free(noted);
	noted = NULL;
	nnoted = noted_cap = npeers = 0;
}
