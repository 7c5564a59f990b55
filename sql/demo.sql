-- Demo data for `make run` and the tests: domain example.com, users alice, bob,
-- carol and dave (password = user name), and a few open rooms.  alice, bob and carol
-- may use persistent chat (the global policy of 002_policies.sql); dave may not (a
-- user policy).  Idempotent.
INSERT IGNORE INTO subscriber (username, domain, password, ha1, ha1b) VALUES
  ('alice', 'example.com', 'alice', MD5('alice:example.com:alice'), MD5('alice@example.com:example.com:alice')),
  ('bob',   'example.com', 'bob',   MD5('bob:example.com:bob'),     MD5('bob@example.com:example.com:bob')),
  ('carol', 'example.com', 'carol', MD5('carol:example.com:carol'), MD5('carol@example.com:example.com:carol')),
  ('dave',  'example.com', 'dave',  MD5('dave:example.com:dave'),   MD5('dave@example.com:example.com:dave'));

INSERT IGNORE INTO chat_policies (scope, principal, enabled) VALUES
  ('user', 'dave@example.com', FALSE);

INSERT IGNORE INTO rooms (domain, chan_id, name, description, topic) VALUES
  ('example.com', '6f1d2c3b-8a9e-4f10-b7c2-53a1e0d4c9aa', 'Lobby',      'Say hello',                         'Welcome'),
  ('example.com', 'a31c0e57-2b44-4c8f-9d0e-1f2a3b4c5d6e', 'Build Team', 'Release coordination for product X', '4.2 release train'),
  ('example.com', '0c9e8d7f-6a5b-4c3d-9e2f-1a0b9c8d7e6f', 'Ops',        'Operations and on-call',             '');

-- A secret room: never listed by chansrch to non-members.
INSERT IGNORE INTO rooms (domain, chan_id, name, description, topic, privacy) VALUES
  ('example.com', '5e3c7a1b-0d2f-4e6a-8b9c-7d1e2f3a4b5c', 'Board', 'Board of directors (secret)', '', 'secret');
