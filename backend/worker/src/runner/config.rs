//! Worker configuration: queues and their concurrency, lease and maintenance timings — the
//! settings an operator gives, one per flag, and how they are handed to each loop.
//!
//! Each loop has its own config struct and its named defaults in its own file (the
//! producer's batch in `producer.rs`, the rescuer's interval in `maintenance/rescuer.rs`,
//! …); [`WorkerConfig`] gathers them and splits back into them when the worker starts.

use std::time::Duration;

use longjobs_core::queue::Retention;

pub use super::completer::CompleterConfig;
pub use super::maintenance::heartbeat::{DEFAULT_HEARTBEAT, DEFAULT_LEASE, HeartbeatConfig};
pub use super::maintenance::pruner::{DEFAULT_PRUNE_INTERVAL, PrunerConfig};
pub use super::maintenance::rescuer::{DEFAULT_RESCUE_INTERVAL, RescuerConfig};
pub use super::producer::{
    DEFAULT_ADAPTIVE_PREFETCH, DEFAULT_BATCH, DEFAULT_POLL_INTERVAL, DEFAULT_PREFETCH,
    HELD_AHEAD_MAX, ProducerConfig,
};
pub use super::stop::{DEFAULT_GRACE, StopConfig};

/// A bare `--queue name` runs this many of its jobs at once.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Most jobs of one queue a worker runs at once.
pub const MAX_CONCURRENCY: usize = 10_000;

/// Everything a worker needs besides the database and the kinds it runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Unique per process; also the lease owner of every job it holds.
    pub id: String,
    /// Queue name and the number of jobs of it run at once.
    pub queues: Vec<(String, usize)>,
    pub batch: usize,
    /// Jobs claimed per queue beyond its free slots and started as slots free up: fewer
    /// claims for short jobs; keep 0 for long ones so idle workers can take them.
    pub prefetch: usize,
    /// Also claim ahead what the slots free up during two claim round trips, measured
    /// (none for long jobs).
    pub adaptive_prefetch: bool,
    pub poll_interval: Duration,
    pub lease: Duration,
    pub heartbeat: Duration,
    pub rescue_interval: Duration,
    pub prune_interval: Duration,
    pub grace: Duration,
    pub retention: Retention,
}

impl WorkerConfig {
    /// Defaults for the given queues, with an id naming this host and process.
    pub fn new(queues: Vec<(String, usize)>) -> Self {
        WorkerConfig {
            id: default_worker_id(),
            queues,
            batch: DEFAULT_BATCH,
            prefetch: DEFAULT_PREFETCH,
            adaptive_prefetch: DEFAULT_ADAPTIVE_PREFETCH,
            poll_interval: DEFAULT_POLL_INTERVAL,
            lease: DEFAULT_LEASE,
            heartbeat: DEFAULT_HEARTBEAT,
            rescue_interval: DEFAULT_RESCUE_INTERVAL,
            prune_interval: DEFAULT_PRUNE_INTERVAL,
            grace: DEFAULT_GRACE,
            retention: Retention::default(),
        }
    }
}

impl From<&WorkerConfig> for ProducerConfig {
    fn from(c: &WorkerConfig) -> Self {
        ProducerConfig {
            batch: c.batch,
            prefetch: c.prefetch,
            adaptive_prefetch: c.adaptive_prefetch,
            poll_interval: c.poll_interval,
            lease: c.lease,
        }
    }
}

impl From<&WorkerConfig> for HeartbeatConfig {
    fn from(c: &WorkerConfig) -> Self {
        HeartbeatConfig {
            interval: c.heartbeat,
            lease: c.lease,
        }
    }
}

impl From<&WorkerConfig> for RescuerConfig {
    fn from(c: &WorkerConfig) -> Self {
        RescuerConfig {
            interval: c.rescue_interval,
        }
    }
}

impl From<&WorkerConfig> for PrunerConfig {
    fn from(c: &WorkerConfig) -> Self {
        PrunerConfig {
            interval: c.prune_interval,
            retention: c.retention,
        }
    }
}

impl From<&WorkerConfig> for StopConfig {
    fn from(c: &WorkerConfig) -> Self {
        StopConfig { grace: c.grace }
    }
}

/// `host:pid:random` — readable in listings, unique across restarts.
pub fn default_worker_id() -> String {
    let short = uuid::Uuid::new_v4().simple().to_string();
    format!("{}:{}:{}", hostname(), std::process::id(), &short[..6])
}

/// This process's host: as `LONGJOBS_HOST_NAME` names it, else the machine.
pub fn hostname() -> String {
    longjobs_core::host::name()
}

/// Parses `name=N` (or a bare `name`, concurrency [`DEFAULT_CONCURRENCY`]).
pub fn parse_queue(s: &str) -> Result<(String, usize), String> {
    let (name, n) = match s.split_once('=') {
        Some((name, n)) => {
            let n: usize = n
                .parse()
                .map_err(|_| format!("concurrency in {s:?} is not a whole number"))?;
            (name, n)
        }
        None => (s, DEFAULT_CONCURRENCY),
    };
    if name.is_empty() {
        return Err(format!("queue name missing in {s:?} (expected name=N)"));
    }
    if n == 0 || n > MAX_CONCURRENCY {
        return Err(format!(
            "concurrency in {s:?} must be between 1 and {MAX_CONCURRENCY}"
        ));
    }
    Ok((name.to_string(), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_flags_parse_or_say_what_is_wrong() {
        assert_eq!(parse_queue("zenodo=3"), Ok(("zenodo".into(), 3)));
        assert_eq!(parse_queue("default"), Ok(("default".into(), 10)));
        assert!(parse_queue("x=0").unwrap_err().contains("between 1"));
        assert!(parse_queue("x=many").unwrap_err().contains("whole number"));
        assert!(parse_queue("=3").unwrap_err().contains("missing"));
    }
}
