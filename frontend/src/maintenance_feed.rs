//! The maintenance status every signed-in page shares: polled by the shell for the banner,
//! refreshed faster (and after each action) by the maintenance page.

use leptos::prelude::*;
use longjobs_openapi::MaintenanceStatus;

use crate::api;
use crate::poll::{Polled, REFRESH, use_polled};

/// The shared, polled `GET /api/maintenance`.
#[derive(Clone, Copy)]
pub struct MaintenanceFeed(pub Polled<MaintenanceStatus>);

/// Where maintenance stands, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No switch is on.
    Normal,
    /// A switch is on and covered jobs still run.
    Draining,
    /// A switch is on and nothing it covers runs: safe to stop the workers.
    Drained,
}

impl Phase {
    pub fn of(s: &MaintenanceStatus) -> Phase {
        if s.zenodo_deferred.is_none() && s.merritt_held.is_none() {
            Phase::Normal
        } else if s.drained {
            Phase::Drained
        } else {
            Phase::Draining
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Normal => "normal",
            Phase::Draining => "draining",
            Phase::Drained => "drained",
        }
    }
}

/// Starts polling and makes the feed available to every page below the caller.
pub fn provide() -> MaintenanceFeed {
    let feed = MaintenanceFeed(use_polled(Some(REFRESH), api::maintenance::status));
    provide_context(feed);
    feed
}

/// The feed the shell provides.
pub fn use_feed() -> MaintenanceFeed {
    expect_context::<MaintenanceFeed>()
}
