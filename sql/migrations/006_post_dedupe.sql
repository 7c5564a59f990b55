-- 006_post_dedupe: a post sent again is stored once (issue 10, "acknowledged means durable").
--
-- A client that got 503 (or lost the 200) sends the same envelope again.  pchatd
-- stores with each post the client's reference, "<endpoint id>|<envid>" (the
-- session id stands in for an empty endpoint id), and before inserting looks for
-- the same reference, author, room and text among the last day's posts: found, the
-- post is answered 200 again and not stored (nor delivered) twice.
ALTER TABLE messages
  ADD COLUMN client_ref VARCHAR(191) NULL DEFAULT NULL AFTER body,
  ADD KEY messages_client_ref (client_ref);
