-- Two more alert kinds: due work with no live worker at all (no_worker), and due work in a
-- queue no live worker serves or of a kind none runs (unserved). MariaDB keeps a column's
-- CHECK with the column: redefining the column replaces it.
ALTER TABLE notify_events MODIFY kind VARCHAR(32) NOT NULL CHECK (kind IN ('copy_error', 'submission_error', 'hold_too_old', 'too_many_in_flight', 'worker_gone', 'no_worker', 'unserved'));
