-- The durable job queue: jobs, queue settings (pause) and the worker registry.
-- MySQL / MariaDB: timestamps are UTC DATETIME(6); columns that are indexed are VARCHAR
-- (an index on TEXT needs a prefix); partial indexes do not exist, so the "one live job per
-- unique key" rule is a UNIQUE index on a generated column that is NULL once a job finishes.

CREATE TABLE jobs (
    id               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    queue            VARCHAR(255) NOT NULL,
    kind             VARCHAR(255) NOT NULL,
    payload          LONGTEXT     NOT NULL,
    priority         INTEGER      NOT NULL DEFAULT 0,
    state            VARCHAR(16)  NOT NULL CHECK (state IN ('scheduled', 'available', 'running', 'retryable', 'completed', 'discarded', 'cancelled')),
    attempt          INTEGER      NOT NULL DEFAULT 0,
    max_attempts     INTEGER      NOT NULL DEFAULT 5 CHECK (max_attempts > 0),
    run_at           DATETIME(6)  NOT NULL,
    unique_key       VARCHAR(255),
    ordering_key     VARCHAR(255),
    lease_owner      VARCHAR(255),
    lease_expires_at DATETIME(6),
    cancel_requested BOOLEAN      NOT NULL DEFAULT FALSE,
    last_error       LONGTEXT,
    errors           LONGTEXT     NOT NULL,
    created_at       DATETIME(6)  NOT NULL,
    attempted_at     DATETIME(6),
    finished_at      DATETIME(6),
    live_unique_key  VARCHAR(255) AS (CASE WHEN state IN ('scheduled', 'available', 'running', 'retryable') THEN unique_key END) STORED
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- What the claim query walks: jobs of one queue by state in claim order.
CREATE INDEX jobs_claim_idx ON jobs (queue, state, priority, run_at, id);
-- A unique key is held by at most one live job (NULLs do not collide).
CREATE UNIQUE INDEX jobs_unique_live_idx ON jobs (live_unique_key);
CREATE INDEX jobs_unique_key_idx ON jobs (unique_key);
-- Looking for an unfinished predecessor under the same ordering key.
CREATE INDEX jobs_ordering_idx ON jobs (ordering_key, id);
-- Rescuer and heartbeat: running jobs by lease.
CREATE INDEX jobs_running_lease_idx ON jobs (state, lease_expires_at);
CREATE INDEX jobs_running_owner_idx ON jobs (lease_owner);
-- Pruning and listing of finished jobs.
CREATE INDEX jobs_state_finished_idx ON jobs (state, finished_at);
CREATE INDEX jobs_queue_state_idx ON jobs (queue, state);

CREATE TABLE queues (
    name       VARCHAR(255) NOT NULL PRIMARY KEY,
    paused     BOOLEAN      NOT NULL DEFAULT FALSE,
    paused_at  DATETIME(6),
    paused_by  VARCHAR(255),
    updated_at DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE workers (
    id           VARCHAR(255) NOT NULL PRIMARY KEY,
    host         VARCHAR(255) NOT NULL,
    pid          INTEGER      NOT NULL,
    queues       TEXT         NOT NULL,
    started_at   DATETIME(6)  NOT NULL,
    heartbeat_at DATETIME(6)  NOT NULL,
    stopped_at   DATETIME(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
