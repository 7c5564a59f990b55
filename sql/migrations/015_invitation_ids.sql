-- 015_invitation_ids: invitation ids start at 2 (issue 13, what the client sees).
--
-- cmd:getinv's inv@inviteId is the highest invitation id the client has seen, and
-- pchatd returns only newer invitations (docs/XCCOS.md, cmd:getinv).  pidgin-sipe
-- sends inviteId="1" on every sign-in, meaning "none seen yet"; an invitation with
-- id 1 would then never reach it (nor any client that starts at 1 as sipe does).
-- InnoDB keeps the counter above the largest id, so on a table that already has
-- rows this changes nothing; on an empty one the first invitation gets id 2.
ALTER TABLE invitations AUTO_INCREMENT = 2;
