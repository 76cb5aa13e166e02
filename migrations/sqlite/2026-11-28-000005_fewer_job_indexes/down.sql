DROP INDEX jobs_running_idx;
CREATE INDEX jobs_running_owner_idx ON jobs (lease_owner) WHERE state = 'running';
CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_queue_state_idx ON jobs (queue, state);
CREATE INDEX jobs_kind_idx ON jobs (kind);
CREATE INDEX jobs_finished_idx ON jobs (finished_at);
CREATE INDEX jobs_created_idx ON jobs (created_at);
