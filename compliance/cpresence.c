/*
 * cpresence.c - see cpresence.h.
 */
#include "cpresence.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* arr (of elements of size) grown to hold need: the array, perhaps moved, or NULL
 * (no memory; arr is still valid). */
static void *grow(void *arr, size_t *cap, size_t need, size_t size)
{
	if(need <= *cap && arr != NULL)
		return arr;
	size_t n = *cap ? *cap : 8;
	while(n < need)
		n *= 2;
	void *p = realloc(arr, n * size);
	if(p != NULL)
		*cap = n;
	return p;
}

struct cp_room *cp_add_room(struct cpresence *p, uint64_t room_id)
{
	struct cp_room *rooms = grow(p->rooms, &p->cap, p->n + 1, sizeof(*rooms));
	if(rooms == NULL)
		return NULL;
	p->rooms = rooms;
	struct cp_room *r = &p->rooms[p->n++];
	memset(r, 0, sizeof(*r));
	r->id = room_id;
	return r;
}

struct cp_room *cp_room(struct cpresence *p, uint64_t room_id)
{
	size_t lo = 0, hi = p->n;
	while(lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if(p->rooms[mid].id == room_id)
			return &p->rooms[mid];
		if(p->rooms[mid].id < room_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Where uri is, or would be inserted; *found says which. */
static size_t locate(const struct cp_room *r, const char *uri, int *found)
{
	size_t lo = 0, hi = r->n;
	*found = 0;
	while(lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcasecmp(r->users[mid].uri, uri);
		if(c == 0) {
			*found = 1;
			return mid;
		}
		if(c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The user uri of the room, added with no session if new; NULL: no memory. */
static struct cp_user *user(struct cp_room *r, const char *uri)
{
	int found;
	size_t at = locate(r, uri, &found);
	if(found)
		return &r->users[at];
	struct cp_user *users = grow(r->users, &r->cap, r->n + 1, sizeof(*users));
	if(users == NULL)
		return NULL;
	r->users = users;
	memmove(&r->users[at + 1], &r->users[at], (r->n - at) * sizeof(*r->users));
	struct cp_user *u = &r->users[at];
	memset(u, 0, sizeof(*u));
	u->uri = strdup(uri);
	if(u->uri == NULL) {
		memmove(&r->users[at], &r->users[at + 1], (r->n - at) * sizeof(*r->users));
		return NULL;
	}
	r->n++;
	return u;
}

int cp_set(struct cp_room *r, const char *uri, unsigned sessions, int64_t since_ms)
{
	struct cp_user *u = user(r, uri);
	if(u == NULL)
		return -1;
	u->sessions = u->recorded = sessions;
	u->since_ms = since_ms;
	return 0;
}

int cp_apply(struct cp_room *r, const struct ce_event *ev)
{
	if(ev->type != CE_JOIN && ev->type != CE_PART)
		return 0;
	struct cp_user *u = user(r, ev->user.uri);
	if(u == NULL)
		return -1;
	if(ev->type == CE_JOIN) {
		if(u->sessions++ == 0)
			u->since_ms = ev->time_ms;
	} else if(u->sessions > 0) {
		/* a PART without its JOIN: the session entered before compliance was on */
		u->sessions--;
	}
	return 0;
}

int cp_present(struct cp_room *r, int64_t time_ms, struct ce_presence *out)
{
	size_t i, n = 0;
	const char **list = grow(r->list, &r->list_cap, r->n, sizeof(*list));
	if(list == NULL)
		return -1;
	r->list = list;
	for(i = 0; i < r->n; i++)
		if(r->users[i].sessions > 0)
			r->list[n++] = r->users[i].uri;
	out->users = r->list;
	out->n = n;
	out->time_ms = time_ms;
	return 0;
}

void cp_free(struct cpresence *p)
{
	size_t i, j;
	for(i = 0; i < p->n; i++) {
		for(j = 0; j < p->rooms[i].n; j++)
			free(p->rooms[i].users[j].uri);
		free(p->rooms[i].users);
		free(p->rooms[i].list);
	}
	free(p->rooms);
	memset(p, 0, sizeof(*p));
}
