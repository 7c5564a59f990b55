-- 005_rooms_admin: categories, room settings and principals, add-ins, invitations,
-- named chat policies and the server configuration with the reference's defaults.
--
-- Principals (who a rule is about) are stored in one of two forms:
--   'sip:alice@example.com'  one user (lower case, always with "sip:")
--   'example.com'            every user of that SIP domain
-- The rules that read them live in one place, common/pchat_acl.c (used by pchatd
-- for XCCOS and by the admin library for the CLI and the web service).
--
-- Any change made through pchat-admin or the web service bumps
-- server_config.revision; pchatd polls it and reloads rooms and configuration.
-- After editing these tables by hand, run `pchat-admin reload` (or bump it).

-- A category: a container of rooms with who may be in its rooms, who may create
-- rooms in it, and switches for the features its rooms may use.
CREATE TABLE categories (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  domain       VARCHAR(128)  NOT NULL,
  cat_id       VARCHAR(64)   NOT NULL,   -- ma-cat://<domain>/<cat_id>; [A-Za-z0-9-]
  name         VARCHAR(256)  NOT NULL,
  description  VARCHAR(1024) NOT NULL DEFAULT '',
  invitations  BOOL NOT NULL DEFAULT TRUE,  -- may its rooms send invitations
  file_upload  BOOL NOT NULL DEFAULT TRUE,  -- may files be posted in its rooms
  chat_history BOOL NOT NULL DEFAULT TRUE,  -- is history kept and served
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY categories_uri (domain, cat_id),
  UNIQUE KEY categories_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- allowed: may be members of its rooms (no one else may enter them);
-- denied: may never enter them, whatever else says so (overrides everything);
-- creator: may create rooms in the category.
CREATE TABLE category_principals (
  category_id BIGINT UNSIGNED NOT NULL,
  role        ENUM('allowed','denied','creator') NOT NULL,
  principal   VARCHAR(255) NOT NULL,
  PRIMARY KEY (category_id, role, principal),
  CONSTRAINT category_principals_cat FOREIGN KEY (category_id)
    REFERENCES categories (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- An add-in: a web page a client may show beside a room.
CREATE TABLE addins (
  id   BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(256)  NOT NULL,
  url  VARCHAR(1024) NOT NULL,
  UNIQUE KEY addins_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- The default category: takes the root category id reported by getserverinfo, and
-- admits every SIP domain already known (so rooms open before this migration stay open).
INSERT INTO categories (domain, cat_id, name, description)
  SELECT COALESCE((SELECT domain FROM rooms LIMIT 1),
                  (SELECT domain FROM subscriber LIMIT 1), 'example.com'),
         value, 'Default', 'Rooms that existed before categories'
  FROM server_config WHERE name = 'root_category';
INSERT INTO category_principals (category_id, role, principal)
  SELECT c.id, 'allowed', d.domain
  FROM categories c,
       (SELECT DISTINCT LOWER(domain) AS domain FROM rooms
        UNION SELECT DISTINCT LOWER(domain) FROM subscriber) d
  WHERE c.name = 'Default';

-- Room settings.  type: in an auditorium only presenters post.  disabled: joins and
-- posts are refused.  invitations: 'inherit' sends invitations to new members when
-- the category allows it; 'off' never does.
ALTER TABLE rooms
  ADD COLUMN category_id BIGINT UNSIGNED NULL AFTER privacy,
  ADD COLUMN room_type   ENUM('normal','auditorium') NOT NULL DEFAULT 'normal' AFTER category_id,
  ADD COLUMN disabled    BOOL NOT NULL DEFAULT FALSE AFTER room_type,
  ADD COLUMN invitations ENUM('inherit','off') NOT NULL DEFAULT 'inherit' AFTER disabled,
  ADD COLUMN disclaimer  VARCHAR(1024) NOT NULL DEFAULT '' AFTER invitations,
  ADD COLUMN addin_id    BIGINT UNSIGNED NULL AFTER disclaimer;
UPDATE rooms SET category_id = (SELECT id FROM categories WHERE name = 'Default');
ALTER TABLE rooms
  MODIFY category_id BIGINT UNSIGNED NOT NULL,
  ADD CONSTRAINT rooms_category FOREIGN KEY (category_id) REFERENCES categories (id),
  ADD CONSTRAINT rooms_addin FOREIGN KEY (addin_id) REFERENCES addins (id) ON DELETE SET NULL;

-- member: may enter closed and secret rooms (and sees secret ones);
-- manager: manages the room (implies member);
-- presenter: may post in an auditorium (implies member).
CREATE TABLE room_principals (
  room_id   BIGINT UNSIGNED NOT NULL,
  role      ENUM('member','manager','presenter') NOT NULL,
  principal VARCHAR(255) NOT NULL,
  PRIMARY KEY (room_id, role, principal),
  KEY room_principals_principal (principal),
  CONSTRAINT room_principals_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- An invitation to a room, created when a user (not a domain) is added as a member
-- and the room and its category allow invitations; cmd:getinv delivers them.
CREATE TABLE invitations (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_uri   VARCHAR(255) NOT NULL,
  room_id    BIGINT UNSIGNED NOT NULL,
  inviter    VARCHAR(255) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY invitations_user_room (user_uri, room_id),
  CONSTRAINT invitations_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Messages changed by an administrator (pchat-admin message replace) keep a mark.
ALTER TABLE messages ADD COLUMN replaced_at DATETIME(3) NULL;

-- Named chat policies, as the reference names them: 'global', 'site:<domain>' (applies
-- to the users of that domain) and 'tag:<name>' (applies to whom it is granted).
-- A grant gives a tag policy to a user ('sip:u@d') or a whole site (a domain).
-- The effective policy of a user: their own grant, else their domain's grant, else
-- 'site:<domain>', else 'global'; none at all means disabled.  pchat_policy_enabled()
-- below is that rule, used by Kamailio's cfg, pchat-admin and the web service alike.
RENAME TABLE chat_policies TO chat_policies_v1;
CREATE TABLE chat_policies (
  id          INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  identity    VARCHAR(255) NOT NULL,          -- global | site:<domain> | tag:<name>
  enabled     BOOL NOT NULL,                  -- EnablePersistentChat
  description VARCHAR(1024) NOT NULL DEFAULT '',
  UNIQUE KEY chat_policies_identity (identity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE chat_policy_grants (
  principal VARCHAR(255) NOT NULL PRIMARY KEY,  -- 'sip:u@d' or a domain
  policy_id INT UNSIGNED NOT NULL,
  CONSTRAINT chat_policy_grants_policy FOREIGN KEY (policy_id)
    REFERENCES chat_policies (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO chat_policies (identity, enabled)
  SELECT 'global', enabled FROM chat_policies_v1 WHERE scope = 'global';
INSERT INTO chat_policies (identity, enabled)
  SELECT CONCAT('site:', LOWER(principal)), enabled FROM chat_policies_v1 WHERE scope = 'site';
INSERT INTO chat_policies (identity, enabled, description)
  SELECT DISTINCT IF(enabled, 'tag:Enabled', 'tag:Disabled'), enabled, 'from 002 user rows'
  FROM chat_policies_v1 WHERE scope = 'user';
INSERT INTO chat_policy_grants (principal, policy_id)
  SELECT CONCAT('sip:', LOWER(v.principal)), p.id
  FROM chat_policies_v1 v JOIN chat_policies p
    ON p.identity = IF(v.enabled, 'tag:Enabled', 'tag:Disabled')
  WHERE v.scope = 'user';
DROP TABLE chat_policies_v1;

-- user_uri: 'sip:user@domain'.  Returns 1 (enabled) or 0.
CREATE FUNCTION pchat_policy_enabled(user_uri VARCHAR(255)) RETURNS BOOL
  READS SQL DATA
  RETURN COALESCE(
    (SELECT p.enabled FROM chat_policy_grants g JOIN chat_policies p ON p.id = g.policy_id
      WHERE g.principal = LOWER(user_uri)),
    (SELECT p.enabled FROM chat_policy_grants g JOIN chat_policies p ON p.id = g.policy_id
      WHERE g.principal = LOWER(SUBSTRING_INDEX(user_uri, '@', -1))),
    (SELECT enabled FROM chat_policies
      WHERE identity = CONCAT('site:', LOWER(SUBSTRING_INDEX(user_uri, '@', -1)))),
    (SELECT enabled FROM chat_policies WHERE identity = 'global'),
    FALSE);

-- Server configuration with the reference's defaults (Set-CsPersistentChatConfiguration).
--   DefaultChatHistory      messages pushed after bjoin / bccontext without a count (1-500)
--   MaxFileSizeKB           largest file post
--   ParticipantUpdateLimit  rooms with more present users send no join/part notices
--   MessageSizeLimit        largest post, in bytes of chat text
--   SearchLimit             most rooms one chansrch returns
--   revision                bumped by every administrative change (pchatd reloads)
INSERT IGNORE INTO server_config (name, value) VALUES
  ('DefaultChatHistory', '30'),
  ('MaxFileSizeKB', '20000'),
  ('ParticipantUpdateLimit', '75'),
  ('MessageSizeLimit', '8192'),
  ('SearchLimit', '100'),
  ('revision', '1');
