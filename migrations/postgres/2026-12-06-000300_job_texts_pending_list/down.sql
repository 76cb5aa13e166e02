ALTER INDEX IF EXISTS job_texts_body_trgm RESET (gin_pending_list_limit);
