DROP TRIGGER IF EXISTS jobs_texts_insert ON jobs;
DROP TRIGGER IF EXISTS jobs_texts_error ON jobs;
DROP TRIGGER IF EXISTS jobs_texts_delete ON jobs;
DROP TRIGGER IF EXISTS jobs_texts_truncate ON jobs;
DROP FUNCTION IF EXISTS job_texts_insert();
DROP FUNCTION IF EXISTS job_texts_error();
DROP FUNCTION IF EXISTS job_texts_delete();
DROP FUNCTION IF EXISTS job_texts_truncate();
DROP TABLE IF EXISTS job_texts;
DO $$
DECLARE
    ext_schema name;
BEGIN
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS jobs_last_error_trgm ON jobs USING gin (last_error %I.gin_trgm_ops)', ext_schema);
        EXECUTE format('CREATE INDEX IF NOT EXISTS jobs_payload_trgm ON jobs USING gin (payload %I.gin_trgm_ops)', ext_schema);
    END IF;
END
$$;
