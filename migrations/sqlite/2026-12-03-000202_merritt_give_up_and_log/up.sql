-- Merritt: an operator may give up on a submission (`given_up`: ended without submitting,
-- its reason in the history), and every request a submitter or checker makes is logged per
-- submission, as Zenodo copies' are.
--
-- SQLite cannot change a CHECK in place, and rebuilding the table would take the history
-- with it (its foreign key follows a renamed table while foreign keys are on, which a
-- migration's transaction cannot turn off). Allowing one more value only loosens the
-- constraint, so the stored definition is edited as SQLite's ALTER TABLE documentation
-- describes for such changes; RESET makes this connection read it again, and the new
-- table below moves the schema version on for every other connection.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''rejected_shutting_down'')', '''rejected_shutting_down'', ''given_up'')')
 WHERE type = 'table' AND name = 'merritt_submissions';
PRAGMA writable_schema = RESET;

-- REQUEST, RESPONSE, ERROR and INFO lines: method, URL (credentials removed), status,
-- how long the call took and a short excerpt of the body.
CREATE TABLE merritt_submission_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id BIGINT    NOT NULL REFERENCES merritt_submissions (id) ON DELETE CASCADE,
    at            TIMESTAMP NOT NULL,
    kind          TEXT      NOT NULL,
    method        TEXT,
    url           TEXT,
    status        INTEGER,
    duration_ms   BIGINT,
    message       TEXT      NOT NULL
);
CREATE INDEX merritt_submission_log_sub_idx ON merritt_submission_log (submission_id, id);
