/*
 * pchat_admin_cli.c - pchat-admin: the administrator's command line, mirroring the
 * reference's *-CsPersistentChat* cmdlets (docs/ADMIN.md).  Each command turns its
 * options into the JSON arguments of one verb of the administration library
 * (pchat_admin.h), runs it on its own connection as the administrator, and prints
 * the result: aligned "key: value" blocks, or the verb's JSON with --json.
 *
 * Exit status: 0 done, 1 refused or failed (the library's or the database's error
 * on stderr), 2 usage error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_output.h"
#include "pchat_admin.h"
#include "pchat_dbopts.h"

#define PROG "pchat-admin"

enum okind {
	O_STR,	   /* a string */
	O_BOOL,	   /* yes|no */
	O_INT,	   /* an integer */
	O_LIST,	   /* P,...: replaces the list */
	O_ADD,	   /* P,...: {"add": [...]} */
	O_REMOVE,  /* P,...: {"remove": [...]} */
	O_POLICY,  /* a policy, or "none" (null) */
	O_SECONDS, /* a duration: seconds, Ns|Nm|Nh|Nd, or a TimeSpan [d.]hh:mm[:ss] */
	O_SECRET,  /* a file ("-": standard input) whose first line is the value: a
		      password on the command line would show in ps and shell history */
};

struct opt {
	const char *name; /* without "--" */
	const char *key;  /* the JSON argument */
	enum okind kind;
	const char *arg; /* for the usage text */
};

#define END                             \
	{                               \
		NULL, NULL, O_STR, NULL \
	}
#define LIST(k)                       \
	{                             \
		k, k, O_LIST, "P,..." \
	}
#define EDITS(k)                                  \
	{"add-" k, k, O_ADD, "P,..."},            \
	{                                         \
		"remove-" k, k, O_REMOVE, "P,..." \
	}
#define ROOM_SETTINGS                                                                          \
	{"description", "description", O_STR, "TEXT"}, {"topic", "topic", O_STR, "TEXT"},      \
			{"privacy", "privacy", O_STR, "open|closed|secret"},                   \
			{"type", "type", O_STR, "normal|auditorium"},                          \
			{"disabled", "disabled", O_BOOL, "yes|no"},                            \
			{"invitations", "invitations", O_STR, "inherit|off"},                  \
			{"disclaimer", "disclaimer", O_STR, "TEXT"},                           \
			{"retention", "retention", O_STR, "DAYS|Nd|Nh|Nm|Ns|none|inherit"},    \
			{"addin", "addin", O_STR, "ADDIN"}, LIST("members"), LIST("managers"), \
			LIST("presenters")
#define CATEGORY_SETTINGS                                                                   \
	{"description", "description", O_STR, "TEXT"},                                      \
			{"invitations", "invitations", O_BOOL, "yes|no"},                   \
			{"file-upload", "file_upload", O_BOOL, "yes|no"},                   \
			{"chat-history", "chat_history", O_BOOL, "yes|no"},                 \
			{"retention", "retention", O_STR, "DAYS|Nd|Nh|Nm|Ns|none|inherit"}, \
			LIST("allowed"), LIST("denied"), LIST("creators")
#define ROOM                                  \
	{                                     \
		"room", "room", O_STR, "ROOM" \
	}
#define CATEGORY                                          \
	{                                                 \
		"category", "category", O_STR, "CATEGORY" \
	}
#define NAME                                  \
	{                                     \
		"name", "name", O_STR, "NAME" \
	}
#define IDENTITY                                                             \
	{                                                                    \
		"identity", "identity", O_STR, "global|site:DOMAIN|tag:NAME" \
	}
#define POLICY_SETTINGS                                     \
	{"enabled", "enabled", O_BOOL, "yes|no"},           \
	{                                                   \
		"description", "description", O_STR, "TEXT" \
	}
#define FILTERS                                                                     \
	ROOM, {"author", "author", O_STR, "USER"}, {"text", "text", O_STR, "TEXT"}, \
			{"since", "since", O_STR, "TIME"},                          \
	{                                                                           \
		"until", "until", O_STR, "TIME"                                     \
	}
