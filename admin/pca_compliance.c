/*
 * pca_compliance.c - compliance.get/set/status/run: the settings of
 * Set-CsPersistentChatComplianceConfiguration (compliance_config, one row) and the
 * output state of pchat-compliance (compliance_state, one row); see
 * sql/migrations/008_compliance.sql.
 *
 * Nothing to reload: the capture triggers (pchat_compliance_on()) and pchat-compliance
 * read compliance_config each time, so a change takes effect when it commits.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pca_int.h"

#define RUN_INTERVAL_MIN 60	 /* 1 minute */
#define RUN_INTERVAL_MAX 2592000 /* 30 days */
#define RUN_WAIT_DEFAULT 60
#define RUN_WAIT_MAX 3600
#define POLL_NS 200000000L /* compliance.run looks for the finished run every 200 ms */

#define UPDATE(col) "UPDATE compliance_config SET " col " = ? WHERE id = ?"

/* "" is off: nothing is recorded (the triggers test adapter_type <> ''). */
static const char *const adapter_types[] = {"", "XML", "Actiance", NULL};

static const struct pca_field fields[] = {
		{"AdapterType", F_ENUM, UPDATE("adapter_type"), 0, adapter_types, NULL},
		{"AdapterName", F_STR, UPDATE("adapter_name"), 256, NULL, NULL},
		{"OneChatRoomPerOutputFile", F_BOOL, UPDATE("one_room_per_file"), 0, NULL, NULL},
		{"AddChatRoomDetails", F_BOOL, UPDATE("add_room_details"), 0, NULL, NULL},
		{"AddUserDetails", F_BOOL, UPDATE("add_user_details"), 0, NULL, NULL},
		{"CreateFileAttachmentsManifest", F_BOOL, UPDATE("attachments_manifest"), 0, NULL,
				NULL},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Paths on pchat-compliance's machine, "" or absolute: it checks them there (the
 * directory exists and is writable, the XSLT file loads). */
static const struct {
	const char *key, *update;
} paths[] = {
		{"AdapterOutputDirectory", UPDATE("output_directory")},
		{"CustomConfiguration", UPDATE("custom_xslt")},
};
#define N_PATHS (sizeof(paths) / sizeof(paths[0]))

static const char *const config_keys[] = {"AdapterType", "AdapterName", "AdapterOutputDirectory",
		"RunInterval", "OneChatRoomPerOutputFile", "AddChatRoomDetails", "AddUserDetails",
		"CreateFileAttachmentsManifest", "CustomConfiguration", NULL};

#define CONFIG_SELECT                                                                   \
	"SELECT adapter_type, adapter_name, output_directory, run_interval_sec,"        \
	" one_room_per_file, add_room_details, add_user_details, attachments_manifest," \
	" custom_xslt FROM compliance_config WHERE id = 1"

/* The one row of table (migration 008 inserts it): 1, or -1 (500 if it is missing). */
static int one_row(struct pca_ctx *c, json_t **row, const char *table, const char *sql)
{
	int rc = pca_row(c, row, sql, P0);
	if(rc == 0)
		return pca_fail(c, 500, "%s has no row: is migration 008 applied?", table);
	return rc;
}

static json_t *config_obj(const json_t *row)
{
	json_t *out = json_pack("{s:b}", "Enabled", *pca_col(row, 0) != '\0');
	json_object_set_new(out, config_keys[0], pca_col_json(row, 0));
	json_object_set_new(out, config_keys[1], pca_col_json(row, 1));
	json_object_set_new(out, config_keys[2], pca_col_json(row, 2));
	json_object_set_new(out, config_keys[3], json_integer(pca_col_int(row, 3)));
	for(size_t i = 4; i < 8; i++)
		json_object_set_new(out, config_keys[i], pca_col_bool(row, i));
	json_object_set_new(out, config_keys[8], pca_col_json(row, 8));
	return out;
}

/* The configuration; set: refused (400) if it has an adapter without a directory. */
static int config_result(struct pca_ctx *c, int set, json_t **result)
{
	json_t *row = NULL;
	if(one_row(c, &row, "compliance_config", CONFIG_SELECT) < 0)
		return -1;
	if(set && *pca_col(row, 0) && !*pca_col(row, 2)) {
		pca_fail(c, 400,
				"AdapterType %s needs an AdapterOutputDirectory (an absolute path on "
				"the machine of pchat-compliance): set it first or in the same change",
				pca_col(row, 0));
		json_decref(row);
		return -1;
	}
	*result = config_obj(row);
	json_decref(row);
	return 0;
}

int pca_compliance_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	if(pca_keys(c, args, keys) < 0)
		return -1;
	return config_result(c, 0, result);
}

static int set_paths(struct pca_ctx *c, const json_t *args)
{
	for(size_t i = 0; i < N_PATHS; i++) {
		const char *s;
		if(pca_str(c, args, paths[i].key, 0, 1024, &s) < 0)
			return -1;
		if(!s)
			continue;
		if(*s && *s != '/')
			return pca_fail(c, 400,
					"\"%s\" must be an absolute path (on the machine of "
					"pchat-compliance), or \"\"",
					paths[i].key);
		if(pca_exec(c, paths[i].update, P(PS(s), PI(1))) < 0)
			return -1;
	}
	return 0;
}

