-- 011_retention: retention that purges (issue 15; docs/ADMIN.md *Retention*,
-- docs/ARCHITECTURE.md *Retention and the purge job*).
--
-- A maximum age of messages per room and per category: NULL inherits (the room its
-- category's, the category the server's RetentionDefaultDays), 0 keeps forever, N
-- keeps N seconds.  The server-wide default, minimum and maximum are server_config
-- rows in days (0: forever / no minimum / no maximum); the rule that combines them
-- is common/pchat_retention.c's alone.  The admin library (every writer of these
-- settings: pchat-admin and the web service) applies it and stores each room's
-- result in rooms.keep_sec, in the transaction of the change, so that the readers
-- (history, search: PCHAT_RETAINED in common/pchat_retention.h) and the purge job
-- read one column.  After editing the settings by hand, run `pchat-admin reload`,
-- which computes keep_sec again.
ALTER TABLE categories ADD COLUMN retention_sec INT UNSIGNED NULL DEFAULT NULL;
ALTER TABLE rooms
  ADD COLUMN retention_sec INT UNSIGNED NULL DEFAULT NULL,
  ADD COLUMN keep_sec      INT UNSIGNED NULL DEFAULT NULL;  -- effective; NULL: forever

-- The purge job's index: a room's expired messages are a range of it, oldest first, so
-- that each batch reads what it deletes and no more, however large the room (along
-- (room_id, id) the last batch of a room would read the room to its end).  Its one
-- cost, an index entry per post, is measured by make bench's scenario k.  Building it
-- reads the table once (online: chat goes on).
ALTER TABLE messages ADD KEY messages_room_posted (room_id, posted_at);

INSERT IGNORE INTO server_config (name, value) VALUES
  ('RetentionDefaultDays', '0'), ('RetentionMinDays', '0'), ('RetentionMaxDays', '0');

-- The purge job's one row (pchatd, backend/retention.c): one node of the pool holds
-- the lease and deletes expired messages in transactions of at most 1,000 rows.
--   active_node, lease_expires  the lease (as compliance_state's)
--   last_run_at   the last complete pass over the rooms
--   last_purge_*  the last pass that purged anything: when, how many, how long
--   purged_total  messages purged since the migration
CREATE TABLE retention_state (
  id              TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY CHECK (id = 1),
  active_node     VARCHAR(255) NULL,
  lease_expires   DATETIME(3) NULL,
  last_run_at     DATETIME(3) NULL,
  last_purge_at   DATETIME(3) NULL,
  last_purge_rows BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_purge_ms   INT UNSIGNED NOT NULL DEFAULT 0,
  purged_total    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_error      VARCHAR(1024) NOT NULL DEFAULT '',
  last_error_at   DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO retention_state (id) VALUES (1);
