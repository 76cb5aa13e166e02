DELETE FROM notify_events WHERE kind IN ('no_worker', 'unserved');
ALTER TABLE notify_events DROP CONSTRAINT notify_events_kind_check;
ALTER TABLE notify_events ADD CONSTRAINT notify_events_kind_check CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone'));
