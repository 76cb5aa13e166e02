-- Searching jobs by text (GET /api/jobs?q=…) on PostgreSQL reads job_texts: one row per
-- job holding its payload and its last error as one text, with a trigram index.
--
-- Why beside the jobs table and not as indexes on it: every claim and every completion
-- writes a new version of a job's row, and each version adds entries to every index on
-- jobs. Trigram indexes on jobs.payload and jobs.last_error (the previous migration) added
-- about 16 % to PostgreSQL's CPU time per no-op job (perf, 20,000-job drains, 3 pairs).
-- job_texts is written when a job is inserted, when its last error changes (a failure:
-- never a claim or a completion), and when jobs are deleted or the table emptied.
DROP INDEX IF EXISTS jobs_payload_trgm;
DROP INDEX IF EXISTS jobs_last_error_trgm;

CREATE TABLE job_texts (
    job_id BIGINT PRIMARY KEY,
    body   TEXT   NOT NULL
);
INSERT INTO job_texts (job_id, body)
    SELECT id, payload || E'\n' || COALESCE(last_error, '') FROM jobs;
ANALYZE job_texts;

CREATE FUNCTION job_texts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_texts (job_id, body)
        SELECT id, payload || E'\n' || COALESCE(last_error, '') FROM inserted_jobs;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_texts_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS inserted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_texts_insert();

-- Only statements that set last_error (a failure, a retry by an operator) fire this.
CREATE FUNCTION job_texts_error() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE job_texts SET body = NEW.payload || E'\n' || COALESCE(NEW.last_error, '')
        WHERE job_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_texts_error AFTER UPDATE OF last_error ON jobs
    FOR EACH ROW WHEN (OLD.last_error IS DISTINCT FROM NEW.last_error)
    EXECUTE FUNCTION job_texts_error();

CREATE FUNCTION job_texts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_texts t USING deleted_jobs d WHERE t.job_id = d.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_texts_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS deleted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_texts_delete();

-- `TRUNCATE jobs, job_texts` empties job_texts itself, which is then in use: nothing to do.
CREATE FUNCTION job_texts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    BEGIN
        TRUNCATE job_texts;
    EXCEPTION WHEN object_in_use THEN
        NULL;
    END;
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_texts_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION job_texts_truncate();

-- The trigram index, where pg_trgm is installed (the previous migration added it where it
-- could, in whichever schema); without it the search reads job_texts whole.
DO $$
DECLARE
    ext_schema name;
BEGIN
    SELECT n.nspname INTO ext_schema
        FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX job_texts_body_trgm ON job_texts USING gin (body %I.gin_trgm_ops)', ext_schema);
    ELSE
        RAISE NOTICE 'pg_trgm is not installed: searching jobs by text reads job_texts whole';
    END IF;
END
$$;
