-- Merritt submissions record their size: the bytes of the files they deposit, summed from
-- their manifest when they are created. Rows from before are filled from their stored
-- request. The identifier is indexed for a dataset's page and the sort by identifier.
ALTER TABLE merritt_submissions ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
UPDATE merritt_submissions SET size = COALESCE((
    SELECT SUM(json_extract(f.value, '$.size'))
    FROM json_each(merritt_submissions.request, '$.files') AS f
), 0)
WHERE json_valid(request);
CREATE INDEX merritt_submissions_identifier_idx ON merritt_submissions (identifier, id);
