-- 017_room_seq: a sequence number per room, given to each message in the transaction
-- that stores it, so that every chat node of a pool delivers a room's posts in the
-- same order (docs/ARCHITECTURE.md, "A pool: ordered delivery"; issue 14).
--
-- Why not messages.id: on a Galera cluster AUTO_INCREMENT ids are interleaved between
-- the nodes (auto_increment_increment = cluster size) and not in commit order, so two
-- nodes sorting by id could deliver two posts in different orders.  The counter row
-- below is written by every post of its room: two nodes posting to one room at once
-- write the same row, Galera's certification lets one commit and aborts the other
-- (ERROR 1213), and pchatd runs the aborted batch again; so sequences follow commit
-- order and have no duplicates.  On one server the row lock does the same.
--
-- room_seq  the last sequence number given in each room (0: none yet); a row per
--           room, made with the room (trigger below) and for the rooms that exist.
-- messages.seq  the message's number in its room; NULL for messages stored before
--           this migration (they were delivered already; history still orders by id).
-- The trigger numbers every new message, whoever writes it (pchatd's posts, the file
-- service's file posts through the admin library, a DBA's INSERT).  Messages deleted
-- later (retention, moderation) leave holes, which readers allow for.
CREATE TABLE room_seq (
  room_id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  seq     BIGINT UNSIGNED NOT NULL DEFAULT 0,
  CONSTRAINT room_seq_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB;

INSERT INTO room_seq (room_id) SELECT id FROM rooms;

CREATE TRIGGER room_seq_new AFTER INSERT ON rooms FOR EACH ROW
  INSERT INTO room_seq (room_id) VALUES (NEW.id);

-- Adding the column is instant; the unique index is built over the table once (about
-- a minute per 10 million messages), and lets the catch-up read (seq > N) be a range.
ALTER TABLE messages
  ADD COLUMN seq BIGINT UNSIGNED NULL,
  ADD UNIQUE KEY messages_room_seq (room_id, seq);

DELIMITER //
CREATE TRIGGER room_seq_next BEFORE INSERT ON messages FOR EACH ROW
BEGIN
  UPDATE room_seq SET seq = seq + 1 WHERE room_id = NEW.room_id;
  SET NEW.seq = (SELECT seq FROM room_seq WHERE room_id = NEW.room_id);
END//
DELIMITER ;
