-- 008_compliance: every chat event archived for regulators (issue 11, docs/COMPLIANCE.md).
--
-- While compliance is on (compliance_config.adapter_type is not ''), every fact a chat
-- event records writes its event row IN THE SAME TRANSACTION as the fact:
--   CHAT      a post (messages INSERT)              triggers below
--   REPLACE   a post's text replaced (UPDATE)       (the reference's type 10)
--   PURGE     a post removed (DELETE, room clear,   (the reference's type 11)
--             or its room deleted)
--   JOIN      a session entered a room (session_rooms INSERT)
--   PART      a session left it (session_rooms DELETE, or its room deleted)
--   BACKCHAT  a history push or bccontext          pchatd's history job
--   FILEUPLOAD, FILEDOWNLOAD                        the file store (issue 12)
-- Triggers catch every writer alike (pchatd, pchat-admin, the web service, a DBA's
-- hand edit) and cost no round trip; an acknowledged post without its event cannot
-- exist, because both commit or neither does.  With the adapter unset nothing is
-- recorded, as in the reference.
--
-- pchat-compliance (compliance/) reads the events: it claims a batch (batch_id), writes
-- the output file, and only then, in one transaction, deletes the batch's events (or
-- moves them to compliance_kept, --keep-days) and records it as done
-- (compliance_state).  Events are never updated otherwise.

