-- 003_user_state: per-user state kept by pchatd (docs/XCCOS.md).
--   followed_rooms  rooms a user follows: added on join/bjoin, removed on part;
--                   cmd:getassociations lists them.
--   user_prefs      cmd:getpref / cmd:setpref blobs (opaque base64), versioned by seqid.
--   room_read_positions  per user and room, the newest msgid delivered to the user
--                   (grpchat or bccontext); unread counts in getassociations.
--   server_config   stable server-wide values reported by cmd:getserverinfo.

CREATE TABLE followed_rooms (
  user_uri    VARCHAR(255) NOT NULL,
  room_id     BIGINT UNSIGNED NOT NULL,
  followed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_uri, room_id),
  KEY followed_rooms_room (room_id),
  CONSTRAINT followed_rooms_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE user_prefs (
  user_uri   VARCHAR(255) NOT NULL,
  label      VARCHAR(128) NOT NULL,
  seqid      BIGINT UNSIGNED NOT NULL DEFAULT 1,
  content    MEDIUMTEXT NOT NULL,        -- base64, at most 64 KiB (checked by pchatd)
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_uri, label)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Written in batches: pchatd keeps the position in memory while the user is in
-- the room and stores it when the user's last session leaves (part, BYE) and
-- after each bccontext; only ever moves forward (GREATEST).
CREATE TABLE room_read_positions (
  user_uri   VARCHAR(255) NOT NULL,
  room_id    BIGINT UNSIGNED NOT NULL,
  last_msgid BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (user_uri, room_id),
  CONSTRAINT room_read_positions_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- name -> value.  db_version: the GUID rpl:getserverinfo reports as dbVersion;
-- root_category: the id in its rootUri ma-cat://<domain>/<root_category>.
-- Generated once, when this migration runs, and stable afterwards.
CREATE TABLE server_config (
  name  VARCHAR(64)  NOT NULL PRIMARY KEY,
  value VARCHAR(255) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT IGNORE INTO server_config (name, value) VALUES ('db_version', UUID());
INSERT IGNORE INTO server_config (name, value) VALUES ('root_category', UUID());
