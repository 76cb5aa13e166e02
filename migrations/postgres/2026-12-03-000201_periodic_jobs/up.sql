-- Periodic jobs: recurring work (the daily retry of Zenodo copies in error, …) run by the
-- workers' scheduler. Each worker looks for due rows and claims one by moving `next_run_at`
-- on in the statement that checks it still holds the value it read, so however many hosts
-- look at once, one enqueues each run. Rows are written from settings at worker start-up.

CREATE TABLE periodic_jobs (
    name          TEXT      PRIMARY KEY,
    queue         TEXT      NOT NULL,
    kind          TEXT      NOT NULL,
    priority      INTEGER   NOT NULL DEFAULT 0,
    max_attempts  INTEGER   NOT NULL DEFAULT 3,
    -- `daily HH:MM` (UTC) or `every <seconds>s`.
    schedule      TEXT      NOT NULL,
    paused        BOOLEAN   NOT NULL DEFAULT FALSE,
    last_run_at   TIMESTAMP,
    last_job_id   BIGINT,
    next_run_at   TIMESTAMP NOT NULL,
    updated_by    TEXT      NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
