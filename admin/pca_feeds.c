/*
 * pca_feeds.c - feed.get, feed.add, feed.remove, feed.alerts: a signed-in user's
 * topic feeds and the posts they matched, for the web page (docs/WEB.md, *Feeds and
 * alerts*).  pchatd's cmd:feed does the same for chat clients (backend/cmd_feeds.c);
 * both take the keywords' normalisation, the author check, the refusals' texts and
 * the statements that limit a user's feeds and bump FeedsRevision from
 * common/pchat_feeds.h, so the two cannot disagree.  Matching posts is pchatd's
 * (backend/feeds.c): it reloads its index when FeedsRevision moves, at once on the
 * node whose web service made the change (pca_verb_mutates 3).
 *
 * Access is the chat's rule (acl_history_readable): a feed names only a room whose
 * history the user may read, and the alerts list leaves out the posts of rooms the
 * user may no longer read.
 */
#include <stdio.h>
#include <stdlib.h>

#include "pca_int.h"
#include "pchat_feeds.h"
#include "pchat_search.h"
#include "pchat_settings.h"

#define ID_MAX ((long long)1 << 62)

static const struct pchat_feed_limits default_limits = {PCHAT_FEEDS_MAX_DEFAULT,
		PCHAT_FEED_WORDS_MAX_DEFAULT, PCHAT_FEED_WORD_MAX_BYTES_DEFAULT};

/* Feeds are a user's: the administrator (no user) has none. */
static int need_user(struct pca_ctx *c)
{
	if(c->user)
		return 0;
	return pca_fail(c, 400, "feeds are a user's: ask as a user (the web page)");
}

/* ---- the feed objects ---- */

#define FEED_SQL                                                           \
	"SELECT f.id, f.words, r.name, f.author,"                          \
	" DATE_FORMAT(f.created_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM feeds f" \
	" LEFT JOIN rooms r ON r.id = f.room_id WHERE f.user_uri = ?"

static int feed_out(struct pca_ctx *c, const json_t *row, json_t *out, void *arg)
{
	(void)c;
	(void)arg;
	return json_array_append_new(out,
			json_pack("{s:I,s:O,s:O,s:o,s:O}", "id", (json_int_t)pca_col_int(row, 0),
					"words", json_array_get(row, 1), "room",
					json_array_get(row, 2), "author",
					*pca_col(row, 3) ? pca_col_json(row, 3) : json_null(),
					"created", json_array_get(row, 4)));
}

int pca_feed_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	if(pca_keys(c, args, keys) < 0 || need_user(c) < 0)
		return -1;
	return pca_list(c, pca_rows(c, FEED_SQL " ORDER BY f.id", P(PS(c->user))), feed_out, NULL,
			"feed", NULL, result);
}

/* ---- feed.add ---- */

/* The checked arguments of an add. */
struct feed_in {
	char words[PCHAT_FEED_WORDS_SIZE];
	char author[PCHAT_AUTHOR_MAX + 8]; /* "" = anyone */
	unsigned long long room_id;	   /* 0 = every room the user may read */
};

