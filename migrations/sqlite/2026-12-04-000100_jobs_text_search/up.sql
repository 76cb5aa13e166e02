-- PostgreSQL indexes job text for searching (trigram indexes); this database has no index
-- that serves a substring search, so searching jobs by text reads the table here. Kept so
-- the three histories stay the same.
SELECT 1;
