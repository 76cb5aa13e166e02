//! Merritt submissions: states, stored rows and their append-only history.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use longjobs_core::schema::{
    merritt_submission_log, merritt_submission_states, merritt_submissions,
};
use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionState {
    /// Waiting for a worker.
    Enqueued,
    /// A worker is depositing it.
    Processing,
    /// Merritt accepted it; the checker waits for the object to be visible.
    ProvisionalComplete,
    /// Visible in Merritt.
    Completed,
    /// Failed; `last_error` says why.
    Errored,
    /// Its turn came while submissions were held for maintenance.
    RejectedShuttingDown,
    /// An operator gave up on it: ended without submitting; the history holds the reason.
    GivenUp,
}

longjobs_core::text_enum!(SubmissionState {
    Enqueued => "enqueued",
    Processing => "processing",
    ProvisionalComplete => "provisional_complete",
    Completed => "completed",
    Errored => "errored",
    RejectedShuttingDown => "rejected_shutting_down",
    GivenUp => "given_up",
});

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = merritt_submissions)]
pub struct Submission {
    pub id: i64,
    pub resource_id: i64,
    pub identifier: String,
    pub request: String,
    pub state: SubmissionState,
    pub host: String,
    pub ark: Option<String>,
    pub job_id: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Bytes of the files it deposits, summed from its manifest when it was created.
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = merritt_submission_states)]
pub struct StateEntry {
    pub id: i64,
    pub submission_id: i64,
    pub state: SubmissionState,
    pub host: String,
    pub note: Option<String>,
    pub at: NaiveDateTime,
}

/// A line of a submission's request log.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = merritt_submission_log)]
pub struct LogLine {
    pub id: i64,
    pub submission_id: i64,
    pub at: NaiveDateTime,
    /// REQUEST, RESPONSE, ERROR or INFO.
    pub kind: String,
    pub method: Option<String>,
    /// With any credentials removed.
    pub url: Option<String>,
    pub status: Option<i32>,
    pub duration_ms: Option<i64>,
    pub message: String,
}

/// One file for Merritt to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MerrittFile {
    pub url: String,
    pub size: i64,
    pub md5: String,
    pub name: String,
}

/// What a submission deposits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRequest {
    pub files: Vec<MerrittFile>,
    pub profile: String,
    pub submitter: String,
}

impl SubmissionRequest {
    /// Bytes of every file of the manifest.
    pub fn size(&self) -> i64 {
        self.files
            .iter()
            .map(|f| f.size.max(0))
            .fold(0, i64::saturating_add)
    }

    /// The manifest in Merritt's checkm format. A cell that would be read as structure (a
    /// line break starts a new file line, `|` a new column) is refused, not escaped: the
    /// submission fails readably instead of depositing other files than asked.
    pub fn manifest(&self) -> Result<String, ManifestError> {
        let mut m = String::from(
            "#%checkm_0.7\n#%profile | http://uc3.cdlib.org/registry/ingest/manifest/mrt-ingest-manifest\n#%prefix | mrt: | http://merritt.cdlib.org/terms#\n#%prefix | nfo: | http://www.semanticdesktop.org/ontologies/2007/03/22/nfo#\n#%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileSize | nfo:fileLastModified | nfo:fileName | mrt:mimeType\n",
        );
        for (index, f) in self.files.iter().enumerate() {
            for (field, value) in [("url", &f.url), ("md5", &f.md5), ("name", &f.name)] {
                if let Some(problem) = cell_problem(value) {
                    return Err(ManifestError {
                        index,
                        field,
                        problem,
                    });
                }
            }
            m.push_str(&format!(
                "{} | md5 | {} | {} | | {} | application/octet-stream\n",
                f.url, f.md5, f.size, f.name
            ));
        }
        m.push_str("#%eof\n");
        Ok(m)
    }
}

/// A file the manifest cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("files[{index}].{field} cannot go into the Merritt manifest: it {problem}")]
pub struct ManifestError {
    pub index: usize,
    pub field: &'static str,
    pub problem: &'static str,
}

/// Why `value` cannot be a cell of a checkm manifest, or `None` when it can.
pub fn cell_problem(value: &str) -> Option<&'static str> {
    if value.contains(['\r', '\n', '\u{2028}', '\u{2029}']) {
        Some("must not contain line breaks")
    } else if value.contains('|') {
        Some("must not contain '|' (the manifest's column separator)")
    } else if value.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(names: &[&str]) -> SubmissionRequest {
        SubmissionRequest {
            files: names
                .iter()
                .map(|n| MerrittFile {
                    url: format!("https://files.example.org/{n}"),
                    size: 3,
                    md5: "0123456789abcdef0123456789abcdef".into(),
                    name: n.to_string(),
                })
                .collect(),
            profile: "p".into(),
            submitter: "s".into(),
        }
    }

    #[test]
    fn two_files_make_two_file_lines() {
        let m = request(&["a.csv", "b.csv"]).manifest().unwrap();
        let lines = m.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(lines, 2, "{m}");
    }

    #[test]
    fn a_cell_that_would_be_read_as_structure_is_refused_by_the_writer() {
        let injected = "a.csv | application/octet-stream\nhttps://evil.example/x | md5 | 0123456789abcdef0123456789abcdef | 1 | | x";
        for name in [injected, "a\rb", "a|b", "a\u{2028}b", "nul\0"] {
            let mut req = request(&["ok.csv", "x"]);
            req.files[1].name = name.to_string();
            let err = req.manifest().unwrap_err();
            assert_eq!((err.index, err.field), (1, "name"), "{name:?}");
        }
        let mut req = request(&["ok.csv"]);
        req.files[0].url = "https://files.example.org/a\nb".into();
        assert_eq!(req.manifest().unwrap_err().field, "url");
    }
}
