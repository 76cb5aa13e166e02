-- Events for the host application (the repository that asks for copies and submissions): a
-- copy finished or failed for good, a submission completed or failed for good. Written in the
-- same transaction as the state they report; read with a cursor (GET /api/events) and
-- delivered in id order to a signed webhook, each retried with backoff until it is taken.

CREATE TABLE host_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    kind              TEXT      NOT NULL CHECK (kind IN ('copy.finished', 'copy.error', 'submission.completed', 'submission.error')),
    subject_id        BIGINT    NOT NULL,
    identifier        TEXT      NOT NULL,
    payload           TEXT      NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    delivered_at      TIMESTAMP,
    attempts          INTEGER   NOT NULL DEFAULT 0,
    next_attempt_at   TIMESTAMP NOT NULL,
    last_error        TEXT
);
-- The deliverer's scan: events not taken yet, oldest first.
CREATE INDEX host_events_undelivered_idx ON host_events (id) WHERE delivered_at IS NULL;
CREATE INDEX host_events_created_idx ON host_events (created_at);
