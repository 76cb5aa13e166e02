//! Merritt submissions: the queue's status, the listing, one submission with its request
//! log, restart held, resend checked and give up.

use longjobs_openapi::{
    GiveUpSubmission, MerrittStatus, Requeued, ResendSubmissions, Submission, SubmissionLogLine,
    SubmissionState,
};

use super::ApiError;
use super::client::{self, Get};

/// Submissions listed at most.
pub const LIST_SIZE: u32 = 200;

pub fn status() -> Get<MerrittStatus> {
    Get::new("/api/merritt/status")
}

/// Submissions newest first, only in `states` when given.
pub fn list(states: &[SubmissionState]) -> Get<Vec<Submission>> {
    let mut params = vec![format!("limit={LIST_SIZE}")];
    for s in states {
        params.push(format!("state={}", s.as_str()));
    }
    Get::new(format!("/api/merritt/submissions?{}", params.join("&")))
}

/// Held and interrupted submissions go back in the work queue, from any host.
pub async fn restart() -> Result<Requeued, ApiError> {
    client::post_empty("/api/merritt/submissions/restart").await
}

/// The checked submissions that are errored, held or stuck go back in the work queue.
pub async fn resend(ids: Vec<i64>) -> Result<Requeued, ApiError> {
    client::post(
        "/api/merritt/submissions/resend",
        &ResendSubmissions { ids },
    )
    .await
}

/// One submission with its state history.
pub fn get(id: i64) -> Get<Submission> {
    Get::new(format!("/api/merritt/submissions/{id}"))
}

/// The submission's request log, oldest first.
pub fn log(id: i64) -> Get<Vec<SubmissionLogLine>> {
    Get::new(format!("/api/merritt/submissions/{id}/log"))
}

/// Ends the submission without submitting, for `reason`.
pub async fn give_up(id: i64, reason: String) -> Result<Submission, ApiError> {
    client::post(
        &format!("/api/merritt/submissions/{id}/give-up"),
        &GiveUpSubmission {
            reason: reason.into(),
        },
    )
    .await
}
