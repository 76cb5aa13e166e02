//! The `zenodo.copy` job: send one copy to Zenodo, so that every exit sets a copy state.
//!
//! Create or reuse the deposition (a new version of the previous published one when there
//! is one), put the metadata, upload what changed (md5 checked), delete what was removed,
//! and publish when the copy type says so; a new version identical to the last is discarded.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use longjobs_core::Db;
use longjobs_core::handler::{JobContext, JobError};
use serde::Deserialize;

use super::client::{Deposition, ZenodoClient, ZenodoConfig, ZenodoError};
use super::model::{CopyRequest, CopyState, ZenodoCopy};
use super::store;
use crate::maintenance;

/// How long a copy waits before looking again when an earlier copy is unfinished.
pub const WAIT_FOR_PREDECESSOR: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
struct Payload {
    copy_id: i64,
}

/// What the handler needs besides the job.
#[derive(Clone)]
pub struct ZenodoContext {
    pub db: Db,
    pub http: reqwest::Client,
    pub config: ZenodoConfig,
}

/// The handler registered for [`crate::KIND_ZENODO_COPY`].
pub fn handler(
    ctx: Arc<ZenodoContext>,
) -> impl Fn(JobContext) -> futures_util::future::BoxFuture<'static, Result<(), JobError>>
+ Send
+ Sync
+ 'static {
    move |job| {
        let ctx = ctx.clone();
        Box::pin(async move { run(&ctx, job).await })
    }
}

async fn run(ctx: &ZenodoContext, job: JobContext) -> Result<(), JobError> {
    let Payload { copy_id } = job.payload()?;
    let db = &ctx.db;
    let copy = db
        .run(move |c| store::get(c, copy_id))
        .await
        .map_err(JobError::retry)?
        .ok_or_else(|| JobError::discard(format!("there is no copy #{copy_id}")))?;
    // One copy, one job: a job the copy does not name (enqueued by another route, or an
    // old job retried) must not send it a second time, in parallel, as another concept.
    if copy.job_id != Some(job.job.id.0) {
        let owner = copy
            .job_id
            .map_or_else(|| "no job".to_string(), |j| format!("job #{j}"));
        return Err(JobError::discard(format!(
            "copy #{copy_id} belongs to {owner}, not to this job; only a copy's own job sends it"
        )));
    }
    if copy.state == CopyState::Finished {
        return Ok(());
    }
    // Maintenance: a copy whose turn comes while replication is deferred is parked as
    // `deferred` (its job ends); restart puts it back in the queue in order.
    if db
        .run(maintenance::zenodo_deferred)
        .await
        .map_err(JobError::retry)?
    {
        db.run(move |c| {
            store::set_state(
                c,
                copy_id,
                CopyState::Deferred,
                Some("deferred: Zenodo replication is paused for maintenance"),
                None,
            )?;
            store::log(c, copy_id, "INFO", "deferred for maintenance")
        })
        .await
        .map_err(JobError::retry)?;
        return Ok(());
    }
    let c2 = copy.clone();
    if let Some(p) = db
        .run(move |c| store::blocking_predecessor(c, &c2))
        .await
        .map_err(JobError::retry)?
    {
        let note = format!("waiting on copy #{}", p.id);
        let n = note.clone();
        db.run(move |c| store::set_state(c, copy_id, CopyState::Enqueued, Some(&n), None))
            .await
            .map_err(JobError::retry)?;
        return Err(JobError::Snooze(WAIT_FOR_PREDECESSOR, note));
    }
    // Imported from the system longjobs replaces without a file manifest: sending it would
    // publish an empty deposition, so it ends in error, saying what is missing.
    if crate::import::is_imported_placeholder(&copy.request) {
        let failed = copy.clone();
        db.run(move |c| {
            longjobs_core::db::transaction(c, |c| {
                let msg = crate::import::NO_MANIFEST;
                store::set_state(c, copy_id, CopyState::Error, Some("not sent"), Some(msg))?;
                store::log(c, copy_id, "ERROR", msg)?;
                crate::events::copy_failed(c, &failed, msg)
            })
        })
        .await
        .map_err(JobError::retry)?;
        return Err(JobError::discard(crate::import::NO_MANIFEST));
    }
    db.run(move |c| store::start_attempt(c, copy_id))
        .await
        .map_err(JobError::retry)?;
    let client = ZenodoClient::new(ctx.http.clone(), ctx.config.clone(), db.clone(), copy_id);
    client
        .log(
            "INFO",
            format!(
                "attempt {} of {} by {}",
                job.job.attempt, job.job.max_attempts, job.worker_id
            ),
        )
        .await;

    match replicate(db, &client, &copy).await {
        Ok(note) => {
            client.log("INFO", format!("finished: {note}")).await;
            db.run(move |c| store::set_state(c, copy_id, CopyState::Finished, Some(&note), None))
                .await
                .map_err(JobError::retry)?;
            Ok(())
        }
        Err(e) => {
            let last = job.job.attempt >= job.job.max_attempts || !e.transient;
            let note = if last {
                "final failure".to_string()
            } else {
                format!("attempt {} failed; will retry", job.job.attempt)
            };
            client.log("ERROR", format!("{note}: {}", e.message)).await;
            let (msg, failed) = (e.message.clone(), copy.clone());
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::set_state(c, copy_id, CopyState::Error, Some(&note), Some(&msg))?;
                    // Only the end of the road is told: a failed attempt that will retry is not.
                    if last {
                        crate::events::copy_failed(c, &failed, &msg)?;
                    }
                    Ok::<_, diesel::result::Error>(())
                })
            })
            .await
            .map_err(JobError::retry)?;
            Err(if e.transient {
                JobError::Retry(e.message)
            } else {
                JobError::Discard(e.message)
            })
        }
    }
}

