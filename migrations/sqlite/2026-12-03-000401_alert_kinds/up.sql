-- Two more alert kinds: due work with no live worker at all (no_worker), and due work in a
-- queue no live worker serves or of a kind none runs (unserved). SQLite cannot alter a CHECK:
-- the table is rebuilt with its indexes.
CREATE TABLE notify_events_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT      NOT NULL CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone', 'no_worker', 'unserved')),
    subject         TEXT      NOT NULL,
    detail          TEXT      NOT NULL DEFAULT '{}',
    created_at      TIMESTAMP NOT NULL,
    email_sent_at   TIMESTAMP,
    webhook_sent_at TIMESTAMP
);
INSERT INTO notify_events_new SELECT id, kind, subject, detail, created_at, email_sent_at, webhook_sent_at FROM notify_events ;
DROP TABLE notify_events;
ALTER TABLE notify_events_new RENAME TO notify_events;
CREATE INDEX notify_events_email_idx ON notify_events (id) WHERE email_sent_at IS NULL;
CREATE INDEX notify_events_webhook_idx ON notify_events (id) WHERE webhook_sent_at IS NULL;
CREATE INDEX notify_events_created_idx ON notify_events (created_at);
