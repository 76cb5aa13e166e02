DROP INDEX jobs_state_finished_idx;
CREATE INDEX jobs_state_finished_idx ON jobs (state, finished_at);
