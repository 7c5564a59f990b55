-- 013_message_changes: moderation that reaches the clients showing a room (issue 15).
--
-- A message removed or replaced by a moderator (pchat-admin message remove|replace and
-- file remove, a room manager on the web page: pca_record_changes() in
-- admin/pca_messages.c) is written here, in the
-- transaction of the change, one row per message.  Every pchatd reads the rows after
-- the last it has seen whenever server_config.revision moves (backend/msgchange.c:
-- the admin library bumps it with every change) and sends each present session of
-- the room our notice ntc:msgchg (docs/XCCOS.md, *Moderated messages*).  So a change
-- made by the CLI straight into the database reaches the sessions of every pchatd of
-- the pool within about a second, one made on the web page at once.
--
-- Ids follow the commits: every admin change bumps server_config.revision first, so
-- changes are serialised on that row and a pchatd reading "after the last id seen"
-- never passes over one that commits later.
--
-- Not recorded: room.clear and a room's removal (a whole history at once; clients
-- see it at their next history read), and hand edits in SQL.  Rows older than a day
-- are deleted by the next change (a pchatd down longer than that announces nothing
-- it missed: its clients read the history again when they join).
CREATE TABLE message_changes (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_id    BIGINT UNSIGNED NOT NULL,
  msg_id     BIGINT UNSIGNED NOT NULL,
  author     VARCHAR(255) NOT NULL,
  action     ENUM('removed','replaced') NOT NULL,
  body       MEDIUMTEXT NULL,           -- replaced: the new text
  changed_at DATETIME(3) NOT NULL,
  KEY message_changes_at (changed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