/* A setting named as the reference does (-SomeThing) and by a lower-case alias. */
#define BOTH(k, alias, kind, arg)   \
	{k, k, kind, arg},          \
	{                           \
		alias, k, kind, arg \
	}
#define CONFIG(k, alias) BOTH(k, alias, O_INT, "N")
#define ADDIN                                    \
	{                                        \
		"addin", "addin", O_STR, "ADDIN" \
	}

static const struct opt room_new[] = {NAME, CATEGORY, ROOM_SETTINGS, END};
static const struct opt room_set[] = {ROOM, NAME, ROOM_SETTINGS, EDITS("members"),
		EDITS("managers"), EDITS("presenters"), END};
static const struct opt room_get[] = {ROOM, CATEGORY, {"name", "name", O_STR, "SUBSTRING"}, END};
static const struct opt room_only[] = {ROOM, END};
static const struct opt room_clear[] = {ROOM, {"before", "before", O_STR, "TIME"}, END};
static const struct opt cat_new[] = {NAME, CATEGORY_SETTINGS, END};
static const struct opt cat_set[] = {CATEGORY, NAME, CATEGORY_SETTINGS, EDITS("allowed"),
		EDITS("denied"), EDITS("creators"), END};
static const struct opt cat_only[] = {CATEGORY, END};
static const struct opt pol_new[] = {IDENTITY, POLICY_SETTINGS, END};
static const struct opt pol_get[] = {IDENTITY, {"user", "user", O_STR, "USER"}, END};
static const struct opt pol_only[] = {IDENTITY, END};
static const struct opt pol_grant[] = {{"policy", "policy", O_POLICY, "tag:NAME|none"},
		{"user", "user", O_STR, "USER"}, {"site", "site", O_STR, "DOMAIN"}, END};
static const struct opt none[] = {END};
static const struct opt config_set[] = {CONFIG("DefaultChatHistory", "default-chat-history"),
		CONFIG("MaxFileSizeKB", "max-file-size-kb"),
		CONFIG("ParticipantUpdateLimit", "participant-update-limit"),
		CONFIG("MessageSizeLimit", "message-size-limit"),
		CONFIG("SearchLimit", "search-limit"),
		CONFIG("FileDailyQuotaKB", "file-daily-quota-kb"),
		CONFIG("RetentionDefaultDays", "retention-default-days"),
		CONFIG("RetentionMinDays", "retention-min-days"),
		CONFIG("RetentionMaxDays", "retention-max-days"), END};
#define MSG_ID                         \
	{                              \
		"id", "id", O_INT, "N" \
	}
static const struct opt msg_get[] = {FILTERS, MSG_ID, {"limit", "limit", O_INT, "N"},
		{"search", "search", O_STR, "WORDS"}, END};
static const struct opt msg_remove[] = {FILTERS, MSG_ID, END};
static const struct opt msg_replace[] = {
		FILTERS, MSG_ID, {"replacement", "replacement", O_STR, "TEXT"}, END};
#define FILE_FILTERS                                                                          \
	ROOM, {"room-id", "room_id", O_INT, "N"}, {"user", "user", O_STR, "USER"},            \
			{"since", "since", O_STR, "TIME"}, {"until", "until", O_STR, "TIME"}, \
	{                                                                                     \
		"file", "file", O_STR, "GUID.EXT"                                             \
	}
static const struct opt file_get[] = {FILE_FILTERS, {"state", "state", O_STR, "uploading|stored"},
		{"limit", "limit", O_INT, "N"}, END};
