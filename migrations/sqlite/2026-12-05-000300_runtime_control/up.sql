-- Control while running: limits per queue, pauses per job kind and commands to workers,
-- all read by running workers without a restart.

-- A queue's global limits, across every worker: at most `concurrency` of its jobs running
-- at once, and at most `rate_limit` jobs started per `rate_period_secs` (a token bucket:
-- `rate_tokens` left as of `rate_checked_at`; NULL: full). NULL: no limit.
ALTER TABLE queues ADD COLUMN concurrency INTEGER CHECK (concurrency > 0);
ALTER TABLE queues ADD COLUMN rate_limit INTEGER CHECK (rate_limit > 0);
ALTER TABLE queues ADD COLUMN rate_period_secs INTEGER CHECK (rate_period_secs > 0);
ALTER TABLE queues ADD COLUMN rate_tokens REAL;
ALTER TABLE queues ADD COLUMN rate_checked_at TIMESTAMP;

-- Job kinds paused by an operator: no worker claims jobs of these kinds, in any queue.
CREATE TABLE paused_kinds (
    kind      TEXT NOT NULL PRIMARY KEY,
    paused_at TIMESTAMP NOT NULL,
    paused_by TEXT NOT NULL
);

-- What an operator asked a worker to do ('quiet': stop claiming; 'stop': finish or hand
-- back its jobs, then exit), read with its heartbeat. NULL: carry on.
ALTER TABLE workers ADD COLUMN command TEXT CHECK (command IN ('quiet', 'stop'));
ALTER TABLE workers ADD COLUMN command_at TIMESTAMP;
ALTER TABLE workers ADD COLUMN command_by TEXT;
