//! Jobs: listing with filters and keyset paging, one job, and actions on one or many.

use longjobs_openapi::{
    ActionOutcome, BulkAction, BulkActionResult, JobAction, JobCount, JobDetail, JobFilter, JobPage,
};

use super::ApiError;
use super::client::{self, Get, encode};
use crate::query::{JobsQuery, Wire};

/// Jobs per page in the console.
pub const PAGE_SIZE: u32 = 50;

/// `GET /api/jobs` for the console's current filters, sort and cursor.
pub fn list(query: &JobsQuery) -> Get<JobPage> {
    let mut params = filter_params(query);
    params.push(format!("sort={}", query.sort.wire()));
    params.push(format!("order={}", query.order.wire()));
    params.push(format!("limit={PAGE_SIZE}"));
    if let Some(c) = &query.cursor {
        params.push(format!("cursor={}", encode(c)));
    }
    Get::new(format!("/api/jobs?{}", params.join("&")))
}

/// `GET /api/jobs/count`: how many jobs the console's filters match.
pub fn count(query: &JobsQuery) -> Get<JobCount> {
    let params = filter_params(query);
    Get::new(format!("/api/jobs/count?{}", params.join("&")))
}

/// The query parameters of the filters (not sort or page).
fn filter_params(query: &JobsQuery) -> Vec<String> {
    let mut params = Vec::new();
    if let Some(q) = &query.queue {
        params.push(format!("queue={}", encode(q)));
    }
    if let Some(k) = &query.kind {
        params.push(format!("kind={}", encode(k)));
    }
    for s in &query.states {
        params.push(format!("state={}", s.as_str()));
    }
    if let Some(t) = &query.text {
        params.push(format!("q={}", encode(t)));
    }
    params
}

pub fn get(id: i64) -> Get<JobDetail> {
    Get::new(format!("/api/jobs/{id}"))
}

/// Retry, cancel or discard one job; a refusal comes back as a 409 whose detail says why.
pub async fn act(id: i64, action: JobAction) -> Result<ActionOutcome, ApiError> {
    client::post_empty(&format!("/api/jobs/{id}/{}", action_path(action))).await
}

/// An action on the listed ids.
pub async fn act_on_ids(action: JobAction, ids: Vec<i64>) -> Result<BulkActionResult, ApiError> {
    let body = BulkAction {
        action,
        ids,
        filter: None,
        all: false,
        dry_run: false,
    };
    client::post("/api/jobs/actions", &body).await
}

/// An action on every job matching `filter`; with `dry_run` only counts them (and answers
/// the highest id counted, which the real action passes back as `filter.max_id`).
pub async fn act_on_filter(
    action: JobAction,
    filter: JobFilter,
    dry_run: bool,
) -> Result<BulkActionResult, ApiError> {
    let body = BulkAction {
        action,
        ids: Vec::new(),
        filter: Some(filter),
        // The console shows the count (the dry run) and asks before acting, also when
        // no filter is set: that confirmation is the explicit "all".
        all: true,
        dry_run,
    };
    client::post("/api/jobs/actions", &body).await
}

fn action_path(action: JobAction) -> &'static str {
    match action {
        JobAction::Retry => "retry",
        JobAction::Cancel => "cancel",
        JobAction::Discard => "discard",
    }
}
