-- The latest answer of each remote service (zenodo, merritt) to the cheap probe the workers
-- make every minute: whether it answered, how, how fast, and which host asked.
CREATE TABLE remote_probes (
    service    TEXT      PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL,
    ok         BOOLEAN   NOT NULL,
    status     INTEGER,
    took_ms    BIGINT    NOT NULL,
    message    TEXT      NOT NULL,
    host       TEXT      NOT NULL
);
