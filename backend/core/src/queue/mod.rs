//! The queue engine: enqueue, claim, finish, operator actions, pause, rescue, prune, the
//! worker registry and the work no live worker would run (`served`). Every function takes
//! the connection explicitly and runs its SQL in one place; backend-specific SQL is
//! labelled where it must differ.

mod admin;
mod claim;
mod control;
mod enqueue;
mod finish;
mod list;
pub mod notify;
mod pause;
mod prune;
mod rescue;
mod retry_policy;
mod served;
mod stats;
mod workers;

pub use admin::{ACTIONS, Action, ActionOutcome, Rule, apply as apply_action, refusal, rule};
pub use claim::{ClaimRules, claim, claim_rules, claim_with};
pub use control::{
    CommandRefused, PausedKind, SETTINGS_REFRESH, WorkerCommand, paused_kinds, set_kind_paused,
    set_worker_command,
};
pub use enqueue::{
    DEFAULT_MAX_ATTEMPTS, EnqueueRequest, Enqueued, InvalidJob, MAX_MAX_ATTEMPTS, MAX_NAME_LEN,
    MAX_PAYLOAD_BYTES, enqueue, enqueue_many,
};
pub use finish::{Failure, complete_many, hand_back, record_failures, release_unstarted};
pub use list::{
    Cursor, JobFilter, MAX_PAGE_SIZE, Page, SortKey, count as count_jobs, count_with_max_id,
    get as get_job, last_finished_of_kinds, list as list_jobs, matching_ids, running_of_kinds,
    state_of,
};
pub use pause::{QueueLimits, QueueSettings, list_settings, set_limits, set_paused};
pub use prune::{
    DEFAULT_COMPLETED_RETENTION, DEFAULT_FAILED_RETENTION, PRUNE_BATCH, Retention, prune,
};
pub use rescue::{RESCUE_BATCH, lease_until, promote_due, rescue_expired};
pub use retry_policy::RetryPolicy;
pub use served::{Coverage, Unserved, UnservedWork, Verdict, unserved, waiting_or_retrying};
pub use stats::{MinuteCount, StateCount, Waiting, counts as state_counts, per_minute, waiting};
pub use workers::{
    Heartbeat, WorkerRow, WorkerStatus, heartbeat, list as list_workers, mark_stopped,
    register as register_worker,
};
