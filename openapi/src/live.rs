//! Live updates on the wire: what `GET /api/live` pushes to open console pages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A part of the system whose data changed; a page refetches what it shows when a topic
/// it reads arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum LiveTopic {
    /// Jobs were added or changed state (counts by queue and state, newest job).
    Jobs,
    /// A queue was paused or resumed.
    Queues,
    /// A worker started, stopped or stopped answering.
    Workers,
    /// A Zenodo copy changed (state, progress, note).
    Zenodo,
    /// A Merritt submission changed.
    Merritt,
    /// A maintenance switch, an alert or a remote's health changed.
    Maintenance,
    /// A periodic job was run, paused, resumed or rescheduled.
    Periodic,
}

impl LiveTopic {
    pub const ALL: [LiveTopic; 7] = [
        LiveTopic::Jobs,
        LiveTopic::Queues,
        LiveTopic::Workers,
        LiveTopic::Zenodo,
        LiveTopic::Merritt,
        LiveTopic::Maintenance,
        LiveTopic::Periodic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LiveTopic::Jobs => "jobs",
            LiveTopic::Queues => "queues",
            LiveTopic::Workers => "workers",
            LiveTopic::Zenodo => "zenodo",
            LiveTopic::Merritt => "merritt",
            LiveTopic::Maintenance => "maintenance",
            LiveTopic::Periodic => "periodic",
        }
    }
}

/// What kind of message a live event is (also its SSE `event:` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Enum))]
#[cfg_attr(feature = "server", oai(rename_all = "snake_case"))]
#[serde(rename_all = "snake_case")]
pub enum LiveKind {
    /// First message of every stream: refetch everything (changes before it were not seen).
    Hello,
    /// The listed topics changed.
    Change,
    /// This stream fell behind and some changes were dropped: refetch everything.
    Resync,
}

impl LiveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LiveKind::Hello => "hello",
            LiveKind::Change => "change",
            LiveKind::Resync => "resync",
        }
    }
}

/// One message of the live stream (the `data:` of an SSE event whose `event:` is `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(poem_openapi::Object))]
pub struct LiveEvent {
    pub kind: LiveKind,
    /// What changed (`change`); every topic for `hello` and `resync`.
    pub topics: Vec<LiveTopic>,
    /// When the server noticed.
    pub at: DateTime<Utc>,
}
