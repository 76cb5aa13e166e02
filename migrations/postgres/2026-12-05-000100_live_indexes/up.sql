-- The live-updates ticker reads the newest update of copies and submissions every second.
CREATE INDEX zenodo_copies_updated_idx ON zenodo_copies (updated_at);
CREATE INDEX merritt_submissions_updated_idx ON merritt_submissions (updated_at);
