-- Every state change of a job rewrites its row, and each index of the table takes a new
-- entry for it (the update is never HOT: `state` is indexed). Fewer indexes, more jobs per
-- second: listing walks the primary key backwards (newest first) and filters; counts are
-- cached by the server; the time series and pruning use (state, finished_at).
DROP INDEX jobs_created_idx;
DROP INDEX jobs_finished_idx;
DROP INDEX jobs_kind_idx;
DROP INDEX jobs_queue_state_idx;
-- One index for the heartbeat (by owner) and the rescuer (by lease expiry) over the few
-- running jobs, instead of two.
DROP INDEX jobs_running_lease_idx;
DROP INDEX jobs_running_owner_idx;
CREATE INDEX jobs_running_idx ON jobs (lease_owner, lease_expires_at) WHERE state = 'running';
