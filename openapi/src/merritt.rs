//! Merritt operator actions and the per-submission request log on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Give up on a submission: end it without submitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct GiveUpSubmission {
    /// Why (kept in the submission's history and the audit log).
    #[cfg_attr(feature = "server", oai(validator(min_length = 1, max_length = 1000)))]
    pub reason: Text,
}

/// One line of a submission's request log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct SubmissionLogLine {
    pub at: DateTime<Utc>,
    /// REQUEST, RESPONSE, ERROR or INFO.
    pub kind: String,
    pub method: Option<String>,
    /// The URL called, with any credentials removed.
    pub url: Option<String>,
    /// The HTTP status answered (RESPONSE lines).
    pub status: Option<i32>,
    /// How long the call took, in milliseconds (RESPONSE and ERROR lines).
    pub duration_ms: Option<i64>,
    /// What was sent or answered, cut short.
    pub message: String,
}
