-- 019_job_leases: one lease table for the jobs exactly one node of a pool runs at a
-- time (docs/OPERATIONS.md, "Singleton jobs"; issue 14).
--
-- job_leases  per job: the node holding it and until when.  A node takes a free or
--             expired lease, or renews its own (admin/pca_lease.c), before each pass;
--             a node that stops releases it; one that dies loses it when it expires
--             (three of the job's intervals, at least 30 s), and another takes over.
--   retention-purge  the purge job (pchatd --retention-interval); it was
--                    retention_state's active_node/lease_expires (migration 011)
--   file-sweep       the file sweeper (pchatd --file-sweep-interval)
--   search-index     the search indexer (pchatd --search-index-interval)
-- The compliance daemon keeps its own lease in compliance_state (migration 008).
CREATE TABLE job_leases (
  job        VARCHAR(32)  NOT NULL PRIMARY KEY,
  holder     VARCHAR(255) NULL,
  expires_at DATETIME(3)  NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO job_leases (job, holder, expires_at)
  SELECT 'retention-purge', active_node, lease_expires FROM retention_state WHERE id = 1;
INSERT IGNORE INTO job_leases (job) VALUES ('retention-purge'), ('file-sweep'), ('search-index');

ALTER TABLE retention_state DROP COLUMN active_node, DROP COLUMN lease_expires;
