DROP INDEX merritt_submissions_identifier_idx ON merritt_submissions;
ALTER TABLE merritt_submissions DROP COLUMN size;