int pca_compliance_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	if(pca_keys(c, args, config_keys) < 0)
		return -1;
	if(json_object_size(args) == 0) {
		char list[240] = "";
		for(size_t i = 0; config_keys[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					i ? ", " : "", config_keys[i]);
		return pca_fail(c, 400, "nothing to set: give one of %s", list);
	}
	long long interval;
	int rc = pca_int(c, args, "RunInterval", RUN_INTERVAL_MIN, RUN_INTERVAL_MAX, &interval);
	if(rc < 0 || pca_fields_apply(c, fields, N_FIELDS, args, 1) < 0 || set_paths(c, args) < 0)
		return -1;
	if(rc > 0 && pca_exec(c, UPDATE("run_interval_sec"), P(PI(interval), PI(1))) < 0)
		return -1;
	/* checked on the outcome: the whole change is refused (rolled back) if it
	 * leaves an adapter without a directory */
	return config_result(c, 1, result);
}

/* Column i as a JSON integer, or null. */
static json_t *col_int_or_null(const json_t *row, size_t i)
{
	return json_is_null(json_array_get(row, i)) ? json_null()
						    : json_integer(pca_col_int(row, i));
}

static int status_result(struct pca_ctx *c, json_t **result)
{
	json_t *row = NULL;
	if(one_row(c, &row, "compliance_state",
			   "SELECT pchat_compliance_on(), s.active_node, " PCA_ISO("s.lease_expires") ", COALESCE(s.lease_expires > NOW(3), 0), " PCA_ISO(
					   "s.last_run_at") ", s.last_run_events, s.last_run_files, s.last_run_ms,"
							    " (SELECT COUNT(*) FROM compliance_events),"
							    " IF(s.claimed_batch > s.done_batch, s.claimed_batch, NULL),"
							    " s.last_event_id, NULLIF(s.last_error, ''), " PCA_ISO(
									    "s.last_error_at") ", " PCA_ISO("s.run_requested") " FROM compliance_state s WHERE s.id = 1") <
			0)
		return -1;
	json_t *last_run = json_is_null(json_array_get(row, 4))
			? json_null()
			: json_pack("{s:o,s:I,s:I,s:I}", "at", pca_col_json(row, 4), "events",
					  (json_int_t)pca_col_int(row, 5), "files",
					  (json_int_t)pca_col_int(row, 6), "ms",
					  (json_int_t)pca_col_int(row, 7));
	json_t *last_error = json_is_null(json_array_get(row, 11))
			? json_null()
			: json_pack("{s:o,s:o}", "message", pca_col_json(row, 11), "at",
					  pca_col_json(row, 12));
	*result = json_pack("{s:o,s:{s:o,s:o,s:o},s:o,s:I,s:o,s:I,s:o,s:o}", "enabled",
			pca_col_bool(row, 0), "lease", "node", pca_col_json(row, 1), "expires",
			pca_col_json(row, 2), "held", pca_col_bool(row, 3), "last_run", last_run,
			"backlog", (json_int_t)pca_col_int(row, 8), "pending_batch",
			col_int_or_null(row, 9), "last_event_id", (json_int_t)pca_col_int(row, 10),
			"last_error", last_error, "run_requested", pca_col_json(row, 13));
	json_decref(row);
	return *result ? 0 : pca_fail(c, 500, "out of memory");
}

int pca_compliance_status(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	if(pca_keys(c, args, keys) < 0)
		return -1;
	return status_result(c, result);
}

static double monotonic_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Polls, with one short query each time, until pchat-compliance has run since
 * requested (last_run_at >= it) or wait seconds have passed (504). */
static int wait_for_run(struct pca_ctx *c, const char *requested, long long wait, const char *node)
{
	const struct timespec poll = {0, POLL_NS};
	double deadline = monotonic_sec() + (double)wait;
	for(;;) {
		json_t *row = NULL;
		if(pca_row(c, &row, "SELECT last_run_at >= ? FROM compliance_state WHERE id = 1",
				   P(PS(requested))) < 0)
			return -1;
		int done = row && pca_col_int(row, 0);
		json_decref(row);
		if(done)
			return 0;
		if(monotonic_sec() >= deadline)
			return pca_fail(c, 504,
					"pchat-compliance (%s) has not finished the run requested at "
					"%s UTC within %lld s; it stays requested "
					"(pchat-admin compliance status)",
					node, requested, wait);
		nanosleep(&poll, NULL);
	}
}

/* Runs with autocommit on (pca_core.c): the request commits before the wait. */
int pca_compliance_run(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"wait", NULL};
	long long wait = RUN_WAIT_DEFAULT;
	if(pca_keys(c, args, keys) < 0 || pca_int(c, args, "wait", 0, RUN_WAIT_MAX, &wait) < 0)
		return -1;
	json_t *row = NULL;
	if(one_row(c, &row, "compliance_state",
			   "SELECT pchat_compliance_on(), COALESCE(s.lease_expires > NOW(3), 0),"
			   " s.active_node, DATE_FORMAT(NOW(3), '%Y-%m-%d %H:%i:%s.%f')"
			   " FROM compliance_state s WHERE s.id = 1") < 0)
		return -1;
	int on = (int)pca_col_int(row, 0), held = (int)pca_col_int(row, 1);
	char node[256], now[32];
	snprintf(node, sizeof(node), "%s", pca_col(row, 2));
	snprintf(now, sizeof(now), "%s", pca_col(row, 3));
	json_decref(row);
	if(!on)
		return pca_fail(c, 409,
				"compliance is off (AdapterType is \"\"): there is nothing to run");
	if(!held)
		return pca_fail(c, 503, "no pchat-compliance holds the lease: is it running?");
	long long n = pca_exec(c,
			"UPDATE compliance_state SET run_requested = ?"
			" WHERE id = 1 AND lease_expires > NOW(3)",
			P(PS(now)));
	if(n < 0)
		return -1;
	if(n == 0) /* the lease ran out in between */
		return pca_fail(c, 503, "no pchat-compliance holds the lease: is it running?");
	if(wait > 0 && wait_for_run(c, now, wait, node) < 0)
		return -1;
	return status_result(c, result);
}
