/*
 * test_dbkinds.c - the job kinds' table (backend/dbkinds.c): which worker runs each
 * kind (db.h).  The reader runs beside the writer, so a kind it runs must be a pure
 * read (every statement a SELECT) and must not batch; message search is one, and the
 * posts and the history read (which writes its compliance event, and follows the
 * posts before it) stay with the writer.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <strings.h>

#include "dbkind.h"

static int is_select(const char *sql)
{
	while(isspace((unsigned char)*sql) || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT ", 7) == 0;
}

Test(dbkinds, a_reader_kind_only_reads_and_never_batches)
{
	size_t readers = 0;
	for(int k = 0; k < DB_JOB_TYPES; k++) {
		const struct db_kind *kind = db_kinds[k];
		cr_assert_not_null(kind, "kind %d has no entry in dbkinds.c", k);
		if(!(kind->flags & DBK_READER))
			continue;
		readers++;
		cr_assert(!(kind->flags & DBK_BATCH), "%s: a reader kind batches", kind->name);
		cr_assert_not_null(kind->sql[0], "%s: no statement", kind->name);
		for(int i = 0; i < DB_KIND_STMTS && kind->sql[i]; i++)
			cr_assert(is_select(kind->sql[i]), "%s: statement %d is no SELECT: %s",
					kind->name, i, kind->sql[i]);
	}
	cr_assert_geq(readers, 1);
}

Test(dbkinds, search_goes_to_the_reader_posts_and_history_to_the_writer)
{
	cr_assert(db_kinds[DB_MSG_SEARCH]->flags & DBK_READER);
	cr_assert(!(db_kinds[DB_INSERT_MSG]->flags & DBK_READER));
	cr_assert(db_kinds[DB_INSERT_MSG]->flags & DBK_BATCH);
	cr_assert(!(db_kinds[DB_HISTORY]->flags & DBK_READER));
	cr_assert(!(db_kinds[DB_ROOMS_ALL]->flags & DBK_READER));
}
