-- (state, finished_at) served the queries of finished jobs (pruning, the history roll-up,
-- the per-minute series: each asks for a finished_at range) and took an entry for every
-- version of every job's row: its insert, its claim, its completion. Entries of unfinished
-- jobs (finished_at NULL) are never read through it: the claim has jobs_claim_idx, the
-- heartbeat, rescuer and completion jobs_running_idx. Kept to finished jobs, the index is
-- left alone by enqueues and claims; its queries still use it (a finished_at comparison
-- implies finished_at IS NOT NULL).
DROP INDEX jobs_state_finished_idx;
CREATE INDEX jobs_state_finished_idx ON jobs (state, finished_at) WHERE finished_at IS NOT NULL;
