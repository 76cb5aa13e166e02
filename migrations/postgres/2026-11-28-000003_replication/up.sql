-- Zenodo copies of dataset versions and Merritt submissions, each linked to its job by id.

CREATE TABLE zenodo_copies (
    id            BIGSERIAL PRIMARY KEY,
    identifier    TEXT      NOT NULL,
    resource_id   BIGINT    NOT NULL,
    copy_type     TEXT      NOT NULL CHECK (copy_type IN ('data', 'software', 'software_publish', 'supp', 'supp_publish')),
    state         TEXT      NOT NULL CHECK (state IN ('enqueued', 'replicating', 'finished', 'error', 'deferred')),
    deposition_id BIGINT,
    software_doi  TEXT,
    conceptrecid  TEXT,
    retries       INTEGER   NOT NULL DEFAULT 0,
    note          TEXT,
    last_error    TEXT,
    size          BIGINT    NOT NULL DEFAULT 0,
    request       TEXT      NOT NULL,
    job_id        BIGINT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (resource_id, copy_type)
);
CREATE INDEX zenodo_copies_identifier_idx ON zenodo_copies (identifier, id);
CREATE INDEX zenodo_copies_state_idx ON zenodo_copies (state);
CREATE INDEX zenodo_copies_job_idx ON zenodo_copies (job_id);

-- REQUEST / RESPONSE / ERROR / INFO lines per copy, newest kept when capped.
CREATE TABLE zenodo_copy_log (
    id      BIGSERIAL PRIMARY KEY,
    copy_id BIGINT    NOT NULL REFERENCES zenodo_copies (id) ON DELETE CASCADE,
    at      TIMESTAMP NOT NULL,
    kind    TEXT      NOT NULL,
    message TEXT      NOT NULL
);
CREATE INDEX zenodo_copy_log_copy_idx ON zenodo_copy_log (copy_id, id);

CREATE TABLE merritt_submissions (
    id          BIGSERIAL PRIMARY KEY,
    resource_id BIGINT    NOT NULL,
    identifier  TEXT      NOT NULL,
    request     TEXT      NOT NULL,
    state       TEXT      NOT NULL CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down')),
    host        TEXT      NOT NULL,
    ark         TEXT,
    job_id      BIGINT,
    last_error  TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX merritt_submissions_resource_idx ON merritt_submissions (resource_id);
CREATE INDEX merritt_submissions_state_idx ON merritt_submissions (state);

-- Append-only: every state a submission went through, stamped with the writing host.
CREATE TABLE merritt_submission_states (
    id            BIGSERIAL PRIMARY KEY,
    submission_id BIGINT    NOT NULL REFERENCES merritt_submissions (id) ON DELETE CASCADE,
    state         TEXT      NOT NULL,
    host          TEXT      NOT NULL,
    note          TEXT,
    at            TIMESTAMP NOT NULL
);
CREATE INDEX merritt_submission_states_sub_idx ON merritt_submission_states (submission_id, id);

-- Maintenance switches seen by every server and worker: a row means the switch is on.
CREATE TABLE maintenance_flags (
    name   TEXT PRIMARY KEY,
    set_at TIMESTAMP NOT NULL,
    set_by TEXT      NOT NULL
);
