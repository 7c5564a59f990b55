/*
 * dbjob.c - allocation of database jobs (kept apart from db.c so that unit
 * tests can replace the worker and still use these).
 */
#include "db.h"
#include "util.h"

#include <stdlib.h>

struct db_job *db_job_new(enum db_job_type type, void (*done)(struct db_job *), void *arg)
{
	struct db_job *job = xcalloc(1, sizeof(*job));
	job->type = type;
	job->done = done;
	job->arg = arg;
	return job;
}

void db_room_clear(struct db_room *r)
{
	free(r->domain);
	free(r->chan_id);
	free(r->name);
	free(r->description);
	free(r->topic);
	free(r->members);
	free(r->managers);
	free(r->presenters);
	free(r->allowed);
	free(r->denied);
	free(r->inviter);
}

static void category_clear(struct db_category *c)
{
	free(c->domain);
	free(c->cat_id);
	free(c->name);
	free(c->description);
	free(c->allowed);
	free(c->denied);
	free(c->creators);
}

void db_job_clear_results(struct db_job *job)
{
	size_t i;
	for(i = 0; i < job->nrooms; i++)
		db_room_clear(&job->rooms[i]);
	free(job->rooms);
	job->rooms = NULL;
	job->nrooms = 0;
	for(i = 0; i < job->nmsgs; i++) {
		free(job->msgs[i].author);
		free(job->msgs[i].body);
	}
	free(job->msgs);
	job->msgs = NULL;
	job->nmsgs = 0;
	for(i = 0; i < job->ncats; i++)
		category_clear(&job->cats[i]);
	free(job->cats);
	job->cats = NULL;
	job->ncats = 0;
	job->msg_id = 0;
	job->pref_seqid = 0;
	free(job->pref_content);
	job->pref_content = NULL;
	free(job->db_version);
	job->db_version = NULL;
	free(job->root_id);
	job->root_id = NULL;
	job->status = DB_OK;
}

void db_job_free(struct db_job *job)
{
	if(job == NULL)
		return;
	db_job_clear_results(job);
	free(job->domain);
	free(job->chan_id);
	free(job->author);
	free(job->body);
	free(job->criteria);
	free(job->user);
	free(job->label);
	free(job->content);
	free(job);
}
