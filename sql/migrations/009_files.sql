-- 009_files: the file store (issue 12, docs/FILES.md).
--
-- A file reaches a room in three steps, each a row here:
--   1. rpl:getftok issues a one-time token (file_tokens), bound to the user, the room
--      and the direction, valid 30 minutes; any node of a pool can check it;
--   2. the upload creates the files row ('uploading') and streams the bytes to a
--      temporary file in the store;
--   3. when the last byte is fsynced and renamed into <store>/<room id>/<stored_name>,
--      ONE transaction marks the row 'stored', inserts the file post (messages) and
--      links it (message_id) and marks the token used.  Only then is the client told
--      the upload succeeded, and only then is the post fanned out.
-- Removing the post (pchat-admin message remove, room clear, room removal: every path
-- deletes messages rows) sets files.message_id to NULL through the foreign key; the
-- sweeper deletes the stored file and then the row.  An upload that never completed
-- ('uploading' past its token's expiry) is swept the same way.  So no stored file
-- outlives its post and no post points to a file that was never stored.

-- A one-time transfer token (the reference's tblFileToken).  GUIDs are lower-case
-- with dashes.  For an upload file_name is the name the user gave (cmd:getfutok
-- fileUrl, checked and cleaned); for a download it is the stored name (<GUID>.<ext>).
CREATE TABLE file_tokens (
  token      CHAR(36)     NOT NULL PRIMARY KEY,
  direction  ENUM('upload','download') NOT NULL,
  user_uri   VARCHAR(255) NOT NULL,            -- the authenticated SIP identity
  room_id    BIGINT UNSIGNED NOT NULL,
  file_name  VARCHAR(255) NOT NULL,
  file_id    BIGINT UNSIGNED NULL,             -- the files row it uploads or downloads
  issued_at  DATETIME(3)  NOT NULL,            -- UTC
  expires_at DATETIME(3)  NOT NULL,            -- UTC, issued_at + 30 minutes
  used_at    DATETIME(3)  NULL,                -- upload completed / download served
  KEY file_tokens_expiry (expires_at),
  CONSTRAINT file_tokens_room FOREIGN KEY (room_id) REFERENCES rooms (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- A stored (or uploading) file.  No foreign key to rooms on purpose: the row must
-- outlive its room until the sweeper has deleted the file on disk.
--   stored_name  <GUID>.<ext>, its name in <store>/<room_id>/ (the reference's
--                uniqueFilename; RequestUniqueFilenameWithExtension)
--   size         the declared size; the bytes stored equal it once state = 'stored'
--   message_id   the file post; NULL before the upload completed and after the post
--                was removed (then the sweeper deletes the file and the row)
CREATE TABLE files (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  room_id      BIGINT UNSIGNED NOT NULL,
  stored_name  VARCHAR(64)  NOT NULL,
  file_name    VARCHAR(255) NOT NULL,
  size         BIGINT UNSIGNED NOT NULL,
  content_type VARCHAR(127) NOT NULL DEFAULT 'application/octet-stream',
  uploader     VARCHAR(255) NOT NULL,
  state        ENUM('uploading','stored') NOT NULL DEFAULT 'uploading',
  created_at   DATETIME(3)  NOT NULL,          -- UTC
  stored_at    DATETIME(3)  NULL,              -- UTC
  message_id   BIGINT UNSIGNED NULL,
  UNIQUE KEY files_stored_name (stored_name),
  KEY files_room (room_id, id),
  KEY files_message (message_id),
  KEY files_uploader_day (uploader, created_at),
  CONSTRAINT files_post FOREIGN KEY (message_id) REFERENCES messages (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- FileDailyQuotaKB: what one user may upload per UTC day, in KB (Prosody's default is
-- ten times its largest file); 0 means no quota.
INSERT IGNORE INTO server_config (name, value) VALUES ('FileDailyQuotaKB', '200000');

-- FILEUPLOAD and FILEDOWNLOAD (compliance, migration 008), recorded in the transaction
-- that completes the upload / consumes the download token, for every writer alike.
-- The content is the stored file name, as in the reference.
CREATE TRIGGER compliance_file_upload AFTER UPDATE ON files FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id, content)
  SELECT 'FILEUPLOAD', COALESCE(NEW.stored_at, UTC_TIMESTAMP(3)), r.id,
         CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name, NEW.uploader,
         NEW.message_id, NEW.stored_name
    FROM rooms r WHERE r.id = NEW.room_id AND OLD.state = 'uploading'
                   AND NEW.state = 'stored' AND pchat_compliance_on();

CREATE TRIGGER compliance_file_download AFTER UPDATE ON file_tokens FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, content)
  SELECT 'FILEDOWNLOAD', NEW.used_at, r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id),
         r.name, NEW.user_uri, NEW.file_name
    FROM rooms r WHERE r.id = NEW.room_id AND NEW.direction = 'download'
                   AND OLD.used_at IS NULL AND NEW.used_at IS NOT NULL
                   AND pchat_compliance_on();
