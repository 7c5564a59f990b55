/*
 * pca_int.h - what the files of the administration library share (private; the
 * public API is pchat_admin.h).
 *
 * No global state: everything a call needs travels in struct pca_ctx, so pchatd's
 * admin worker thread and the CLI can use the library alike.
 */
#ifndef PCA_INT_H
#define PCA_INT_H

#include <stddef.h>

#include "pchat_admin.h"
#include "pchat_acl.h"
#include "pchat_time.h"

/* One call of pca_run. */
struct pca_ctx {
	MYSQL *db;
	const char *user; /* the actor; NULL = the administrator */
	struct pca_error *err;
	unsigned long long insert_id;	       /* of the last pca_exec INSERT */
	const struct pchat_feed_limits *feeds; /* pca_actor.feeds: NULL, the defaults */
};

/* A verb's implementation: validates args, does the work, sets *result. */
typedef int (*pca_handler)(struct pca_ctx *c, json_t *args, json_t **result);

/* ---- errors (pca_core.c) ---- */

/* Fills c->err with status and the formatted message; returns -1. */
int pca_fail(struct pca_ctx *c, int status, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
/* Fills c->err from a MariaDB error number and message; returns -1. */
int pca_db_fail(struct pca_ctx *c, unsigned int errnum, const char *msg);
/* Bumps server_config.revision; -1 on error. */
int pca_bump_revision(struct pca_ctx *c);

/* A server_config setting (common/pchat_settings.h's index) as pchatd reads it: the
 * row's value if within its range, else the default (pca_config.c). */
int pca_setting(struct pca_ctx *c, int which, long long *out);

/* ---- prepared statements (pca_sql.c) ---- */

enum pca_vt { PV_NULL, PV_STR, PV_INT };
/* A statement parameter. */
struct pca_val {
	enum pca_vt t;
	const char *s;
	long long i;
};
/* A string parameter (NULL: SQL NULL) / an integer parameter. */
static inline struct pca_val pca_s(const char *s)
{
	return (struct pca_val){s ? PV_STR : PV_NULL, s, 0};
}
#define PS(x) pca_s(x)
#define PI(x) ((struct pca_val){PV_INT, NULL, (long long)(x)})
/* The parameters of a statement as (array, count): pca_exec(c, SQL, P(PS(a), PI(b))). */
#define P(...)                                 \
	(const struct pca_val[]){__VA_ARGS__}, \
			(sizeof((const struct pca_val[]){__VA_ARGS__}) / sizeof(struct pca_val))
#define P0 NULL, 0

/* Runs a statement that returns no rows: the affected row count, or -1. */
long long pca_exec(struct pca_ctx *c, const char *sql, const struct pca_val *p, size_t n);
/* Makes the verb's transaction READ COMMITTED: its locking reads and deletes lock the
 * rows they touch and no gap, where posts insert.  Must be the verb's first statement
 * (it sets the transaction about to begin).  0, or -1. */
int pca_read_committed(struct pca_ctx *c);
/* Runs a query: an array of rows, each an array of strings (or null); NULL on error. */
json_t *pca_rows(struct pca_ctx *c, const char *sql, const struct pca_val *p, size_t n);
/* The first row of a query in *row (owned by the caller): 1, or 0 if none, -1 on error. */
int pca_row(struct pca_ctx *c, json_t **row, const char *sql, const struct pca_val *p, size_t n);
/* A DATETIME(3) column as ISO-8601 UTC with milliseconds (NULL stays NULL). */
#define PCA_ISO(col) "CONCAT(LEFT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.%f'), 23), 'Z')"
/* Column i of a row as a string ("" if null) / an integer / a boolean. */
const char *pca_col(const json_t *row, size_t i);
long long pca_col_int(const json_t *row, size_t i);
json_t *pca_col_bool(const json_t *row, size_t i);
/* Column i as a JSON string, or null. */
json_t *pca_col_json(const json_t *row, size_t i);

/* ---- arguments (pca_args.c) ---- */

/* Refuses (400) any key of args not in the NULL-terminated list. */
int pca_keys(struct pca_ctx *c, const json_t *args, const char *const *allowed);
/* args[key] as a string in *out (NULL if absent): -1 if not a string, longer than
 * maxlen bytes, holding text XML 1.0 cannot carry (common/pchat_text.h), or
 * (required) absent or empty. */
int pca_str(struct pca_ctx *c, const json_t *args, const char *key, int required, size_t maxlen,
		const char **out);
/* args[key] as a boolean: 1 and *out set, 0 if absent, -1 if not a boolean. */
int pca_bool(struct pca_ctx *c, const json_t *args, const char *key, int *out);
/* args[key] as an integer in min..max: 1, 0 if absent, -1 if bad. */
int pca_int(struct pca_ctx *c, const json_t *args, const char *key, long long min, long long max,
		long long *out);
/* args[key] as one of names (NULL-terminated; "" may be one): 1 and *out = its
 * index, 0, -1. */
int pca_enum(struct pca_ctx *c, const json_t *args, const char *key, const char *const *names,
		int *out);
#define PCA_TIME_LEN PCHAT_TIME_LEN
/* args[key] as an ISO-8601 UTC time, rewritten for SQL ("YYYY-MM-DD HH:MM:SS.fff")
 * into out: 1, 0 if absent, -1 if bad. */
int pca_time(struct pca_ctx *c, const json_t *args, const char *key, char out[PCA_TIME_LEN]);

/* A principal ('sip:u@d' or 'domain') in its stored form (lower case, "sip:"
 * added) into out; -1 (400) if it is neither.  user_only refuses domains. */
int pca_principal(struct pca_ctx *c, const char *in, int user_only, char *out, size_t outsz);

/* ---- filters by room, user and time (pca_filter.c) ---- */

/* The filters message.* and file.* share, as statement parameters (SQL NULL: not
 * given, matches every row): a room (its id), a user, a time range [since, until). */
struct pca_filter {
	struct pca_val room, user, bare_user, since, until;
	char user_buf[256], since_buf[PCA_TIME_LEN], until_buf[PCA_TIME_LEN];
	int any; /* was any of them given */
};
/* Their SQL, given the columns (a user column may hold 'sip:u@d' or 'u@d': both
 * match); nine parameters, in the order of PCA_FILTER_PARAMS. */
#define PCA_FILTER_SQL(room_col, user_col, time_col)                                        \
	" (? IS NULL OR " room_col " = ?) AND (? IS NULL OR LOWER(" user_col ") IN (?, ?))" \
	" AND (? IS NULL OR " time_col " >= ?) AND (? IS NULL OR " time_col " < ?)"
#define PCA_FILTER_PARAMS(f)                                                                \
	(f)->room, (f)->room, (f)->user, (f)->user, (f)->bare_user, (f)->since, (f)->since, \
			(f)->until, (f)->until
/* args' "room" (a room's name, chan id or URI: 404 if there is none), user_key (a
 * user principal: "author", "user") and "since"/"until" (ISO-8601) into *f. */
int pca_filter_parse(
		struct pca_ctx *c, const json_t *args, const char *user_key, struct pca_filter *f);

/* A list setting: an array (replace) or {"add": [...], "remove": [...]}, each an
 * array of principals in stored form (NULL when not given). */
struct pca_listop {
	json_t *set, *add, *remove;
};
/* 1 and *op filled (release with pca_listop_free), 0 if absent, -1 if bad. */
int pca_listop(struct pca_ctx *c, const json_t *args, const char *key, struct pca_listop *op);
void pca_listop_free(struct pca_listop *op);

/* ---- scalar settings of rooms and categories (pca_fields.c) ---- */

enum pca_fkind { F_STR, F_BOOL, F_ENUM, F_RETENTION };
/* A setting stored in one column, changed by one statement. */
struct pca_field {
	const char *key;
	enum pca_fkind kind;
	const char *update;	  /* (value, id) */
	size_t maxlen;		  /* F_STR */
	const char *const *names; /* F_ENUM: stored as the name */
	const char *unique;	  /* (value, id): a row if another one has the value */
};
/* Applies every field present in args to row id. */
int pca_fields_apply(struct pca_ctx *c, const struct pca_field *f, size_t n, const json_t *args,
		unsigned long long id);
/* Refuses (409) value if another row than id has it (f->unique). */
int pca_field_unique(struct pca_ctx *c, const struct pca_field *f, const char *value,
		unsigned long long id);

/* ---- retention (pca_retention.c, common/pchat_retention.h) ---- */

struct pchat_ret_limits;
/* The server's default, minimum and maximum (server_config), in seconds. */
int pca_retention_limits(struct pca_ctx *c, struct pchat_ret_limits *lim);
/* args[key] as a retention setting ("30", "30d", "12h", "none", "inherit", or an
 * integer of days) within the server's limits: 1 and *v (SQL NULL: inherit; 0:
 * none; seconds), 0 if absent, -1 (400 with the reason) if bad or out of range. */
int pca_retention_value(struct pca_ctx *c, const json_t *args, const char *key, struct pca_val *v);
/* Column i of row (a retention_sec: NULL inherits) as its text; (a keep_sec: NULL
 * keeps forever) as its text. */
json_t *pca_retention_json(const json_t *row, size_t i);
json_t *pca_keep_json(const json_t *row, size_t i);
/* Computes rooms.keep_sec again for room_id (0: every room). */
int pca_retention_refresh(struct pca_ctx *c, unsigned long long room_id);
/* Refuses (400) inconsistent server limits, then refreshes every room. */
int pca_retention_check_limits(struct pca_ctx *c);

/* ---- leases of a pool's singleton jobs (pca_lease.c) ---- */

/* The seconds a lease may be taken for. */
#define PCA_LEASE_MIN 5
#define PCA_LEASE_MAX 3600
/* Takes job's lease for node for seconds, or renews node's own: 1 held, 0 another
 * node holds it, -1 (error set). */
int pca_lease_hold(struct pca_ctx *c, const char *job, const char *node, long long seconds);
/* Gives node's lease of job up (rows changed: 1 or 0), -1. */
long long pca_lease_release(struct pca_ctx *c, const char *job, const char *node);

/* ---- principal lists of rooms and categories (pca_plist.c) ---- */

/* Where a kind of owner keeps its principals. */
struct pca_ptable {
	const char *select; /* (id) -> role, principal */
	const char *clear;  /* (id, role) */
	const char *del;    /* (id, role, principal) */
	const char *insert; /* (id, role, principal), INSERT IGNORE */
};
extern const struct pca_ptable pca_room_principals, pca_category_principals;

/* Adds to obj one array per role ("key" = the JSON key of role "roles[i]"). */
int pca_plist_load(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *const *roles, const char *const *keys, json_t *obj);
/* Adds the lists to *obj (just built; NULL = out of memory); on failure *obj is
 * released and NULL. */
int pca_plist_attach(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *const *roles, const char *const *keys, json_t **obj);
/* Applies op to role; appends the principals it inserted to added (may be NULL). */
int pca_plist_apply(struct pca_ctx *c, const struct pca_ptable *t, unsigned long long id,
		const char *role, const struct pca_listop *op, json_t *added);
/* A view of a JSON array of strings as an acl_list; free list->v afterwards. */
int pca_acl_list(const json_t *arr, struct acl_list *list);
/* Is s (case-insensitively) in the array of strings? */
int pca_in_array(const json_t *arr, const char *s);

/* ---- categories (pca_categories.c) ---- */

/* A category found by name or ma-cat:// URI; obj is its result object. */
struct pca_cat {
	unsigned long long id;
	json_t *obj;
};
/* 1 found, 0 not (404 filled in), -1 error. */
int pca_cat_find(struct pca_ctx *c, const char *ref, struct pca_cat *cat);
/* May c->user create rooms in cat? (always for the administrator) */
int pca_cat_may_create(const struct pca_ctx *c, const json_t *cat);

/* ---- rooms (pca_roomdata.c) ---- */

struct pca_room {
	unsigned long long id, cat_id;
	json_t *obj;
};
/* Loads room by name, chan id or URI: 1, 0 (404 filled in), -1. */
int pca_room_find(struct pca_ctx *c, const char *ref, struct pca_room *room);
/* Loads the room with internal id: 1, 0 (404), -1. */
int pca_room_load(struct pca_ctx *c, unsigned long long id, struct pca_room *room);
/* Loads every room matching the filters (NULL = any) into an array of objects. */
json_t *pca_room_query(
		struct pca_ctx *c, const char *room, const char *category, const char *name_part);
/* Room object from a row of the query above, with its principal lists. */
int pca_room_from_row(struct pca_ctx *c, const json_t *row, struct pca_room *room);
/* Loads the room of args' "room" (required) if the actor has every right of need
 * (ACL_*) there: 0 and *room (release room->obj), or -1 with 404 if they may not see
 * it (as if it did not exist) and 403 "<refusal> \"<room>\"" if they lack a right
 * (pca_rooms.c). */
int pca_room_with_right(struct pca_ctx *c, const json_t *args, unsigned need, const char *refusal,
		struct pca_room *room);
/* Loads the room of args' "room" for reading, refused as pca_room_with_right refuses
 * ACL_JOIN ("you may not read room"); *readable: may the actor read its history (the
 * category's chat history switch counted, acl_history_readable). */
int pca_room_reader(struct pca_ctx *c, const json_t *args, struct pca_room *room, int *readable);
/* The ids of the rooms whose history the actor may read, as "1,5,9" ("" for none),
 * in *ids (free it); -1 on error. */
int pca_rooms_readable(struct pca_ctx *c, char **ids);
/* c->user's rights (ACL_*) in room (whose category is cat). */
unsigned pca_rights(const struct pca_ctx *c, const json_t *room, const json_t *cat);
/* Adds "rights" (names) to the room object. */
void pca_add_rights(json_t *room, unsigned rights);

/* ---- verbs ---- */

int pca_room_new(struct pca_ctx *c, json_t *args, json_t **result);
int pca_room_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_room_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_room_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_room_clear(struct pca_ctx *c, json_t *args, json_t **result);
int pca_category_new(struct pca_ctx *c, json_t *args, json_t **result);
int pca_category_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_category_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_category_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_policy_new(struct pca_ctx *c, json_t *args, json_t **result);
int pca_policy_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_policy_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_policy_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_policy_grant(struct pca_ctx *c, json_t *args, json_t **result);
int pca_config_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_config_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_replace(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_remove_one(struct pca_ctx *c, json_t *args, json_t **result);
/* Before messages are removed (repl NULL) or replaced by repl: writes those of
 * "FROM messages m <selection>" (joins and WHERE, with the n parameters p) to
 * message_changes, for pchatd to tell the clients showing them (migration 013), and
 * deletes the rows older than a day.  0, or -1. */
int pca_record_changes(struct pca_ctx *c, const char *selection, const struct pca_val *p, size_t n,
		const char *repl);
int pca_message_replace_one(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_history(struct pca_ctx *c, json_t *args, json_t **result);
int pca_message_search(struct pca_ctx *c, json_t *args, json_t **result);
/* One page of a search, newest first by id (across rooms: a room's sequence numbers do
 * not order another's), as message objects (id, room, author, ts, text, replaced) in
 * *result: those of by, in the rooms of rooms ("1,5,9"; NULL: any), with ids below
 * before (0: any), matching search (words and "phrases" through the engine,
 * common/pchat_search.h; a 400 names it as args' key), at most limit
 * (pca_messages.c).  A search reads at most PCHAT_SEARCH_SCAN_MAX index entries:
 * when it stopped there with fewer than limit, *resume is the id to go on from
 * (the messages from it up to those returned hold no match), else 0. */
int pca_message_page(struct pca_ctx *c, const char *key, const char *search,
		const struct pca_filter *by, const char *rooms, long long before, long long limit,
		json_t **result, long long *resume);
/* One page of room's messages, newest first, in the room's order (seq, id) as
 * message objects in *result: the newest, or those before the message before (a
 * message id; 0: none) in that order, at most limit (pca_messages.c). */
int pca_room_page(struct pca_ctx *c, long long room, long long before, long long limit,
		json_t **result);
int pca_addin_new(struct pca_ctx *c, json_t *args, json_t **result);
int pca_addin_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_addin_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_addin_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_compliance_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_compliance_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_compliance_status(struct pca_ctx *c, json_t *args, json_t **result);
int pca_compliance_run(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_usage(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_list_room(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_download_token(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_token_check(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_upload_begin(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_upload_complete(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_upload_abort(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_download_begin(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_sweep_list(struct pca_ctx *c, json_t *args, json_t **result);
int pca_file_sweep_done(struct pca_ctx *c, json_t *args, json_t **result);
int pca_auth_check(struct pca_ctx *c, json_t *args, json_t **result);
int pca_user_new(struct pca_ctx *c, json_t *args, json_t **result);
int pca_user_set(struct pca_ctx *c, json_t *args, json_t **result);
int pca_user_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_user_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_retention_status(struct pca_ctx *c, json_t *args, json_t **result);
int pca_retention_purge(struct pca_ctx *c, json_t *args, json_t **result);
int pca_retention_run_done(struct pca_ctx *c, json_t *args, json_t **result);
int pca_retention_release(struct pca_ctx *c, json_t *args, json_t **result);
int pca_search_index(struct pca_ctx *c, json_t *args, json_t **result);
int pca_lease_hold_verb(struct pca_ctx *c, json_t *args, json_t **result);
int pca_lease_release_verb(struct pca_ctx *c, json_t *args, json_t **result);
int pca_search_status(struct pca_ctx *c, json_t *args, json_t **result);
int pca_reload(struct pca_ctx *c, json_t *args, json_t **result);
int pca_feed_get(struct pca_ctx *c, json_t *args, json_t **result);
int pca_feed_add(struct pca_ctx *c, json_t *args, json_t **result);
int pca_feed_remove(struct pca_ctx *c, json_t *args, json_t **result);
int pca_feed_alerts(struct pca_ctx *c, json_t *args, json_t **result);
/* One page of user's alerts, newest first: the messages their feeds matched, as
 * message objects with "feeds" (the ids of the feeds that matched it), in the rooms
 * of rooms ("1,5,9"), with ids below before (0: any), at most limit
 * (pca_messages.c). */
int pca_message_alerts(struct pca_ctx *c, const char *user, const char *rooms, long long before,
		long long limit, json_t **result);
/* {messages, more, before} from msgs, up to limit + 1 messages newest first (the
 * extra one only says there are more); resume: where a search that stopped at its
 * budget stopped (else 0); oldest_first: the page in the order it was written, as a
 * history shows it (pca_reading.c). */
int pca_page_result(
		json_t *msgs, long long limit, long long resume, int oldest_first, json_t **result);

/* ---- SIP credentials (pca_credentials.c) ---- */

/* HA1 of SIP Digest (RFC 2617 3.2.2.2): MD5("user:realm:password"), 32 lowercase hex
 * digits and a NUL.  Returns 0, or -1 if the digest is unavailable. */
#define PCA_HA1_SIZE 33
int pca_ha1(const char *user, const char *realm, const char *password, char out[PCA_HA1_SIZE]);
/* Is stored (a subscriber.ha1, hex in either case) the HA1 computed by pca_ha1?
 * Takes the same time wherever they differ. */
int pca_ha1_matches(const char *stored, const char computed[PCA_HA1_SIZE]);
/* The longest password accepted (bytes of UTF-8). */
#define PCA_PASSWORD_MAX 255
/* The NT hash of NTLM ([MS-NLMP] NTOWFv1): MD4 of the password in UTF-16LE, as 32
 * lowercase hex digits and a NUL.  -1 if the password is not UTF-8 or too long. */
int pca_nt_hash(const char *password, char out[PCA_HA1_SIZE]);
/* Every hash of a password the SIP side needs (pca_credentials.c). */
struct pca_credentials {
	char ha1[PCA_HA1_SIZE];	    /* MD5(user:domain:password) */
	char ha1b[PCA_HA1_SIZE];    /* MD5(user@domain:domain:password) */
	char nt_hash[PCA_HA1_SIZE]; /* MD4(UTF-16LE(password)) */
};
int pca_credentials(const char *user, const char *domain, const char *password,
		struct pca_credentials *out);
/* Splits user ("alice", "alice@example.com", "sip:alice@example.com") into name and
 * domain; a bare name is looked up (several: 400; none: 403 "wrong user name or
 * password" for a sign-in (login), else 404) (pca_auth.c). */
int pca_split_user(
		struct pca_ctx *c, const char *user, int login, char name[128], char domain[128]);

/* Makes one result object per row: fn appends it to out, or skips the row. */
typedef int (*pca_row_fn)(struct pca_ctx *c, const json_t *row, json_t *out, void *arg);
/* The list of fn's objects for rows (NULL: an error; released here) in *result;
 * 404 "no <what> \"<ref>\"" when ref was asked for and nothing came out. */
int pca_list(struct pca_ctx *c, json_t *rows, pca_row_fn fn, void *arg, const char *what,
		const char *ref, json_t **result);

/* {key: n} as a new object (for {removed: N} and the like). */
json_t *pca_count(const char *key, long long n);

#endif
