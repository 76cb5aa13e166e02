DROP INDEX merritt_submissions_identifier_idx;
ALTER TABLE merritt_submissions DROP COLUMN size;
