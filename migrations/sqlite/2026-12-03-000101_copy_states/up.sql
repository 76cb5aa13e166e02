-- Copies that tell the truth: `retries` counted attempts, so it is named `attempts`; the
-- daily retry counts its own resends (`daily_retries`) and can be turned off per copy; a
-- failed attempt that will be retried reads `retrying`, not `error`; an operator can give
-- up on a copy (`given_up`, with the reason); a copy being sent shows its upload progress.
-- SQLite cannot change a CHECK in place: the table is rebuilt with its rows and ids (the
-- migration runs in one transaction, with foreign keys on).
ALTER TABLE zenodo_copies RENAME TO zenodo_copies_old;
CREATE TABLE zenodo_copies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    identifier    TEXT      NOT NULL,
    resource_id   BIGINT    NOT NULL,
    copy_type     TEXT      NOT NULL CHECK (copy_type IN ('data', 'software', 'software_publish', 'supp', 'supp_publish')),
    state         TEXT      NOT NULL CHECK (state IN ('enqueued', 'replicating', 'retrying', 'finished', 'error', 'given_up', 'deferred')),
    deposition_id BIGINT,
    software_doi  TEXT,
    conceptrecid  TEXT,
    attempts      INTEGER   NOT NULL DEFAULT 0,
    note          TEXT,
    last_error    TEXT,
    size          BIGINT    NOT NULL DEFAULT 0,
    request       TEXT      NOT NULL,
    job_id        BIGINT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    daily_retries        INTEGER NOT NULL DEFAULT 0,
    daily_retry_excluded BOOLEAN NOT NULL DEFAULT FALSE,
    daily_retry_note     TEXT,
    given_up_reason      TEXT,
    files_total          INTEGER NOT NULL DEFAULT 0,
    files_done           INTEGER NOT NULL DEFAULT 0,
    bytes_done           BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (resource_id, copy_type)
);
INSERT INTO zenodo_copies (id, identifier, resource_id, copy_type, state, deposition_id, software_doi,
        conceptrecid, attempts, note, last_error, size, request, job_id, created_at, updated_at)
    SELECT id, identifier, resource_id, copy_type, CASE WHEN state = 'error' AND job_id IN (SELECT id FROM jobs WHERE state IN ('retryable', 'scheduled', 'available')) THEN 'retrying' ELSE state END, deposition_id, software_doi,
        conceptrecid, retries, note, last_error, size, request, job_id, created_at, updated_at
    FROM zenodo_copies_old;
-- The log's foreign key followed the rename: the log table is rebuilt on the new table.
ALTER TABLE zenodo_copy_log RENAME TO zenodo_copy_log_old;
CREATE TABLE zenodo_copy_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    copy_id BIGINT    NOT NULL REFERENCES zenodo_copies (id) ON DELETE CASCADE,
    at      TIMESTAMP NOT NULL,
    kind    TEXT      NOT NULL,
    message TEXT      NOT NULL
);
INSERT INTO zenodo_copy_log (id, copy_id, at, kind, message)
    SELECT id, copy_id, at, kind, message FROM zenodo_copy_log_old;
DROP TABLE zenodo_copy_log_old;
DROP TABLE zenodo_copies_old;
CREATE INDEX zenodo_copies_identifier_idx ON zenodo_copies (identifier, id);
CREATE INDEX zenodo_copies_state_idx ON zenodo_copies (state);
CREATE INDEX zenodo_copies_job_idx ON zenodo_copies (job_id);
CREATE INDEX zenodo_copy_log_copy_idx ON zenodo_copy_log (copy_id, id);
