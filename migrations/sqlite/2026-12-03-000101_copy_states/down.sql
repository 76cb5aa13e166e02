ALTER TABLE zenodo_copies RENAME TO zenodo_copies_old;
CREATE TABLE zenodo_copies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO zenodo_copies (id, identifier, resource_id, copy_type, state, deposition_id, software_doi,
        conceptrecid, retries, note, last_error, size, request, job_id, created_at, updated_at)
    SELECT id, identifier, resource_id, copy_type, CASE WHEN state IN ('retrying', 'given_up') THEN 'error' ELSE state END, deposition_id, software_doi,
        conceptrecid, attempts, note, last_error, size, request, job_id, created_at, updated_at
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
