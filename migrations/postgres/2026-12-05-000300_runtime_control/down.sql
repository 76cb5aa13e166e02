ALTER TABLE workers DROP COLUMN command_by;
ALTER TABLE workers DROP COLUMN command_at;
ALTER TABLE workers DROP COLUMN command;
DROP TABLE paused_kinds;
ALTER TABLE queues DROP COLUMN rate_checked_at;
ALTER TABLE queues DROP COLUMN rate_tokens;
ALTER TABLE queues DROP COLUMN rate_period_secs;
ALTER TABLE queues DROP COLUMN rate_limit;
ALTER TABLE queues DROP COLUMN concurrency;