static const struct opt file_remove[] = {FILE_FILTERS, END};
static const struct opt file_usage[] = {ROOM, {"room-id", "room_id", O_INT, "N"}, END};
static const struct opt addin_new[] = {NAME, {"url", "url", O_STR, "URL"}, END};
static const struct opt addin_set[] = {ADDIN, NAME, {"url", "url", O_STR, "URL"}, END};
static const struct opt addin_only[] = {ADDIN, END};
static const struct opt compliance_set[] = {
		BOTH("AdapterType", "adapter-type", O_STR, "XML|Actiance|\"\""),
		BOTH("AdapterName", "adapter-name", O_STR, "NAME"),
		BOTH("AdapterOutputDirectory", "output-directory", O_STR, "DIR"),
		BOTH("RunInterval", "run-interval", O_SECONDS, "DURATION"),
		BOTH("OneChatRoomPerOutputFile", "one-chat-room-per-output-file", O_BOOL, "yes|no"),
		BOTH("AddChatRoomDetails", "add-chat-room-details", O_BOOL, "yes|no"),
		BOTH("AddUserDetails", "add-user-details", O_BOOL, "yes|no"),
		BOTH("CreateFileAttachmentsManifest", "create-file-attachments-manifest", O_BOOL,
				"yes|no"),
		BOTH("CustomConfiguration", "custom-configuration", O_STR, "XSLT-FILE"), END};
static const struct opt compliance_run[] = {{"wait", "wait", O_SECONDS, "DURATION"}, END};
static const struct opt search_index[] = {{"batch", "batch", O_INT, "N"}, END};
#define USER_OPT                              \
	{                                     \
		"user", "user", O_STR, "USER" \
	}
static const struct opt user_password[] = {
		USER_OPT, {"password-file", "password", O_SECRET, "FILE|-"}, END};
static const struct opt user_only[] = {USER_OPT, END};

struct cmd {
	const char *noun, *verb; /* verb NULL: the noun alone */
	const char *api;	 /* the library's verb */
	const struct opt *opts;
	const char *what;     /* the reference cmdlet it mirrors, or what it does */
	const char *required; /* the options it needs, for the usage text */
};

