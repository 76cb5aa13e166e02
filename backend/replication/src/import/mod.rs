//! `longjobs import dryad`: moves the history of the system longjobs replaces (Dryad's
//! Zenodo copies, Merritt repo queue states and the delayed_job rows still pending for
//! them) into longjobs' own tables, keeping ids and order so chains continue where they
//! stopped. Plans first (what moves where, what cannot move and why), then writes the plan
//! in one transaction, or only reports it (dry run). Rows already imported are skipped,
//! so a second run imports nothing twice.

pub mod source;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::MysqlConnection;
use diesel::prelude::*;
use longjobs_core::db::{DbConn, transaction};
use longjobs_core::queue;
use longjobs_core::schema::{
    merritt_submission_states, merritt_submissions, zenodo_copies, zenodo_copy_log,
};
use longjobs_core::{clock, with_conn};
use serde::Serialize;

use crate::merritt::SubmissionState;
use crate::zenodo::{CopyState, CopyType, ZenodoCopy};
use source::{Handler, SourceCopy, SourceDelayedJob, SourceQueueState};

/// The value of `imported_from` in the request of an imported copy or submission: the old
/// tables hold no file manifest, so these requests carry none (see [`is_imported_placeholder`]).
pub const IMPORTED_FROM: &str = "dryad";

pub const T_COPIES: &str = "stash_engine_zenodo_copies";
pub const T_QUEUE: &str = "stash_engine_repo_queue_states";
pub const T_DELAYED: &str = "delayed_jobs";

/// Whether a stored request is the manifest-less stand-in the import wrote.
pub fn is_imported_placeholder(request: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Marker {
        imported_from: Option<String>,
        #[serde(default)]
        files: Vec<serde_json::Value>,
    }
    serde_json::from_str::<Marker>(request)
        .is_ok_and(|m| m.imported_from.is_some() && m.files.is_empty())
}

/// What sending an imported copy or submission without a manifest says.
pub const NO_MANIFEST: &str = "imported from the system longjobs replaces, whose tables hold no \
    file manifest: the application must send this dataset version again with its files";

/// What an import moved (or would move), per source table and state, and what it refused.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Report {
    pub dry_run: bool,
    pub tables: Vec<TableReport>,
    /// Rows that cannot be imported, with the reason.
    pub refused: Vec<RefusedRow>,
    /// Jobs created (or that would be).
    pub jobs_created: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TableReport {
    pub table: String,
    /// Rows read from the source table.
    pub rows: usize,
    /// Counts by outcome: "old state → longjobs state", "already imported", "refused", …
    pub moved: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RefusedRow {
    pub table: String,
    pub id: i64,
    pub reason: String,
}

impl Report {
    fn table(&mut self, name: &str) -> &mut TableReport {
        if let Some(i) = self.tables.iter().position(|t| t.table == name) {
            return &mut self.tables[i];
        }
        self.tables.push(TableReport {
            table: name.to_string(),
            ..TableReport::default()
        });
        let last = self.tables.len() - 1;
        &mut self.tables[last]
    }

    fn count(&mut self, table: &str, outcome: impl Into<String>) {
        *self.table(table).moved.entry(outcome.into()).or_default() += 1;
    }

    fn refuse(&mut self, table: &str, id: i64, reason: impl Into<String>) {
        self.count(table, "cannot be imported");
        self.refused.push(RefusedRow {
            table: table.to_string(),
            id,
            reason: reason.into(),
        });
    }

    /// The count of one outcome of one table (0 when none).
    pub fn moved(&self, table: &str, outcome: &str) -> usize {
        self.tables
            .iter()
            .find(|t| t.table == table)
            .and_then(|t| t.moved.get(outcome).copied())
            .unwrap_or(0)
    }

    /// The report for people: counts per table and state, then every refused row.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.dry_run {
            s.push_str("dry run: nothing was written; this is what the import would do\n");
        }
        let width = self
            .tables
            .iter()
            .flat_map(|t| t.moved.keys())
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0);
        for t in &self.tables {
            s.push_str(&format!("{}: {} rows\n", t.table, t.rows));
            for (outcome, n) in &t.moved {
                s.push_str(&format!("  {outcome:<width$} {n:>6}\n"));
            }
        }
        s.push_str(&format!(
            "longjobs jobs {}: {}\n",
            if self.dry_run { "to create" } else { "created" },
            self.jobs_created
        ));
        if !self.refused.is_empty() {
            s.push_str(&format!("cannot be imported ({}):\n", self.refused.len()));
            for r in &self.refused {
                s.push_str(&format!("  {} #{}: {}\n", r.table, r.id, r.reason));
            }
        }
        s
    }
}

