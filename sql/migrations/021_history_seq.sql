-- 021_history_seq: history in the order of the rooms' sequence numbers (issue 14;
-- docs/ARCHITECTURE.md, "A pool: ordered delivery").
--
-- History (cmd:bccontext, the history pushed after a bjoin) was ordered by message id;
-- live delivery follows messages.seq (migration 017), and on a Galera cluster two posts
-- made on two nodes at once may have ids in the other order than their numbers.  History
-- now reads a room's messages in (seq, id) order: messages stored before 017 (seq NULL,
-- ordered by id) come first, as they are older than any numbered one, then the numbered
-- ones by seq.  The unique key (room_id, seq) of 017 cannot give that order without a
-- sort: a unique index's entries are not ordered by the primary key for the optimizer,
-- and the rows with a NULL seq have only their id to order them.  This index can: the
-- newest N messages, and those before a cursor, are one short range read backwards.
-- Built over the table once, as 017's (about a minute per 10 million messages; on
-- Galera the ALTER runs on every node at once, in total order).
ALTER TABLE messages
  ADD KEY messages_room_seq_id (room_id, seq, id);
