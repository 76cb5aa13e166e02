//! How far a worker is on its way out: the levels a stop signal moves it through.
//!
//! It sits below both the runner (which obeys it) and the metrics (which report it), so
//! neither has to import the other.

/// Where the worker is in its life; sent to [`crate::Worker::run`] to stop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Running,
    /// Stop claiming; let running jobs finish within the grace period, then hand back.
    Graceful,
    /// Stop claiming and hand back running jobs at once.
    Now,
}

impl Shutdown {
    /// The level as a number, for the `stopping` gauge: 0 running, 1 graceful, 2 now.
    pub fn level(self) -> i64 {
        match self {
            Shutdown::Running => 0,
            Shutdown::Graceful => 1,
            Shutdown::Now => 2,
        }
    }
}
