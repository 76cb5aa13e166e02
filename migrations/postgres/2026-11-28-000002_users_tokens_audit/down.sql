DROP INDEX jobs_kind_idx;
DROP INDEX jobs_finished_idx;
DROP INDEX jobs_created_idx;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE users;
