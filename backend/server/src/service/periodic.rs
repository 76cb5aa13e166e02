//! Periodic jobs: list with their last run's state, run now, pause and resume — audited.

use longjobs_core::periodic::{self, PeriodicJob};
use longjobs_core::{Db, DbConn, JobId, JobState, clock};

use super::audit::{self, Entry};
use super::{ServiceError, ServiceResult};

/// A periodic job with the state of its last run's job.
pub type WithLast = (PeriodicJob, Option<JobState>);

fn with_last(c: &mut DbConn, p: PeriodicJob) -> diesel::QueryResult<WithLast> {
    let last = periodic::last_run_state(c, p.last_job_id)?;
    Ok((p, last))
}

/// Every periodic job.
pub async fn list(db: &Db) -> ServiceResult<Vec<WithLast>> {
    Ok(db
        .run(|c| {
            periodic::list(c)?
                .into_iter()
                .map(|p| with_last(c, p))
                .collect()
        })
        .await?)
}

/// Enqueues periodic job `name`'s job now; answers the job's id and the periodic job after.
/// Audited.
pub async fn run_now(db: &Db, actor: &str, name: String) -> ServiceResult<(JobId, WithLast)> {
    let (n, by) = (name.clone(), actor.to_string());
    let (job, row) = db
        .run_as(move |c| {
            let job = periodic::run_now(c, &n, &by, clock::now())?;
            let row = periodic::get(c, &n)?
                .ok_or_else(|| ServiceError::NotFound(format!("no periodic job {n:?}")))?;
            Ok::<_, ServiceError>((job, with_last(c, row)?))
        })
        .await?;
    let entry = Entry {
        actor,
        action: "periodic.run",
        target: &format!("periodic {name}"),
        detail: Some(format!("job #{}", job.id)),
    };
    audit::record(db, entry, "done").await?;
    Ok((job.id, row))
}

/// Pauses or resumes periodic job `name`. Audited.
pub async fn set_paused(
    db: &Db,
    actor: &str,
    name: String,
    paused: bool,
) -> ServiceResult<WithLast> {
    let (n, by) = (name.clone(), actor.to_string());
    let row = db
        .run_as(move |c| {
            let row = periodic::set_paused(c, &n, paused, &by, clock::now())?;
            Ok::<_, ServiceError>(with_last(c, row)?)
        })
        .await?;
    let entry = Entry {
        actor,
        action: if paused {
            "periodic.pause"
        } else {
            "periodic.resume"
        },
        target: &format!("periodic {name}"),
        detail: None,
    };
    audit::record(db, entry, "done").await?;
    Ok(row)
}
