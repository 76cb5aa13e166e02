DROP TABLE job_history_rollup;
DROP TABLE job_history;
