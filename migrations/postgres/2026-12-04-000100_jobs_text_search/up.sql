-- Searching jobs by text (GET /api/jobs?q=…, a substring of the payload or the last error)
-- uses trigram indexes instead of reading the whole table. pg_trgm is a trusted extension
-- (any user who may create objects in the database may add it) and may already be installed
-- in another schema; where it cannot be added, the search still works, by reading the table,
-- and the migration's notice says why.
DO $$
DECLARE
    ext_schema name;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN others THEN
        RAISE NOTICE 'pg_trgm cannot be added (%): searching jobs by text reads the whole table', SQLERRM;
    END;
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX IF NOT EXISTS jobs_last_error_trgm ON jobs USING gin (last_error %I.gin_trgm_ops)', ext_schema);
        EXECUTE format('CREATE INDEX IF NOT EXISTS jobs_payload_trgm ON jobs USING gin (payload %I.gin_trgm_ops)', ext_schema);
    END IF;
END
$$;
