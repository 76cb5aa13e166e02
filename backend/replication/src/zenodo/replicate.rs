//! The `zenodo.copy` job: send one copy to Zenodo, so that every exit sets a copy state.
//!
//! Create or reuse the deposition (a new version of the previous published one when there
//! is one), put the metadata, upload what changed (md5 checked; a failed file is deleted),
//! delete what was removed, compare Zenodo's whole file list with the manifest, and publish
//! when the copy type says so. A version whose files equal a published one is that one: the
//! copy points at its deposition and DOI (metadata changed in place when it differs: edit,
//! PUT, publish); a draft Zenodo refuses as identical is discarded only after the copy was
//! pointed back. No files and no chain: nothing to submit. A 429 with `Retry-After` snoozes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use longjobs_core::Db;
use longjobs_core::handler::{BackgroundJob, JobContext, JobError};
use serde::{Deserialize, Serialize};

use super::client::{Deposition, ZenodoClient, ZenodoConfig, ZenodoError};
use super::model::{CopyRequest, CopyState, ZenodoCopy};
use super::store;
use crate::maintenance;
use crate::{KIND_ZENODO_COPY, QUEUE_ZENODO, ZENODO_COPY_TIMEOUT};

/// How long a copy waits before looking again when an earlier copy is unfinished.
pub const WAIT_FOR_PREDECESSOR: Duration = Duration::from_secs(30);

/// The `zenodo.copy` job: sends one copy (its payload names the copy).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyJob {
    pub copy_id: i64,
}

impl BackgroundJob for CopyJob {
    const KIND: &'static str = KIND_ZENODO_COPY;
    const QUEUE: &'static str = QUEUE_ZENODO;
    const MAX_ATTEMPTS: i32 = store::COPY_MAX_ATTEMPTS;
    const TIMEOUT: Duration = ZENODO_COPY_TIMEOUT;
    type Context = Arc<ZenodoContext>;

    async fn run(self, ctx: Arc<ZenodoContext>, job: JobContext) -> Result<(), JobError> {
        run(&ctx, self, job).await
    }
}

/// What the handler needs besides the job.
#[derive(Clone)]
pub struct ZenodoContext {
    pub db: Db,
    pub http: reqwest::Client,
    pub config: ZenodoConfig,
}

