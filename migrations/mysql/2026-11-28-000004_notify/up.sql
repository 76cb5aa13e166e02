-- Notifications: the outbox of events to e-mail or post (a copy or submission that ended in
-- error, an alert that began), written in the same transaction as what they report and sent
-- in digests by the worker; and the alert conditions that hold now, so each is told once.
-- MySQL / MariaDB: no partial indexes, so the sender's scans use (sent_at, id) indexes.

CREATE TABLE notify_events (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            VARCHAR(32)  NOT NULL CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone')),
    subject         TEXT         NOT NULL,
    detail          LONGTEXT     NOT NULL DEFAULT ('{}'),
    created_at      DATETIME(6)  NOT NULL,
    email_sent_at   DATETIME(6),
    webhook_sent_at DATETIME(6)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX notify_events_email_idx ON notify_events (email_sent_at, id);
CREATE INDEX notify_events_webhook_idx ON notify_events (webhook_sent_at, id);
CREATE INDEX notify_events_created_idx ON notify_events (created_at);

CREATE TABLE notify_conditions (
    condition_key VARCHAR(255) NOT NULL PRIMARY KEY,
    kind          VARCHAR(32)  NOT NULL,
    since         DATETIME(6)  NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
