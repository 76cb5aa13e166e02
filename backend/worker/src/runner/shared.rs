//! What the worker's loops share: the jobs running now, the channel their outcomes go
//! down to the completer, and the bell that wakes each queue's producer.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use longjobs_core::Db;
use longjobs_core::job::{Job, JobId};
use longjobs_core::queue::ClaimRules;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use super::pace::Pace;
use crate::metrics::WorkerMetrics;
use crate::registry::{JobError, Registry};
use crate::shutdown::Shutdown;

/// What the completer is sent.
pub(super) enum Outcome {
    Finished(Arc<Job>, Result<(), JobError>),
    Cancelled(Arc<Job>, String),
    /// Write everything received so far, then answer.
    Flush(oneshot::Sender<()>),
}

/// A job running in this worker, and how to stop its task.
pub(super) struct Running {
    pub job: Arc<Job>,
    pub abort: AbortHandle,
}

pub(super) struct Shared {
    pub db: Db,
    pub registry: Registry,
    /// This worker's id: the lease owner of every job it holds.
    pub id: Arc<str>,
    running: Mutex<HashMap<JobId, Running>>,
    pub outcomes: mpsc::UnboundedSender<Outcome>,
    /// One bell per queue: rung when it may have work or a free slot.
    pub wake: HashMap<String, Arc<Notify>>,
    /// Per queue: how long its jobs run here (sizes the producer's claim-ahead).
    pub pace: HashMap<String, Arc<Pace>>,
    pub completed: AtomicU64,
    pub failed: AtomicU64,
    /// Jobs held ahead that went back to the queue unstarted: no slot freed for them in
    /// time.
    pub released: AtomicU64,
    /// Outcomes (completions and failures) written so far: moves after each batch commits.
    pub written: Arc<watch::Sender<u64>>,
    pub metrics: Arc<WorkerMetrics>,
    /// Queues with a limit, and whether some kind is paused, as last read from the database
    /// (see `maintenance::settings`).
    limited: Mutex<HashSet<String>>,
    kinds_paused: AtomicBool,
    /// An operator quieted this worker: it claims nothing until the command is lifted.
    quiet: AtomicBool,
    /// Moves this worker towards its end, as a stop signal does (an operator's stop).
    pub stop: watch::Sender<Shutdown>,
}

impl Shared {
    pub fn new(
        db: Db,
        registry: Registry,
        id: &str,
        queues: &[(String, usize)],
        outcomes: mpsc::UnboundedSender<Outcome>,
        metrics: Arc<WorkerMetrics>,
        written: Arc<watch::Sender<u64>>,
    ) -> Self {
        Shared {
            db,
            registry,
            id: Arc::from(id),
            running: Mutex::new(HashMap::new()),
            outcomes,
            wake: queues
                .iter()
                .map(|(q, _)| (q.clone(), Arc::new(Notify::new())))
                .collect(),
            pace: queues
                .iter()
                .map(|(q, _)| (q.clone(), Arc::new(Pace::default())))
                .collect(),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            released: AtomicU64::new(0),
            written,
            metrics,
            limited: Mutex::new(HashSet::new()),
            kinds_paused: AtomicBool::new(false),
            quiet: AtomicBool::new(false),
            stop: watch::Sender::new(Shutdown::Running),
        }
    }

    /// How a claim of `queue` must go now.
    pub fn claim_rules(&self, queue: &str) -> ClaimRules {
        ClaimRules {
            limited: self
                .limited
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(queue),
            kinds_paused: self.kinds_paused.load(Ordering::Relaxed),
        }
    }

    /// Adopts what the database says of limits and kind pauses.
    pub fn set_claim_rules(&self, limited: Vec<String>, kinds_paused: bool) {
        *self.limited.lock().unwrap_or_else(|p| p.into_inner()) = limited.into_iter().collect();
        self.kinds_paused.store(kinds_paused, Ordering::Relaxed);
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet.load(Ordering::Relaxed)
    }

    /// Quiets this worker or lifts the quiet; returns whether it changed.
    pub fn set_quiet(&self, quiet: bool) -> bool {
        let was = self.quiet.swap(quiet, Ordering::Relaxed);
        if was && !quiet {
            self.wake_all();
        }
        was != quiet
    }

    /// The jobs running now, by id. A job is in it from its spawn until it reports, is
    /// cancelled or is taken back at shutdown: whoever removes it sends its outcome.
    pub fn running(&self) -> MutexGuard<'_, HashMap<JobId, Running>> {
        // A panic while holding this lock cannot leave the map half-changed.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn wake_all(&self) {
        for w in self.wake.values() {
            w.notify_one();
        }
    }

    /// Asks the completer to write what it holds and waits until it has.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.outcomes.send(Outcome::Flush(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}
