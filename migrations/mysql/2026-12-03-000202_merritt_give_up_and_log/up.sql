-- Merritt: an operator may give up on a submission (`given_up`: ended without submitting,
-- its reason in the history), and every request a submitter or checker makes is logged per
-- submission, as Zenodo copies' are. MariaDB keeps a column's CHECK with the column, so
-- redefining the column replaces it.

ALTER TABLE merritt_submissions MODIFY state VARCHAR(32) NOT NULL
    CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down', 'given_up'));

-- REQUEST, RESPONSE, ERROR and INFO lines: method, URL (credentials removed), status,
-- how long the call took and a short excerpt of the body.
CREATE TABLE merritt_submission_log (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    submission_id BIGINT       NOT NULL,
    at            DATETIME(6)  NOT NULL,
    kind          VARCHAR(16)  NOT NULL,
    method        VARCHAR(16),
    url           TEXT,
    status        INTEGER,
    duration_ms   BIGINT,
    message       LONGTEXT     NOT NULL,
    FOREIGN KEY (submission_id) REFERENCES merritt_submissions (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX merritt_submission_log_sub_idx ON merritt_submission_log (submission_id, id);