static const struct cmd cmds[] = {
		{"room", "new", "room.new", room_new, "New-CsPersistentChatRoom", "name"},
		{"room", "set", "room.set", room_set, "Set-CsPersistentChatRoom", "room"},
		{"room", "get", "room.get", room_get, "Get-CsPersistentChatRoom", ""},
		{"room", "remove", "room.remove", room_only, "Remove-CsPersistentChatRoom", "room"},
		{"room", "clear", "room.clear", room_clear, "Clear-CsPersistentChatRoom", "room"},
		{"category", "new", "category.new", cat_new, "New-CsPersistentChatCategory",
				"name"},
		{"category", "set", "category.set", cat_set, "Set-CsPersistentChatCategory",
				"category"},
		{"category", "get", "category.get", cat_only, "Get-CsPersistentChatCategory", ""},
		{"category", "remove", "category.remove", cat_only,
				"Remove-CsPersistentChatCategory", "category"},
		{"policy", "new", "policy.new", pol_new, "New-CsPersistentChatPolicy",
				"identity enabled"},
		{"policy", "set", "policy.set", pol_new, "Set-CsPersistentChatPolicy", "identity"},
		{"policy", "get", "policy.get", pol_get,
				"Get-CsPersistentChatPolicy (--user: the user's effective policy)",
				""},
		{"policy", "remove", "policy.remove", pol_only, "Remove-CsPersistentChatPolicy",
				"identity"},
		{"policy", "grant", "policy.grant", pol_grant, "Grant-CsPersistentChatPolicy",
				"policy"},
		{"config", "get", "config.get", none, "Get-CsPersistentChatConfiguration", ""},
		{"config", "set", "config.set", config_set, "Set-CsPersistentChatConfiguration",
				""},
		{"message", "get", "message.get", msg_get, "Get-CsPersistentChatMessage", ""},
		{"message", "remove", "message.remove", msg_remove,
				"Remove-CsPersistentChatMessage", ""},
		{"message", "replace", "message.replace", msg_replace,
				"Set-CsPersistentChatMessage", "replacement"},
		{"file", "get", "file.get", file_get,
				"the files posted (by room, uploader, time of upload, name)", ""},
		{"file", "remove", "file.remove", file_remove,
				"remove files with their posts (pchatd's sweeper deletes them)",
				""},
		{"file", "usage", "file.usage", file_usage, "the file store's size per room", ""},
		{"addin", "new", "addin.new", addin_new, "New-CsPersistentChatAddin", "name url"},
		{"addin", "set", "addin.set", addin_set, "Set-CsPersistentChatAddin", "addin"},
		{"addin", "get", "addin.get", addin_only, "Get-CsPersistentChatAddin", ""},
		{"addin", "remove", "addin.remove", addin_only, "Remove-CsPersistentChatAddin",
				"addin"},
		{"compliance", "get", "compliance.get", none,
				"Get-CsPersistentChatComplianceConfiguration", ""},
		{"compliance", "set", "compliance.set", compliance_set,
				"Set-CsPersistentChatComplianceConfiguration", ""},
		{"compliance", "status", "compliance.status", none,
				"pchat-compliance's lease, last run, backlog and last error", ""},
		{"compliance", "run", "compliance.run", compliance_run,
				"have pchat-compliance output its events now and wait for it "
				"(default 60 s; --wait 0: do not wait)",
				""},
		{"retention", "status", "retention.status", none,
				"each room's retention and expired messages (waiting for "
				"pchat-compliance), the purge job's lease and last run",
				""},
		{"search", "status", "search.status", none,
				"the search index: messages queued for the indexer (the oldest and "
				"newest's times), the index's rows and bytes (InnoDB's estimates)",
				""},
		{"search", "index", "search.index", search_index,
				"index the queued messages now, newest first, batch after batch "
				"(--batch N each, 500), until none is left; prints how many",
				""},
		{"user", "new", "user.new", user_password,
				"a SIP user (user@domain) and the hashes of their password (the "
				"first line of FILE, - for standard input): Digest's and NTLM's",
				"user password-file"},
		{"user", "set", "user.set", user_password,
				"a new password: every hash computed again", "user password-file"},
		{"user", "get", "user.get", user_only,
				"the SIP users: which hashes they have (never the hashes), chat "
				"policy",
				""},
		{"user", "remove", "user.remove", user_only,
				"remove a user's credentials (their posts and grants stay)",
				"user"},
		{"reload", NULL, "reload", none,
				"make pchatd reload rooms and configuration (and compute "
				"rooms' retention again)",
				""},
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* The batch verbs a command runs until they are done: it runs again while a call
 * counted some (count) and "left" is not 0; the counts are summed. */
static const struct batch_verb {
	const char *api, *count;
} batch_verbs[] = {{"search.index", "indexed"}};

/* The count key of verb if it is a batch verb, else NULL. */
static const char *batch_count(const char *verb)
{
	for(size_t i = 0; i < sizeof(batch_verbs) / sizeof(batch_verbs[0]); i++)
		if(strcmp(batch_verbs[i].api, verb) == 0)
			return batch_verbs[i].count;
	return NULL;
}

/* The global options.  db: common/pchat_dbopts.h's (no user by default: the option
 * files' [client] and [pchat-admin] may name one; no name: "pchat"). */
struct conn_opts {
	struct pchat_dbopts db;
	const char *defaults_file, *as_user;
	int json;
};

static const char global_usage[] =
		"global options (before the command):\n"
		"  --db-socket PATH  --db-host HOST  --db-port N  --db-user USER\n"
		"  --db-password-file FILE  --db-name NAME (default pchat)\n"
		"  --db-defaults-file FILE  (MariaDB option file; groups [client] and [pchat-admin]\n"
		"                            of the usual my.cnf files are always read)\n"
		"  --json            print the result as JSON\n"
		"  --as USER         act as that user instead of the administrator (to check rights)\n"
		"lists (P,...) are users (alice@example.com) or domains (example.com), comma-separated;\n"
		"TIME is UTC: 2024-05-01 or 2024-05-01T12:00:00Z;\n"
		"DURATION is seconds (900), 15m, 2h, 1d, or hh:mm:ss or d.hh:mm:ss (00:15:00)\n";

/* "pchat-admin: <message>" on stderr; returns status. */
static int complain(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int complain(int status, const char *fmt, ...)
{
	va_list ap;
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

/* Is option name one that c needs? */
static int opt_required(const struct cmd *c, const char *name)
{
	size_t n = strlen(name);
	for(const char *r = c->required; (r = strstr(r, name)) != NULL; r += n)
		if((r == c->required || r[-1] == ' ') && (r[n] == ' ' || r[n] == '\0'))
			return 1;
	return 0;
}

static void cmd_usage(FILE *out, const struct cmd *c)
{
	fprintf(out, "  %s %s%s", PROG, c->noun, c->verb ? "" : "\n");
	if(c->verb)
		fprintf(out, " %s", c->verb);
	for(const struct opt *o = c->opts; c->verb && o->name; o++) {
		int req = opt_required(c, o->name);
		fprintf(out, " %s--%s %s%s", req ? "" : "[", o->name, o->arg, req ? "" : "]");
	}
	if(c->verb)
		fputc('\n', out);
	fprintf(out, "      %s\n", c->what);
}

/* The usage of every command of noun (NULL: all). */
static int usage(FILE *out, const char *noun, int status)
{
	fprintf(out, "usage: %s [global options] NOUN VERB [options]\n", PROG);
	for(size_t i = 0; i < N_CMDS; i++)
		if(!noun || strcmp(cmds[i].noun, noun) == 0)
			cmd_usage(out, &cmds[i]);
	if(!noun)
		fprintf(out,
				"  %s call VERB [JSON]\n      any verb of the library (pchat_admin.h) with JSON "
				"arguments\n  %s help | %s NOUN help\n%s",
				PROG, PROG, PROG, global_usage);
	return status;
}

static int usage_error(const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, " (see %s help)\n", PROG);
	return 2;
}

/* "a, b,c" as a JSON array of the non-empty items. */
static json_t *split_list(const char *s)
{
	json_t *arr = json_array();
	while(*s) {
		s += strspn(s, " \t,");
		size_t n = strcspn(s, ",");
		size_t m = n;
		while(m > 0 && (s[m - 1] == ' ' || s[m - 1] == '\t'))
			m--;
		if(m > 0)
			json_array_append_new(arr, json_stringn(s, m));
		s += n;
	}
	return arr;
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"},
				 *const no[] = {"no", "false", "off", "0"};
	for(size_t i = 0; i < 4; i++) {
		if(strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
		if(strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

/* Reads 1 to max digits at *s into *v; advances *s. */
static int digits(const char **s, int max, long long *v)
{
	int n = 0;
	for(*v = 0; n < max && isdigit((unsigned char)**s); n++, (*s)++)
		*v = *v * 10 + (**s - '0');
	return n > 0 ? 0 : -1;
}

/* The reference's TimeSpan: [d.]hh:mm[:ss], in seconds. */
static int parse_timespan(const char *s, long long *out)
{
	long long d = 0, h, m, sec = 0;
	const char *dot = strchr(s, '.');
	if(dot && dot < strchr(s, ':') && (digits(&s, 8, &d) < 0 || *s++ != '.'))
		return -1;
	if(digits(&s, 2, &h) < 0 || *s++ != ':' || digits(&s, 2, &m) < 0)
		return -1;
	if(*s == ':' && (s++, digits(&s, 2, &sec) < 0))
		return -1;
	if(*s || h > 23 || m > 59 || sec > 59)
		return -1;
	*out = ((d * 24 + h) * 60 + m) * 60 + sec;
	return 0;
}

/* A duration in seconds: N (seconds), Ns, Nm, Nh, Nd, or a TimeSpan. */
static int parse_seconds(const char *s, long long *out)
{
	static const struct {
		char unit;
		long long sec;
	} units[] = {{'\0', 1}, {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}};
	long long n;
	if(strchr(s, ':'))
		return parse_timespan(s, out);
	if(digits(&s, 12, &n) < 0)
		return -1;
	for(size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if(s[0] == units[i].unit && (!s[0] || !s[1])) {
			*out = n * units[i].sec;
			return 0;
		}
	return -1;
}

/* Adds to the list argument key: the whole list (O_LIST) or an add/remove edit. */
static int add_list(json_t *args, const struct opt *o, const char *v)
{
	json_t *cur = json_object_get(args, o->key), *items = split_list(v);
	const char *edit = o->kind == O_ADD ? "add" : o->kind == O_REMOVE ? "remove" : NULL;
	if(cur && (json_is_array(cur) == (edit != NULL))) {
		json_decref(items);
		return usage_error(
				"--%s: give either the whole list or additions and removals of %s",
				o->name, o->key);
	}
	if(!edit) {
		if(!cur)
			json_object_set_new(args, o->key, cur = json_array());
		json_array_extend(cur, items);
	} else {
		if(!cur)
			json_object_set_new(args, o->key, cur = json_object());
		json_t *l = json_object_get(cur, edit);
		if(!l)
			json_object_set_new(cur, edit, l = json_array());
		json_array_extend(l, items);
	}
	json_decref(items);
	return 0;
}

/* The first line of file v ("-": standard input) as the argument of o; 1 if it
 * cannot be read or is empty, 2 if it is not UTF-8.  The buffer is wiped: it held a
 * password. */
static int read_secret(json_t *args, const struct opt *o, const char *v)
{
	char line[1024];
	int std = strcmp(v, "-") == 0;
	FILE *f = std ? stdin : fopen(v, "r");
	if(!f)
		return complain(1, "--%s: cannot open %s: %s", o->name, v, strerror(errno));
	char *got = fgets(line, sizeof(line), f);
	if(!std)
		fclose(f);
	if(!got || (line[strcspn(line, "\r\n")] = '\0', line[0] == '\0')) {
		explicit_bzero(line, sizeof(line));
		return complain(1, "--%s: %s holds no password on its first line", o->name,
				std ? "standard input" : v);
	}
	json_t *s = json_string(line);
	explicit_bzero(line, sizeof(line));
	if(!s)
		return usage_error("--%s: the password in %s is not UTF-8", o->name, v);
	json_object_set_new(args, o->key, s);
	return 0;
}

/* Sets the argument of option o to v; 2 on a usage error. */
static int set_arg(json_t *args, const struct opt *o, const char *v)
{
	char *end;
	int b;
	long long n;
	switch(o->kind) {
		case O_BOOL:
			if(parse_bool(v, &b) < 0)
				return usage_error("--%s takes yes or no, not \"%s\"", o->name, v);
			json_object_set_new(args, o->key, json_boolean(b));
			return 0;
		case O_INT:
			errno = 0;
			n = strtoll(v, &end, 10);
			if(!*v || *end || errno)
				return usage_error("--%s takes a number, not \"%s\"", o->name, v);
			json_object_set_new(args, o->key, json_integer(n));
			return 0;
		case O_SECONDS:
			if(parse_seconds(v, &n) < 0)
				return usage_error(
						"--%s takes a duration (900, 15m, 2h, 1d, 00:15:00, "
						"1.00:00:00), not \"%s\"",
						o->name, v);
			json_object_set_new(args, o->key, json_integer(n));
			return 0;
		case O_POLICY:
			json_object_set_new(args, o->key,
					strcasecmp(v, "none") == 0 ? json_null() : json_string(v));
			return 0;
		case O_LIST:
		case O_ADD:
		case O_REMOVE: return add_list(args, o, v);
		case O_SECRET: return read_secret(args, o, v);
		case O_STR: break;
	}
	json_t *s = json_string(v);
	if(!s)
		return usage_error("--%s: \"%s\" is not UTF-8", o->name, v);
	json_object_set_new(args, o->key, s);
	return 0;
}

static const struct opt *opt_find(const struct opt *opts, const char *name, size_t len)
{
	for(const struct opt *o = opts; o->name; o++)
		if(strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

/* The command's options (argv from its first option) into args; 2 on usage errors,
 * -1 for --help. */
static int parse_opts(const struct cmd *c, int argc, char **argv, json_t *args, int *json)
{
	for(int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if(strcmp(a, "--json") == 0) {
			*json = 1;
			continue;
		}
		if(strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return -1;
		if(strncmp(a, "--", 2) != 0)
			return usage_error("unexpected \"%s\" after %s", a, c->api);
		const char *eq = strchr(a + 2, '=');
		size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		const struct opt *o = opt_find(c->opts, a + 2, len);
		if(!o)
			return usage_error("%s has no option %s", c->api, a);
		const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		if(!v)
			return usage_error("%s needs a value%s", a, "");
		int rc = set_arg(args, o, v);
		if(rc)
			return rc;
	}
	return 0;
}

/* A global option of pchat-admin's own, not a database one: its slot, or NULL. */
static const char **own_option(struct conn_opts *g, const char *opt)
{
	if(strcmp(opt, "db-defaults-file") == 0)
		return &g->defaults_file;
	return strcmp(opt, "as") == 0 ? &g->as_user : NULL;
}

/* A database option (pchat_dbopts_set); a password file that cannot be read fails
 * like a connection (1), anything else is a usage error (2). */
static int db_option(struct conn_opts *g, const char *opt, const char *arg)
{
	char err[512];
	if(pchat_dbopts_set(&g->db, opt, arg, err, sizeof(err)) == 0)
		return 0;
	if(strcmp(opt, "db-password-file") == 0)
		return complain(1, "%s", err);
	return usage_error("%s%s", err, "");
}

/* The global options; *next = the index of the command. */
static int parse_global(int argc, char **argv, struct conn_opts *g, int *next)
{
	char err[512];
	int i = 1;
	for(; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *opt = argv[i] + 2, **slot = own_option(g, opt);
		if(strcmp(opt, "json") == 0) {
			g->json = 1;
			continue;
		}
		if(strcmp(opt, "help") == 0)
			return usage(stdout, NULL, 0) - 1;
		if(!slot && !pchat_dbopts_is(opt))
			return usage_error("unknown option %s%s", argv[i], "");
		if(i + 1 >= argc)
			return usage_error("%s needs a value%s", argv[i], "");
		int rc = slot ? (*slot = argv[i + 1], 0) : db_option(g, opt, argv[i + 1]);
		if(rc)
			return rc;
		i++;
	}
	if(pchat_dbopts_check(&g->db, err, sizeof(err)) < 0)
		return usage_error("%s%s", err, "");
	*next = i;
	return 0;
}

static MYSQL *db_connect(const struct conn_opts *g)
{
	MYSQL *db = mysql_init(NULL);
	if(!db)
		return NULL;
	mysql_options(db, MYSQL_READ_DEFAULT_GROUP, "pchat-admin");
	if(g->defaults_file)
		mysql_options(db, MYSQL_READ_DEFAULT_FILE, g->defaults_file);
	mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if(!mysql_real_connect(db, g->db.host, g->db.user, g->db.password,
			   g->db.name ? g->db.name : "pchat", g->db.port, g->db.socket, 0)) {
		complain(1, "cannot connect to the database: %s", mysql_error(db));
		mysql_close(db);
		db = NULL;
	}
	return db;
}

/* Runs verb with args again while it counted some (result[count]) and some are
 * left: 0 and the last call's result in *result, its integers but "left" summed over
 * the calls; -1. */
static int run_batches(MYSQL *db, const struct pca_actor *actor, const char *verb, json_t *args,
		const char *count, json_t **result, struct pca_error *err)
{
	json_t *sums = json_object(), *v;
	const char *key;
	int rc = 0;
	for(;;) {
		if((rc = pca_run(db, actor, verb, args, result, err)) < 0)
			break;
		json_object_foreach(*result, key, v)
		{
			if(json_is_integer(v) && strcmp(key, "left") != 0)
				json_object_set_new(sums, key,
						json_integer(json_integer_value(v) +
								json_integer_value(json_object_get(
										sums, key))));
		}
		if(json_integer_value(json_object_get(*result, count)) <= 0 ||
				json_integer_value(json_object_get(*result, "left")) <= 0)
			break;
		json_decref(*result);
	}
	if(rc == 0)
		json_object_update_existing(*result, sums);
	json_decref(sums);
	return rc;
}

/* Runs verb with args (repeat: run_batches) and prints its result; the exit status. */
static int run(const struct conn_opts *g, const char *verb, json_t *args, const char *repeat)
{
	MYSQL *db = db_connect(g);
	if(!db)
		return 1;
	struct pca_actor actor = {.user = g->as_user};
	struct pca_error err = {0, ""};
	json_t *result = NULL;
	int rc = repeat ? run_batches(db, &actor, verb, args, repeat, &result, &err)
			: pca_run(db, &actor, verb, args, &result, &err);
	mysql_close(db);
	if(rc < 0)
		return complain(1, "%s", err.msg);
	if(g->json) {
		json_dumpf(result, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
		fputc('\n', stdout);
	} else {
		cli_print(stdout, result);
	}
	json_decref(result);
	return 0;
}

static const struct cmd *cmd_find(const char *noun, const char *verb)
{
	for(size_t i = 0; i < N_CMDS; i++)
		if(strcmp(cmds[i].noun, noun) == 0 &&
				(!cmds[i].verb || (verb && strcmp(cmds[i].verb, verb) == 0)))
			return &cmds[i];
	return NULL;
}

static int noun_known(const char *noun)
{
	for(size_t i = 0; i < N_CMDS; i++)
		if(strcmp(cmds[i].noun, noun) == 0)
			return 1;
	return 0;
}

/* pchat-admin call VERB [JSON]: any verb with raw JSON arguments. */
static int call(const struct conn_opts *g, int argc, char **argv)
{
	json_error_t je;
	if(argc < 1 || argc > 2)
		return usage_error(
				"call takes a verb and optionally its JSON arguments%s%s", "", "");
	json_t *args = argc == 2 ? json_loads(argv[1], 0, &je) : json_object();
	if(!args)
		return usage_error("bad JSON arguments: %s%s", je.text, "");
	int rc = run(g, argv[0], args, NULL);
	json_decref(args);
	return rc;
}

/* The command line after the global options: the exit status. */
static int command(struct conn_opts *g, int argc, char **argv, int i)
{
	int rc;
	if(i >= argc)
		return usage(stderr, NULL, 2);
	const char *noun = argv[i++];
	if(strcmp(noun, "help") == 0)
		return usage(stdout, NULL, 0);
	if(strcmp(noun, "call") == 0)
		return call(g, argc - i, argv + i);
	if(!noun_known(noun))
		return usage_error("unknown command \"%s\"%s", noun, "");
	const char *verb = i < argc && strncmp(argv[i], "--", 2) != 0 ? argv[i++] : NULL;
	if(verb && strcmp(verb, "help") == 0)
		return usage(stdout, noun, 0);
	const struct cmd *c = cmd_find(noun, verb);
	if(!c && !verb)
		return usage_error("%s needs a verb%s", noun, "");
	if(!c)
		return usage_error("%s has no verb \"%s\"", noun, verb);
	json_t *args = json_object();
	rc = parse_opts(c, argc - i, argv + i, args, &g->json);
	if(rc == 0)
		rc = run(g, c->api, args, batch_count(c->api));
	else if(rc < 0)
		rc = usage(stdout, noun, 0);
	json_decref(args);
	return rc;
}

int main(int argc, char **argv)
{
	struct conn_opts g = {0};
	int i = 1;
	int rc = parse_global(argc, argv, &g, &i);
	if(rc == 0)
		rc = command(&g, argc, argv, i);
	pchat_dbopts_free(&g.db); /* the password, wiped */
	return rc < 0 ? 0 : rc;
}
