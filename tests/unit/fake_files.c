/*
 * fake_files.c - the file store's tables for fake_db.c (fakes.h): files and
 * file_tokens, in memory, as migration 009 and backend/dbj_files.c use them.
 */
#include "fakes.h"

#include "db.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct fake_file {
	uint64_t room_id;
	char *stored_name;
	int posted;
};
static struct fake_file files[8];
static size_t nfiles;
static struct fake_ftok tokens[16];
static size_t ntokens;

void fake_db_add_file(uint64_t room_id, const char *stored_name, int posted)
{
	files[nfiles++] = (struct fake_file){room_id, xstrdup(stored_name), posted};
}

size_t fake_db_file_tokens(void)
{
	return ntokens;
}

const struct fake_ftok *fake_db_file_token(size_t i)
{
	return &tokens[i];
}

/* As the INSERT ... SELECT: a download token only for a stored, posted file. */
static int has_file(uint64_t room_id, const char *stored_name)
{
	size_t i;
	for(i = 0; i < nfiles; i++) {
		if(files[i].room_id == room_id && files[i].posted &&
				strcmp(files[i].stored_name, stored_name) == 0)
			return 1;
	}
	return 0;
}

void fake_files_run_token(struct db_job *job)
{
	struct fake_ftok *t;
	if(!job->u.ftok.upload && !has_file(job->u.ftok.room_id, job->u.ftok.file_name)) {
		job->status = DB_NOT_FOUND;
		return;
	}
	t = &tokens[ntokens++];
	t->token = xstrdup(job->u.ftok.token);
	t->user = xstrdup(job->u.ftok.user);
	t->file_name = xstrdup(job->u.ftok.file_name);
	t->upload = job->u.ftok.upload;
	t->room_id = job->u.ftok.room_id;
	t->issued_at = job->u.ftok.issued_at;
	t->expires_at = job->u.ftok.expires_at;
}

void fake_files_reset(void)
{
	size_t i;
	for(i = 0; i < nfiles; i++)
		free(files[i].stored_name);
	nfiles = 0;
	for(i = 0; i < ntokens; i++) {
		free(tokens[i].token);
		free(tokens[i].user);
		free(tokens[i].file_name);
	}
	ntokens = 0;
}
