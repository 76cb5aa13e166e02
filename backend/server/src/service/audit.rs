//! Recording operator actions in the audit log, and the outcome text of an action that may
//! be refused.

use longjobs_core::access::audit::{self, NewAuditEntry};
use longjobs_core::{Db, DbError, clock};

use super::ServiceError;

/// What an audit entry says: who did what to what, how it ended, and why or how much.
pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub detail: Option<String>,
}

/// Writes one audit entry with `outcome`.
pub async fn record(db: &Db, entry: Entry<'_>, outcome: &str) -> Result<(), DbError> {
    let (actor, action, target, outcome, detail) = (
        entry.actor.to_string(),
        entry.action.to_string(),
        entry.target.to_string(),
        outcome.to_string(),
        entry.detail,
    );
    db.run(move |c| {
        audit::record(
            c,
            &NewAuditEntry {
                actor: &actor,
                action: &action,
                target: &target,
                outcome: &outcome,
                detail: detail.as_deref(),
            },
            clock::now(),
        )
    })
    .await?;
    Ok(())
}

/// Records an action that was done (outcome `done(..)`) or refused (`refused: <why>`) and
/// hands its result on. A database failure is not a refusal: it is handed on unrecorded.
pub async fn record_result<T>(
    db: &Db,
    entry: Entry<'_>,
    result: Result<T, ServiceError>,
    done: impl FnOnce(&T) -> String,
) -> Result<T, ServiceError> {
    let outcome = match &result {
        Ok(v) => done(v),
        Err(ServiceError::Db(_)) => return result,
        Err(e) => format!("refused: {e}"),
    };
    record(db, entry, &outcome).await?;
    result
}
