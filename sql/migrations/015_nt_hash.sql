-- 015_nt_hash: the NT hash of each SIP user's password, for NTLM per [MS-SIPAE]
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