/* args[key] as a string ("" if absent or null), or -1 (400) if it is another type. */
static int text_arg(struct pca_ctx *c, const json_t *args, const char *key, const char **out)
{
	const json_t *v = json_object_get(args, key);
	*out = "";
	if(v == NULL || json_is_null(v))
		return 0;
	if(!json_is_string(v))
		return pca_fail(c, 400, "\"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/* The room of a feed: one whose history the user may read, refused as cmd:feed
 * refuses it (404 may not see it, 403 may not read it or it keeps no history). */
static int feed_room(struct pca_ctx *c, const json_t *args, unsigned long long *id)
{
	struct pca_room room;
	int readable = 0;
	const json_t *v = json_object_get(args, "room");
	*id = 0;
	if(v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		return 0;
	if(pca_room_reader(c, args, &room, &readable) < 0)
		return -1;
	json_decref(room.obj);
	if(!readable)
		return pca_fail(c, 403, "%s", PCHAT_FEED_NO_HISTORY);
	*id = room.id;
	return 0;
}

static int feed_parse(struct pca_ctx *c, const json_t *args, struct feed_in *in)
{
	const struct pchat_feed_limits *lim = c->feeds ? c->feeds : &default_limits;
	const char *words, *author;
	char why[300];
	if(text_arg(c, args, "words", &words) < 0 || text_arg(c, args, "author", &author) < 0)
		return -1;
	if(pchat_feed_words_normalise(words, lim, in->words, sizeof(in->words), why, sizeof(why)) <
			0)
		return pca_fail(c, 400, "%s", why);
	in->author[0] = '\0';
	if(*author && pchat_author_parse(author, in->author) < 0)
		return pca_fail(c, 400, "%s", PCHAT_AUTHOR_BAD);
	return feed_room(c, args, &in->room_id);
}

/* The new feed as feed.get shows it. */
static int feed_result(struct pca_ctx *c, unsigned long long id, json_t **result)
{
	json_t *list = NULL;
	if(pca_list(c, pca_rows(c, FEED_SQL " AND f.id = ?", P(PS(c->user), PI(id))), feed_out,
			   NULL, "feed", NULL, &list) < 0)
		return -1;
	*result = json_incref(json_array_get(list, 0));
	json_decref(list);
	return *result ? 0 : pca_fail(c, 500, "the new feed is not there");
}

int pca_feed_add(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"words", "room", "author", NULL};
	const struct pchat_feed_limits *lim = c->feeds ? c->feeds : &default_limits;
	struct feed_in in;
	long long n;
	if(pca_keys(c, args, keys) < 0 || need_user(c) < 0 || feed_parse(c, args, &in) < 0)
		return -1;
	n = pca_exec(c, PCHAT_FEED_INSERT_SQL,
			P(PS(c->user), PS(in.words), PI(in.room_id), PS(in.author), PS(c->user),
					PI(lim->feeds_max)));
	if(n < 0)
		return -1;
	if(n == 0)
		return pca_fail(c, 403, PCHAT_FEEDS_FULL_FMT, lim->feeds_max);
	unsigned long long id = c->insert_id;
	if(pca_exec(c, PCHAT_FEEDS_BUMP_SQL, P0) < 0)
		return -1;
	return feed_result(c, id, result);
}

int pca_feed_remove(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"id", NULL};
	long long id = 0, n;
	int has = 0;
	if(pca_keys(c, args, keys) < 0 || need_user(c) < 0 ||
			(has = pca_int(c, args, "id", 1, ID_MAX, &id)) < 0)
		return -1;
	if(!has)
		return pca_fail(c, 400, "give the feed's \"id\"");
	n = pca_exec(c, PCHAT_FEED_DELETE_SQL, P(PI(id), PS(c->user)));
	if(n < 0)
		return -1;
	if(n == 0)
		return pca_fail(c, 404, "%s", PCHAT_FEED_UNKNOWN);
	if(pca_exec(c, PCHAT_FEEDS_BUMP_SQL, P0) < 0)
		return -1;
	*result = json_pack("{s:I,s:i}", "id", (json_int_t)id, "removed", 1);
	return 0;
}

/* ---- feed.alerts ---- */

/* The posts the user's feeds matched, newest first, in the rooms whose history the
 * user may read now; at most min(50, SearchLimit) a page unless limit says. */
int pca_feed_alerts(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"before", "limit", NULL};
	long long before = 0, max = 0, limit;
	char *ids = NULL;
	json_t *msgs = NULL;
	if(pca_keys(c, args, keys) < 0 || need_user(c) < 0 ||
			pca_int(c, args, "before", 1, ID_MAX, &before) < 0 ||
			pca_setting(c, PS_SEARCH_LIMIT, &max) < 0)
		return -1;
	limit = max < PCHAT_ALERTS_DEFAULT ? max : PCHAT_ALERTS_DEFAULT;
	if(pca_int(c, args, "limit", 1, max, &limit) < 0 || pca_rooms_readable(c, &ids) < 0)
		return -1;
	int rc = pca_message_alerts(c, c->user, ids, before, limit + 1, &msgs);
	free(ids);
	return rc < 0 ? -1 : pca_page_result(msgs, limit, 0, 0, result);
}
