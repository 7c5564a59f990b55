/*
 * adapter_actiance.c - AdapterType "Actiance": the Actiance (Smarsh) XML import format,
 * as the reference's sample XSLT produces it and Mattermost's compliance export writes
 * it (docs/compliance.md).
 *
 *   <FileDump>
 *     <Conversation Perspective="room name">      one per room of the file
 *       <RoomID>room URI</RoomID>
 *       <StartTimeUTC>                           the batch's start (present->time_ms)
 *       <ParticipantEntered>                     each user present at the start
 *       ... the room's events, oldest first ...
 *       <ParticipantLeft>                        each user present at the end
 *       <EndTimeUTC>                             the batch's end
 *     </Conversation>
 *   </FileDump>
 *
 * The events:
 *   JOIN          ParticipantEntered (LoginName, DateTimeUTC, [InternalFlag],
 *                 ConversationID = the room URI, CorporateEmailID)
 *   PART          ParticipantLeft, the same children
 *   CHAT          Message (MessageId, LoginName, DateTimeUTC, Content)
 *   REPLACE       Message with UpdatedType EditedNewMsg and UpdatedDateTimeUTC, the
 *                 MessageId of the post edited and its new text
 *   PURGE         Message with UpdatedType Deleted, the MessageId of the post removed
 *                 and an empty Content
 *   FILEUPLOAD,   FileTransferStarted (LoginName, DateTimeUTC, FileName = the stored
 *   FILEDOWNLOAD  file name), then FileTransferEnded (the same and Status Completed):
 *                 the format has no direction; the XML adapter keeps it
 *   BACKCHAT      nothing: it records that a user read the history, which is no
 *                 communication and has no element here; the XML adapter keeps it
 *
 * Times are Unix milliseconds, as Mattermost writes them (its comments still say seconds,
 * Actiance's original examples were seconds: a consumer expecting seconds divides).
 * LoginName is the user's SIP URI without "sip:" (user@domain).  CorporateEmailID is the
 * user's e-mail with AddUserDetails, else the LoginName; InternalFlag (false for a
 * federated user) is written only with AddUserDetails: the users present at the start
 * and end are known by URI alone, so theirs is never written.  A user present at the
 * start who joins again (another session) gets another ParticipantEntered.
 */
#include "adapter.h"
#include "cxml.h"

/* A ParticipantEntered or ParticipantLeft. */
static int participant(struct render *r, const char *element, const struct ce_user *u,
		const char *room_uri, int64_t ms)
{
	xmlTextWriterPtr w = r->w;
	const char *login = cx_login(u->uri);
	int details = cx_user_detailed(r, u);

	if(cx_start(w, element) < 0 || cx_elem(w, "LoginName", login) < 0 ||
			cx_elem_i64(w, "DateTimeUTC", ms) < 0)
		return -1;
	if(details && cx_elem_bool(w, "InternalFlag", u->internal) < 0)
		return -1;
	if(cx_elem(w, "ConversationID", room_uri) < 0 ||
			cx_elem(w, "CorporateEmailID",
					details && u->email != NULL ? u->email : login) < 0)
		return -1;
	return cx_end(w);
}

/* One element per user present (at the start, or at the end). */
static int participants(struct render *r, const char *element, const struct ce_room *room,
		const struct ce_presence *present)
{
	size_t i;

	for(i = 0; i < present->n; i++) {
		struct ce_user u = {.uri = present->users[i]};

		if(participant(r, element, &u, room->uri, present->time_ms) < 0)
			return -1;
	}
	return 0;
}

/* A post (updated NULL), or an edit or removal of one. */
static int message(struct render *r, const struct ce_event *ev, const char *updated)
{
	xmlTextWriterPtr w = r->w;

	if(cx_start(w, "Message") < 0)
		return -1;
	if(ev->msg_id != 0 && cx_elem_u64(w, "MessageId", ev->msg_id) < 0)
		return -1;
	if(cx_elem(w, "LoginName", cx_login(ev->user.uri)) < 0 ||
			cx_elem_i64(w, "DateTimeUTC", ev->time_ms) < 0)
		return -1;
	if(updated != NULL &&
			(cx_elem(w, "UpdatedType", updated) < 0 ||
					cx_elem_i64(w, "UpdatedDateTimeUTC", ev->time_ms) < 0))
		return -1;
	if(cx_elem_len(w, "Content", ev->content, ev->content_len) < 0)
		return -1;
	return cx_end(w);
}

/* A FileTransferStarted (status NULL) or FileTransferEnded. */
static int transfer(struct render *r, const struct ce_event *ev, const char *element,
		const char *status)
{
	xmlTextWriterPtr w = r->w;

	if(cx_start(w, element) < 0 || cx_elem(w, "LoginName", cx_login(ev->user.uri)) < 0 ||
			cx_elem_i64(w, "DateTimeUTC", ev->time_ms) < 0 ||
			cx_elem_len(w, "FileName", ev->content, ev->content_len) < 0)
		return -1;
	if(status != NULL && cx_elem(w, "Status", status) < 0)
		return -1;
	return cx_end(w);
}

static int actiance_file_begin(struct render *r)
{
	return cx_doc_begin(r->w, "FileDump");
}

static int actiance_room_begin(
		struct render *r, const struct ce_room *room, const struct ce_presence *present)
{
	xmlTextWriterPtr w = r->w;

	if(present == NULL || cx_start(w, "Conversation") < 0 ||
			cx_attr(w, "Perspective", room->name) < 0 ||
			cx_elem(w, "RoomID", room->uri) < 0 ||
			cx_elem_i64(w, "StartTimeUTC", present->time_ms) < 0)
		return -1;
	return participants(r, "ParticipantEntered", room, present);
}

static int actiance_event(struct render *r, const struct ce_event *ev)
{
	switch(ev->type) {
		case CE_JOIN:
			return participant(r, "ParticipantEntered", &ev->user, ev->room->uri,
					ev->time_ms);
		case CE_PART:
			return participant(r, "ParticipantLeft", &ev->user, ev->room->uri,
					ev->time_ms);
		case CE_CHAT: return message(r, ev, NULL);
		case CE_REPLACE: return message(r, ev, "EditedNewMsg");
		case CE_PURGE: return message(r, ev, "Deleted");
		case CE_FILEUPLOAD:
		case CE_FILEDOWNLOAD:
			if(transfer(r, ev, "FileTransferStarted", NULL) < 0)
				return -1;
			return transfer(r, ev, "FileTransferEnded", "Completed");
		case CE_BACKCHAT: return 0;
		default: return -1;
	}
}

static int actiance_room_end(
		struct render *r, const struct ce_room *room, const struct ce_presence *present)
{
	if(present == NULL || participants(r, "ParticipantLeft", room, present) < 0 ||
			cx_elem_i64(r->w, "EndTimeUTC", present->time_ms) < 0)
		return -1;
	return cx_end(r->w);
}

static int actiance_file_end(struct render *r)
{
	return cx_doc_end(r->w);
}

const struct adapter actiance_adapter = {
		.type = "Actiance",
		.extension = "xml",
		.file_begin = actiance_file_begin,
		.room_begin = actiance_room_begin,
		.event = actiance_event,
		.room_end = actiance_room_end,
		.file_end = actiance_file_end,
};
