-- The durable job queue: jobs, queue settings (pause) and the worker registry.
-- Timestamps are UTC `timestamp` columns on every backend.

CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    queue            TEXT      NOT NULL,
    kind             TEXT      NOT NULL,
    payload          TEXT      NOT NULL DEFAULT '{}',
    priority         INTEGER   NOT NULL DEFAULT 0,
    state            TEXT      NOT NULL CHECK (state IN ('scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')),
    attempt          INTEGER   NOT NULL DEFAULT 0,
    max_attempts     INTEGER   NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_at           TIMESTAMP NOT NULL,
    unique_key       TEXT,
    ordering_key     TEXT,
    lease_owner      TEXT,
    lease_expires_at TIMESTAMP,
    cancel_requested BOOLEAN   NOT NULL DEFAULT FALSE,
    last_error       TEXT,
    errors           TEXT      NOT NULL DEFAULT '[]',
    created_at       TIMESTAMP NOT NULL,
    attempted_at     TIMESTAMP,
    finished_at      TIMESTAMP
);

-- What the claim query walks: runnable jobs of one queue in claim order.
CREATE INDEX jobs_claim_idx ON jobs (queue, priority DESC, run_at, id)
    WHERE state IN ('scheduled', 'available', 'retryable');
-- A unique key is held by at most one live job.
CREATE UNIQUE INDEX jobs_unique_live_idx ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('scheduled', 'available', 'running', 'retryable');
-- Looking for an unfinished predecessor under the same ordering key.
CREATE INDEX jobs_ordering_idx ON jobs (ordering_key, id) WHERE ordering_key IS NOT NULL;
-- Rescuer and heartbeat: running jobs by lease.
CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE state = 'running';
CREATE INDEX jobs_running_owner_idx ON jobs (lease_owner) WHERE state = 'running';
-- Pruning and listing of finished jobs.
CREATE INDEX jobs_state_finished_idx ON jobs (state, finished_at);
CREATE INDEX jobs_queue_state_idx ON jobs (queue, state);

CREATE TABLE queues (
    name       TEXT PRIMARY KEY,
    paused     BOOLEAN   NOT NULL DEFAULT FALSE,
    paused_at  TIMESTAMP,
    paused_by  TEXT,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE workers (
    id           TEXT PRIMARY KEY,
    host         TEXT      NOT NULL,
    pid          INTEGER   NOT NULL,
    queues       TEXT      NOT NULL,
    started_at   TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL,
    stopped_at   TIMESTAMP
);
