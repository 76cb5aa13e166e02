DROP TABLE maintenance_flags;
DROP TABLE merritt_submission_states;
DROP TABLE merritt_submissions;
DROP TABLE zenodo_copy_log;
DROP TABLE zenodo_copies;
