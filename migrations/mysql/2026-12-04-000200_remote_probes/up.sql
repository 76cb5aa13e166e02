-- The latest answer of each remote service (zenodo, merritt) to the cheap probe the workers
-- make every minute: whether it answered, how, how fast, and which host asked.
CREATE TABLE remote_probes (
    service    VARCHAR(32)  NOT NULL PRIMARY KEY,
    checked_at DATETIME(6)  NOT NULL,
    ok         BOOLEAN      NOT NULL,
    status     INTEGER,
    took_ms    BIGINT       NOT NULL,
    message    TEXT         NOT NULL,
    host       VARCHAR(255) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
