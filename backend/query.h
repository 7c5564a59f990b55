/*
 * query.h - operators' questions: the Kamailio module's RPC commands (pchat.sessions,
 * pchat.rooms, pchat.room_members, pchat.session_drop, pchat.reload; docs/OPERATIONS.md
 * "RPC commands") ask pchatd, which owns the sessions, rooms and presence.
 *
 * Each arrives as the one QUERY frame of a query connection (link.h): the command and
 * its arguments, NUL-terminated (common/pchat_frame.h).  It is answered with one
 * RESULT frame of the same token, "200 " and a JSON document, or a status and a line
 * saying what is wrong ("404 no such room"), and the connection is closed.  Handlers
 * run in the event loop and read the in-memory tables, so most answer at once; the
 * few that need the database (pchat.reload, a room nobody is in) answer from their
 * job's callback, looking the connection up again by id (it may have gone).
 *
 * Adding a query: a handler and one line in the table of query.c, the RPC's entry in
 * kamailio-module/pchat_rpc.c (no change to the module's link or the frames), a unit
 * test in tests/unit/test_query.c.
 */
#ifndef PCHAT_QUERY_H
#define PCHAT_QUERY_H

struct link_conn;
struct pchat_frame;

/* link_handlers.on_query: runs the QUERY f that arrived on c. */
void query_on_frame(struct link_conn *c, const struct pchat_frame *f);

#endif
