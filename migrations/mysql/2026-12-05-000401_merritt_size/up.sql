-- Merritt submissions record their size: the bytes of the files they deposit, summed from
-- their manifest when they are created. Rows from before are filled from their stored
-- request. The identifier is indexed for a dataset's page and the sort by identifier.
ALTER TABLE merritt_submissions ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
UPDATE merritt_submissions SET size = COALESCE((
    SELECT SUM(f.size)
    FROM JSON_TABLE(merritt_submissions.request, '$.files[*]' COLUMNS (size BIGINT PATH '$.size')) AS f
), 0)
WHERE JSON_VALID(request);
CREATE INDEX merritt_submissions_identifier_idx ON merritt_submissions (identifier, id);
