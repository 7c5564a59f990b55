-- 020_pool_carryover: a client's rooms carried over to another node of a pool, and
-- what it missed (issue 14; docs/ARCHITECTURE.md, "A pool: sessions that move").
--
-- session_rooms.epid  the endpoint id (the epid of the session's From) the row's
--               session had: a new session of the same user and endpoint on
--               another node takes the rows over (the client rebuilt its session
--               there after its node died), as the in-memory carry-over does on one
--               node (backend/carryover.c).
-- node_rooms    per pchatd incarnation and room, the last post number it sent to its
--               sessions (saved every --pool-poll-ms while it changes): a session
--               carried over from a dead node is sent the posts after it, so it
--               misses none (it may get a second of them twice).
ALTER TABLE session_rooms
  ADD COLUMN epid VARCHAR(128) NOT NULL DEFAULT '',
  ADD KEY session_rooms_endpoint (user_uri, epid);

CREATE TABLE node_rooms (
  node_id  VARCHAR(100)    NOT NULL,
  room_id  BIGINT UNSIGNED NOT NULL,
  seq_done BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (node_id, room_id),
  KEY node_rooms_room (room_id),
  CONSTRAINT node_rooms_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB;
