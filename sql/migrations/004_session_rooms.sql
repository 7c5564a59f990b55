-- 004_session_rooms: room presence that survives a pchatd restart.
--   session_rooms  the rooms each live session has joined: added on join/bjoin,
--                  removed on part, on CLOSE and when a module connection closes
--                  (but not when pchatd shuts down).  When the module re-sends
--                  OPEN after a pchatd restart, pchatd puts the session back into
--                  these rooms quietly (no ntc:join, no reply to the client).
-- session_id is the Kamailio module's session id: 64 random bits (getrandom) whose
-- value modulo link_processes is the link process that owns the session
-- (kamailio-module/pchat_dialogs.c), so ids are not guessable and do not repeat
-- across Kamailio restarts; user_uri guards against a reused id anyway (rows of
-- another user are ignored and deleted).

CREATE TABLE session_rooms (
  session_id BIGINT UNSIGNED NOT NULL,
  room_id    BIGINT UNSIGNED NOT NULL,
  user_uri   VARCHAR(255) NOT NULL,
  joined_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (session_id, room_id),
  KEY session_rooms_room (room_id),
  CONSTRAINT session_rooms_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
