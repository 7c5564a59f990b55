/*
 * dbkinds.c - the table of job kinds, by enum db_job_type: one line per kind
 * (dbkind.h).  Defined in the dbj_*.c files, by family.
 */
#include "dbkind.h"

extern const struct db_kind dbk_load_room, dbk_insert_msg, dbk_history, dbk_search, dbk_follow,
		dbk_unfollow, dbk_associations, dbk_server_config, dbk_get_pref, dbk_set_pref,
		dbk_save_read, dbk_session_room_add, dbk_session_room_del, dbk_session_clear,
		dbk_session_rooms, dbk_rooms_all, dbk_load_rooms, dbk_get_inv, dbk_categories,
		dbk_file_token, dbk_msg_search, dbk_msg_changes, dbk_feeds, dbk_feeds_all,
		dbk_feed_match, dbk_feed_alerts, dbk_catch_up, dbk_room_heads, dbk_pool_beat,
		dbk_rosters;

const struct db_kind *const db_kinds[DB_JOB_TYPES] = {
		[DB_LOAD_ROOM] = &dbk_load_room,
		[DB_INSERT_MSG] = &dbk_insert_msg,
		[DB_HISTORY] = &dbk_history,
		[DB_SEARCH] = &dbk_search,
		[DB_FOLLOW] = &dbk_follow,
		[DB_UNFOLLOW] = &dbk_unfollow,
		[DB_ASSOCIATIONS] = &dbk_associations,
		[DB_SERVER_CONFIG] = &dbk_server_config,
		[DB_GET_PREF] = &dbk_get_pref,
		[DB_SET_PREF] = &dbk_set_pref,
		[DB_SAVE_READ] = &dbk_save_read,
		[DB_SESSION_ROOM_ADD] = &dbk_session_room_add,
		[DB_SESSION_ROOM_DEL] = &dbk_session_room_del,
		[DB_SESSION_CLEAR] = &dbk_session_clear,
		[DB_SESSION_ROOMS] = &dbk_session_rooms,
		[DB_ROOMS_ALL] = &dbk_rooms_all,
		[DB_LOAD_ROOMS] = &dbk_load_rooms,
		[DB_GET_INV] = &dbk_get_inv,
		[DB_CATEGORIES] = &dbk_categories,
		[DB_FILE_TOKEN] = &dbk_file_token,
		[DB_MSG_SEARCH] = &dbk_msg_search,
		[DB_MSG_CHANGES] = &dbk_msg_changes,
		[DB_FEEDS] = &dbk_feeds,
		[DB_FEEDS_ALL] = &dbk_feeds_all,
		[DB_FEED_MATCH] = &dbk_feed_match,
		[DB_FEED_ALERTS] = &dbk_feed_alerts,
		[DB_CATCH_UP] = &dbk_catch_up,
		[DB_ROOM_HEADS] = &dbk_room_heads,
		[DB_POOL_BEAT] = &dbk_pool_beat,
		[DB_ROSTERS] = &dbk_rosters,
};
