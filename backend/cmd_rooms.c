/*
 * cmd_rooms.c - room lists: cmd:chansrch (search), cmd:getassociations (the rooms
 * a user follows, with unread counts, or manages), cmd:getinv (invitations) and
 * cmd:nodespermcreatechild (the categories a user may create rooms in).  The
 * database returns candidates; the access rules (rooms.h) pick what the user
 * may see.
 */
#include "cmd_handlers.h"
#include "config.h"
#include "db.h"
#include "plist.h"
#include "presence.h"
#include "rooms.h"
#include "sessions.h"
#include "pchat_log.h"
#include "util.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most rooms one search reads before the access rules pick those the user may
 * see (cfg.search_limit of them at most are returned). */
#define ROOM_SCAN_MAX 10000

/* ---- chansrch and getassociations ---- */

/* getassociations' manager view: any data attribute mentions "manager". */
static int manager_view(const struct cmd *c)
{
	return c->def == &cmd_getassociations && c->req.mentions_manager;
}

/* What a room list shows: chansrch and the member view of getassociations the
 * rooms the user may see, the manager view those the user manages. */
static unsigned list_needs(const struct cmd *c)
{
	return manager_view(c) ? ACL_MANAGE : ACL_SEE;
}

static void send_rooms(struct cmd *c, const struct db_job *job)
{
	const struct db_rooms *found = job->type == DB_SEARCH ? &job->u.search.out
							      : &job->u.user_rooms.out;
	struct xccos_room_info *rooms = xcalloc(found->n + 1, sizeof(*rooms));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0, all;
	unsigned need = list_needs(c);
	int unread = c->def == &cmd_getassociations && !manager_view(c);
	/* SearchLimit bounds searches; a user's own rooms are all listed. */
	size_t max = c->def == &cmd_chansrch ? cfg.search_limit : found->n;

	for(i = 0; i < found->n && n < max; i++) {
		const struct db_room *row = &found->v[i];
		struct room *r = room_add(row); /* the row is as fresh as the cache */
		if(r == NULL || (room_rights(r, c->sess->user) & need) != need)
			continue;
		room_info(r, &rooms[n]);
		/* getassociations: unread counts for followed rooms the user is not in
		 * (our info id, docs/XCCOS.md). */
		if(unread && !room_has_user(r, c->sess->user)) {
			rooms[n].has_unread = 1;
			rooms[n].unread = row->unread > UINT_MAX ? UINT_MAX : (unsigned)row->unread;
		}
		n++;
	}
	all = n;
	xccos_build_room_list(&sb, cmd_name(c), c->req.seqid, c->req.envid, rooms, n);
	while(sb.len > SESSION_ITEMS_MAX && n > 0) {
		n = n * 3 / 4;
		sbuf_reset(&sb);
		xccos_build_room_list(&sb, cmd_name(c), c->req.seqid, c->req.envid, rooms, n);
	}
	if(n < all)
		log_warn("room list cut to fit a frame " SESS_FMT " cmd=%s sent=%zu found=%zu",
				SESS_ARGS(c->sess), cmd_name(c), n, all);
	cmd_send(c, &sb);
	free(rooms);
}

static void on_room_list(struct db_job *job)
{
	cmd_answer(job, send_rooms);
}

/* Every room whose name or description contains criteria ("": all); the access
 * rules then pick those to show (send_rooms). */
static enum run_result search_rooms(struct cmd *c, const char *criteria)
{
	db_submit(db_search(criteria, ROOM_SCAN_MAX, on_room_list, c));
	return RUN_WAIT;
}

static enum run_result run_chansrch(struct cmd *c)
{
	/* Every qtype is treated as BYNAME; empty criteria lists all visible rooms. */
	return search_rooms(c, c->req.criteria ? c->req.criteria : "");
}

/* Shape unknown (docs/XCCOS.md): member view = the rooms the user follows and may
 * still see, as chansrch lists them; manager view = the rooms the user manages. */
static enum run_result run_getassociations(struct cmd *c)
{
	if(manager_view(c))
		return search_rooms(c, "");
	db_submit(db_associations(c->sess->user, on_room_list, c));
	return RUN_WAIT;
}

const struct cmd_def cmd_chansrch = {.id = "cmd:chansrch", .run = run_chansrch};
/* Its real shape is unknown: logged (the envelope at debug level) so that it can be
 * learned. */
