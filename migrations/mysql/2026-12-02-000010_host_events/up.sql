-- Events for the host application (the repository that asks for copies and submissions): a
-- copy finished or failed for good, a submission completed or failed for good. Written in the
-- same transaction as the state they report; read with a cursor (GET /api/events) and
-- delivered in id order to a signed webhook, each retried with backoff until it is taken.
-- MySQL / MariaDB: no partial indexes, so the deliverer's scan uses (delivered_at, id).

CREATE TABLE host_events (
    id                BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind              VARCHAR(32)  NOT NULL CHECK (kind IN ('copy.finished', 'copy.error', 'submission.completed', 'submission.error')),
    subject_id        BIGINT       NOT NULL,
    identifier        VARCHAR(255) NOT NULL,
    payload           LONGTEXT     NOT NULL,
    created_at        DATETIME(6)  NOT NULL,
    delivered_at      DATETIME(6),
    attempts          INTEGER      NOT NULL DEFAULT 0,
    next_attempt_at   DATETIME(6)  NOT NULL,
    last_error        TEXT
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX host_events_undelivered_idx ON host_events (delivered_at, id);
CREATE INDEX host_events_created_idx ON host_events (created_at);
