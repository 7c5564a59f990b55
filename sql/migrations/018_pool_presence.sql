-- 018_pool_presence: room presence across the chat nodes of a pool (issue 14;
-- docs/ARCHITECTURE.md, "A pool: presence").
--
-- pool_nodes     one row per running pchatd of a pool ("incarnation": its
--                --pool-listen address and when it started, so a node restarted after
--                a crash is a new row and its old sessions' rows are not taken for
--                live ones), with a heartbeat it writes every --pool-poll-ms.  A
--                node whose heartbeat is older than a few seconds is taken for dead:
--                its sessions' rows no longer count, and after two minutes any node
--                deletes them (PART compliance events: those users left).
-- session_rooms.node  the incarnation whose session the row is; '' on one node.
--                A pchatd that restores a session after a restart (its Kamailio kept
--                it) takes its rows over.
CREATE TABLE pool_nodes (
  node_id    VARCHAR(100) NOT NULL PRIMARY KEY,
  started_at DATETIME(3)  NOT NULL,
  heartbeat  DATETIME(3)  NOT NULL,
  KEY pool_nodes_heartbeat (heartbeat)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

ALTER TABLE session_rooms
  ADD COLUMN node VARCHAR(100) NOT NULL DEFAULT '',
  ADD KEY session_rooms_node (node);
