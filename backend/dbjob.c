/*
 * dbjob.c - job memory, whatever the kind: allocation, outputs cleared before a
 * retry, the whole job freed after its callback (each kind says how, dbkind.h).
 */
#include "dbkind.h"
#include "util.h"

#include <stdlib.h>

struct db_job *db_job_alloc(enum db_job_type type, db_done_fn done, void *arg)
{
	struct db_job *job = xcalloc(1, sizeof(*job));
	job->type = type;
	job->done = done;
	job->arg = arg;
	return job;
}

const char *db_job_name(const struct db_job *job)
{
	return job->type < DB_JOB_TYPES ? db_kinds[job->type]->name : "?";
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

void db_rooms_clear(struct db_rooms *out)
{
	size_t i;
	for(i = 0; i < out->n; i++)
		db_room_clear(&out->v[i]);
	free(out->v);
	out->v = NULL;
	out->n = 0;
}

void db_job_clear_results(struct db_job *job)
{
	db_kinds[job->type]->clear(job);
	job->status = DB_OK;
}

void db_job_free(struct db_job *job)
{
	if(job == NULL)
		return;
	db_kinds[job->type]->clear(job);
	db_kinds[job->type]->free(job);
	free(job);
}

void db_job_noop(struct db_job *job)
{
	(void)job;
}
