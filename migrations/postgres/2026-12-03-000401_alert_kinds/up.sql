-- Two more alert kinds: due work with no live worker at all (no_worker), and due work in a
-- queue no live worker serves or of a kind none runs (unserved).
ALTER TABLE notify_events DROP CONSTRAINT notify_events_kind_check;
ALTER TABLE notify_events ADD CONSTRAINT notify_events_kind_check CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone', 'no_worker', 'unserved'));
