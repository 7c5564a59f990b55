/*
 * adapter.h - an output format of pchat-compliance (the reference's "adapter").
 *
 * The output run (run.c) streams one batch of events to an adapter, grouped by room
 * and in event id order within a room:
 *     file_begin
 *       room_begin(room, present at the start)   once per room of the file
 *         event(ev) ...                          that room's events, oldest first
 *       room_end(room, present at the end)
 *     file_end
 * and the adapter writes through r->w, a libxml2 text writer over the output file.
 * Nothing may hold a whole batch in memory: an event is written when it is handed
 * over (memory is bounded by one event, not by the batch).
 *
 * A new format is one new file defining a `const struct adapter` and one line in
 * adapter.c's table.
 */
#ifndef PCHAT_ADAPTER_H
#define PCHAT_ADAPTER_H

#include <libxml/xmlwriter.h>

#include "cevent.h"

/* The switches of compliance_config an adapter honours. */
struct adapter_opts {
	int room_details; /* AddChatRoomDetails: ce_room.details is set */
	int user_details; /* AddUserDetails: ce_user.details is set */
};

/* One output file being written. */
struct render {
	xmlTextWriterPtr w;
	const struct adapter_opts *opts;
	void *state; /* the adapter's own, from file_begin to file_end */
};

/* Each returns 0, or -1 when writing failed (the run is abandoned and retried).
 * After a file_begin that returned 0, the run calls file_end exactly once, also when it
 * abandons the file (ignoring its result): that is where an adapter frees r->state.
 * A file_begin that fails has freed what it allocated. */
struct adapter {
	const char *type;      /* as configured in AdapterType: "XML", "Actiance" */
	const char *extension; /* of its output files, without the dot: "xml" */
	int (*file_begin)(struct render *r);
	int (*room_begin)(struct render *r, const struct ce_room *room,
			const struct ce_presence *present);
	int (*event)(struct render *r, const struct ce_event *ev);
	int (*room_end)(struct render *r, const struct ce_room *room,
			const struct ce_presence *present);
	int (*file_end)(struct render *r);
};

/* The adapter configured as type (case-insensitive), or NULL. */
const struct adapter *adapter_find(const char *type);
/* "XML, Actiance": for error messages and help. */
const char *adapter_names(void);

#endif
