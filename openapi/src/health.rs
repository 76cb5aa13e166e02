//! Health and readiness answers.

use serde::{Deserialize, Serialize};

/// The process is up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Health {
    /// Always `ok` when the process answers.
    pub status: String,
    /// The server's version.
    pub version: String,
}

/// Whether the server can do its work: database reachable, migrations applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: String,
    /// `postgres` or `sqlite`.
    pub database: String,
    pub database_reachable: bool,
    pub migrations_applied: bool,
    /// Why the server is not ready, when it is not.
    #[cfg_attr(feature = "server", oai(skip_serializing_if_is_none))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
