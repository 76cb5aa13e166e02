//! Zenodo copies: their types, states, stored rows and what is asked to be sent.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{AsExpression, FromSqlRow};
use longjobs_core::schema::{zenodo_copies, zenodo_copy_log};
use serde::{Deserialize, Serialize};

/// What a copy carries to Zenodo. Types come in groups that share one deposition chain:
/// `data`; `software` + `software_publish`; `supp` + `supp_publish`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum CopyType {
    Data,
    Software,
    SoftwarePublish,
    Supp,
    SuppPublish,
}

longjobs_core::text_enum!(CopyType {
    Data => "data",
    Software => "software",
    SoftwarePublish => "software_publish",
    Supp => "supp",
    SuppPublish => "supp_publish",
});

impl CopyType {
    /// The group whose copies of one identifier run strictly in id order.
    pub fn group(self) -> &'static str {
        match self {
            CopyType::Data => "data",
            CopyType::Software | CopyType::SoftwarePublish => "software",
            CopyType::Supp | CopyType::SuppPublish => "supp",
        }
    }

    /// The types of this type's group.
    pub fn group_types(self) -> &'static [CopyType] {
        match self.group() {
            "data" => &[CopyType::Data],
            "software" => &[CopyType::Software, CopyType::SoftwarePublish],
            _ => &[CopyType::Supp, CopyType::SuppPublish],
        }
    }

    /// Whether the copy ends by publishing the deposition (else it stays a draft).
    pub fn publishes(self) -> bool {
        matches!(
            self,
            CopyType::Data | CopyType::SoftwarePublish | CopyType::SuppPublish
        )
    }

    /// Job priority: software and supplemental copies go before data (higher runs first).
    pub fn priority(self) -> i32 {
        if self == CopyType::Data { -10 } else { 10 }
    }
}

/// Where a copy is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, AsExpression, FromSqlRow, Serialize, Deserialize,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// Waiting for its job to run (possibly behind an earlier copy of its group).
    Enqueued,
    /// Its job is sending it now.
    Replicating,
    /// On Zenodo as asked.
    Finished,
    /// An attempt failed and its job will try again by itself (attempt n of m, at the
    /// job's `run_at`); `last_error` says why. Holds back later copies of the group.
    Retrying,
    /// Failed with no automatic retry left; `last_error` says why. Holds back later copies
    /// of the group until it is resent (or given up).
    Error,
    /// An operator ended it without replicating it (`given_up_reason` says why); later
    /// copies of the group no longer wait on it. A resend brings it back.
    GivenUp,
    /// Its turn came while Zenodo replication was deferred for maintenance.
    Deferred,
}

longjobs_core::text_enum!(CopyState {
    Enqueued => "enqueued",
    Replicating => "replicating",
    Retrying => "retrying",
    Finished => "finished",
    Error => "error",
    GivenUp => "given_up",
    Deferred => "deferred",
});

impl CopyState {
    /// Whether the copy is done with (finished or given up): later copies of its group
    /// do not wait on it.
    pub fn is_settled(self) -> bool {
        matches!(self, CopyState::Finished | CopyState::GivenUp)
    }
}

/// A copy as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = zenodo_copies)]
pub struct ZenodoCopy {
    pub id: i64,
    pub identifier: String,
    pub resource_id: i64,
    pub copy_type: CopyType,
    pub state: CopyState,
    pub deposition_id: Option<i64>,
    pub software_doi: Option<String>,
    pub conceptrecid: Option<String>,
    /// Real attempts made (a clean first success shows 1).
    pub attempts: i32,
    pub note: Option<String>,
    pub last_error: Option<String>,
    pub size: i64,
    pub request: String,
    pub job_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Times the daily retry resent it.
    pub daily_retries: i32,
    /// Taken out of the daily retry by an operator.
    pub daily_retry_excluded: bool,
    /// Why it was taken out of (or put back in) the daily retry.
    pub daily_retry_note: Option<String>,
    /// Why an operator gave up on it.
    pub given_up_reason: Option<String>,
    /// Files of the manifest the current (or last) attempt has on Zenodo, of `files_total`.
    pub files_total: i32,
    pub files_done: i32,
    /// Bytes of those files, of `size`.
    pub bytes_done: i64,
}

impl ZenodoCopy {
    pub fn request(&self) -> Result<CopyRequest, serde_json::Error> {
        serde_json::from_str(&self.request)
    }

    /// The ordering key its jobs run under.
    pub fn ordering_key(&self) -> String {
        ordering_key(&self.identifier, self.copy_type)
    }
}

pub fn ordering_key(identifier: &str, copy_type: CopyType) -> String {
    format!("zenodo:{identifier}:{}", copy_type.group())
}

/// One file to put in the deposition, fetched from `url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub name: String,
    pub size: i64,
    /// Hex MD5 of the content.
    pub md5: String,
    pub url: String,
}

/// What a copy sends: Zenodo metadata (title, upload_type, description, creators, …) and files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CopyRequest {
    pub metadata: serde_json::Value,
    pub files: Vec<ManifestFile>,
}

/// One line of a copy's request log.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = zenodo_copy_log)]
pub struct LogLine {
    pub id: i64,
    pub copy_id: i64,
    pub at: NaiveDateTime,
    pub kind: String,
    pub message: String,
}
