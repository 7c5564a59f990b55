/*
 * pca_reading.c - message.history and message.search: what a signed-in user reads
 * on the web page, under the rules of the chat (common/pchat_acl.h): a room's
 * history for whoever may join it, where its category keeps chat history (pchatd's
 * cmd:bccontext), in the room's order (pca_room_page), and search over exactly those
 * rooms (pchatd's cmd:search), newest first by id (pca_message_page); each paged with
 * a message's id as the cursor and a "more" flag.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pca_int.h"
#include "pchat_settings.h"

#define ID_MAX ((long long)1 << 62)

/* {messages, more, before}: msgs holds up to limit + 1 messages, newest first; the
 * extra one only says there are more.  A search that stopped at its budget with
 * fewer may have more too: resume (else 0) is where it stopped.  before is the id to
 * ask the next (older) page with.  oldest_first: the page in the order it was
 * written (a history). */
int pca_page_result(
		json_t *msgs, long long limit, long long resume, int oldest_first, json_t **result)
{
	size_t n = json_array_size(msgs);
	int full = n > (size_t)limit;
	if(full)
		json_array_remove(msgs, --n);
	json_t *last = json_array_get(msgs, n ? n - 1 : 0);
	json_t *before = full && last ? json_incref(json_object_get(last, "id"))
			: resume > 0  ? json_integer(resume)
				      : json_null();
	if(oldest_first) {
		for(size_t i = 0; i < n / 2; i++) {
			json_t *a = json_incref(json_array_get(msgs, i));
			json_array_set(msgs, i, json_array_get(msgs, n - 1 - i));
			json_array_set_new(msgs, n - 1 - i, a);
		}
	}
	*result = json_pack("{s:o,s:b,s:o}", "messages", msgs, "more", full || resume > 0, "before",
			before);
	return 0;
}

/* A room's history, newest page first (before: the page before that message in the
 * room's order), each page in the room's order, oldest first; at most DefaultChatHistory unless limit says. */
int pca_message_history(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"room", "before", "limit", NULL};
	long long before = 0, limit = 0;
	struct pca_room room;
	json_t *msgs = NULL;
	int ok = 0;
	if(pca_keys(c, args, keys) < 0 || pca_int(c, args, "before", 1, ID_MAX, &before) < 0 ||
			pca_setting(c, PS_DEFAULT_CHAT_HISTORY, &limit) < 0 ||
			pca_int(c, args, "limit", 1, pchat_settings[PS_DEFAULT_CHAT_HISTORY].max,
					&limit) < 0 ||
			pca_room_reader(c, args, &room, &ok) < 0)
		return -1;
	if(!ok) {
		pca_fail(c, 423, "room \"%s\" keeps no chat history (its category has it off)",
				json_string_value(json_object_get(room.obj, "name")));
		json_decref(room.obj);
		return -1;
	}
	json_decref(room.obj);
	if(pca_room_page(c, (long long)room.id, before, limit + 1, &msgs) < 0)
		return -1;
	return pca_page_result(msgs, limit, 0, 1, result);
}

/* The rooms a search covers: the one asked for (refused as history is, none if its
 * history is off), or every room whose history the actor may read. */
static int search_rooms(struct pca_ctx *c, const json_t *args, char **ids)
{
	struct pca_room room;
	int ok = 0;
	if(!json_object_get(args, "room"))
		return pca_rooms_readable(c, ids);
	if(pca_room_reader(c, args, &room, &ok) < 0)
		return -1;
	json_decref(room.obj);
	*ids = calloc(1, 24);
	if(*ids == NULL)
		return pca_fail(c, 500, "out of memory");
	if(ok)
		snprintf(*ids, 24, "%llu", room.id);
	return 0;
}

/* Words and "phrases" (q) in the rooms the actor may read, newest first, at most
 * SearchLimit per page; room, author, since, until and before narrow it. */
int pca_message_search(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {
			"q", "room", "author", "since", "until", "before", "limit", NULL};
	long long before = 0, limit = 0, resume = 0;
	struct pca_filter by;
	const char *q;
	char *ids = NULL;
	json_t *msgs = NULL;
	if(pca_keys(c, args, keys) < 0 || pca_str(c, args, "q", 0, 65536, &q) < 0 ||
			pca_int(c, args, "before", 1, ID_MAX, &before) < 0 ||
			pca_setting(c, PS_SEARCH_LIMIT, &limit) < 0 ||
			pca_int(c, args, "limit", 1, limit, &limit) < 0 ||
			search_rooms(c, args, &ids) < 0)
		return -1;
	int rc = pca_filter_parse(c, args, "author", &by);
	if(rc == 0)
		rc = pca_message_page(
				c, "q", q ? q : "", &by, ids, before, limit + 1, &msgs, &resume);
	free(ids);
	return rc < 0 || msgs == NULL ? -1 : pca_page_result(msgs, limit, resume, 0, result);
}
