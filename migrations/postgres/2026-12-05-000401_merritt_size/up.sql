-- Merritt submissions record their size: the bytes of the files they deposit, summed from
-- their manifest when they are created. Rows from before are filled from their stored
-- request. The identifier is indexed for a dataset's page and the sort by identifier.
ALTER TABLE merritt_submissions ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
UPDATE merritt_submissions SET size = COALESCE((
    SELECT SUM((f ->> 'size')::BIGINT)
    FROM json_array_elements(merritt_submissions.request::json -> 'files') AS f
), 0)
WHERE request LIKE '{%';
CREATE INDEX merritt_submissions_identifier_idx ON merritt_submissions (identifier, id);
