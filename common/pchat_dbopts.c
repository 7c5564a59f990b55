/*
 * pchat_dbopts.c - see pchat_dbopts.h.
 */
#include "pchat_dbopts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The password file's first line, without its line end.  A line that does not fit
 * is an error rather than a silently cut password. */
static int read_password(struct pchat_dbopts *o, const char *file, char *err, size_t errlen)
{
	char line[512];
	FILE *f = fopen(file, "r");

	if(f == NULL) {
		snprintf(err, errlen, "--db-password-file: cannot read %s: %s", file,
				strerror(errno));
		return -1;
	}
	if(fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	size_t n = strcspn(line, "\r\n");
	if(line[n] == '\0' && n == sizeof(line) - 1) {
		snprintf(err, errlen, "--db-password-file: the first line of %s is too long", file);
		return -1;
	}
	line[n] = '\0';
	pchat_dbopts_free(o);
	o->password = strdup(line);
	memset(line, 0, sizeof(line));
	if(o->password == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int set_port(struct pchat_dbopts *o, const char *arg, char *err, size_t errlen)
{
	char *end;
	errno = 0;
	unsigned long p = strtoul(arg, &end, 10);
	if(errno || end == arg || *end || arg[0] == '-' || p == 0 || p > 65535) {
		snprintf(err, errlen, "--db-port wants a port number (1 to 65535), not '%s'", arg);
		return -1;
	}
	o->port = (unsigned)p;
	return 0;
}

int pchat_dbopts_set(
		struct pchat_dbopts *o, const char *opt, const char *arg, char *err, size_t errlen)
{
	static const char *const names[] = {"db-socket", "db-host", "db-user", "db-name"};
	const char **slots[] = {&o->socket, &o->host, &o->user, &o->name};
	size_t i;

	if(strcmp(opt, "db-port") == 0)
		return set_port(o, arg, err, errlen);
	if(strcmp(opt, "db-password-file") == 0)
		return read_password(o, arg, err, errlen);
	for(i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if(strcmp(opt, names[i]) != 0)
			continue;
		if(arg[0] == '\0') {
			snprintf(err, errlen, "--%s must not be empty", opt);
			return -1;
		}
		*slots[i] = arg;
		return 0;
	}
	return 1;
}

int pchat_dbopts_is(const char *opt)
{
	static const char *const all[] = {"db-socket", "db-host", "db-port", "db-user",
			"db-password-file", "db-name"};
	size_t i;
	for(i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if(strcmp(opt, all[i]) == 0)
			return 1;
	}
	return 0;
}

int pchat_dbopts_check(const struct pchat_dbopts *o, char *err, size_t errlen)
{
	if(o->socket && o->host) {
		snprintf(err, errlen, "give --db-socket or --db-host, not both");
		return -1;
	}
	return 0;
}

void pchat_dbopts_free(struct pchat_dbopts *o)
{
	if(o->password) {
		memset(o->password, 0, strlen(o->password));
		free(o->password);
	}
	o->password = NULL;
}
