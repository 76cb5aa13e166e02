UPDATE zenodo_copies SET state = 'error' WHERE state IN ('retrying', 'given_up');
ALTER TABLE zenodo_copies DROP CONSTRAINT zenodo_copies_state_check;
ALTER TABLE zenodo_copies ADD CONSTRAINT zenodo_copies_state_check
    CHECK (state IN ('enqueued', 'replicating', 'finished', 'error', 'deferred'));
ALTER TABLE zenodo_copies DROP COLUMN bytes_done;
ALTER TABLE zenodo_copies DROP COLUMN files_done;
ALTER TABLE zenodo_copies DROP COLUMN files_total;
ALTER TABLE zenodo_copies DROP COLUMN given_up_reason;
ALTER TABLE zenodo_copies DROP COLUMN daily_retry_note;
ALTER TABLE zenodo_copies DROP COLUMN daily_retry_excluded;
ALTER TABLE zenodo_copies DROP COLUMN daily_retries;
ALTER TABLE zenodo_copies RENAME COLUMN attempts TO retries;
