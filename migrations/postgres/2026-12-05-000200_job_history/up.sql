-- History that outlives the job rows: per-minute (span 60) and per-hour (span 3600) counts
-- and run/wait histograms per queue and kind, rolled up from finished jobs before the pruner
-- deletes them, kept for the history retention (90 days by default).
CREATE TABLE job_history (
    span_secs     INTEGER   NOT NULL CHECK (span_secs IN (60, 3600)),
    bucket_start  TIMESTAMP NOT NULL,
    queue         TEXT      NOT NULL,
    kind          TEXT      NOT NULL,
    completed     BIGINT    NOT NULL,
    discarded     BIGINT    NOT NULL,
    cancelled     BIGINT    NOT NULL,
    failed_attempts BIGINT  NOT NULL,
    run_count     BIGINT    NOT NULL,
    run_sum_ms    BIGINT    NOT NULL,
    run_max_ms    BIGINT    NOT NULL,
    run_hist      TEXT      NOT NULL,
    wait_count    BIGINT    NOT NULL,
    wait_sum_ms   BIGINT    NOT NULL,
    wait_max_ms   BIGINT    NOT NULL,
    wait_hist     TEXT      NOT NULL,
    PRIMARY KEY (span_secs, bucket_start, queue, kind)
);

-- One row: finished jobs with finished_at before rolled_through are in job_history.
CREATE TABLE job_history_rollup (
    id             INTEGER   PRIMARY KEY CHECK (id = 1),
    rolled_through TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
