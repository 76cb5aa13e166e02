//! Live updates: the server pushes what changed (`GET /api/live`, server-sent events) and
//! polled views refetch when a topic they show changes, instead of on a timer.
//!
//! The user picks the mode in the shell ([`Mode`], remembered in localStorage): live, every
//! 10 s, or paused. While live but the stream is down (connection lost, retrying), views
//! refresh every [`FALLBACK`]. A hidden tab closes its stream (browsers allow few
//! connections per server over HTTP/1.1) and reopens it when shown again; the server's
//! `hello` then makes every view refetch.

mod stream;

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use longjobs_openapi::LiveTopic;

use crate::poll::every_interval;

/// Where the mode is kept (localStorage, so it holds across tabs and sessions).
const KEY: &str = "longjobs.live";
/// How often views refresh in [`Mode::Slow`].
pub const SLOW: Duration = Duration::from_secs(10);
/// How often views refresh while live but the stream is down.
pub const FALLBACK: Duration = Duration::from_secs(30);

/// How the console keeps its data fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Refetch when the server says something changed.
    Live,
    /// Refetch every [`SLOW`], no stream.
    Slow,
    /// Refetch only on the user's own actions and filters.
    Paused,
}

impl Mode {
    /// The modes the control offers: value stored and label shown.
    pub const CHOICES: [(Mode, &'static str, &'static str); 3] = [
        (Mode::Live, "live", "Live"),
        (Mode::Slow, "10s", "Every 10 s"),
        (Mode::Paused, "paused", "Paused"),
    ];

    pub fn value(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|(m, _, _)| *m == self)
            .map_or("live", |(_, v, _)| v)
    }

    pub fn parse(value: &str) -> Option<Mode> {
        Self::CHOICES
            .iter()
            .find(|(_, v, _)| *v == value)
            .map(|(m, _, _)| *m)
    }
}

/// The state of the stream while [`Mode::Live`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Not wanted (another mode, or the tab is hidden).
    Off,
    /// Opening, before the server's hello.
    Connecting,
    /// Open: changes arrive as they happen.
    Open,
    /// Lost; retrying (views refresh every [`FALLBACK`] meanwhile).
    Lost,
}

/// The live state every signed-in page shares (provided by the shell).
#[derive(Clone, Copy)]
pub struct LiveFeed {
    pub mode: RwSignal<Mode>,
    pub link: RwSignal<Link>,
    /// Per topic (in [`LiveTopic::ALL`] order), how many changes were announced.
    changes: RwSignal<[u64; 7]>,
    /// When a view last received an answer from the server.
    pub last_update: RwSignal<Option<DateTime<Utc>>>,
}

impl LiveFeed {
    /// Whether data on screen follows changes as they happen.
    pub fn is_live(&self) -> bool {
        self.mode.get() == Mode::Live && self.link.get() == Link::Open
    }

    /// Whether the user paused updates (untracked: read when a refetch is due).
    pub fn paused(&self) -> bool {
        self.mode.try_get_untracked() == Some(Mode::Paused)
    }

    /// Announces a change of `topics` to every view that shows one of them.
    pub fn announce(&self, topics: &[LiveTopic]) {
        self.changes.update(|c| {
            for t in topics {
                c[index(*t)] += 1;
            }
        });
    }

    /// A number that grows whenever one of `topics` changes (tracked).
    pub fn version(&self, topics: &[LiveTopic]) -> u64 {
        self.changes
            .with(|c| topics.iter().map(|t| c[index(*t)]).sum())
    }

    /// Notes an answer from the server.
    pub fn updated(&self) {
        self.last_update.try_set(Some(crate::format::now()));
    }

    /// Chooses and remembers `mode`.
    pub fn choose(&self, mode: Mode) {
        if let Some(store) = storage() {
            let _ = store.set_item(KEY, mode.value());
        }
        self.mode.set(mode);
        if mode != Mode::Paused {
            self.announce(&LiveTopic::ALL);
        }
    }
}

fn index(t: LiveTopic) -> usize {
    LiveTopic::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// Starts the stream (or the timers the mode asks for) and makes the feed available to
/// every page below the caller.
pub fn provide() -> LiveFeed {
    let stored = storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|v| Mode::parse(&v))
        .unwrap_or(Mode::Live);
    let feed = LiveFeed {
        mode: RwSignal::new(stored),
        link: RwSignal::new(Link::Off),
        changes: RwSignal::new([0; 7]),
        last_update: RwSignal::new(None),
    };
    provide_context(feed);
    stream::keep_open(feed);
    every_interval(SLOW, move || {
        if feed.mode.get_untracked() == Mode::Slow {
            feed.announce(&LiveTopic::ALL);
        }
    });
    every_interval(FALLBACK, move || {
        let down = matches!(feed.link.get_untracked(), Link::Lost | Link::Connecting);
        if feed.mode.get_untracked() == Mode::Live && down {
            feed.announce(&LiveTopic::ALL);
        }
    });
    feed
}

/// The feed the shell provides (none outside a signed-in page).
pub fn use_feed() -> Option<LiveFeed> {
    use_context::<LiveFeed>()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
