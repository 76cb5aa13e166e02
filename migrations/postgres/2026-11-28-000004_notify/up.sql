-- Notifications: the outbox of events to e-mail or post (a copy or submission that ended in
-- error, an alert that began), written in the same transaction as what they report and sent
-- in digests by the worker; and the alert conditions that hold now, so each is told once.

CREATE TABLE notify_events (
    id              BIGSERIAL PRIMARY KEY,
    kind            TEXT      NOT NULL CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone')),
    subject         TEXT      NOT NULL,
    detail          TEXT      NOT NULL DEFAULT '{}',
    created_at      TIMESTAMP NOT NULL,
    email_sent_at   TIMESTAMP,
    webhook_sent_at TIMESTAMP
);
-- The sender's scan: events a channel has not handled yet, oldest first.
CREATE INDEX notify_events_email_idx ON notify_events (id) WHERE email_sent_at IS NULL;
CREATE INDEX notify_events_webhook_idx ON notify_events (id) WHERE webhook_sent_at IS NULL;
CREATE INDEX notify_events_created_idx ON notify_events (created_at);

CREATE TABLE notify_conditions (
    condition_key TEXT PRIMARY KEY,
    kind          TEXT      NOT NULL,
    since         TIMESTAMP NOT NULL
);
