-- PostgreSQL moves its text search into job_texts (see the PostgreSQL migration); this
-- database has no index that serves a substring search and reads the jobs table. Kept so
-- the three histories stay the same.
SELECT 1;
