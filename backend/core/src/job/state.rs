//! The states a job moves through, each with who moves jobs in and out of it.

use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use serde::{Deserialize, Serialize};

/// Where a job is in its life. Stored as lowercase text so operators can read the table.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its `run_at` in the future.
    /// In: enqueue with a future `run_at`. Out: claimed by a worker once `run_at` passes
    /// (→ running), or cancelled.
    Scheduled,
    /// Ready to run now.
    /// In: enqueue, manual retry, a worker's graceful hand-back, a queue restart.
    /// Out: claimed by a worker (→ running), or cancelled.
    Available,
    /// Held by exactly one worker under a lease the worker keeps extending.
    /// In: a worker's claim. Out: the handler's outcome (→ completed / retryable /
    /// discarded / cancelled), a graceful hand-back (→ available, attempt not spent), or
    /// the rescuer when the lease expires because the worker died (→ retryable / discarded).
    Running,
    /// Failed and waiting for its backoff to pass; counts as unfinished for ordering keys.
    /// In: a failed attempt below `max_attempts`, the rescuer. Out: claimed again once
    /// `run_at` passes (→ running), cancelled, or manual retry.
    Retryable,
    /// Finished successfully. In: the handler succeeded. Out: the pruner deletes it after
    /// the retention period; a manual retry runs it again.
    Completed,
    /// Gave up: out of attempts, or the handler said the failure is permanent. Blocks later
    /// jobs of its ordering key until an operator retries or cancels it.
    /// In: the last failed attempt, the rescuer, an operator's discard. Out: manual retry,
    /// cancel, or the pruner after the retention period.
    Discarded,
    /// Stopped by an operator (or by its handler); never runs again unless retried.
    /// In: cancel (a running job is cancelled by its worker at the next heartbeat).
    /// Out: manual retry, or the pruner after the retention period.
    Cancelled,
}

crate::text_enum!(JobState {
    Scheduled => "scheduled",
    Available => "available",
    Running => "running",
    Retryable => "retryable",
    Completed => "completed",
    Discarded => "discarded",
    Cancelled => "cancelled",
});

impl JobState {
    /// States from which a worker may claim the job (once `run_at` has passed).
    pub const RUNNABLE: [JobState; 3] = [
        JobState::Scheduled,
        JobState::Available,
        JobState::Retryable,
    ];

    /// States in which a unique key is held and which a later job of the same ordering key
    /// waits behind (together with `discarded`, see [`JobState::blocks_ordering`]).
    pub const LIVE: [JobState; 4] = [
        JobState::Scheduled,
        JobState::Available,
        JobState::Running,
        JobState::Retryable,
    ];

    /// States after which a job does not run again by itself.
    pub const FINISHED: [JobState; 3] = [
        JobState::Completed,
        JobState::Discarded,
        JobState::Cancelled,
    ];

    pub fn is_finished(self) -> bool {
        Self::FINISHED.contains(&self)
    }

    /// Whether a job in this state holds back later jobs of the same ordering key: every
    /// state but `completed` and `cancelled` does (a discarded job needs an operator).
    pub fn blocks_ordering(self) -> bool {
        !matches!(self, JobState::Completed | JobState::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_round_trips_through_its_name() {
        for &st in JobState::ALL {
            assert_eq!(st.as_str().parse::<JobState>(), Ok(st));
        }
        assert!("done".parse::<JobState>().is_err());
    }

    #[test]
    fn only_completed_and_cancelled_release_an_ordering_key() {
        let releasing: Vec<_> = JobState::ALL
            .iter()
            .copied()
            .filter(|s| !s.blocks_ordering())
            .collect();
        assert_eq!(releasing, vec![JobState::Completed, JobState::Cancelled]);
    }
}
