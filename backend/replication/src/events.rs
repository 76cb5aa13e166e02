//! The events replication records when a copy or submission ends: for operators, the
//! notification outbox of `longjobs_core::outbox` (errors only; the worker's notifier sends
//! them in digests); for the host application, `longjobs_core::host_events` (every end,
//! finished or failed, listed by `GET /api/events` and posted to its signed webhook).

use diesel::QueryResult;
use longjobs_core::DbConn;
use longjobs_core::host_events::{self, HostEventKind};
use longjobs_core::outbox::{self, EventKind};
use serde_json::{Value, json};

use crate::merritt::Submission;
use crate::zenodo::ZenodoCopy;

/// Records that `copy` ended in error with `error`; call it in the transaction that moves
/// the copy to `error`.
pub fn copy_failed(conn: &mut DbConn, copy: &ZenodoCopy, error: &str) -> QueryResult<()> {
    let mut payload = copy_payload(HostEventKind::CopyError, copy);
    payload["error"] = json!(error);
    host_events::record(
        conn,
        HostEventKind::CopyError,
        copy.id,
        &copy.identifier,
        &payload,
    )?;
    outbox::record(
        conn,
        EventKind::CopyError,
        &format!(
            "Zenodo copy #{} of {} ({}) failed: {}",
            copy.id,
            copy.identifier,
            copy.copy_type,
            first_line(error)
        ),
        &json!({
            "copy_id": copy.id,
            "identifier": copy.identifier,
            "resource_id": copy.resource_id,
            "copy_type": copy.copy_type,
            "job_id": copy.job_id,
            "error": error,
        }),
    )
}

/// Records that `sub` ended in error with `error`; call it in the transaction that records
/// the `errored` state.
pub fn submission_failed(conn: &mut DbConn, sub: &Submission, error: &str) -> QueryResult<()> {
    let mut payload = submission_payload(HostEventKind::SubmissionError, sub);
    payload["error"] = json!(error);
    host_events::record(
        conn,
        HostEventKind::SubmissionError,
        sub.id,
        &sub.identifier,
        &payload,
    )?;
    outbox::record(
        conn,
        EventKind::SubmissionError,
        &format!(
            "Merritt submission #{} of {} failed: {}",
            sub.id,
            sub.identifier,
            first_line(error)
        ),
        &json!({
            "submission_id": sub.id,
            "identifier": sub.identifier,
            "resource_id": sub.resource_id,
            "job_id": sub.job_id,
            "error": error,
        }),
    )
}

/// Records that copy `id` finished, with the deposition, DOI and concept it ended on; call
/// it in the transaction that moves the copy to `finished` (after that write).
pub fn copy_finished(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let copy = crate::zenodo::store::get(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let payload = copy_payload(HostEventKind::CopyFinished, &copy);
    host_events::record(
        conn,
        HostEventKind::CopyFinished,
        copy.id,
        &copy.identifier,
        &payload,
    )
}

/// Records that submission `id` is visible in Merritt; call it in the transaction that
/// records `completed` (after that write).
pub fn submission_completed(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    let sub = crate::merritt::store::get(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let payload = submission_payload(HostEventKind::SubmissionCompleted, &sub);
    host_events::record(
        conn,
        HostEventKind::SubmissionCompleted,
        sub.id,
        &sub.identifier,
        &payload,
    )
}

/// What a host is told about a copy: which dataset version it is, and where it is on Zenodo.
fn copy_payload(kind: HostEventKind, copy: &ZenodoCopy) -> Value {
    json!({
        "event": kind.as_str(),
        "copy_id": copy.id,
        "identifier": copy.identifier,
        "resource_id": copy.resource_id,
        "copy_type": copy.copy_type,
        "deposition_id": copy.deposition_id,
        "doi": copy.software_doi,
        "concept_doi": concept_doi(copy.software_doi.as_deref(), copy.conceptrecid.as_deref()),
        "conceptrecid": copy.conceptrecid,
        "note": copy.note,
    })
}

/// What a host is told about a submission.
fn submission_payload(kind: HostEventKind, sub: &Submission) -> Value {
    json!({
        "event": kind.as_str(),
        "submission_id": sub.id,
        "identifier": sub.identifier,
        "resource_id": sub.resource_id,
        "ark": sub.ark,
    })
}

/// A Zenodo concept DOI is its version DOI's prefix with the concept record id:
/// `10.5281/zenodo.102` of concept `101` → `10.5281/zenodo.101`.
fn concept_doi(doi: Option<&str>, conceptrecid: Option<&str>) -> Option<String> {
    let (prefix, _) = doi?.rsplit_once("zenodo.")?;
    Some(format!("{prefix}zenodo.{}", conceptrecid?))
}

/// The first line of a message, cut to 200 characters: subjects stay one readable line.
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    match line.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{concept_doi, first_line};

    #[test]
    fn a_concept_doi_takes_the_version_dois_prefix() {
        assert_eq!(
            concept_doi(Some("10.5281/zenodo.102"), Some("101")).as_deref(),
            Some("10.5281/zenodo.101")
        );
        assert_eq!(concept_doi(Some("10.5072/other.1"), Some("101")), None);
        assert_eq!(concept_doi(None, Some("101")), None);
        assert_eq!(concept_doi(Some("10.5281/zenodo.102"), None), None);
    }

    #[test]
    fn subjects_keep_the_first_line_and_cut_long_ones() {
        assert_eq!(first_line("a 400\nbody"), "a 400");
        let long = "x".repeat(300);
        assert_eq!(first_line(&long).chars().count(), 201);
        assert_eq!(first_line(""), "");
    }
}
