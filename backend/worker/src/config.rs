//! Worker configuration: queues and their concurrency, lease and maintenance timings.

use std::time::Duration;

use longjobs_core::queue::Retention;

/// Jobs claimed per query at most.
pub const DEFAULT_BATCH: usize = 500;
/// No jobs are claimed ahead of free slots unless asked.
pub const DEFAULT_PREFETCH: usize = 0;
/// How often an idle queue is polled when no notification arrives.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(1_000);
/// A claimed job's lease; renewed by every heartbeat.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(15);
/// How often the worker renews its leases and reports itself alive.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(5);
/// How often expired leases are looked for; a dead worker's jobs return within
/// lease + this interval (20 s by default).
pub const DEFAULT_RESCUE_INTERVAL: Duration = Duration::from_secs(5);
/// How often finished jobs past their retention are deleted.
pub const DEFAULT_PRUNE_INTERVAL: Duration = Duration::from_secs(60);
/// How long running jobs may go on after SIGTERM before they are handed back.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

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

/// `host:pid:random` — readable in listings, unique across restarts.
pub fn default_worker_id() -> String {
    let short = uuid::Uuid::new_v4().simple().to_string();
    format!("{}:{}:{}", hostname(), std::process::id(), &short[..6])
}

pub fn hostname() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// Parses `name=N` (or a bare `name`, concurrency 10).
pub fn parse_queue(s: &str) -> Result<(String, usize), String> {
    let (name, n) = match s.split_once('=') {
        Some((name, n)) => {
            let n: usize = n
                .parse()
                .map_err(|_| format!("concurrency in {s:?} is not a whole number"))?;
            (name, n)
        }
        None => (s, 10),
    };
    if name.is_empty() {
        return Err(format!("queue name missing in {s:?} (expected name=N)"));
    }
    if n == 0 || n > 10_000 {
        return Err(format!("concurrency in {s:?} must be between 1 and 10000"));
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
