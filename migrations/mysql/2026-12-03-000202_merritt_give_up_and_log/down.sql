DROP TABLE merritt_submission_log;
UPDATE merritt_submissions SET state = 'errored' WHERE state = 'given_up';
ALTER TABLE merritt_submissions MODIFY state VARCHAR(32) NOT NULL
    CHECK (state IN ('enqueued', 'processing', 'provisional_complete', 'completed', 'errored', 'rejected_shutting_down'));
