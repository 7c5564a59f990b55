-- 016_nt_hash: the NT hash of each SIP user's password, for NTLM per [MS-SIPAE];
-- and Kamailio's version table, which auth_db checks (below).
-- (docs/OPERATIONS.md, "Users and passwords"; issue 13).
--
-- Lync / Skype for Business clients authenticate with NTLM, whose proofs are computed
-- from MD4(UTF-16LE(password)) ([MS-NLMP] 3.3.1, NTOWFv1): neither ha1 nor ha1b can be
-- turned into it, and no password is stored (007_hashed_passwords), so rows written
-- before this migration have none ('') until their password is set again
-- (pchat-admin user set).  pchat-admin user new|set writes ha1, ha1b and nt_hash
-- together.  Like HA1, the NT hash is password-equivalent: protect the table.
ALTER TABLE subscriber
  ADD COLUMN nt_hash VARCHAR(32) CHARACTER SET ascii NOT NULL DEFAULT '' AFTER ha1b;

-- Kamailio's table of table versions (its standard schema, utils/kamctl/mysql/
-- standard-create.sql), which auth_db's proxy_authorize() reads at start-up: it refuses
-- to start unless subscriber has the version it was written for (7 in Kamailio 5.x),
-- which our subscriber matches in every column auth_db reads.  Now that the default
-- configuration authenticates, Kamailio needs it (SELECT, like subscriber).
CREATE TABLE IF NOT EXISTS version (
  id            INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  table_name    VARCHAR(32)  NOT NULL,
  table_version INT UNSIGNED NOT NULL DEFAULT 0,
  CONSTRAINT table_name_idx UNIQUE (table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT IGNORE INTO version (table_name, table_version) VALUES ('version', 1), ('subscriber', 7);
