//! Zenodo copies: the listing, one copy with its log, resend (a copy, a chain), reset
//! stalled, give up on a copy and keep it out of the daily retry.

use longjobs_openapi::{
    CopyDetail, CopyPage, CopySort, DailyRetryChoice, GiveUpCopy, GivenUp, Requeued, ResendChain,
    ResendCopies, ResendResult, ResetStalled, SortOrder, Text, ZenodoCopy,
};

use super::ApiError;
use super::client::{self, Get, encode};
use crate::query::CopiesQuery;

/// Copies per page in the console.
pub const PAGE_SIZE: u32 = 100;

/// `GET /api/zenodo/copies` for the console's filters and page.
pub fn list(query: &CopiesQuery) -> Get<CopyPage> {
    let mut params = vec![format!("limit={PAGE_SIZE}")];
    if let Some(i) = &query.identifier {
        params.push(format!("identifier={}", encode(i)));
    }
    for s in &query.api_states() {
        params.push(format!("state={}", s.as_str()));
    }
    for t in &query.copy_types {
        params.push(format!("copy_type={}", t.as_str()));
    }
    if let Some(r) = query.resource_id {
        params.push(format!("resource_id={r}"));
    }
    if query.sort != CopySort::default() {
        params.push(format!("sort={}", query.sort.as_str()));
    }
    if query.order == SortOrder::Asc {
        params.push("order=asc".to_string());
    }
    if let Some(c) = &query.cursor {
        params.push(format!("cursor={}", encode(c)));
    }
    Get::new(format!("/api/zenodo/copies?{}", params.join("&")))
}

pub fn get(id: i64) -> Get<CopyDetail> {
    Get::new(format!("/api/zenodo/copies/{id}"))
}

/// Resends one copy; a refusal (prerequisite, in runner, finished) is a 409 saying why.
pub async fn resend(id: i64) -> Result<Requeued, ApiError> {
    client::post_empty(&format!("/api/zenodo/copies/{id}/resend")).await
}

/// Resends several copies, each on its own (in id order); refusals come back per copy.
pub async fn resend_many(ids: Vec<i64>) -> Result<ResendResult, ApiError> {
    client::post("/api/zenodo/copies/resend", &ResendCopies { ids }).await
}

/// Resends every unfinished copy of one dataset, in order.
pub async fn resend_chain(identifier: &str) -> Result<Requeued, ApiError> {
    let body = ResendChain {
        identifier: Text(identifier.to_string()),
    };
    client::post("/api/zenodo/chains/resend", &body).await
}

/// Moves copies shown as enqueued or replicating without a live job to `error`.
pub async fn reset_stalled() -> Result<ResetStalled, ApiError> {
    client::post_empty("/api/zenodo/reset-stalled").await
}

/// Gives up on a copy with the operator's reason; a finished or given-up copy is a 409.
pub async fn give_up(id: i64, reason: &str) -> Result<GivenUp, ApiError> {
    let body = GiveUpCopy {
        reason: Text(reason.to_string()),
    };
    client::post(&format!("/api/zenodo/copies/{id}/give-up"), &body).await
}

/// Takes a copy out of the daily retry (or puts it back), with the reason.
pub async fn set_daily_retry(
    id: i64,
    excluded: bool,
    reason: &str,
) -> Result<ZenodoCopy, ApiError> {
    let body = DailyRetryChoice {
        excluded,
        reason: Text(reason.to_string()),
    };
    client::post(&format!("/api/zenodo/copies/{id}/daily-retry"), &body).await
}
