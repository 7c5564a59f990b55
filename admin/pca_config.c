/*
 * pca_config.c - config.get/set: the server settings of
 * Set-CsPersistentChatConfiguration, kept in server_config.
 */
#include "pca_int.h"
#include "pchat_settings.h" /* names, ranges, defaults (dflt: if the row is missing) */

#define settings pchat_settings
#define N_SETTINGS PS_N

int pca_setting(struct pca_ctx *c, int which, long long *out)
{
	const struct pchat_setting_def *s = &settings[which];
	json_t *row = NULL;
	int rc = pca_row(c, &row, "SELECT value FROM server_config WHERE name = ?", P(PS(s->name)));
	if(rc < 0)
		return -1;
	*out = rc ? pca_col_int(row, 0) : s->dflt;
	if(*out < s->min || *out > s->max) /* a hand edit out of range: pchatd's rule */
		*out = s->dflt;
	json_decref(row);
	return 0;
}

int pca_config_get(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {NULL};
	if(pca_keys(c, args, keys) < 0)
		return -1;
	json_t *out = json_object();
	for(size_t i = 0; i < N_SETTINGS; i++) {
		json_t *row = NULL;
		int rc = pca_row(c, &row, "SELECT value FROM server_config WHERE name = ?",
				P(PS(settings[i].name)));
		if(rc < 0) {
			json_decref(out);
			return -1;
		}
		json_object_set_new(out, settings[i].name,
				json_integer(rc ? pca_col_int(row, 0) : settings[i].dflt));
		json_decref(row);
	}
	*result = out;
	return 0;
}

int pca_config_set(struct pca_ctx *c, json_t *args, json_t **result)
{
	static const char *const keys[] = {"DefaultChatHistory", "MaxFileSizeKB",
			"ParticipantUpdateLimit", "MessageSizeLimit", "SearchLimit",
			"FileDailyQuotaKB", "RetentionDefaultDays", "RetentionMinDays",
			"RetentionMaxDays", NULL};
	if(pca_keys(c, args, keys) < 0)
		return -1;
	if(json_object_size(args) == 0)
		return pca_fail(c, 400,
				"nothing to set: give one of DefaultChatHistory, "
				"MaxFileSizeKB, ParticipantUpdateLimit, MessageSizeLimit, SearchLimit, "
				"FileDailyQuotaKB, RetentionDefaultDays, RetentionMinDays, "
				"RetentionMaxDays");
	for(size_t i = 0; i < N_SETTINGS; i++) {
		long long v;
		int rc = pca_int(c, args, settings[i].name, settings[i].min, settings[i].max, &v);
		if(rc < 0)
			return -1;
		if(rc > 0 &&
				pca_exec(c,
						"INSERT INTO server_config (name, value) VALUES (?, ?)"
						" ON DUPLICATE KEY UPDATE value = VALUES(value)",
						P(PS(settings[i].name), PI(v))) < 0)
			return -1;
	}
	if(pca_retention_check_limits(c) < 0) /* min <= max; rooms' keep_sec again */
		return -1;
	json_t *none = json_object();
	int rc = pca_config_get(c, none, result);
	json_decref(none);
	return rc;
}
