UPDATE merritt_submissions SET state = 'errored' WHERE state = 'given_up';
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, '''rejected_shutting_down'', ''given_up'')', '''rejected_shutting_down'')')
 WHERE type = 'table' AND name = 'merritt_submissions';
PRAGMA writable_schema = RESET;
DROP TABLE merritt_submission_log;
