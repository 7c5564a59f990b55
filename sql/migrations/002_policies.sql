-- 002_policies: who may use persistent chat.
-- Kamailio (kamailio-cfg/kamailio.cfg, route[POLICY]) reads the most specific row for a
-- user: scope 'user' (principal = user@domain), else scope 'site' (principal = the SIP
-- domain), else scope 'global' (principal = '').  No matching row means disabled.
-- The answer decides EnablePersistentChat in the provisioning document and whether a
-- chat INVITE is accepted (403 otherwise).

CREATE TABLE chat_policies (
  id        INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  scope     ENUM('global','site','user') NOT NULL,
  principal VARCHAR(255) NOT NULL DEFAULT '',   -- '', a domain, or user@domain
  enabled   BOOL NOT NULL,
  UNIQUE KEY chat_policies_scope (scope, principal)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO chat_policies (scope, principal, enabled) VALUES ('global', '', TRUE);
