CREATE INDEX jobs_claim_idx ON jobs (queue, state, priority, run_at, id);
DROP INDEX jobs_claim_rank_idx ON jobs;
ALTER TABLE jobs DROP COLUMN claim_rank;
CREATE INDEX jobs_queue_state_idx ON jobs (queue, state);
CREATE INDEX jobs_kind_idx ON jobs (kind);
CREATE INDEX jobs_finished_idx ON jobs (finished_at);
CREATE INDEX jobs_created_idx ON jobs (created_at);
