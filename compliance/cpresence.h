/*
 * cpresence.h - who is in the rooms of a batch: the participants recorded when the
 * previous batch was done (compliance_participants), then each JOIN (+1 session)
 * and PART (-1, never below 0) as the batch's events pass.  What the adapters get as
 * "present at the start" and "present at the end" of a room (adapter.h), and what is
 * written back when the batch is done.  Memory: the people present in the batch's
 * rooms, not the events.
 *
 * Users are told apart as the database's key (room_id, user_uri) does, without
 * regard to ASCII case (utf8mb4_general_ci), and listed in that order.
 */
#ifndef PCHAT_CPRESENCE_H
#define PCHAT_CPRESENCE_H

#include <stddef.h>
#include <stdint.h>

#include "cevent.h"

struct cp_user {
	char *uri;
	unsigned sessions; /* 0: gone (kept until the batch is done) */
	unsigned recorded; /* as compliance_participants has it (0: no row) */
	int64_t since_ms;  /* present since (unchanged while sessions stay above 0) */
};

struct cp_room {
	uint64_t id;
	struct cp_user *users; /* sorted by uri */
	size_t n, cap;
	const char **list; /* the last cp_present() */
	size_t list_cap;
};

struct cpresence {
	struct cp_room *rooms; /* sorted by id */
	size_t n, cap;
};

/* Adds a room; ids must come in ascending order.  The room, or NULL (no memory). */
struct cp_room *cp_add_room(struct cpresence *p, uint64_t room_id);
/* The room, or NULL when it is not one of the batch's. */
struct cp_room *cp_room(struct cpresence *p, uint64_t room_id);
/* Records uri with sessions, as compliance_participants has it (loading what the
 * previous batch left): 0 or -1. */
int cp_set(struct cp_room *r, const char *uri, unsigned sessions, int64_t since_ms);
/* Applies a JOIN or PART (other events change nothing): 0 or -1 (no memory). */
int cp_apply(struct cp_room *r, const struct ce_event *ev);
/* The users present now (sessions > 0), valid until the room next changes: 0 or -1. */
int cp_present(struct cp_room *r, int64_t time_ms, struct ce_presence *out);
void cp_free(struct cpresence *p);

#endif