/// Why the import could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(
        "the source database lacks the table(s) {0:?}: is it the repository application's database?"
    )]
    MissingTables(Vec<&'static str>),
    #[error("reading the source database: {0}")]
    Source(#[source] diesel::result::Error),
    #[error("writing longjobs' database (nothing was written): {0}")]
    Target(#[source] diesel::result::Error),
}

/// A copy as it will be written.
struct CopyPlan {
    id: i64,
    identifier: String,
    resource_id: i64,
    copy_type: CopyType,
    state: CopyState,
    job: bool,
    deposition_id: Option<i64>,
    software_doi: Option<String>,
    conceptrecid: Option<String>,
    /// The old `retries`: the counter its daily retry compared with the limit (and the one
    /// its runbook raised by hand to keep a copy out of it).
    retries: i32,
    note: Option<String>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    log: Vec<(&'static str, String)>,
}

/// A submission (one per resource of the old queue-state table) as it will be written.
struct SubmissionPlan {
    id: i64,
    resource_id: i64,
    identifier: String,
    state: SubmissionState,
    /// `None`: the importer's host (it changed the state).
    host: Option<String>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    history: Vec<(i64, SubmissionState, String, NaiveDateTime)>,
    import_note: String,
    check_job: bool,
}

/// Reads the old tables, plans the import and, unless `dry_run`, writes it in one
/// transaction. `host` is stamped on the history entries the import writes.
pub fn import_dryad(
    source: &mut MysqlConnection,
    target: &mut DbConn,
    dry_run: bool,
    host: &str,
) -> Result<Report, ImportError> {
    let missing = source::missing_tables(source).map_err(ImportError::Source)?;
    if !missing.is_empty() {
        return Err(ImportError::MissingTables(missing));
    }
    let copies = source::copies(source).map_err(ImportError::Source)?;
    let states = source::queue_states(source).map_err(ImportError::Source)?;
    let delayed = source::delayed_jobs(source).map_err(ImportError::Source)?;

    let mut report = Report {
        dry_run,
        ..Report::default()
    };
    report.table(T_COPIES).rows = copies.len();
    report.table(T_QUEUE).rows = states.len();
    report.table(T_DELAYED).rows = delayed.len();

    let existing = Existing::read(target).map_err(ImportError::Target)?;
    let (live, dj_targets) = match_delayed_jobs(&copies, &delayed);
    let (copy_plans, fates) = plan_copies(&copies, &live, &existing, &mut report);
    report_delayed_jobs(&delayed, &dj_targets, &fates, &mut report);
    let sub_plans = plan_submissions(&states, &existing, &mut report);
    report.jobs_created = copy_plans.iter().filter(|p| p.job).count()
        + sub_plans.iter().filter(|p| p.check_job).count();

    if !dry_run {
        transaction(target, |c| write(c, &copy_plans, &sub_plans, host))
            .map_err(ImportError::Target)?;
    }
    Ok(report)
}

/// What longjobs' tables already hold.
struct Existing {
    copies: HashMap<i64, (String, i64, CopyType)>,
    submissions: HashMap<i64, i64>,
    state_ids: HashSet<i64>,
}

impl Existing {
    fn read(c: &mut DbConn) -> QueryResult<Self> {
        let copies: Vec<(i64, String, i64, CopyType)> = zenodo_copies::table
            .select((
                zenodo_copies::id,
                zenodo_copies::identifier,
                zenodo_copies::resource_id,
                zenodo_copies::copy_type,
            ))
            .load(c)?;
        let submissions: Vec<(i64, i64)> = merritt_submissions::table
            .select((merritt_submissions::id, merritt_submissions::resource_id))
            .load(c)?;
        let state_ids: Vec<i64> = merritt_submission_states::table
            .select(merritt_submission_states::id)
            .load(c)?;
        Ok(Existing {
            copies: copies
                .into_iter()
                .map(|(id, i, r, t)| (id, (i, r, t)))
                .collect(),
            submissions: submissions.into_iter().collect(),
            state_ids: state_ids.into_iter().collect(),
        })
    }
}

/// Where a delayed_jobs row points.
#[derive(Debug, Clone, PartialEq)]
enum DjTarget {
    /// The copy its argument names.
    Copy(i64),
    /// A job of another class (mailers, …): none of the import's business.
    Other,
    /// A Zenodo job whose copy cannot be found, and why.
    Unmatched(String),
}

type DjTargets = HashMap<i64, DjTarget>;

/// Pending (not failed) Zenodo rows of `delayed_jobs`, matched to copies by the job's
/// argument: copy id → its pending rows, oldest first; and each row's target.
fn match_delayed_jobs(
    copies: &[SourceCopy],
    delayed: &[SourceDelayedJob],
) -> (HashMap<i64, Vec<i64>>, DjTargets) {
    let by_id: HashMap<i64, &SourceCopy> = copies.iter().map(|c| (c.id, c)).collect();
    let mut data_by_resource: HashMap<i64, i64> = HashMap::new();
    for c in copies {
        if c.copy_type.as_deref() == Some("data")
            && let Some(r) = c.resource_id
        {
            data_by_resource.entry(r).or_insert(c.id);
        }
    }
    let group_of = |c: &SourceCopy| {
        c.copy_type
            .as_deref()
            .and_then(|t| t.parse::<CopyType>().ok())
            .map(CopyType::group)
    };
    let mut live: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut targets = HashMap::new();
    for dj in delayed {
        let handler = source::parse_handler(dj.handler.as_deref().unwrap_or(""));
        let target = match handler {
            Handler::ZenodoData { resource_id } => match data_by_resource.get(&resource_id) {
                Some(id) => DjTarget::Copy(*id),
                None => DjTarget::Unmatched(format!(
                    "ZenodoCopyJob for resource {resource_id}, which has no data copy in {T_COPIES}"
                )),
            },
            Handler::ZenodoSoftware { copy_id } | Handler::ZenodoSupp { copy_id } => {
                let want = if matches!(handler, Handler::ZenodoSoftware { .. }) {
                    "software"
                } else {
                    "supp"
                };
                match by_id.get(&copy_id) {
                    None => DjTarget::Unmatched(format!(
                        "job for copy #{copy_id}, which is not in {T_COPIES}"
                    )),
                    Some(c) if group_of(c) != Some(want) => DjTarget::Unmatched(format!(
                        "a {want} job for copy #{copy_id}, which is a {} copy",
                        c.copy_type.as_deref().unwrap_or("typeless")
                    )),
                    Some(_) => DjTarget::Copy(copy_id),
                }
            }
            Handler::Unreadable(why) => DjTarget::Unmatched(format!("unreadable handler: {why}")),
            Handler::Other(_) => DjTarget::Other,
        };
        if dj.failed_at.is_none()
            && let DjTarget::Copy(copy) = target
        {
            live.entry(copy).or_default().push(dj.id);
        }
        targets.insert(dj.id, target);
    }
    (live, targets)
}

/// What became of a source copy.
#[derive(Debug, Clone, PartialEq)]
enum Fate {
    /// Imported; with a job or not.
    Imported {
        job: bool,
        state: CopyState,
    },
    Already,
    Refused,
}

fn plan_copies(
    copies: &[SourceCopy],
    live: &HashMap<i64, Vec<i64>>,
    existing: &Existing,
    report: &mut Report,
) -> (Vec<CopyPlan>, HashMap<i64, Fate>) {
    let mut pairs: HashMap<(i64, CopyType), i64> = existing
        .copies
        .iter()
        .map(|(id, (_, r, t))| ((*r, *t), *id))
        .collect();
    let mut plans = Vec::new();
    let mut fates = HashMap::new();
    for c in copies {
        let refuse = |report: &mut Report, fates: &mut HashMap<i64, Fate>, why: String| {
            report.refuse(T_COPIES, c.id, why);
            fates.insert(c.id, Fate::Refused);
        };
        let Some(from) = c.state.as_deref().and_then(|s| s.parse::<CopyState>().ok()) else {
            refuse(report, &mut fates, format!("unknown state {:?}", c.state));
            continue;
        };
        let Some(copy_type) = c
            .copy_type
            .as_deref()
            .and_then(|s| s.parse::<CopyType>().ok())
        else {
            refuse(
                report,
                &mut fates,
                format!("unknown copy type {:?}", c.copy_type),
            );
            continue;
        };
        let Some(resource_id) = c.resource_id else {
            refuse(report, &mut fates, "no resource_id".into());
            continue;
        };
        let Some(identifier) = source::identifier(c.doi.as_deref(), c.id_type.as_deref()) else {
            refuse(
                report,
                &mut fates,
                match c.identifier_id {
                    Some(i) => format!(
                        "its identifier_id {i} names no identifier in stash_engine_identifiers"
                    ),
                    None => "it has no identifier_id".to_string(),
                },
            );
            continue;
        };
        if let Some((i, r, t)) = existing.copies.get(&c.id) {
            if (i, *r, *t) == (&identifier, resource_id, copy_type) {
                report.count(T_COPIES, "already imported");
                fates.insert(c.id, Fate::Already);
            } else {
                refuse(
                    report,
                    &mut fates,
                    format!(
                        "longjobs already has a copy #{} (a {t} copy of {i}, resource {r}): ids are kept, so it cannot be imported",
                        c.id
                    ),
                );
            }
            continue;
        }
        if let Some(other) = pairs.get(&(resource_id, copy_type)) {
            refuse(
                report,
                &mut fates,
                format!(
                    "a {copy_type} copy of resource {resource_id} is already copy #{other}: longjobs keeps one copy per type per resource"
                ),
            );
            continue;
        }
        pairs.insert((resource_id, copy_type), c.id);

        let pending = live.get(&c.id).cloned().unwrap_or_default();
        let dj_names = pending
            .iter()
            .map(|d| format!("#{d}"))
            .collect::<Vec<_>>()
            .join(", ");
        let old_note = c.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let with_old_note = |why: String| match old_note {
            Some(n) => format!("{why} (note before the import: {n})"),
            None => why,
        };
        let last_line = c
            .error_info
            .as_deref()
            .and_then(|e| e.lines().rev().map(str::trim).find(|l| !l.is_empty()))
            .map(str::to_string);
        let (state, job, note, last_error) = match from {
            CopyState::Enqueued => (
                CopyState::Enqueued,
                true,
                old_note.map(str::to_string),
                None,
            ),
            CopyState::Replicating if !pending.is_empty() => (
                CopyState::Enqueued,
                true,
                Some(with_old_note(format!(
                    "imported: was replicating and its delayed_job {dj_names} was still pending, so it runs again"
                ))),
                None,
            ),
            CopyState::Replicating => {
                let why = "imported: was replicating with no live delayed_job row (its run was stopped or lost); resend it".to_string();
                (
                    CopyState::Error,
                    false,
                    Some(with_old_note(why.clone())),
                    Some(why),
                )
            }
            CopyState::Deferred => (
                CopyState::Deferred,
                false,
                old_note.map(str::to_string),
                None,
            ),
            CopyState::Finished => (
                CopyState::Finished,
                false,
                old_note.map(str::to_string),
                None,
            ),
            CopyState::GivenUp => (
                CopyState::GivenUp,
                false,
                old_note.map(str::to_string),
                None,
            ),
            // The system longjobs replaces has no `retrying`: such a row is in error.
            CopyState::Error | CopyState::Retrying => (
                CopyState::Error,
                false,
                old_note.map(str::to_string),
                Some(last_line.unwrap_or_else(|| "error in the system longjobs replaces".into())),
            ),
        };
        let mut log = vec![(
            "INFO",
            format!(
                "imported from {T_COPIES} #{} ({from} there{})",
                c.id,
                if pending.is_empty() {
                    String::new()
                } else {
                    format!(", delayed_job {dj_names} pending")
                }
            ),
        )];
        if let Some(e) = c.error_info.as_deref() {
            let lines: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
            let keep = lines
                .len()
                .saturating_sub(crate::zenodo::store::LOG_LINES_KEPT as usize - 2);
            for l in &lines[keep..] {
                let kind = if l.contains("ERROR") {
                    "ERROR"
                } else if l.contains("RESPONSE") {
                    "RESPONSE"
                } else if l.contains("REQUEST") {
                    "REQUEST"
                } else {
                    "INFO"
                };
                log.push((kind, l.trim().to_string()));
            }
        }
        let outcome = format!("{from} → {state}{}", if job { " + job" } else { "" });
        report.count(T_COPIES, outcome);
        fates.insert(c.id, Fate::Imported { job, state });
        plans.push(CopyPlan {
            id: c.id,
            identifier,
            resource_id,
            copy_type,
            state,
            job,
            deposition_id: c.deposition_id,
            software_doi: c.software_doi.clone(),
            conceptrecid: c.conceptrecid.clone(),
            retries: i32::try_from(c.retries.unwrap_or(0)).unwrap_or(i32::MAX),
            note,
            last_error,
            created_at: c.created_at,
            updated_at: c.updated_at,
            log,
        });
    }
    (plans, fates)
}

fn report_delayed_jobs(
    delayed: &[SourceDelayedJob],
    targets: &DjTargets,
    fates: &HashMap<i64, Fate>,
    report: &mut Report,
) {
    let mut taken: HashSet<i64> = HashSet::new();
    for dj in delayed {
        let target = targets.get(&dj.id).cloned().unwrap_or(DjTarget::Other);
        let copy = match target {
            DjTarget::Other => {
                report.count(T_DELAYED, "not a Zenodo copy job: left alone");
                continue;
            }
            DjTarget::Unmatched(why) => {
                if dj.failed_at.is_some() {
                    report.count(T_DELAYED, "failed in delayed_job: not imported");
                } else {
                    report.refuse(T_DELAYED, dj.id, why);
                }
                continue;
            }
            DjTarget::Copy(copy) => copy,
        };
        if dj.failed_at.is_some() {
            report.count(T_DELAYED, "failed in delayed_job: not imported");
            continue;
        }
        match fates.get(&copy) {
            Some(Fate::Imported { job: true, .. }) => {
                if taken.insert(copy) {
                    report.count(T_DELAYED, "pending → the job of its copy");
                } else {
                    report.count(
                        T_DELAYED,
                        "pending → superseded (a duplicate for the same copy)",
                    );
                }
            }
            Some(Fate::Imported { state, .. }) => {
                report.count(
                    T_DELAYED,
                    format!("pending → superseded (its copy is {state}: nothing to run)"),
                );
            }
            Some(Fate::Already) => report.count(T_DELAYED, "already imported"),
            Some(Fate::Refused) | None => report.refuse(
                T_DELAYED,
                dj.id,
                format!("its copy #{copy} cannot be imported"),
            ),
        }
    }
}

fn plan_submissions(
    states: &[SourceQueueState],
    existing: &Existing,
    report: &mut Report,
) -> Vec<SubmissionPlan> {
    let mut groups: BTreeMap<i64, Vec<&SourceQueueState>> = BTreeMap::new();
    let mut order: Vec<i64> = Vec::new();
    for s in states {
        let Some(r) = s.resource_id else {
            report.refuse(T_QUEUE, s.id, "no resource_id");
            continue;
        };
        let g = groups.entry(r).or_default();
        if g.is_empty() {
            order.push(r);
        }
        g.push(s);
    }
    let by_resource: HashMap<i64, i64> = existing
        .submissions
        .iter()
        .map(|(id, r)| (*r, *id))
        .collect();
    let mut plans = Vec::new();
    for resource_id in order {
        let rows = &groups[&resource_id];
        let first = rows[0];
        let id = first.id;
        let refuse_all = |report: &mut Report, why: String| {
            for r in rows {
                report.refuse(T_QUEUE, r.id, why.clone());
            }
        };
        let mut history = Vec::new();
        let mut bad = None;
        for r in rows {
            match r
                .state
                .as_deref()
                .and_then(|s| s.parse::<SubmissionState>().ok())
            {
                Some(st) => history.push((
                    r.id,
                    st,
                    r.hostname
                        .clone()
                        .filter(|h| !h.is_empty())
                        .unwrap_or_else(|| "unknown".into()),
                    r.created_at,
                )),
                None => bad = Some(format!("row #{} has the unknown state {:?}", r.id, r.state)),
            }
        }
        if let Some(why) = bad {
            refuse_all(report, format!("resource {resource_id}: {why}"));
            continue;
        }
        let Some(identifier) = source::identifier(first.doi.as_deref(), first.id_type.as_deref())
        else {
            refuse_all(
                report,
                format!(
                    "resource {resource_id} has no identifier in stash_engine_resources / stash_engine_identifiers"
                ),
            );
            continue;
        };
        if let Some(r) = existing.submissions.get(&id) {
            if *r == resource_id {
                for _ in rows.iter() {
                    report.count(T_QUEUE, "already imported");
                }
            } else {
                refuse_all(
                    report,
                    format!(
                        "longjobs already has a submission #{id} (of resource {r}): ids are kept, so it cannot be imported"
                    ),
                );
            }
            continue;
        }
        if let Some(other) = by_resource.get(&resource_id) {
            refuse_all(
                report,
                format!(
                    "resource {resource_id} already has longjobs submission #{other}: importing it would risk sending the version twice"
                ),
            );
            continue;
        }
        if let Some(taken) = rows.iter().find(|r| existing.state_ids.contains(&r.id)) {
            refuse_all(
                report,
                format!(
                    "longjobs already has a submission history entry #{}: ids are kept, so it cannot be imported",
                    taken.id
                ),
            );
            continue;
        }
        let (_, latest, latest_host, latest_at) = history[history.len() - 1].clone();
        let (state, note, last_error, check_job) = match latest {
            SubmissionState::Completed => (SubmissionState::Completed, "imported".to_string(), None, false),
            SubmissionState::ProvisionalComplete => (
                SubmissionState::ProvisionalComplete,
                "imported; a checker job looks for it in Merritt".to_string(),
                None,
                true,
            ),
            SubmissionState::Errored => (
                SubmissionState::Errored,
                "imported".to_string(),
                Some("errored in the system longjobs replaces".to_string()),
                false,
            ),
            SubmissionState::RejectedShuttingDown => (
                SubmissionState::RejectedShuttingDown,
                "imported: held (longjobs restart or a resend puts it in the queue, from any host)".to_string(),
                None,
                false,
            ),
            SubmissionState::Enqueued => (
                SubmissionState::RejectedShuttingDown,
                "imported: was enqueued in a web server's memory, which the old system loses on a restart; held until longjobs restart or a resend".to_string(),
                None,
                false,
            ),
            // The old system has no such state; kept as it is should a row carry it.
            SubmissionState::GivenUp => (SubmissionState::GivenUp, "imported".to_string(), None, false),
            SubmissionState::Processing => {
                let why = "imported: was processing, so Merritt may have it; not sent again by the import: check Merritt, then resend".to_string();
                (SubmissionState::Errored, why.clone(), Some(why), false)
            }
        };
        report.count(
            T_QUEUE,
            format!(
                "latest {latest} → submission {state}{}",
                if check_job { " + checker job" } else { "" }
            ),
        );
        for _ in 1..rows.len() {
            report.count(T_QUEUE, "earlier state → submission history");
        }
        plans.push(SubmissionPlan {
            id,
            resource_id,
            identifier,
            state,
            // The host that wrote the current state: the importer when it changed it.
            host: (state == latest).then_some(latest_host),
            last_error,
            created_at: first.created_at,
            // The checker measures its time limit from here: give it its full window.
            updated_at: if check_job { clock::now() } else { latest_at },
            history,
            import_note: note,
            check_job,
        });
    }
    plans
}

fn copy_request() -> String {
    serde_json::json!({ "imported_from": IMPORTED_FROM, "metadata": {}, "files": [] }).to_string()
}

fn submission_request() -> String {
    serde_json::json!({ "imported_from": IMPORTED_FROM, "files": [], "profile": "", "submitter": "" })
        .to_string()
}

/// Writes the plan (inside the caller's transaction): rows with their ids first, then the
/// id sequences moved past them, then jobs, logs and the import's own history entries.
fn write(
    c: &mut DbConn,
    copies: &[CopyPlan],
    subs: &[SubmissionPlan],
    host: &str,
) -> QueryResult<()> {
    // Multi-row inserts, in chunks that stay under every backend's bound-parameter limit
    // (and MySQL's packet size for the log lines).
    let copy_request = copy_request();
    for chunk in copies.chunks(500) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|p| {
                (
                    zenodo_copies::id.eq(p.id),
                    zenodo_copies::identifier.eq(&p.identifier),
                    zenodo_copies::resource_id.eq(p.resource_id),
                    zenodo_copies::copy_type.eq(p.copy_type),
                    zenodo_copies::state.eq(p.state),
                    zenodo_copies::deposition_id.eq(p.deposition_id),
                    zenodo_copies::software_doi.eq(&p.software_doi),
                    zenodo_copies::conceptrecid.eq(&p.conceptrecid),
                    zenodo_copies::attempts.eq(p.retries),
                    zenodo_copies::daily_retries.eq(p.retries),
                    zenodo_copies::note.eq(&p.note),
                    zenodo_copies::last_error.eq(&p.last_error),
                    zenodo_copies::size.eq(0_i64),
                    zenodo_copies::request.eq(&copy_request),
                    zenodo_copies::created_at.eq(p.created_at),
                    zenodo_copies::updated_at.eq(p.updated_at),
                )
            })
            .collect();
        with_conn!(c, |c| diesel::insert_into(zenodo_copies::table)
            .values(&rows)
            .execute(c))?;
    }
    let sub_request = submission_request();
    for chunk in subs.chunks(1000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|s| {
                (
                    merritt_submissions::id.eq(s.id),
                    merritt_submissions::resource_id.eq(s.resource_id),
                    merritt_submissions::identifier.eq(&s.identifier),
                    merritt_submissions::request.eq(&sub_request),
                    merritt_submissions::state.eq(s.state),
                    merritt_submissions::host.eq(s.host.as_deref().unwrap_or(host)),
                    merritt_submissions::last_error.eq(&s.last_error),
                    merritt_submissions::created_at.eq(s.created_at),
                    merritt_submissions::updated_at.eq(s.updated_at),
                )
            })
            .collect();
        with_conn!(c, |c| diesel::insert_into(merritt_submissions::table)
            .values(&rows)
            .execute(c))?;
    }
    let history: Vec<_> = subs
        .iter()
        .flat_map(|s| {
            s.history.iter().map(|(id, state, h, at)| {
                (
                    merritt_submission_states::id.eq(*id),
                    merritt_submission_states::submission_id.eq(s.id),
                    merritt_submission_states::state.eq(*state),
                    merritt_submission_states::host.eq(h),
                    merritt_submission_states::note.eq(Some(format!("from {T_QUEUE} #{id}"))),
                    merritt_submission_states::at.eq(*at),
                )
            })
        })
        .collect();
    for chunk in history.chunks(1000) {
        with_conn!(c, |c| diesel::insert_into(merritt_submission_states::table)
            .values(chunk)
            .execute(c))?;
    }
    // PostgreSQL's sequences do not see explicit ids: move them past the imported rows so
    // the next copy or submission longjobs creates gets a fresh id. (SQLite and MySQL
    // follow the largest id by themselves.)
    if let DbConn::Postgres(pg) = c {
        for t in [
            "zenodo_copies",
            "merritt_submissions",
            "merritt_submission_states",
        ] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
            ))
            .execute(pg)?;
        }
    }
    let now = clock::now();
    // Jobs in copy id order (enqueue_many keeps request order), so job ids follow copy ids
    // within each chain.
    let requests: Vec<_> = copies
        .iter()
        .filter(|p| p.job)
        .map(|p| {
            crate::zenodo::store::job_request(&ZenodoCopy {
                id: p.id,
                identifier: p.identifier.clone(),
                resource_id: p.resource_id,
                copy_type: p.copy_type,
                state: p.state,
                deposition_id: p.deposition_id,
                software_doi: p.software_doi.clone(),
                conceptrecid: p.conceptrecid.clone(),
                attempts: p.retries,
                note: p.note.clone(),
                last_error: p.last_error.clone(),
                size: 0,
                request: String::new(),
                job_id: None,
                created_at: p.created_at,
                updated_at: p.updated_at,
                daily_retries: p.retries,
                daily_retry_excluded: false,
                daily_retry_note: None,
                given_up_reason: None,
                files_total: 0,
                files_done: 0,
                bytes_done: 0,
            })
        })
        .collect();
    for (p, e) in copies
        .iter()
        .filter(|p| p.job)
        .zip(queue::enqueue_many(c, &requests)?)
    {
        diesel::update(zenodo_copies::table.find(p.id))
            .set(zenodo_copies::job_id.eq(Some(e.job.id.0)))
            .execute(c)?;
    }
    // The lines are already capped to what a copy's log keeps.
    let lines: Vec<_> = copies
        .iter()
        .flat_map(|p| {
            p.log.iter().map(move |(kind, message)| {
                (
                    zenodo_copy_log::copy_id.eq(p.id),
                    zenodo_copy_log::at.eq(now),
                    zenodo_copy_log::kind.eq(*kind),
                    zenodo_copy_log::message.eq(longjobs_core::job::truncate(
                        crate::zenodo::store::redact(message),
                        crate::zenodo::store::LOG_LINE_MAX,
                    )),
                )
            })
        })
        .collect();
    for chunk in lines.chunks(500) {
        with_conn!(c, |c| diesel::insert_into(zenodo_copy_log::table)
            .values(chunk)
            .execute(c))?;
    }
    let entries: Vec<_> = subs
        .iter()
        .map(|s| {
            (
                merritt_submission_states::submission_id.eq(s.id),
                merritt_submission_states::state.eq(s.state),
                merritt_submission_states::host.eq(host),
                merritt_submission_states::note.eq(Some(&s.import_note)),
                merritt_submission_states::at.eq(now),
            )
        })
        .collect();
    for chunk in entries.chunks(1000) {
        with_conn!(c, |c| diesel::insert_into(merritt_submission_states::table)
            .values(chunk)
            .execute(c))?;
    }
    for s in subs.iter().filter(|s| s.check_job) {
        let job = queue::enqueue(c, &crate::merritt::store::check_job(s.id, now))?.job;
        diesel::update(merritt_submissions::table.find(s.id))
            .set(merritt_submissions::job_id.eq(Some(job.id.0)))
            .execute(c)?;
    }
    Ok(())
}
