-- 001_initial: rooms, messages and the SIP subscriber table.
-- Applied by scripts/db-migrate.sh, which records each applied migration in
-- schema_version.  A DBA may apply the files by hand in numeric order instead.

CREATE TABLE IF NOT EXISTS schema_version (
  version    INT UNSIGNED NOT NULL PRIMARY KEY,
  name       VARCHAR(128) NOT NULL,
  applied_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A chat room (XCCOS "channel").  Its wire URI is ma-chan://<domain>/<chan_id>.
CREATE TABLE rooms (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  domain      VARCHAR(128)  NOT NULL,
  chan_id     VARCHAR(64)   NOT NULL,   -- opaque id, [A-Za-z0-9-] only (no '/')
  name        VARCHAR(256)  NOT NULL,
  description VARCHAR(1024) NOT NULL DEFAULT '',
  topic       VARCHAR(1024) NOT NULL DEFAULT '',
  privacy     ENUM('open','closed','secret') NOT NULL DEFAULT 'open',
  created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY rooms_uri (domain, chan_id),
  UNIQUE KEY rooms_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One post.  author is the SIP identity Kamailio authenticated, never a client field;
-- posted_at is the server's clock (UTC).
CREATE TABLE messages (
  id        BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_id   BIGINT UNSIGNED NOT NULL,
  author    VARCHAR(255) NOT NULL,
  posted_at DATETIME(3)  NOT NULL,
  body      MEDIUMTEXT   NOT NULL,
  KEY messages_room_recent (room_id, id),
  CONSTRAINT messages_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Kamailio auth_db's table (the columns auth_db reads), for Digest authentication.
CREATE TABLE subscriber (
  id       INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username VARCHAR(64)  NOT NULL DEFAULT '',
  domain   VARCHAR(64)  NOT NULL DEFAULT '',
  password VARCHAR(64)  NOT NULL DEFAULT '',
  ha1      VARCHAR(128) NOT NULL DEFAULT '',
  ha1b     VARCHAR(128) NOT NULL DEFAULT '',
  UNIQUE KEY account_idx (username, domain),
  KEY username_idx (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
