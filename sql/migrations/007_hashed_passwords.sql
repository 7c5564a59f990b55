-- 007_hashed_passwords: no plaintext SIP passwords (issue 10, trust boundaries).
--
-- Kamailio's auth_db (calculate_ha1 0, password_column ha1) authenticates SIP Digest
-- against ha1 = MD5(username:domain:password) and ha1b =
-- MD5(username@domain:domain:password); the web sign-in (auth.check) computes the
-- same HA1 from the password it is given.  Nothing reads the password column, so
-- rows that still have a password get their hashes (where they have none yet: an
-- existing ha1 is what SIP clients authenticate against today, so it wins) and lose
-- the plaintext.
--
-- The column stays, empty: it is part of Kamailio's standard subscriber table, and
-- Kamailio's tools (kamctl/kamcli add with STORE_PLAINTEXT_PW=0) still name it in
-- their INSERT.  The CHECK constraint refuses any write that would put a password
-- back into it.
--
-- HA1 is password-equivalent for SIP Digest (whoever has it can answer Digest
-- challenges for that realm): protect the table like a password-hash table.
UPDATE subscriber
   SET ha1  = IF(ha1 = '', MD5(CONCAT(username, ':', domain, ':', password)), ha1),
       ha1b = IF(ha1b = '', MD5(CONCAT(username, '@', domain, ':', domain, ':', password)), ha1b)
 WHERE password <> '';
UPDATE subscriber SET password = '' WHERE password <> '';
ALTER TABLE subscriber ADD CONSTRAINT subscriber_no_plaintext CHECK (password = '');
