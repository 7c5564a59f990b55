-- 012_feeds: topic feeds and keyword alerts (issue 15, docs/ARCHITECTURE.md *Feeds
-- and alerts*, docs/XCCOS.md *Feeds*).
--
-- A user saves feeds: keywords (every one must occur in a post, as words, case
-- folded like the search's), optionally one room and one author.  pchatd keeps every
-- feed in memory, indexed by keyword, and matches each stored post against that
-- index (never a loop over the feeds); a match in a room whose history the user may
-- read is stored here and sent to the user's registered SIP endpoints as a MESSAGE.
--
-- feeds.words: the normalised keywords, lower case, one blank apart (pchatd's
-- feedidx.c writes and reads them; limits: pchatd --feeds-max, --feed-words-max).
-- server_config.FeedsRevision is bumped by every change of feeds, in the change's
-- transaction: every pchatd of a pool reads server_config every second and loads
-- the feeds again when it moved.
CREATE TABLE feeds (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_uri   VARCHAR(255)  NOT NULL,
  words      VARCHAR(2048) NOT NULL,
  room_id    BIGINT UNSIGNED NULL,       -- NULL: every room the user may read
  author     VARCHAR(255)  NOT NULL DEFAULT '',  -- '': anyone; else lower case
  created_at DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY feeds_user (user_uri),
  CONSTRAINT feeds_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The posts each feed matched (the user's /alerts list), newest by message id.
CREATE TABLE feed_matches (
  feed_id    BIGINT UNSIGNED NOT NULL,
  message_id BIGINT UNSIGNED NOT NULL,
  matched_at DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (feed_id, message_id),
  KEY feed_matches_message (message_id),
  CONSTRAINT feed_matches_feed FOREIGN KEY (feed_id) REFERENCES feeds (id) ON DELETE CASCADE,
  CONSTRAINT feed_matches_message FOREIGN KEY (message_id) REFERENCES messages (id)
    ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO server_config (name, value) VALUES ('FeedsRevision', '1')
  ON DUPLICATE KEY UPDATE value = value;
