-- The job kinds each worker runs (a JSON array; NULL: a worker that did not say, taken as
-- running every kind), so work that no live worker would run can be told.
ALTER TABLE workers ADD COLUMN kinds TEXT;
