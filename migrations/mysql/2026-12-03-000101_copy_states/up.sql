-- Copies that tell the truth: `retries` counted attempts, so it is named `attempts`; the
-- daily retry counts its own resends (`daily_retries`) and can be turned off per copy; a
-- failed attempt that will be retried reads `retrying`, not `error`; an operator can give
-- up on a copy (`given_up`, with the reason); a copy being sent shows its upload progress.
ALTER TABLE zenodo_copies RENAME COLUMN retries TO attempts;
ALTER TABLE zenodo_copies ADD COLUMN daily_retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zenodo_copies ADD COLUMN daily_retry_excluded BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE zenodo_copies ADD COLUMN daily_retry_note LONGTEXT;
ALTER TABLE zenodo_copies ADD COLUMN given_up_reason LONGTEXT;
ALTER TABLE zenodo_copies ADD COLUMN files_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zenodo_copies ADD COLUMN files_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zenodo_copies ADD COLUMN bytes_done BIGINT NOT NULL DEFAULT 0;
-- The state's column check (MariaDB names it after the column) is replaced by a wider one.
ALTER TABLE zenodo_copies MODIFY state VARCHAR(16) NOT NULL
    CHECK (state IN ('enqueued', 'replicating', 'retrying', 'finished', 'error', 'given_up', 'deferred'));
-- A copy in error whose job will still run again is waiting for that attempt.
UPDATE zenodo_copies SET state = 'retrying'
    WHERE state = 'error' AND job_id IN (SELECT id FROM jobs WHERE state IN ('retryable', 'scheduled', 'available'));
