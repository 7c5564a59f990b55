-- Demo data for `make run` and the tests: domain example.com, users alice, bob,
-- carol and dave (password = user name; only its hashes are stored: SIP Digest's,
-- sql/migrations/007_hashed_passwords.sql, and NTLM's NT hash, 016_nt_hash.sql), a
-- few rooms in the Default category.
-- alice, bob and carol may use persistent chat (the global policy); dave may not
-- (the policy tag:NoChat is granted to him).  alice may create rooms in the Default
-- category; carol manages the secret room Board; bob manages Build Team and
-- presents in the auditorium Announcements.  Idempotent.
-- The NT hashes (NTLM) are literals: MariaDB has no MD4; pchat-admin user set computes
-- the same (tests/cli checks it), as does
--   printf alice | iconv -t UTF-16LE | openssl dgst -md4 -provider legacy
-- A row from before migration 016 gets its NT hash here.
INSERT INTO subscriber (username, domain, ha1, ha1b, nt_hash) VALUES
  ('alice', 'example.com', MD5('alice:example.com:alice'), MD5('alice@example.com:example.com:alice'),
   '4039730e1bf6e10dd01eaac983db4d7c'),
  ('bob',   'example.com', MD5('bob:example.com:bob'),     MD5('bob@example.com:example.com:bob'),
   'b7c899154197e8a2a33121d76a240ab5'),
  ('carol', 'example.com', MD5('carol:example.com:carol'), MD5('carol@example.com:example.com:carol'),
   '88fd425fe33192eaff47a75abb866824'),
  ('dave',  'example.com', MD5('dave:example.com:dave'),   MD5('dave@example.com:example.com:dave'),
   '121dad055368e871c2c5054b66f6a9f3')
  ON DUPLICATE KEY UPDATE nt_hash = IF(nt_hash = '', VALUES(nt_hash), nt_hash);

INSERT IGNORE INTO chat_policies (identity, enabled, description) VALUES
  ('tag:NoChat', FALSE, 'persistent chat disabled');
INSERT IGNORE INTO chat_policy_grants (principal, policy_id)
  SELECT 'sip:dave@example.com', id FROM chat_policies WHERE identity = 'tag:NoChat';

INSERT IGNORE INTO category_principals (category_id, role, principal)
  SELECT id, 'allowed', 'example.com' FROM categories WHERE name = 'Default';
INSERT IGNORE INTO category_principals (category_id, role, principal)
  SELECT id, 'creator', 'sip:alice@example.com' FROM categories WHERE name = 'Default';

INSERT IGNORE INTO rooms (domain, chan_id, name, description, topic, category_id)
  SELECT v.domain, v.chan_id, v.name, v.description, v.topic, c.id
  FROM categories c, (
    SELECT 'example.com' AS domain, '6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa' AS chan_id,
           'Lobby' AS name, 'Say hello' AS description, 'Welcome' AS topic
    UNION ALL SELECT 'example.com', 'a31c0e57-2b44-4c8f-9d0e-1f2a3b4c5d6e', 'Build Team',
           'Release coordination for product X', '4.2 release train'
    UNION ALL SELECT 'example.com', '0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f', 'Ops',
           'Operations and on-call', '') v
  WHERE c.name = 'Default';

-- A secret room: never listed by chansrch to non-members (carol is its manager), and
-- an auditorium where only presenters (bob) post.
INSERT IGNORE INTO rooms (domain, chan_id, name, description, topic, privacy, room_type, category_id)
  SELECT 'example.com', '5e3c7a1b-0d2f-4e6a-8b9c-7d1e2f3a4b5c', 'Board',
         'Board of directors (secret)', '', 'secret', 'normal', id
  FROM categories WHERE name = 'Default'
  UNION ALL
  SELECT 'example.com', '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', 'Announcements',
         'Company announcements', '', 'open', 'auditorium', id
  FROM categories WHERE name = 'Default';

INSERT IGNORE INTO room_principals (room_id, role, principal)
  SELECT r.id, v.role, v.principal FROM rooms r JOIN (
    SELECT 'Board' AS room, 'manager' AS role, 'sip:carol@example.com' AS principal
    UNION ALL SELECT 'Build Team', 'manager', 'sip:bob@example.com'
    UNION ALL SELECT 'Announcements', 'presenter', 'sip:bob@example.com'
  ) v ON v.room = r.name;
