//! Merritt submissions: states, stored rows and their append-only history.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use longjobs_core::schema::{merritt_submission_states, merritt_submissions};
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
}

longjobs_core::text_enum!(SubmissionState {
    Enqueued => "enqueued",
    Processing => "processing",
    ProvisionalComplete => "provisional_complete",
    Completed => "completed",
    Errored => "errored",
    RejectedShuttingDown => "rejected_shutting_down",
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
    /// The manifest in Merritt's checkm format.
    pub fn manifest(&self) -> String {
        let mut m = String::from(
            "#%checkm_0.7\n#%profile | http://uc3.cdlib.org/registry/ingest/manifest/mrt-ingest-manifest\n#%prefix | mrt: | http://merritt.cdlib.org/terms#\n#%prefix | nfo: | http://www.semanticdesktop.org/ontologies/2007/03/22/nfo#\n#%fields | nfo:fileUrl | nfo:hashAlgorithm | nfo:hashValue | nfo:fileSize | nfo:fileLastModified | nfo:fileName | mrt:mimeType\n",
        );
        for f in &self.files {
            m.push_str(&format!(
                "{} | md5 | {} | {} | | {} | application/octet-stream\n",
                f.url, f.md5, f.size, f.name
            ));
        }
        m.push_str("#%eof\n");
        m
    }
}
