//! `GET /api/audit`, and recording operator actions.

use longjobs_core::access::Role;
use longjobs_core::access::audit::{self, AuditFilter};
use longjobs_openapi::{AuditEntry, AuditPage};
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::utc;
use crate::auth::{BearerAuth, Principal};
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;

/// Largest page of the audit log.
pub const MAX_AUDIT_PAGE: i64 = 500;

pub struct AuditApi {
    pub state: AppState,
}

/// Writes one audit entry for an action `who` took.
pub async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    outcome: &str,
    detail: Option<String>,
) -> ApiResult<()> {
    let entry = service::audit::Entry {
        actor: &who.name,
        action,
        target,
        detail,
    };
    Ok(service::audit::record(&state.db, entry, outcome).await?)
}

#[OpenApi(tag = "Tag::Audit")]
impl AuditApi {
    /// List audited actions.
    ///
    /// Newest first: who did what to which target, when, and how it ended.
    #[oai(path = "/api/audit", method = "get", operation_id = "listAudit")]
    async fn list(
        &self,
        auth: BearerAuth,
        /// Only this actor (a username or `token:<name>`).
        actor: Query<Option<String>>,
        /// Only this action, e.g. `jobs.retry`.
        action: Query<Option<String>>,
        /// Entries older than this id (the previous page's `next_before`).
        before: Query<Option<i64>>,
        /// Page size, 1 to 500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<i64>>,
    ) -> ApiResult<Json<AuditPage>> {
        auth.0.require(Role::Viewer)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "limit must be between 1 and {MAX_AUDIT_PAGE}, got {limit}"
            )));
        }
        let filter = AuditFilter {
            actor: actor.0,
            action: action.0,
            before_id: before.0,
            // One more than asked tells whether there is a next page.
            limit: limit + 1,
        };
        let mut rows = self.state.db.run(move |c| audit::list(c, &filter)).await?;
        let more = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let next_before = if more {
            rows.last().map(|r| r.id)
        } else {
            None
        };
        Ok(Json(AuditPage {
            entries: rows
                .into_iter()
                .map(|r| AuditEntry {
                    id: r.id,
                    at: utc(r.at),
                    actor: r.actor,
                    action: r.action,
                    target: r.target,
                    outcome: r.outcome,
                    detail: r.detail,
                })
                .collect(),
            next_before,
        }))
    }
}
