-- InnoDB rewrites a secondary index entry when one of its columns changes, and `state`
-- changes at every step of a job: fewer indexes over it, more jobs per second. Listing walks
-- the primary key backwards (newest first); counts are cached by the server; the time
-- series and pruning use (state, finished_at).
DROP INDEX jobs_created_idx ON jobs;
DROP INDEX jobs_finished_idx ON jobs;
DROP INDEX jobs_kind_idx ON jobs;
DROP INDEX jobs_queue_state_idx ON jobs;
