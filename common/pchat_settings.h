/*
 * pchat_settings.h - the server configuration (server_config rows, the settings of
 * the reference's Set-CsPersistentChatConfiguration): names, accepted ranges and the
 * reference's defaults, in one table.
 *
 * pchat-admin (admin/pca_config.c) refuses values outside a range; pchatd
 * (backend/reload.c) ignores a row outside it (a DBA's hand edit) and uses its option.
 */
#ifndef PCHAT_SETTINGS_H
#define PCHAT_SETTINGS_H

enum pchat_setting {
	PS_DEFAULT_CHAT_HISTORY,     /* messages given when a client asks for none */
	PS_MAX_FILE_SIZE_KB,	     /* largest file post */
	PS_PARTICIPANT_UPDATE_LIMIT, /* rooms with more present users: no roster notices */
	PS_MESSAGE_SIZE_LIMIT,	     /* longest post, bytes of chat text */
	PS_SEARCH_LIMIT,	     /* most rooms one chansrch returns */
	PS_FILE_DAILY_QUOTA_KB,	     /* what one user may upload per UTC day (0: no limit) */
	PS_RETENTION_DEFAULT_DAYS, /* messages kept this long where nothing else says (0: forever) */
	PS_RETENTION_MIN_DAYS,	   /* no room keeps them shorter (0: no minimum) */
	PS_RETENTION_MAX_DAYS,	   /* nor longer (0: no maximum) */
	PS_N
};

static const struct pchat_setting_def {
	const char *name;
	long long min, max, dflt;
} pchat_settings[PS_N] = {
		[PS_DEFAULT_CHAT_HISTORY] = {"DefaultChatHistory", 1, 500, 30},
		[PS_MAX_FILE_SIZE_KB] = {"MaxFileSizeKB", 1, 1000000, 20000},
		[PS_PARTICIPANT_UPDATE_LIMIT] = {"ParticipantUpdateLimit", 1, 100000, 75},
		/* a post must fit in one XCCOS envelope (pchatd's --xml-max-bytes, 64 KiB) */
		[PS_MESSAGE_SIZE_LIMIT] = {"MessageSizeLimit", 1, 32768, 8192},
		[PS_SEARCH_LIMIT] = {"SearchLimit", 1, 10000, 100},
		/* ours (migration 009): Prosody's default is ten times its largest file */
		[PS_FILE_DAILY_QUOTA_KB] = {"FileDailyQuotaKB", 0, 1000000000, 200000},
		/* ours (migration 011, common/pchat_retention.h) */
		[PS_RETENTION_DEFAULT_DAYS] = {"RetentionDefaultDays", 0, 36500, 0},
		[PS_RETENTION_MIN_DAYS] = {"RetentionMinDays", 0, 36500, 0},
		[PS_RETENTION_MAX_DAYS] = {"RetentionMaxDays", 0, 36500, 0},
};

#endif
