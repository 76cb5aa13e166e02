-- PostgreSQL keeps its (state, finished_at) index to finished jobs (see the PostgreSQL
-- migration). Kept so the three histories stay the same.
SELECT 1;
