-- PostgreSQL bounds the pending list of its trigram index on job_texts (see the
-- PostgreSQL migration); this database has no such index. Kept so the three histories
-- stay the same.
SELECT 1;
