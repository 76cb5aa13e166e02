-- Merritt: an operator may give up on a submission (`given_up`: ended without submitting,
-- its reason in the history), and every request a submitter or checker makes is logged per
-- submission, as Zenodo copies' are.

ALTER TABLE merritt_submissions DROP CONSTRAINT merritt_submissions_state_check;
ALTER TABLE merritt_submissions ADD CONSTRAINT merritt_submissions_state_check
    CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down', 'given_up'));

-- REQUEST, RESPONSE, ERROR and INFO lines: method, URL (credentials removed), status,
-- how long the call took and a short excerpt of the body.
CREATE TABLE merritt_submission_log (
    id            BIGSERIAL PRIMARY KEY,
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
