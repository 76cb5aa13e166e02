DROP INDEX jobs_kind_idx ON jobs;
DROP INDEX jobs_finished_idx ON jobs;
DROP INDEX jobs_created_idx ON jobs;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE users;
