/*
 * pchat_dbopts.h - the database options of our programs, parsed alike:
 *     --db-socket PATH  --db-host HOST  --db-port N  --db-user USER
 *     --db-password-file FILE  --db-name NAME
 * pchatd (backend/config.c, which adds its own --db-password), pchat-admin and
 * pchat-compliance use them.  No database library here: the values only, for
 * mysql_real_connect().
 */
#ifndef PCHAT_DBOPTS_H
#define PCHAT_DBOPTS_H

#include <stddef.h>

struct pchat_dbopts {
	const char *socket; /* NULL: the library's default (unless host is set) */
	const char *host;
	unsigned port; /* 0: the library's default */
	const char *user;
	const char *name;
	/* the first line of --db-password-file, read when the option is parsed (a
	 * password never appears in the arguments); NULL: none */
	char *password;
};

/* The help lines of the options (two spaces in, as the programs' --help), given the
 * default user and database name to print. */
#define PCHAT_DBOPTS_HELP(user, name)                                                 \
	"  --db-socket PATH         MariaDB Unix socket (default: the library's)\n"   \
	"  --db-host HOST           MariaDB host (instead of --db-socket)\n"          \
	"  --db-port N              MariaDB TCP port (default: the library's)\n"      \
	"  --db-user USER           database user (default " user ")\n"               \
	"  --db-password-file FILE  the database password: the first line of FILE,\n" \
	"                           read at start-up (default: no password)\n"        \
	"  --db-name NAME           database name (default " name ")\n"

/*
 * Option opt (its long name without the dashes: "db-host") with value arg.  Returns
 * 0 when set, 1 when opt is not a database option, -1 when arg is wrong (err says
 * why, in one line naming the option).
 */
int pchat_dbopts_set(
		struct pchat_dbopts *o, const char *opt, const char *arg, char *err, size_t errlen);

/* Is opt (without the dashes) one of the options above? */
int pchat_dbopts_is(const char *opt);

/* The options together: 0, or -1 with err (--db-socket with --db-host). */
int pchat_dbopts_check(const struct pchat_dbopts *o, char *err, size_t errlen);

/* Frees the password (wiped first). */
void pchat_dbopts_free(struct pchat_dbopts *o);

#endif
