DELETE FROM notify_events WHERE kind IN ('no_worker', 'unserved');
ALTER TABLE notify_events MODIFY kind VARCHAR(32) NOT NULL CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone'));
