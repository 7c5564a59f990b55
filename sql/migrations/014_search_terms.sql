-- 014_search_terms: message search on a term index of our own (issue 15), in place of
-- the FULLTEXT index of 010 (docs/ARCHITECTURE.md *Message search*).
--
-- Why: InnoDB FULLTEXT gathers and sorts every match before the newest page can be
-- taken (a word in 1 message of 10 among 10 million: 19-29 s; docs/BENCHMARKS.md (m)).
-- message_terms is read newest first from any message id down, so a search costs its
-- page, not how common its words are.
--
-- message_terms: one row per word of a message that search can find (at least three
-- characters, no stopword), lowercased (ASCII) and cut to 64 bytes, as
-- common/pchat_search.c splits text.  Deleting a message deletes its rows (the foreign
-- key; its index also serves the re-indexing of a changed text).
--
-- search_pending: the messages whose rows are not written yet.  The triggers below
-- queue every new message and every change of a message's text, in the writer's own
-- transaction (one small row: a post does not wait for its words' rows); pchatd's
-- indexer (backend/searchindex.c, the admin library's search.index) writes the rows a
-- batch at a time and takes the messages off the queue.  Searches read the queue too,
-- checking the text of queued messages themselves, so nothing waits for the indexer.
--
-- Upgrading: every message already stored is queued below; the indexer works through
-- them newest first (pchat-admin search status shows what is left; search finds the
-- newest 2,000 queued ones at any time).  Dropping 010's index is immediate.
CREATE TABLE message_terms (
  term   VARBINARY(64)   NOT NULL,
  msg_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (term, msg_id),
  KEY message_terms_msg (msg_id),
  CONSTRAINT message_terms_msg FOREIGN KEY (msg_id) REFERENCES messages (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE search_pending (
  msg_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  CONSTRAINT search_pending_msg FOREIGN KEY (msg_id) REFERENCES messages (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TRIGGER search_queue_new AFTER INSERT ON messages FOR EACH ROW
  INSERT IGNORE INTO search_pending (msg_id) VALUES (NEW.id);

CREATE TRIGGER search_queue_changed AFTER UPDATE ON messages FOR EACH ROW
  INSERT IGNORE INTO search_pending (msg_id) SELECT NEW.id FROM DUAL
   WHERE NOT (NEW.body <=> OLD.body);

INSERT INTO search_pending (msg_id) SELECT id FROM messages;

ALTER TABLE messages DROP INDEX messages_body_search;
