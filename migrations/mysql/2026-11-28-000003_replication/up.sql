-- Zenodo copies of dataset versions and Merritt submissions, each linked to its job by id.

CREATE TABLE zenodo_copies (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    identifier    VARCHAR(255) NOT NULL,
    resource_id   BIGINT       NOT NULL,
    copy_type     VARCHAR(32)  NOT NULL CHECK (copy_type IN ('data', 'software', 'software_publish', 'supp', 'supp_publish')),
    state         VARCHAR(16)  NOT NULL CHECK (state IN ('enqueued', 'replicating', 'finished', 'error', 'deferred')),
    deposition_id BIGINT,
    software_doi  TEXT,
    conceptrecid  TEXT,
    retries       INTEGER      NOT NULL DEFAULT 0,
    note          LONGTEXT,
    last_error    LONGTEXT,
    size          BIGINT       NOT NULL DEFAULT 0,
    request       LONGTEXT     NOT NULL,
    job_id        BIGINT,
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    UNIQUE (resource_id, copy_type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX zenodo_copies_identifier_idx ON zenodo_copies (identifier, id);
CREATE INDEX zenodo_copies_state_idx ON zenodo_copies (state);
CREATE INDEX zenodo_copies_job_idx ON zenodo_copies (job_id);

-- REQUEST / RESPONSE / ERROR / INFO lines per copy, newest kept when capped.
CREATE TABLE zenodo_copy_log (
    id      BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    copy_id BIGINT      NOT NULL,
    at      DATETIME(6) NOT NULL,
    kind    VARCHAR(16) NOT NULL,
    message LONGTEXT    NOT NULL,
    FOREIGN KEY (copy_id) REFERENCES zenodo_copies (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX zenodo_copy_log_copy_idx ON zenodo_copy_log (copy_id, id);

CREATE TABLE merritt_submissions (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resource_id BIGINT       NOT NULL,
    identifier  VARCHAR(255) NOT NULL,
    request     LONGTEXT     NOT NULL,
    state       VARCHAR(32)  NOT NULL CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down')),
    host        VARCHAR(255) NOT NULL,
    ark         TEXT,
    job_id      BIGINT,
    last_error  LONGTEXT,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX merritt_submissions_resource_idx ON merritt_submissions (resource_id);
CREATE INDEX merritt_submissions_state_idx ON merritt_submissions (state);

-- Append-only: every state a submission went through, stamped with the writing host.
CREATE TABLE merritt_submission_states (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    submission_id BIGINT       NOT NULL,
    state         VARCHAR(32)  NOT NULL,
    host          VARCHAR(255) NOT NULL,
    note          LONGTEXT,
    at            DATETIME(6)  NOT NULL,
    FOREIGN KEY (submission_id) REFERENCES merritt_submissions (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX merritt_submission_states_sub_idx ON merritt_submission_states (submission_id, id);

-- Maintenance switches seen by every server and worker: a row means the switch is on.
CREATE TABLE maintenance_flags (
    name   VARCHAR(255) NOT NULL PRIMARY KEY,
    set_at DATETIME(6)  NOT NULL,
    set_by VARCHAR(255) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