-- The reference's parameters (Set-CsPersistentChatComplianceConfiguration), one row.
-- pchat-admin compliance get|set names them as the reference does (AdapterType, ...).
CREATE TABLE compliance_config (
  id                   TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY CHECK (id = 1),
  adapter_type         VARCHAR(32)   NOT NULL DEFAULT '',   -- '' (off), 'XML', 'Actiance'
  adapter_name         VARCHAR(256)  NOT NULL DEFAULT '',
  output_directory     VARCHAR(1024) NOT NULL DEFAULT '',
  run_interval_sec     INT UNSIGNED  NOT NULL DEFAULT 900
                       CHECK (run_interval_sec BETWEEN 60 AND 2592000),  -- 1 min .. 30 days
  one_room_per_file    BOOL NOT NULL DEFAULT FALSE,   -- OneChatRoomPerOutputFile
  add_room_details     BOOL NOT NULL DEFAULT FALSE,   -- AddChatRoomDetails
  add_user_details     BOOL NOT NULL DEFAULT FALSE,   -- AddUserDetails
  attachments_manifest BOOL NOT NULL DEFAULT FALSE,   -- CreateFileAttachmentsManifest
  custom_xslt          VARCHAR(1024) NOT NULL DEFAULT '',  -- CustomConfiguration (a file)
  updated_at           DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
                       ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO compliance_config (id) VALUES (1);

-- One event.  The room's URI and name are copied in: the room may be gone by the time
-- the event is output.  user_uri is the authenticated SIP identity (a post's author).
-- event_time is UTC (UTC_TIMESTAMP, like messages.posted_at, whatever MariaDB's time zone).
--   msg_id   CHAT, REPLACE, PURGE: the post; BACKCHAT: the newest post pushed
--   content  CHAT: the text; REPLACE: the new text; BACKCHAT: "<first id>-<last id>"
--            pushed ('' when none); FILEUPLOAD/FILEDOWNLOAD: the stored file name
--   batch_id 0 until pchat-compliance claims the event for an output run, then the batch
-- Only the primary key, on purpose: the triggers' INSERTs (on the chat path) append to
-- it and nothing else, and a claim changes batch_id in place, with no index entry to
-- move and the same record size (NOT NULL).  pchat-compliance finds a batch by its id
-- range (compliance_state.claimed_lo .. claimed_hi): every statement on a batch is a
-- primary key range scan.
CREATE TABLE compliance_events (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  event_type ENUM('JOIN','PART','CHAT','BACKCHAT','FILEUPLOAD','FILEDOWNLOAD',
                  'REPLACE','PURGE') NOT NULL,
  event_time DATETIME(3) NOT NULL,
  room_id    BIGINT UNSIGNED NOT NULL,
  room_uri   VARCHAR(255) NOT NULL,
  room_name  VARCHAR(256) NOT NULL,
  user_uri   VARCHAR(255) NOT NULL,
  msg_id     BIGINT UNSIGNED NULL,
  content    MEDIUMTEXT NULL,
  batch_id   BIGINT UNSIGNED NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Events already output, kept for pchat-compliance --keep-days N (0, the default: none
-- kept) so that a lost output file can be written again (--replay FIRST-LAST).  The
-- batch's rows are moved here from compliance_events in the transaction that records
-- the batch as done, with their id and batch_id; each run deletes those older than N
-- days (by event_time, hence its index).
CREATE TABLE compliance_kept LIKE compliance_events;
ALTER TABLE compliance_kept MODIFY id BIGINT UNSIGNED NOT NULL,
  ADD KEY compliance_kept_time (event_time);

-- The pool's one row of output state.
--   last_event_id   the highest event id output so far
--   claimed_batch   the batch being output; = done_batch when none is pending.  A
--                   daemon that finds claimed_batch > done_batch (its holder crashed)
--                   outputs that batch again, to the same file names
--   claimed_lo, claimed_hi  the id range of claimed_batch's events: its events are
--                   those of the range with batch_id = claimed_batch (an event
--                   committed late with an id in the range keeps batch_id 0 and goes
--                   to a later batch)
--   last_run_keep_days  the --keep-days of the last run (what --replay reports when
--                   it finds nothing kept)
--   active_node, lease_expires  the lease: only its holder claims and outputs
--   run_requested   set by `pchat-admin compliance run`: the holder runs at once
--   last_*          what `pchat-admin compliance status` reports
CREATE TABLE compliance_state (
  id              TINYINT UNSIGNED NOT NULL DEFAULT 1 PRIMARY KEY CHECK (id = 1),
  last_event_id   BIGINT UNSIGNED NOT NULL DEFAULT 0,
  claimed_batch   BIGINT UNSIGNED NOT NULL DEFAULT 0,
  done_batch      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  claimed_lo      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  claimed_hi      BIGINT UNSIGNED NOT NULL DEFAULT 0,
  active_node     VARCHAR(255) NULL,
  lease_expires   DATETIME(3) NULL,
  run_requested   DATETIME(3) NULL,
  last_run_at     DATETIME(3) NULL,
  last_run_events BIGINT UNSIGNED NOT NULL DEFAULT 0,
  last_run_files  INT UNSIGNED NOT NULL DEFAULT 0,
  last_run_ms     INT UNSIGNED NOT NULL DEFAULT 0,
  last_run_keep_days INT UNSIGNED NOT NULL DEFAULT 0,
  last_error      VARCHAR(1024) NOT NULL DEFAULT '',
  last_error_at   DATETIME(3) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO compliance_state (id) VALUES (1);

-- Who is in each room as of the last batch output (JOIN and PART events applied, per
-- session): the Actiance adapter's ParticipantEntered for those present at the start
-- of a period and ParticipantLeft for those present at its end.  Written by
-- pchat-compliance in the transaction that records a batch as done.
CREATE TABLE compliance_participants (
  room_id  BIGINT UNSIGNED NOT NULL,
  user_uri VARCHAR(255) NOT NULL,
  sessions INT UNSIGNED NOT NULL,
  since    DATETIME(3) NOT NULL,
  PRIMARY KEY (room_id, user_uri)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Is compliance on?  Read inside each writer's transaction, so a change of the
-- adapter takes effect at once, for every writer, with no restart.
CREATE FUNCTION pchat_compliance_on() RETURNS BOOL
  READS SQL DATA
  RETURN COALESCE((SELECT adapter_type <> '' FROM compliance_config WHERE id = 1), FALSE);

CREATE TRIGGER compliance_chat AFTER INSERT ON messages FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id, content)
  SELECT 'CHAT', NEW.posted_at, r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name,
         NEW.author, NEW.id, NEW.body
    FROM rooms r WHERE r.id = NEW.room_id AND pchat_compliance_on();

CREATE TRIGGER compliance_replace AFTER UPDATE ON messages FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id, content)
  SELECT 'REPLACE', UTC_TIMESTAMP(3), r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name,
         NEW.author, NEW.id, NEW.body
    FROM rooms r WHERE r.id = NEW.room_id AND NOT (NEW.body <=> OLD.body)
                   AND pchat_compliance_on();

CREATE TRIGGER compliance_purge AFTER DELETE ON messages FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id, content)
  SELECT 'PURGE', UTC_TIMESTAMP(3), r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name,
         OLD.author, OLD.id, NULL
    FROM rooms r WHERE r.id = OLD.room_id AND pchat_compliance_on();

CREATE TRIGGER compliance_join AFTER INSERT ON session_rooms FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri)
  SELECT 'JOIN', UTC_TIMESTAMP(3), r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name,
         NEW.user_uri
    FROM rooms r WHERE r.id = NEW.room_id AND pchat_compliance_on();

CREATE TRIGGER compliance_part AFTER DELETE ON session_rooms FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri)
  SELECT 'PART', UTC_TIMESTAMP(3), r.id, CONCAT('ma-chan://', r.domain, '/', r.chan_id), r.name,
         OLD.user_uri
    FROM rooms r WHERE r.id = OLD.room_id AND pchat_compliance_on();

-- Deleting a room deletes its posts and presence through foreign keys, which fire no
-- triggers (InnoDB): record those PURGE and PART events here, before the cascade.
CREATE TRIGGER compliance_room_delete BEFORE DELETE ON rooms FOR EACH ROW
  INSERT INTO compliance_events
    (event_type, event_time, room_id, room_uri, room_name, user_uri, msg_id)
  SELECT x.event_type, UTC_TIMESTAMP(3), OLD.id, CONCAT('ma-chan://', OLD.domain, '/', OLD.chan_id),
         OLD.name, x.user_uri, x.msg_id
    FROM (SELECT 'PURGE' AS event_type, author AS user_uri, id AS msg_id, 1 AS k
            FROM messages WHERE room_id = OLD.id
          UNION ALL
          SELECT 'PART', user_uri, NULL, 2 FROM session_rooms WHERE room_id = OLD.id) x
   WHERE pchat_compliance_on()
   ORDER BY x.k, x.msg_id;
