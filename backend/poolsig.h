/*
 * poolsig.h - the signal between the chat nodes of a pool: "room R reached sequence
 * number N", in UDP datagrams from each node's --pool-listen address to the others'.
 *
 * A signal is only a hint that makes delivery fast: it carries no message, and the
 * database stays the record (roompost.h reads the posts; poolsync.c polls every
 * room's head for signals that were lost).  So a datagram lost, duplicated, late or
 * forged costs at most a read, never a delivery.  Only datagrams from a configured
 * peer's address are taken.  Why UDP and not Kamailio's DMQ: docs/ARCHITECTURE.md,
 * "A pool: ordered delivery".
 *
 * Datagram: "PCHATSEQ 1\n" then lines, at most POOLSIG_MAX bytes:
 *   "<room id> <seq>\n"   the room's post number seq was committed;
 *   "R <room id>\n"       who is present in the room through this node changed (its
 *                         session_rooms rows, committed).
 */
#ifndef PCHAT_POOLSIG_H
#define PCHAT_POOLSIG_H

#include <stddef.h>
#include <stdint.h>

struct event_base;

#define POOLSIG_MAX 1200 /* bytes per datagram: below any path MTU */

/* What a signal received says, called in the loop: room_id reached seq on another
 * node; room_id's presence changed on another node. */
struct poolsig_handlers {
	void (*on_head)(uint64_t room_id, uint64_t seq);
	void (*on_roster)(uint64_t room_id);
};

/* Listens on listen (ADDR:PORT) and sends to peers[0..npeers); returns 0, or -1
 * (logged).  h is called for every line received. */
int poolsig_start(struct event_base *base, const char *listen, const char *const *peers,
		size_t npeers, const struct poolsig_handlers *h);
/* This node committed room_id's post seq: the peers are told once this turn of the
 * loop ends (one datagram per peer for all the rooms of the turn).  Nothing when
 * not started (one node). */
void poolsig_note(uint64_t room_id, uint64_t seq);
/* This node committed a change of who is present in room_id (the same way). */
void poolsig_note_roster(uint64_t room_id);
/* Parses a datagram, calling h for each line; returns how many lines, or -1 if it is
 * not a signal (tests/unit). */
int poolsig_parse(const char *buf, size_t len, const struct poolsig_handlers *h);
/* Signals sent and received (datagrams), for the metrics and tests. */
uint64_t poolsig_sent(void);
uint64_t poolsig_received(void);
void poolsig_stop(void);

#endif
