//! The notification events replication records when a copy or submission ends in error
//! (the outbox of `longjobs_core::outbox`; the worker's notifier sends them).

use diesel::QueryResult;
use longjobs_core::DbConn;
use longjobs_core::outbox::{self, EventKind};
use serde_json::json;

use crate::merritt::Submission;
use crate::zenodo::ZenodoCopy;

/// Records that `copy` ended in error with `error`; call it in the transaction that moves
/// the copy to `error`.
pub fn copy_failed(conn: &mut DbConn, copy: &ZenodoCopy, error: &str) -> QueryResult<()> {
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
    use super::first_line;

    #[test]
    fn subjects_keep_the_first_line_and_cut_long_ones() {
        assert_eq!(first_line("a 400\nbody"), "a 400");
        let long = "x".repeat(300);
        assert_eq!(first_line(&long).chars().count(), 201);
        assert_eq!(first_line(""), "");
    }
}
