-- A GIN index takes new entries into a pending list first (fastupdate) and merges them into
-- its tree once the list outgrows gin_pending_list_limit (4 MB by default), or when
-- (auto)vacuum runs. Every search through the index reads the whole pending list, entry
-- by entry: after a bulk enqueue 4 MB of it (about 380 pages) took 7.5 of the 9 ms a
-- one-match search of a million jobs spent (EXPLAIN (ANALYZE, BUFFERS); 1.5 ms once merged).
-- A 512 kB limit bounds that to about 64 pages, at the cost of merging more often:
-- enqueueing 200,000 jobs in statements of 1,000 took about 7 % longer in PostgreSQL
-- (256 kB: 15 %; no pending list at all: 2.7 times as long).
DO $$
BEGIN
    IF to_regclass('job_texts_body_trgm') IS NOT NULL THEN
        ALTER INDEX job_texts_body_trgm SET (gin_pending_list_limit = 512);
        PERFORM gin_clean_pending_list('job_texts_body_trgm');
    END IF;
END
$$;
