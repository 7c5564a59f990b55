/*
 * fake_db.c - see fakes.h.  Implements db_submit()/db_backlog() over in-memory
 * rooms and messages; the real dbjob.c allocates and frees the jobs.
 */
#define _GNU_SOURCE /* strcasestr */
#include "fakes.h"

#include "db.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct fake_msg {
	uint64_t id, room_id;
	char *author, *body;
	char ts[TS_BUFSZ];
};

static struct db_room rooms[16];
static size_t nrooms;
static struct fake_msg msgs[256];
static size_t nmsgs;
static struct list queue = LIST_INIT(queue);
static size_t queued;

void fake_db_add_room(uint64_t id, const char *domain, const char *chan_id, const char *name,
		const char *topic, const char *privacy)
{
	struct db_room *r = &rooms[nrooms++];
	r->id = id;
	r->domain = xstrdup(domain);
	r->chan_id = xstrdup(chan_id);
	r->name = xstrdup(name);
	r->description = xstrdup("about ");
	r->topic = xstrdup(topic);
	strcpy(r->privacy, privacy);
}

void db_submit(struct db_job *job)
{
	list_add_tail(&queue, &job->link);
	queued++;
}

size_t db_backlog(void)
{
	return queued;
}

size_t fake_db_queued(void)
{
	return queued;
}

static void copy_room(struct db_room *dst, const struct db_room *src)
{
	*dst = *src;
	dst->domain = xstrdup(src->domain);
	dst->chan_id = xstrdup(src->chan_id);
	dst->name = xstrdup(src->name);
	dst->description = xstrdup(src->description);
	dst->topic = xstrdup(src->topic);
}

static void run_load(struct db_job *job)
{
	size_t i;
	job->status = DB_NOT_FOUND;
	for(i = 0; i < nrooms; i++) {
		if(strcasecmp(rooms[i].domain, job->domain) == 0 &&
				strcasecmp(rooms[i].chan_id, job->chan_id) == 0) {
			job->rooms = xcalloc(1, sizeof(*job->rooms));
			copy_room(&job->rooms[0], &rooms[i]);
			job->nrooms = 1;
			job->status = DB_OK;
		}
	}
}

static void run_insert(struct db_job *job)
{
	struct fake_msg *m = &msgs[nmsgs++];
	m->id = nmsgs;
	m->room_id = job->room_id;
	m->author = xstrdup(job->author);
	m->body = xstrdup(job->body);
	format_ts(m->ts, job->posted_at.tv_sec, (unsigned)(job->posted_at.tv_nsec / 1000000));
	job->msg_id = m->id;
}

/* All messages of the room, then only the newest `limit` of them, oldest first. */
static void run_history(struct db_job *job)
{
	size_t i, n = 0;
	job->msgs = xcalloc(nmsgs + 1, sizeof(*job->msgs));
	for(i = 0; i < nmsgs; i++) {
		if(msgs[i].room_id == job->room_id) {
			struct db_msg *d = &job->msgs[n++];
			d->id = msgs[i].id;
			d->author = xstrdup(msgs[i].author);
			d->body = xstrdup(msgs[i].body);
			d->body_len = strlen(d->body);
			strcpy(d->ts, msgs[i].ts);
		}
	}
	job->nmsgs = n;
	while(job->nmsgs > job->limit) {
		free(job->msgs[0].author);
		free(job->msgs[0].body);
		memmove(job->msgs, job->msgs + 1, (job->nmsgs - 1) * sizeof(*job->msgs));
		job->nmsgs--;
	}
}

static void run_search(struct db_job *job)
{
	size_t i;
	job->rooms = xcalloc(nrooms + 1, sizeof(*job->rooms));
	for(i = 0; i < nrooms && job->nrooms < job->limit; i++) {
		if(strcmp(rooms[i].privacy, "secret") == 0)
			continue;
		if(job->criteria[0] && strcasestr(rooms[i].name, job->criteria) == NULL)
			continue;
		copy_room(&job->rooms[job->nrooms++], &rooms[i]);
	}
}

void fake_db_run_all(void)
{
	struct list *first;
	while((first = list_first(&queue)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		list_del(&job->link);
		queued--;
		switch(job->type) {
			case DB_LOAD_ROOM: run_load(job); break;
			case DB_INSERT_MSG: run_insert(job); break;
			case DB_HISTORY: run_history(job); break;
			case DB_SEARCH: run_search(job); break;
		}
		job->done(job);
		db_job_free(job);
	}
}

size_t fake_db_messages(void)
{
	return nmsgs;
}

const char *fake_db_message_author(size_t i)
{
	return msgs[i].author;
}

const char *fake_db_message_body(size_t i)
{
	return msgs[i].body;
}

void fake_db_reset(void)
{
	size_t i;
	struct list *first;
	while((first = list_first(&queue)) != NULL) {
		struct db_job *job = list_entry(first, struct db_job, link);
		list_del(&job->link);
		db_job_free(job);
	}
	queued = 0;
	for(i = 0; i < nrooms; i++) {
		free(rooms[i].domain);
		free(rooms[i].chan_id);
		free(rooms[i].name);
		free(rooms[i].description);
		free(rooms[i].topic);
	}
	nrooms = 0;
	for(i = 0; i < nmsgs; i++) {
		free(msgs[i].author);
		free(msgs[i].body);
	}
	nmsgs = 0;
}
