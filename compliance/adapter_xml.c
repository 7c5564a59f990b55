/*
 * adapter_xml.c - AdapterType "XML": the reference's XML adapter format
 * (docs/compliance.md; its schema, with our REPLACE/PURGE extension: docs/compliance.xsd).
 *
 *   <Conversations>
 *     <Conversation>                       one per room of the file
 *       <Channel uri name [islogged description topic privacy category]/>
 *       <FirstMessage ...>                 a copy of the room's first event
 *       <Messages>
 *         <Message type [content] [id]>    one per event, oldest first
 *           <Sender uri id [UserName email internal]/>
 *           <DateTimeUTC since1970 string long/>
 *         </Message>
 *       </Messages>
 *       <StartTimeUTC .../> <EndTimeUTC .../>   the earliest and latest event times
 *     </Conversation>
 *   </Conversations>
 *
 * Streamed: FirstMessage is written from the first event, then Messages is opened, so
 * no event is kept; the state is two times and a count.  The bracketed attributes are
 * the details (AddChatRoomDetails, AddUserDetails); name is always there, as each event
 * carries the room's name even once the room is gone.  Sender@id is 0 without details.
 */
#include <stdlib.h>

#include "adapter.h"
#include "cetime.h"
#include "cxml.h"

struct xml_state {
	int events;		  /* of the conversation being written */
	int64_t start_ms, end_ms; /* its earliest and latest event times */
};

/* JOIN and PART have no content (as in the reference). */
static int has_content(enum ce_type t)
{
	return t != CE_JOIN && t != CE_PART;
}

/* The events about one post carry its id: CHAT (as in the reference), REPLACE, PURGE. */
static int has_msg_id(enum ce_type t)
{
	return t == CE_CHAT || t == CE_REPLACE || t == CE_PURGE;
}

static int write_channel(struct render *r, const struct ce_room *room)
{
	xmlTextWriterPtr w = r->w;

	if(cx_start(w, "Channel") < 0 || cx_attr(w, "uri", room->uri) < 0 ||
			cx_attr(w, "name", room->name) < 0)
		return -1;
	if(cx_room_detailed(r, room) &&
			(cx_attr_bool(w, "islogged", room->logged) < 0 ||
					cx_attr(w, "description", room->description) < 0 ||
					cx_attr(w, "topic", room->topic) < 0 ||
					cx_attr(w, "privacy", room->privacy) < 0 ||
					cx_attr(w, "category", room->category_uri) < 0))
		return -1;
	return cx_end(w);
}

static int write_sender(struct render *r, const struct ce_user *u)
{
	xmlTextWriterPtr w = r->w;
	int details = cx_user_detailed(r, u);

	if(cx_start(w, "Sender") < 0)
		return -1;
	if(details && cx_attr(w, "UserName", u->name) < 0)
		return -1;
	if(cx_attr_u64(w, "id", details ? u->id : 0) < 0)
		return -1;
	if(details &&
			(cx_attr(w, "email", u->email) < 0 ||
					cx_attr_bool(w, "internal", u->internal) < 0))
		return -1;
	if(cx_attr(w, "uri", u->uri) < 0)
		return -1;
	return cx_end(w);
}

/* A Message, or the FirstMessage of the same shape. */
static int write_message(struct render *r, const char *element, const struct ce_event *ev)
{
	xmlTextWriterPtr w = r->w;
	const char *type = ce_type_name(ev->type);

	if(type == NULL || cx_start(w, element) < 0 || cx_attr(w, "type", type) < 0)
		return -1;
	if(has_content(ev->type) && cx_attr_len(w, "content", ev->content, ev->content_len) < 0)
		return -1;
	if(has_msg_id(ev->type) && ev->msg_id != 0 && cx_attr_u64(w, "id", ev->msg_id) < 0)
		return -1;
	if(write_sender(r, &ev->user) < 0 || ce_time_write(w, "DateTimeUTC", ev->time_ms) < 0)
		return -1;
	return cx_end(w);
}

static int xml_file_begin(struct render *r)
{
	if((r->state = calloc(1, sizeof(struct xml_state))) == NULL)
		return -1;
	if(cx_doc_begin(r->w, "Conversations") < 0) {
		free(r->state);
		r->state = NULL;
		return -1;
	}
	return 0;
}

static int xml_room_begin(
		struct render *r, const struct ce_room *room, const struct ce_presence *present)
{
	struct xml_state *st = r->state;

	/* the times of a conversation without events (the run writes none) */
	st->events = 0;
	st->start_ms = st->end_ms = present != NULL ? present->time_ms : 0;
	if(cx_start(r->w, "Conversation") < 0)
		return -1;
	return write_channel(r, room);
}

static int xml_event(struct render *r, const struct ce_event *ev)
{
	struct xml_state *st = r->state;

	if(st->events == 0) {
		st->start_ms = st->end_ms = ev->time_ms;
		if(write_message(r, "FirstMessage", ev) < 0 || cx_start(r->w, "Messages") < 0)
			return -1;
	}
	st->events++;
	/* by id, events are nearly but not always in time order (a PART is stamped when
	 * its row is deleted, a post when it was accepted) */
	if(ev->time_ms < st->start_ms)
		st->start_ms = ev->time_ms;
	if(ev->time_ms > st->end_ms)
		st->end_ms = ev->time_ms;
	return write_message(r, "Message", ev);
}

static int xml_room_end(
		struct render *r, const struct ce_room *room, const struct ce_presence *present)
{
	struct xml_state *st = r->state;

	(void)room;
	if(st->events == 0) {
		if(present != NULL)
			st->end_ms = present->time_ms;
		if(cx_start(r->w, "Messages") < 0)
			return -1;
	}
	if(cx_end(r->w) < 0 || ce_time_write(r->w, "StartTimeUTC", st->start_ms) < 0 ||
			ce_time_write(r->w, "EndTimeUTC", st->end_ms) < 0)
		return -1;
	return cx_end(r->w);
}

static int xml_file_end(struct render *r)
{
	int rc = cx_doc_end(r->w);

	free(r->state);
	r->state = NULL;
	return rc;
}

const struct adapter xml_adapter = {
		.type = "XML",
		.extension = "xml",
		.file_begin = xml_file_begin,
		.room_begin = xml_room_begin,
		.event = xml_event,
		.room_end = xml_room_end,
		.file_end = xml_file_end,
};
