DROP TABLE merritt_submission_log;
UPDATE merritt_submissions SET state = 'errored' WHERE state = 'given_up';
ALTER TABLE merritt_submissions DROP CONSTRAINT merritt_submissions_state_check;
ALTER TABLE merritt_submissions ADD CONSTRAINT merritt_submissions_state_check
    CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down'));