async fn run(ctx: &ZenodoContext, payload: CopyJob, job: JobContext) -> Result<(), JobError> {
    let CopyJob { copy_id } = payload;
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
    // Finished, or given up by an operator (its job is cancelled then; a run that had
    // already started ends here).
    if copy.state.is_settled() {
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
    let files_total = copy
        .request()
        .map_or(0, |r| i32::try_from(r.files.len()).unwrap_or(i32::MAX));
    if !db
        .run(move |c| store::start_attempt(c, copy_id, files_total))
        .await
        .map_err(JobError::retry)?
    {
        return Ok(());
    }
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
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::set_state(c, copy_id, CopyState::Finished, Some(&note), None)?;
                    crate::events::copy_finished(c, copy_id)
                })
            })
            .await
            .map_err(JobError::retry)?;
            Ok(())
        }
        Err(e) if e.retry_after.is_some() => {
            // Zenodo's rate limit (429 + Retry-After, REST API documentation "Rate
            // limiting"): not a failure. The job waits at least as long as asked, without
            // spending the attempt, and the copy reads as waiting, not in error.
            let wait = e
                .retry_after
                .unwrap_or_default()
                .max(Duration::from_secs(1));
            let note = format!(
                "rate limited by Zenodo (429): next attempt in {} s, as its Retry-After asks",
                wait.as_secs()
            );
            client.log("INFO", format!("{note}: {}", e.message)).await;
            let n = note.clone();
            db.run(move |c| store::set_state(c, copy_id, CopyState::Enqueued, Some(&n), None))
                .await
                .map_err(JobError::retry)?;
            Err(JobError::Snooze(wait, note))
        }
        Err(e) => {
            let last = job.job.attempt >= job.job.max_attempts || !e.transient;
            // `error` only when no automatic retry remains; otherwise the copy waits for its
            // next attempt (`retrying`; the API shows when, from its job).
            let (state, note) = if last {
                (CopyState::Error, "final failure".to_string())
            } else {
                (
                    CopyState::Retrying,
                    format!(
                        "attempt {} of {} failed; will retry",
                        job.job.attempt, job.job.max_attempts
                    ),
                )
            };
            client.log("ERROR", format!("{note}: {}", e.message)).await;
            let (msg, failed) = (e.message.clone(), copy.clone());
            db.run(move |c| {
                longjobs_core::db::transaction(c, |c| {
                    store::set_state(c, copy_id, state, Some(&note), Some(&msg))?;
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
        retry_after: None,
        transient: false,
        message: format!("the stored request does not parse: {e}"),
    })?;
    let copy_id = copy.id;
    let mut dep = match own_deposition(client, copy).await? {
        Some(dep) => dep,
        None => {
            let base = last_deposition(db, client, copy).await?;
            if request.files.is_empty() && base.is_none() {
                // Nothing to submit: no files and no deposition to carry on.
                return Ok("nothing to submit: no files, so no deposition was created".into());
            }
            if let Some(b) = &base
                && b.is_published()
                && copy.copy_type.publishes()
                && same_files(b, &request)
            {
                return metadata_only(db, client, copy_id, b, &request.metadata).await;
            }
            continue_chain(db, client, copy, base).await?
        }
    };
    if dep.is_published() && copy.copy_type.publishes() {
        // An earlier attempt published it (and stopped before recording that): done if the
        // published files are the ones asked for; otherwise a new version carries them.
        if same_files(&dep, &request) {
            // An attempt stopped in a metadata-only change (the copy already names the
            // chain's last published deposition, not yet reopened): finish the change.
            // Metadata equal to the record's sends nothing.
            if last_deposition(db, client, copy)
                .await?
                .is_some_and(|base| base.id == dep.id)
            {
                return metadata_only(db, client, copy_id, &dep, &request.metadata).await;
            }
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
                retry_after: None,
                transient: true,
                message: format!("recording the deposition: {e}"),
            })?;
    }
    let bucket = dep.links.bucket.clone().ok_or_else(|| ZenodoError {
        retry_after: None,
        transient: true,
        message: "the deposition has no bucket link".into(),
    })?;

    // Metadata (the reserved DOI is kept by Zenodo).
    dep = client.update_metadata(dep.id, &request.metadata).await?;

    // Files: upload what is new or changed, delete what is gone. Progress counts the
    // manifest's files on Zenodo (those already there first), written per file.
    let present: HashMap<String, &super::client::DepositionFile> =
        dep.files.iter().map(|f| (f.filename.clone(), f)).collect();
    let same = |f: &super::model::ManifestFile| {
        present.get(&f.name).is_some_and(|p| {
            p.checksum
                .trim_start_matches("md5:")
                .eq_ignore_ascii_case(&f.md5)
                && p.filesize == f.size
        })
    };
    let mut progress = Progress::default();
    for f in request.files.iter().filter(|f| same(f)) {
        progress.add(f.size);
    }
    progress.record(db, copy_id).await;
    let mut uploaded = 0;
    for f in &request.files {
        if same(f) {
            continue;
        }
        // The upload checks the source's bytes against the manifest on the way.
        let remote = client.upload(&bucket, f).await?;
        if !remote.eq_ignore_ascii_case(&f.md5) {
            // A file whose checksum failed does not stay in the draft.
            client.delete_file(&bucket, &f.name).await?;
            client
                .log(
                    "INFO",
                    format!(
                        "{}: deleted from the draft after its checksum failed",
                        f.name
                    ),
                )
                .await;
            return Err(ZenodoError {
                retry_after: None,
                transient: true,
                message: format!(
                    "{}: checksum mismatch: Zenodo stored md5 {remote}, expected {}",
                    f.name, f.md5
                ),
            });
        }
        uploaded += 1;
        progress.add(f.size);
        progress.record(db, copy_id).await;
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

    // Zenodo's whole file list (names, sizes, md5s, count) must be the manifest's before
    // anything is published (or a draft left for later).
    let current = client.get(dep.id).await?;
    let problems = file_list_problems(&current, &request);
    if !problems.is_empty() {
        return Err(ZenodoError {
            retry_after: None,
            transient: true,
            message: format!(
                "deposition {}: the files on Zenodo differ from the manifest: {}",
                dep.id,
                problems.join("; ")
            ),
        });
    }
    if copy.copy_type.publishes() {
        if current.is_published() {
            note.push_str("; already published");
        } else {
            match client.action(dep.id, "publish").await {
                Ok(_) => note.push_str("; published"),
                Err(e) if !e.transient && e.message.contains("must differ") => {
                    // Nothing changed since the last version: that version is this copy.
                    // The copy is pointed back at it (deposition and DOI) first, then the
                    // draft is dropped, so no copy ever names a deleted draft and the next
                    // version builds on the last published deposition.
                    let Some(base) = holder_of(db, client, copy, &request, dep.id).await? else {
                        return Err(e);
                    };
                    let (id, doi, concept) = (base.id, base.doi(), base.concept());
                    let shown = doi.clone().unwrap_or_else(|| "none".into());
                    db.run(move |c| {
                        store::set_deposition(c, copy_id, id, doi.as_deref(), concept.as_deref())
                    })
                    .await
                    .map_err(db_error)?;
                    client
                        .log(
                            "INFO",
                            format!(
                                "files unchanged since deposition {id}: the copy now points at it (DOI {shown}); discarding draft {}",
                                dep.id
                            ),
                        )
                        .await;
                    client.delete_deposition(dep.id).await?;
                    note = format!(
                        "unchanged since the previous version: deposition {id} (DOI {shown}) holds these files; draft {} discarded",
                        dep.id
                    );
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(note)
}

/// Upload progress of one attempt: files of the manifest on Zenodo and their bytes.
#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    files: i32,
    bytes: i64,
}

impl Progress {
    fn add(&mut self, size: i64) {
        self.files = self.files.saturating_add(1);
        self.bytes = self.bytes.saturating_add(size);
    }

    /// Writes it on the copy. Progress is for people watching: a failed write is logged,
    /// never a reason to fail the copy.
    async fn record(self, db: &Db, copy_id: i64) {
        let Progress { files, bytes } = self;
        if let Err(e) = db
            .run(move |c| store::set_progress(c, copy_id, files, bytes))
            .await
        {
            tracing::warn!(copy_id, error = %e, "recording upload progress failed");
        }
    }
}

/// The published deposition of the chain that holds the files asked for (Zenodo refuses a
/// version whose files equal *any* earlier version's), else the last published one.
async fn holder_of(
    db: &Db,
    client: &ZenodoClient,
    copy: &ZenodoCopy,
    request: &CopyRequest,
    draft: i64,
) -> Result<Option<Deposition>, ZenodoError> {
    let c2 = copy.clone();
    let earlier = db
        .run(move |c| store::earlier_depositions(c, &c2))
        .await
        .map_err(db_error)?;
    let mut last_published = None;
    let mut seen = std::collections::HashSet::new();
    for id in earlier.iter().filter_map(|c| c.deposition_id) {
        if id == draft || !seen.insert(id) {
            continue;
        }
        let dep = match client.get(id).await {
            Ok(dep) => dep,
            Err(e) if e.not_found() => continue,
            Err(e) => return Err(e),
        };
        if !dep.is_published() {
            continue;
        }
        if same_files(&dep, request) {
            return Ok(Some(dep));
        }
        if last_published.is_none() {
            last_published = Some(dep);
        }
    }
    Ok(last_published)
}

/// A published deposition holding exactly the files asked for: the copy is that version.
/// Metadata asked for that differs is changed in place — edit, PUT metadata, publish
/// (Zenodo REST API documentation, "Deposition actions": edit / publish; discard on a
/// failure) — with no new version and no file traffic; equal metadata sends nothing.
async fn metadata_only(
    db: &Db,
    client: &ZenodoClient,
    copy_id: i64,
    base: &Deposition,
    metadata: &serde_json::Value,
) -> Result<String, ZenodoError> {
    let (id, doi, concept) = (base.id, base.doi(), base.concept());
    let shown = doi.clone().unwrap_or_else(|| "none".into());
    db.run(move |c| store::set_deposition(c, copy_id, id, doi.as_deref(), concept.as_deref()))
        .await
        .map_err(db_error)?;
    let same = metadata
        .as_object()
        .is_some_and(|m| m.iter().all(|(k, v)| base.metadata.get(k) == Some(v)));
    if same {
        return Ok(format!(
            "unchanged since the previous version: deposition {id} (DOI {shown}) holds these files and this metadata; nothing sent"
        ));
    }
    client
        .log(
            "INFO",
            format!("files unchanged since deposition {id}: changing its metadata in place"),
        )
        .await;
    client.action(id, "edit").await?;
    let changed = async {
        client.update_metadata(id, metadata).await?;
        client.action(id, "publish").await
    }
    .await;
    if let Err(e) = changed {
        // Leave the published record as it was, not open for editing.
        if !e.transient {
            let _ = client.action(id, "discard").await;
        }
        return Err(e);
    }
    Ok(format!(
        "metadata-only change: deposition {id} (DOI {shown}) edited, metadata updated and published again; files unchanged, no new version"
    ))
}

/// How Zenodo's file list differs from the manifest (names, sizes, md5s, count).
fn file_list_problems(dep: &Deposition, request: &CopyRequest) -> Vec<String> {
    let mut problems = Vec::new();
    if dep.files.len() != request.files.len() {
        problems.push(format!(
            "{} files on Zenodo, {} in the manifest",
            dep.files.len(),
            request.files.len()
        ));
    }
    let have: HashMap<&str, &super::client::DepositionFile> =
        dep.files.iter().map(|f| (f.filename.as_str(), f)).collect();
    for f in &request.files {
        match have.get(f.name.as_str()) {
            None => problems.push(format!("{} is missing", f.name)),
            Some(h) if h.filesize != f.size => problems.push(format!(
                "{}: {} bytes on Zenodo, {} in the manifest",
                f.name, h.filesize, f.size
            )),
            Some(h)
                if !h
                    .checksum
                    .trim_start_matches("md5:")
                    .eq_ignore_ascii_case(&f.md5) =>
            {
                problems.push(format!(
                    "{}: md5 {} on Zenodo, {} in the manifest",
                    f.name, h.checksum, f.md5
                ));
            }
            Some(_) => {}
        }
    }
    let wanted: std::collections::HashSet<&str> =
        request.files.iter().map(|f| f.name.as_str()).collect();
    for f in dep
        .files
        .iter()
        .filter(|f| !wanted.contains(f.filename.as_str()))
    {
        problems.push(format!("{} is not in the manifest", f.filename));
    }
    problems
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
            retry_after: None,
            transient: true,
            message: "newversion gave no latest_draft link".into(),
        })?;
    client.get_url(&draft_url).await
}

fn db_error(e: impl std::fmt::Display) -> ZenodoError {
    ZenodoError {
        retry_after: None,
        transient: true,
        message: format!("recording the deposition: {e}"),
    }
}

/// The deposition an earlier attempt of this copy recorded, if it still exists (a
/// published one reopened with edit for a copy that stays a draft).
async fn own_deposition(
    client: &ZenodoClient,
    copy: &ZenodoCopy,
) -> Result<Option<Deposition>, ZenodoError> {
    let Some(id) = copy.deposition_id else {
        return Ok(None);
    };
    match client.get(id).await {
        Ok(dep) => {
            if dep.is_published() && !copy.copy_type.publishes() {
                client.action(id, "edit").await?;
                return client.get(id).await.map(Some);
            }
            Ok(Some(dep))
        }
        // A draft of an earlier attempt that is gone: open the chain again.
        Err(e) if e.not_found() => {
            client
                .log(
                    "INFO",
                    format!("deposition {id} of an earlier attempt no longer exists; opening the chain again"),
                )
                .await;
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The deposition this copy writes to, from `base` (the chain's last deposition): a new
/// version of it when published, the draft itself when an unpublished copy left one, else
/// a new deposition. Recorded on the copy so that retries reuse it.
async fn continue_chain(
    db: &Db,
    client: &ZenodoClient,
    copy: &ZenodoCopy,
    base: Option<Deposition>,
) -> Result<Deposition, ZenodoError> {
    let copy_id = copy.id;
    let dep = match base {
        Some(prev) if prev.is_published() => new_version(client, &prev).await?,
        // The previous copy left a draft (an unpublished software/supp copy): continue it.
        Some(prev) => prev,
        None => match lost_create(client, copy).await? {
            Some(draft) => draft,
            None => {
                client
                    .create(
                        copy.copy_type != super::model::CopyType::Data,
                        &create_marker(copy),
                    )
                    .await?
            }
        },
    };
    let (id, doi, concept) = (dep.id, dep.reserved_doi(), dep.concept());
    db.run(move |c| store::set_deposition(c, copy_id, id, doi.as_deref(), concept.as_deref()))
        .await
        .map_err(db_error)?;
    Ok(dep)
}

/// How many of the account's newest drafts are searched for a lost create.
const LOST_CREATE_SEARCH: usize = 100;

/// What a deposition created for `copy` carries in `metadata.notes` until the copy's own
/// metadata replaces it.
fn create_marker(copy: &ZenodoCopy) -> String {
    format!(
        "longjobs copy #{} ({} {}, resource {})",
        copy.id,
        copy.identifier,
        copy.copy_type.as_str(),
        copy.resource_id
    )
}

/// A create of an earlier attempt whose answer was lost (a 504 or a dropped connection
/// after Zenodo made the deposition, or a worker stopped before recording it): found among
/// the account's newest drafts by the marker the create put in `notes`, and reused; any
/// other draft with the same marker (several lost answers) is deleted, so none is left
/// orphaned. Only looked for when an earlier attempt of the copy ran.
async fn lost_create(
    client: &ZenodoClient,
    copy: &ZenodoCopy,
) -> Result<Option<Deposition>, ZenodoError> {
    if copy.attempts == 0 {
        return Ok(None);
    }
    let marker = create_marker(copy);
    let mut mine: Vec<Deposition> = client
        .drafts(LOST_CREATE_SEARCH)
        .await?
        .into_iter()
        .filter(|d| !d.submitted && d.metadata["notes"].as_str() == Some(marker.as_str()))
        .collect();
    mine.sort_by_key(|d| std::cmp::Reverse(d.id));
    let mut found = mine.into_iter();
    let Some(keep) = found.next() else {
        return Ok(None);
    };
    for extra in found {
        client
            .log(
                "INFO",
                format!(
                    "draft {} is another lost create of this copy: deleted",
                    extra.id
                ),
            )
            .await;
        client.delete_deposition(extra.id).await?;
    }
    client
        .log(
            "INFO",
            format!(
                "draft {} was created by an earlier attempt whose answer was lost: reused",
                keep.id
            ),
        )
        .await;
    Ok(Some(keep))
}

/// The deposition the group's chain continues from: that of the newest earlier finished
/// copy that still exists on Zenodo. An earlier copy whose deposition is gone (a draft
/// discarded as unchanged by a version that did not point the copy back) is skipped, and
/// repaired once a published deposition before it is found: pointed at it.
async fn last_deposition(
    db: &Db,
    client: &ZenodoClient,
    copy: &ZenodoCopy,
) -> Result<Option<Deposition>, ZenodoError> {
    let c2 = copy.clone();
    let earlier = db
        .run(move |c| store::earlier_depositions(c, &c2))
        .await
        .map_err(db_error)?;
    let mut broken: Vec<(i64, i64)> = Vec::new();
    for prev in earlier {
        let Some(id) = prev.deposition_id else {
            continue;
        };
        let dep = match client.get(id).await {
            Ok(dep) => dep,
            Err(e) if e.not_found() => {
                client
                    .log(
                        "INFO",
                        format!(
                            "copy #{} names deposition {id}, which no longer exists; looking further back",
                            prev.id
                        ),
                    )
                    .await;
                broken.push((prev.id, id));
                continue;
            }
            Err(e) => return Err(e),
        };
        if dep.is_published() {
            for (copy_id, gone) in broken {
                let (to, doi, concept) = (dep.id, dep.doi(), dep.concept());
                let note = format!(
                    "repaired: deposition {gone} no longer exists (a discarded draft); points at deposition {to} (DOI {}), the published version before it",
                    doi.as_deref().unwrap_or("none")
                );
                client.log("INFO", format!("copy #{copy_id}: {note}")).await;
                db.run(move |c| {
                    store::repoint(c, copy_id, to, doi.as_deref(), concept.as_deref(), &note)
                })
                .await
                .map_err(db_error)?;
            }
        }
        return Ok(Some(dep));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::zenodo::model::ManifestFile;

    #[test]
    fn the_whole_file_list_is_compared_with_the_manifest() {
        let dep: Deposition = serde_json::from_value(serde_json::json!({
            "id": 1, "links": {},
            "files": [
                { "filename": "a.csv", "filesize": 3, "checksum": "aa" },
                { "filename": "b.csv", "filesize": 4, "checksum": "bb" },
                { "filename": "x.csv", "filesize": 1, "checksum": "cc" }
            ]
        }))
        .unwrap();
        let f = |name: &str, size, md5: &str| ManifestFile {
            name: name.into(),
            size,
            md5: md5.into(),
            url: "http://x/".into(),
        };
        let request = CopyRequest {
            metadata: serde_json::json!({}),
            files: vec![
                f("a.csv", 3, "AA"),
                f("b.csv", 5, "bb"),
                f("c.csv", 1, "dd"),
            ],
        };
        let problems = file_list_problems(&dep, &request).join("; ");
        for needle in [
            "b.csv: 4 bytes on Zenodo, 5",
            "c.csv is missing",
            "x.csv is not in the manifest",
        ] {
            assert!(problems.contains(needle), "{needle}: {problems}");
        }
        assert!(!problems.contains("a.csv"), "{problems}");
        let request = CopyRequest {
            metadata: serde_json::json!({}),
            files: vec![f("a.csv", 3, "aa")],
        };
        assert!(file_list_problems(&dep, &request)[0].contains("3 files on Zenodo, 1"));
    }
}
