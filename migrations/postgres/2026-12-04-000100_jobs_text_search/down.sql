DROP INDEX IF EXISTS jobs_payload_trgm;
DROP INDEX IF EXISTS jobs_last_error_trgm;
