//! `GET /api/events`: the host application's events (copies finished or failed, submissions
//! completed or failed) after a cursor — the same bodies the event webhook receives.

use longjobs_core::access::Role;
use longjobs_core::host_events::{self, HostEventFilter, HostEventKind};
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub struct EventsApi {
    pub state: AppState,
}

#[OpenApi(tag = "Tag::Events")]
impl EventsApi {
    /// List events for the host application.
    ///
    /// Oldest first, after the cursor `after`: each copy that finished (deposition, DOI,
    /// concept DOI) or failed for good, each submission that completed (ARK) or failed for
    /// good. Poll with the previous page's `next_after`; the event webhook delivers the same
    /// `body` signed (docs/integration.md).
    #[oai(path = "/api/events", method = "get", operation_id = "listEvents")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Events after this id (the previous page's `next_after`); from the oldest kept
        /// when absent.
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
        /// Only this kind: `copy.finished`, `copy.error`, `submission.completed` or
        /// `submission.error`.
        kind: Query<Option<String>>,
        /// Only events of this dataset identifier (e.g. `doi:10.5061/dryad.x`).
        #[oai(validator(max_length = 255))]
        identifier: Query<Option<String>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::HostEventPage>> {
        auth.0.require(Role::Viewer)?;
        // 1 to 500: the validator above refuses anything else with a 400.
        let limit = limit.0.unwrap_or(100);
        let kind = match kind.0.as_deref() {
            None => None,
            Some(k) => Some(
                k.parse::<HostEventKind>()
                    .map_err(|e| ApiError::bad_request(e.to_string()))?,
            ),
        };
        let filter = HostEventFilter {
            after: after.0,
            kind,
            identifier: identifier.0,
            limit,
        };
        let rows = self
            .state
            .db
            .run(move |c| host_events::list(c, &filter))
            .await?;
        let next_after = rows.last().map(|e| e.id).or(after.0);
        Ok(Json(wire::HostEventPage {
            events: rows
                .into_iter()
                .map(|e| wire::HostEvent {
                    id: e.id,
                    event: e.kind.as_str().to_string(),
                    subject_id: e.subject_id,
                    body: e.body(),
                    identifier: e.identifier,
                    created_at: utc(e.created_at),
                    delivered_at: e.delivered_at.map(utc),
                    delivery_attempts: e.attempts,
                    last_delivery_error: e.last_error,
                })
                .collect(),
            next_after,
        }))
    }
}