const struct cmd_def cmd_getassociations = {.id = "cmd:getassociations",
		.run = run_getassociations,
		.log_as = "command of unknown shape"};

/* ---- cmd:getinv ---- */

static void send_invitations(struct cmd *c, const struct db_job *job)
{
	const struct db_rooms *found = &job->u.user_rooms.out;
	struct xccos_invitation *inv = xcalloc(found->n + 1, sizeof(*inv));
	struct sbuf sb = SBUF_INIT;
	size_t i, n = 0;

	for(i = 0; i < found->n; i++) {
		const struct db_room *row = &found->v[i];
		struct room *r = room_add(row);
		/* An invitation to a room the user may no longer see is not shown. */
		if(r && (room_rights(r, c->sess->user) & ACL_SEE))
			inv[n++] = (struct xccos_invitation){
					row->inv_id, r->uri, r->name, row->inviter, row->inv_ts};
	}
	xccos_build_getinv(&sb, c->req.seqid, c->req.envid, inv, n);
	cmd_send(c, &sb);
	free(inv);
}

static void on_invitations(struct db_job *job)
{
	cmd_answer(job, send_invitations);
}

/* The user's invitations the client has not seen: inv@inviteId is the highest
 * invitation id it has seen (none or 0: it has seen none; docs/XCCOS.md). */
static enum run_result run_getinv(struct cmd *c)
{
	unsigned long long seen = 0;
	if(c->req.invite_id != NULL &&
			parse_uint(c->req.invite_id, (unsigned long long)INT64_MAX, &seen) < 0)
		return cmd_reply_reason(c, XC_BAD_REQUEST,
				"inviteId must be a whole number: the highest invitation id seen");
	db_submit(db_invitations(c->sess->user, (uint64_t)seen, on_invitations, c));
	return RUN_WAIT;
}

const struct cmd_def cmd_getinv = {.id = "cmd:getinv", .run = run_getinv};

/* ---- cmd:nodespermcreatechild ---- */

static int may_create(const struct db_category *cat, const char *user)
{
	struct plist allowed = {0}, denied = {0}, creators = {0};
	struct acl_list a, d, cr;
	int ok;
	plist_set(&allowed, cat->allowed);
	plist_set(&denied, cat->denied);
	plist_set(&creators, cat->creators);
	a = plist_acl(&allowed);
	d = plist_acl(&denied);
	cr = plist_acl(&creators);
	ok = acl_may_create(&a, &d, &cr, user);
	plist_free(&allowed);
	plist_free(&denied);
	plist_free(&creators);
	return ok;
}

static char *category_uri(const struct db_category *cat)
{
	size_t n = strlen("ma-cat:///") + strlen(cat->domain) + strlen(cat->cat_id) + 1;
	char *uri = xmalloc(n);
	snprintf(uri, n, "ma-cat://%s/%s", cat->domain, cat->cat_id);
	return uri;
}

static void send_categories(struct cmd *c, const struct db_job *job)
{
	size_t ncats = job->u.categories.n, i, n = 0;
	struct xccos_category *cats = xcalloc(ncats + 1, sizeof(*cats));
	char **uris = xcalloc(ncats + 1, sizeof(*uris));
	struct sbuf sb = SBUF_INIT;

	for(i = 0; i < ncats; i++) {
		const struct db_category *cat = &job->u.categories.v[i];
		if(!may_create(cat, c->sess->user))
			continue;
		uris[n] = category_uri(cat);
		cats[n] = (struct xccos_category){uris[n], cat->name, cat->description};
		n++;
	}
	xccos_build_categories(&sb, c->req.seqid, c->req.envid, cats, n);
	cmd_send(c, &sb);
	for(i = 0; i < n; i++)
		free(uris[i]);
	free(uris);
	free(cats);
}

static void on_categories(struct db_job *job)
{
	cmd_answer(job, send_categories);
}

/* The categories the user may create rooms in (docs/XCCOS.md). */
static enum run_result run_nodespermcreatechild(struct cmd *c)
{
	db_submit(db_categories(on_categories, c));
	return RUN_WAIT;
}

const struct cmd_def cmd_nodespermcreatechild = {
		.id = "cmd:nodespermcreatechild", .run = run_nodespermcreatechild};