/// The steps; returns a note on what was done.
async fn replicate(
    db: &Db,
    client: &ZenodoClient,
    copy: &ZenodoCopy,
) -> Result<String, ZenodoError> {
    let request: CopyRequest = copy.request().map_err(|e| ZenodoError {
        transient: false,
        message: format!("the stored request does not parse: {e}"),
    })?;
    let copy_id = copy.id;
    let mut dep = open_deposition(db, client, copy).await?;
    if dep.is_published() && copy.copy_type.publishes() {
        // An earlier attempt published it (and stopped before recording that): done if the
        // published files are the ones asked for; otherwise a new version carries them.
        if same_files(&dep, &request) {
            return Ok(format!(
                "deposition {} was already published with these files",
                dep.id
            ));
        }
        dep = new_version(client, &dep).await?;
        let (id, doi, concept) = (dep.id, dep.reserved_doi(), dep.concept());
        db.run(move |c| store::set_deposition(c, copy_id, id, doi.as_deref(), concept.as_deref()))
            .await
            .map_err(|e| ZenodoError {
                transient: true,
                message: format!("recording the deposition: {e}"),
            })?;
    }
    let bucket = dep.links.bucket.clone().ok_or_else(|| ZenodoError {
        transient: true,
        message: "the deposition has no bucket link".into(),
    })?;

    // Metadata (the reserved DOI is kept by Zenodo).
    dep = client.update_metadata(dep.id, &request.metadata).await?;

    // Files: upload what is new or changed, delete what is gone.
    let present: HashMap<String, &super::client::DepositionFile> =
        dep.files.iter().map(|f| (f.filename.clone(), f)).collect();
    let mut uploaded = 0;
    for f in &request.files {
        if present.get(&f.name).is_some_and(|p| {
            p.checksum
                .trim_start_matches("md5:")
                .eq_ignore_ascii_case(&f.md5)
                && p.filesize == f.size
        }) {
            continue;
        }
        // The upload checks the source's bytes against the manifest on the way.
        let remote = client.upload(&bucket, f).await?;
        if !remote.eq_ignore_ascii_case(&f.md5) {
            return Err(ZenodoError {
                transient: true,
                message: format!(
                    "{}: checksum mismatch: Zenodo stored md5 {remote}, expected {}",
                    f.name, f.md5
                ),
            });
        }
        uploaded += 1;
    }
    let wanted: std::collections::HashSet<&str> =
        request.files.iter().map(|f| f.name.as_str()).collect();
    let mut deleted = 0;
    for name in present.keys().filter(|n| !wanted.contains(n.as_str())) {
        client.delete_file(&bucket, name).await?;
        deleted += 1;
    }
    let mut note = format!(
        "deposition {}: {uploaded} uploaded, {deleted} deleted",
        dep.id
    );

    if copy.copy_type.publishes() {
        let current = client.get(dep.id).await?;
        if current.is_published() {
            note.push_str("; already published");
        } else {
            match client.action(dep.id, "publish").await {
                Ok(_) => note.push_str("; published"),
                Err(e) if !e.transient && e.message.contains("must differ") => {
                    // Nothing changed since the last version: drop the draft, keep the old.
                    client.delete_deposition(dep.id).await?;
                    note.push_str("; unchanged since the previous version, draft discarded");
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(note)
}

/// Whether a deposition holds exactly the requested files (names and MD5s).
fn same_files(dep: &Deposition, request: &CopyRequest) -> bool {
    let mut have: Vec<(String, String)> = dep
        .files
        .iter()
        .map(|f| {
            (
                f.filename.clone(),
                f.checksum.trim_start_matches("md5:").to_lowercase(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = request
        .files
        .iter()
        .map(|f| (f.name.clone(), f.md5.to_lowercase()))
        .collect();
    have.sort();
    want.sort();
    have == want
}

/// A new draft version of a published deposition.
async fn new_version(
    client: &ZenodoClient,
    published: &Deposition,
) -> Result<Deposition, ZenodoError> {
    let after = client.action(published.id, "newversion").await?;
    let draft_url = after["links"]["latest_draft"]
        .as_str()
        .map(str::to_string)
        .or(published.links.latest_draft.clone())
        .ok_or_else(|| ZenodoError {
            transient: true,
            message: "newversion gave no latest_draft link".into(),
        })?;
    client.get_url(&draft_url).await
}

/// The deposition this copy writes to: its own (from an earlier attempt), a new version of
/// the group's last published one, or a new one.
async fn open_deposition(
    db: &Db,
    client: &ZenodoClient,
    copy: &ZenodoCopy,
) -> Result<Deposition, ZenodoError> {
    let copy_id = copy.id;
    let record = |dep: &Deposition| {
        let (id, doi, concept) = (dep.id, dep.reserved_doi(), dep.concept());
        async move {
            db.run(move |c| {
                store::set_deposition(c, copy_id, id, doi.as_deref(), concept.as_deref())
            })
            .await
            .map_err(|e| ZenodoError {
                transient: true,
                message: format!("recording the deposition: {e}"),
            })
        }
    };
    if let Some(id) = copy.deposition_id {
        let dep = client.get(id).await?;
        if dep.is_published() && !copy.copy_type.publishes() {
            client.action(id, "edit").await?;
            return client.get(id).await;
        }
        return Ok(dep);
    }
    let c2 = copy.clone();
    let previous = db
        .run(move |c| store::previous_deposition(c, &c2))
        .await
        .map_err(|e| ZenodoError {
            transient: true,
            message: e.to_string(),
        })?;
    let dep = match previous.and_then(|p| p.deposition_id) {
        Some(prev_id) => {
            let prev = client.get(prev_id).await?;
            if prev.is_published() {
                new_version(client, &prev).await?
            } else {
                // The previous copy left a draft (an unpublished software/supp copy): continue it.
                prev
            }
        }
        None => {
            client
                .create(copy.copy_type != super::model::CopyType::Data)
                .await?
        }
    };
    record(&dep).await?;
    Ok(dep)
}
