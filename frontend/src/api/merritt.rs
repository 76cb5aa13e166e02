//! Merritt submissions: the queue's status, the listing (searched, sorted, paged), one submission with its request
//! log, restart held, resend checked and give up.

use longjobs_openapi::{
    GiveUpSubmission, MerrittStatus, Requeued, ResendSubmissions, SortOrder, Submission,
    SubmissionLogLine, SubmissionPage, SubmissionSort,
};

use super::ApiError;
use super::client::{self, Get, encode};
use crate::query::SubmissionsQuery;

/// Submissions per page in the console.
pub const PAGE_SIZE: u32 = 50;

pub fn status() -> Get<MerrittStatus> {
    Get::new("/api/merritt/status")
}

/// `GET /api/merritt/submissions` for the console's search, states, sort and page.
pub fn list(query: &SubmissionsQuery) -> Get<SubmissionPage> {
    let mut params = vec![format!("limit={PAGE_SIZE}")];
    if let Some(q) = &query.search {
        params.push(format!("q={}", encode(q)));
    }
    for s in &query.states {
        params.push(format!("state={}", s.as_str()));
    }
    if query.sort != SubmissionSort::default() {
        params.push(format!("sort={}", query.sort.as_str()));
    }
    if query.order == SortOrder::Asc {
        params.push("order=asc".to_string());
    }
    if let Some(c) = &query.cursor {
        params.push(format!("cursor={}", encode(c)));
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
