//! The worker's engine: per-queue producers claim batches, each job runs as a task, a
//! completer records outcomes in batches, and maintenance loops heartbeat, rescue and prune.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use longjobs_core::db::DbUrl;
use longjobs_core::job::{Job, JobId};
use longjobs_core::queue::{self, Failure, WorkerRow};
use longjobs_core::{Db, clock};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};
use tokio::task::{AbortHandle, JoinSet};
use tracing::Instrument;

use crate::config::{WorkerConfig, hostname};
use crate::metrics::{
    FailureLabels, JobLabels, QueueLabels, ResultLabels, WorkerLabels, WorkerMetrics,
};
use crate::registry::{JobContext, JobError, Registry};

/// Most outcomes written per completion statement.
const FLUSH_MAX: usize = 1_000;
/// Note stored on jobs a stopping worker hands back.
pub const HAND_BACK_NOTE: &str =
    "worker shut down before the job finished; handed back without spending the attempt";

/// Where the worker is in its life; sent to [`Worker::run`] to stop it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    Running,
    /// Stop claiming; let running jobs finish within the grace period, then hand back.
    Graceful,
    /// Stop claiming and hand back running jobs at once.
    Now,
}

/// What a worker did, reported when it stops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub completed: u64,
    pub failed: u64,
    pub handed_back: usize,
}

/// A task a worker runs every so often beside its jobs (e.g. reconciling domain rows).
pub type PeriodicTask =
    Arc<dyn Fn(Db) -> futures_util::future::BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// A worker process's engine.
pub struct Worker {
    db: Db,
    cfg: WorkerConfig,
    registry: Registry,
    periodic: Vec<(String, Duration, PeriodicTask)>,
    metrics: Arc<WorkerMetrics>,
}

enum Outcome {
    Finished(Arc<Job>, Result<(), JobError>),
    Cancelled(Arc<Job>, String),
    /// Write everything received so far, then answer.
    Flush(oneshot::Sender<()>),
}

struct Running {
    job: Arc<Job>,
    abort: AbortHandle,
}

struct Shared {
    db: Db,
    cfg: WorkerConfig,
    registry: Registry,
    id: Arc<str>,
    running: Mutex<HashMap<JobId, Running>>,
    outcomes: mpsc::UnboundedSender<Outcome>,
    wake: HashMap<String, Arc<Notify>>,
    completed: AtomicU64,
    failed: AtomicU64,
    metrics: Arc<WorkerMetrics>,
}

impl Shared {
    fn running(&self) -> MutexGuard<'_, HashMap<JobId, Running>> {
        // A panic while holding this lock cannot leave the map half-changed.
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wake_all(&self) {
        for w in self.wake.values() {
            w.notify_one();
        }
    }
}

impl Worker {
    pub fn new(db: Db, cfg: WorkerConfig, registry: Registry) -> Self {
        Worker {
            db,
            cfg,
            registry,
            periodic: Vec::new(),
            metrics: Arc::new(WorkerMetrics::new()),
        }
    }

    /// This worker's metrics, to serve them (see [`crate::metrics::serve`]).
    pub fn metrics(&self) -> Arc<WorkerMetrics> {
        self.metrics.clone()
    }

    /// Adds a task run every `every` for the life of the worker; failures are logged.
    pub fn with_periodic(mut self, name: &str, every: Duration, task: PeriodicTask) -> Self {
        self.periodic.push((name.to_string(), every, task));
        self
    }

    /// Runs until `stop` leaves [`Shutdown::Running`], then stops as it asks.
    pub async fn run(self, mut stop: watch::Receiver<Shutdown>) -> anyhow::Result<Summary> {
        let Worker {
            db,
            cfg,
            registry,
            periodic,
            metrics,
        } = self;
        let now = clock::now();
        let queues_json = serde_json::to_string(
            &cfg.queues
                .iter()
                .cloned()
                .collect::<HashMap<String, usize>>(),
        )?;
        let row = WorkerRow {
            id: cfg.id.clone(),
            host: hostname(),
            pid: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
            queues: queues_json,
            started_at: now,
            heartbeat_at: now,
            stopped_at: None,
        };
        db.run(move |c| queue::register_worker(c, &row)).await?;

        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let wake: HashMap<String, Arc<Notify>> = cfg
            .queues
            .iter()
            .map(|(q, _)| (q.clone(), Arc::new(Notify::new())))
            .collect();
        let shared = Arc::new(Shared {
            id: Arc::from(cfg.id.as_str()),
            db: db.clone(),
            cfg: cfg.clone(),
            registry,
            running: Mutex::new(HashMap::new()),
            outcomes: out_tx,
            wake,
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            metrics: metrics.clone(),
        });
        metrics
            .info
            .get_or_create(&WorkerLabels {
                worker: cfg.id.clone(),
                host: hostname(),
            })
            .set(1);
        for (queue, concurrency) in &cfg.queues {
            metrics
                .slots
                .get_or_create(&QueueLabels {
                    queue: queue.clone(),
                })
                .set(i64::try_from(*concurrency).unwrap_or(i64::MAX));
        }
        metrics.set_stopping(Shutdown::Running);
        tracing::info!(
            worker.id = %shared.id,
            database = %db.url(),
            queues = ?cfg.queues,
            kinds = ?shared.registry.names(),
            "worker started"
        );

        let mut background = JoinSet::new();
        background.spawn(complete_loop(shared.clone(), out_rx));
        background.spawn(heartbeat_loop(shared.clone()));
        background.spawn(rescue_loop(shared.clone()));
        background.spawn(prune_loop(shared.clone()));
        if let DbUrl::Postgres(url) = db.url() {
            background.spawn(listen_loop(shared.clone(), url.clone()));
        }
        for (name, every, task) in periodic {
            let db = db.clone();
            background.spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    if let Err(e) = task(db.clone()).await {
                        tracing::warn!(task = %name, error = %format!("{e:#}"), "periodic task failed");
                    }
                }
            });
        }
        let mut producers = JoinSet::new();
        for (queue, concurrency) in &cfg.queues {
            producers.spawn(produce(
                shared.clone(),
                queue.clone(),
                *concurrency,
                stop.clone(),
            ));
        }

        while *stop.borrow_and_update() == Shutdown::Running {
            if stop.changed().await.is_err() {
                break;
            }
        }
        metrics.set_stopping(*stop.borrow());
        tracing::info!(worker.id = %shared.id, running = shared.running().len(), "worker stopping: no more claims");
        producers.join_all().await;

        if *stop.borrow() != Shutdown::Now {
            let deadline = tokio::time::Instant::now() + cfg.grace;
            while !shared.running().is_empty() {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => break,
                    () = tokio::time::sleep(Duration::from_millis(20)) => {}
                    _ = stop.changed() => if *stop.borrow() == Shutdown::Now {
                        metrics.set_stopping(Shutdown::Now);
                        break;
                    },
                }
            }
        }
        // Stop what is still running, write every outcome so far, then hand the rest back.
        let left: Vec<Arc<Job>> = shared
            .running()
            .drain()
            .map(|(_, r)| {
                r.abort.abort();
                r.job
            })
            .collect();
        flush(&shared).await;
        let handed_back = if left.is_empty() {
            0
        } else {
            let jobs: Vec<Job> = left.iter().map(|j| Job::clone(j)).collect();
            let owner = shared.id.to_string();
            let n = db
                .run(move |c| queue::hand_back(c, &owner, &jobs, HAND_BACK_NOTE, clock::now()))
                .await?;
            tracing::warn!(worker.id = %shared.id, jobs = n, "handed back unfinished jobs");
            metrics.handed_back.inc_by(n as u64);
            n
        };
        background.abort_all();
        let id = shared.id.to_string();
        db.run(move |c| queue::mark_stopped(c, &id, clock::now()))
            .await?;
        let summary = Summary {
            completed: shared.completed.load(Ordering::Relaxed),
            failed: shared.failed.load(Ordering::Relaxed),
            handed_back,
        };
        tracing::info!(worker.id = %shared.id, ?summary, "worker stopped");
        Ok(summary)
    }
}

/// Asks the completer to write what it holds and waits until it has.
async fn flush(shared: &Shared) {
    let (tx, rx) = oneshot::channel();
    if shared.outcomes.send(Outcome::Flush(tx)).is_ok() {
        let _ = rx.await;
    }
}

/// Claims jobs of one queue whenever it has free slots and there may be work.
async fn produce(
    shared: Arc<Shared>,
    queue: String,
    concurrency: usize,
    mut stop: watch::Receiver<Shutdown>,
) {
    let slots = Arc::new(Semaphore::new(concurrency));
    let wake = shared.wake[&queue].clone();
    let mut error_backoff = Duration::from_millis(100);
    // Jobs claimed ahead of free slots (`prefetch`), started as slots free up.
    let mut buffer: VecDeque<Job> = VecDeque::new();
    loop {
        if *stop.borrow() != Shutdown::Running {
            hand_back_buffered(&shared, &queue, buffer).await;
            return;
        }
        start_buffered(&shared, &slots, &mut buffer, &wake);
        let free = slots.available_permits();
        if free > 0 && buffer.is_empty() {
            let limit = (free + shared.cfg.prefetch).min(shared.cfg.batch.max(free));
            let (q, owner, lease) = (queue.clone(), shared.id.to_string(), shared.cfg.lease);
            let claimed = shared
                .db
                .run(move |c| {
                    let now = clock::now();
                    queue::claim(c, &q, limit, &owner, now, now + clock::delta(lease))
                })
                .await;
            match claimed {
                Ok(jobs) => {
                    error_backoff = Duration::from_millis(100);
                    let full = jobs.len() == limit;
                    buffer.extend(jobs);
                    start_buffered(&shared, &slots, &mut buffer, &wake);
                    if full {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::warn!(queue = %queue, error = %e, "claiming jobs failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(error_backoff) => {}
                        _ = stop.changed() => {}
                    }
                    // Capped at 1 s: the database is back within a second of returning, and
                    // one failed claim a second per queue costs it nothing.
                    error_backoff = (error_backoff * 2).min(Duration::from_secs(1));
                    continue;
                }
            }
        }
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(shared.cfg.poll_interval) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Starts buffered jobs in order while there are free slots.
fn start_buffered(
    shared: &Arc<Shared>,
    slots: &Arc<Semaphore>,
    buffer: &mut VecDeque<Job>,
    wake: &Arc<Notify>,
) {
    while !buffer.is_empty() {
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            return;
        };
        if let Some(job) = buffer.pop_front() {
            spawn_job(shared, job, permit, wake.clone());
        }
    }
}

/// Gives prefetched jobs that never started back to the queue, attempt unspent.
async fn hand_back_buffered(shared: &Arc<Shared>, queue: &str, buffer: VecDeque<Job>) {
    if buffer.is_empty() {
        return;
    }
    let jobs: Vec<Job> = buffer.into();
    let owner = shared.id.to_string();
    match shared
        .db
        .run(move |c| queue::hand_back(c, &owner, &jobs, HAND_BACK_NOTE, clock::now()))
        .await
    {
        Ok(n) => tracing::info!(queue = %queue, jobs = n, "handed back prefetched jobs"),
        // Their leases expire and the rescuer returns them.
        Err(e) => tracing::warn!(queue = %queue, error = %e, "handing back prefetched jobs failed"),
    }
}

fn spawn_job(shared: &Arc<Shared>, job: Job, permit: OwnedSemaphorePermit, wake: Arc<Notify>) {
    let job = Arc::new(job);
    let id = job.id;
    let kind = shared.registry.get(&job.kind).cloned();
    let labels = JobLabels {
        queue: job.queue.clone(),
        kind: job.kind.clone(),
    };
    let queue_labels = QueueLabels {
        queue: job.queue.clone(),
    };
    let m = shared.metrics.clone();
    m.started.get_or_create(&labels).inc();
    if let Some(claimed_at) = job.attempted_at {
        let waited = (claimed_at - job.run_at).num_microseconds().unwrap_or(0);
        m.pickup_seconds
            .get_or_create(&queue_labels)
            .observe(waited.max(0) as f64 / 1e6);
    }
    // Every line logged while the job runs carries its id, kind, queue and attempt.
    let span = tracing::info_span!(
        "job",
        job.id = %id,
        job.kind = %job.kind,
        job.queue = %job.queue,
        job.attempt = job.attempt
    );
    let ctx = JobContext {
        job: job.clone(),
        worker_id: shared.id.clone(),
    };
    let s = shared.clone();
    let task_job = job.clone();
    // Hold the map while spawning so the task cannot finish before it is listed.
    let mut running = shared.running();
    let handle = tokio::spawn(
        async move {
            let _running = RunningGauge::enter(&m, queue_labels);
            let started = std::time::Instant::now();
            tracing::debug!("job started");
            let result = match kind {
                None => Err(JobError::Retry(format!(
                    "no handler for kind {:?} on worker {} (it runs: {})",
                    task_job.kind,
                    s.id,
                    s.registry.names().join(", ")
                ))),
                Some(kind) => {
                    let run = AssertUnwindSafe(kind.handler.run(ctx)).catch_unwind();
                    match tokio::time::timeout(kind.timeout, run).await {
                        Err(_) => Err(JobError::Retry(format!(
                            "timed out after {:?}",
                            kind.timeout
                        ))),
                        Ok(Err(panic)) => Err(JobError::Retry(format!(
                            "handler panicked: {}",
                            panic_message(&panic)
                        ))),
                        Ok(Ok(result)) => result,
                    }
                }
            };
            m.run_seconds
                .get_or_create(&labels)
                .observe(started.elapsed().as_secs_f64());
            count_outcome(&m, labels, &result);
            // A cancel or a shutdown may have taken the job meanwhile; then it reports.
            if s.running().remove(&id).is_some() {
                let _ = s.outcomes.send(Outcome::Finished(task_job, result));
            }
            drop(permit);
            wake.notify_one();
        }
        .instrument(span),
    );
    running.insert(
        id,
        Running {
            job,
            abort: handle.abort_handle(),
        },
    );
}

/// Counts a finished attempt by how it ended.
fn count_outcome(m: &WorkerMetrics, labels: JobLabels, result: &Result<(), JobError>) {
    let outcome = match result {
        Ok(()) => {
            m.completed.get_or_create(&labels).inc();
            return;
        }
        Err(JobError::Snooze(..)) => {
            m.snoozed.get_or_create(&labels).inc();
            return;
        }
        Err(JobError::Retry(_)) => "retry",
        Err(JobError::Discard(_)) => "discard",
    };
    m.failed
        .get_or_create(&FailureLabels {
            queue: labels.queue,
            kind: labels.kind,
            outcome: outcome.to_string(),
        })
        .inc();
}

/// Counts a job in `running_jobs` for as long as its task lives, however it ends
/// (finished, cancelled or aborted at shutdown).
struct RunningGauge {
    metrics: Arc<WorkerMetrics>,
    labels: QueueLabels,
}

impl RunningGauge {
    fn enter(metrics: &Arc<WorkerMetrics>, labels: QueueLabels) -> Self {
        metrics.running.get_or_create(&labels).inc();
        RunningGauge {
            metrics: metrics.clone(),
            labels,
        }
    }
}

impl Drop for RunningGauge {
    fn drop(&mut self) {
        self.metrics.running.get_or_create(&self.labels).dec();
    }
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

/// Writes outcomes in batches: whatever arrived while the previous batch was written.
async fn complete_loop(shared: Arc<Shared>, mut rx: mpsc::UnboundedReceiver<Outcome>) {
    let mut batch: Vec<Outcome> = Vec::new();
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < FLUSH_MAX {
            match rx.try_recv() {
                Ok(o) => batch.push(o),
                Err(_) => break,
            }
        }
        write_outcomes(&shared, &mut batch).await;
        shared.wake_all();
    }
}

async fn write_outcomes(shared: &Arc<Shared>, batch: &mut Vec<Outcome>) {
    let now = clock::now();
    let mut done: Vec<JobId> = Vec::new();
    let mut failures: Vec<(Job, Failure)> = Vec::new();
    let mut acks = Vec::new();
    for outcome in batch.drain(..) {
        match outcome {
            Outcome::Finished(job, Ok(())) => {
                tracing::debug!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, "job completed");
                done.push(job.id);
            }
            Outcome::Finished(job, Err(e)) => {
                let failure = to_failure(shared, &job, e, now);
                tracing::warn!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, job.attempt = job.attempt, ?failure, "job failed");
                failures.push((Job::clone(&job), failure));
            }
            Outcome::Cancelled(job, reason) => {
                tracing::info!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, "job cancelled");
                failures.push((Job::clone(&job), Failure::Cancel { reason }));
            }
            Outcome::Flush(ack) => acks.push(ack),
        }
    }
    let (n_done, n_failed) = (done.len() as u64, failures.len() as u64);
    let mut delay = Duration::from_millis(50);
    loop {
        let (owner, d, f) = (shared.id.to_string(), done.clone(), failures.clone());
        let res = shared
            .db
            .run(move |c| {
                let completed = queue::complete_many(c, &owner, &d, now)?;
                let failed = queue::record_failures(c, &owner, &f, now)?;
                Ok((completed, failed))
            })
            .await;
        match res {
            Ok((completed, failed)) => {
                let lost = (done.len() + failures.len()).saturating_sub(completed + failed);
                if lost > 0 {
                    tracing::warn!(
                        jobs = lost,
                        "outcomes dropped: those jobs were no longer held by this worker (rescued or handed back) and will run again"
                    );
                }
                break;
            }
            Err(e) => {
                // Keep the outcomes and try again; if the database stays away past the
                // lease, the jobs are rescued and run again, never lost.
                tracing::warn!(error = %e, "recording job outcomes failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
    shared.completed.fetch_add(n_done, Ordering::Relaxed);
    shared.failed.fetch_add(n_failed, Ordering::Relaxed);
    for ack in acks {
        let _ = ack.send(());
    }
}

fn to_failure(shared: &Shared, job: &Job, e: JobError, now: chrono::NaiveDateTime) -> Failure {
    match e {
        JobError::Retry(error) => {
            let policy = shared
                .registry
                .get(&job.kind)
                .map(|k| k.retry)
                .unwrap_or_default();
            Failure::Retry {
                error,
                retry_at: now + clock::delta(policy.backoff(job.attempt)),
            }
        }
        JobError::Discard(error) => Failure::Discard { error },
        JobError::Snooze(d, note) => Failure::Snooze {
            until: now + clock::delta(d),
            note,
        },
    }
}

/// Renews leases, reports the worker alive and carries out cancel requests.
async fn heartbeat_loop(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(shared.cfg.heartbeat).await;
        let (id, lease) = (shared.id.to_string(), shared.cfg.lease);
        let beat = shared
            .db
            .run(move |c| {
                let now = clock::now();
                queue::heartbeat(c, &id, now, now + clock::delta(lease))
            })
            .await;
        let result = if beat.is_ok() { "ok" } else { "error" };
        shared
            .metrics
            .heartbeats
            .get_or_create(&ResultLabels {
                result: result.to_string(),
            })
            .inc();
        match beat {
            Ok(hb) => {
                shared.metrics.last_heartbeat.set(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0.0, |d| d.as_secs_f64()),
                );
                for job_id in hb.cancel_requested {
                    let taken = shared.running().remove(&job_id);
                    if let Some(r) = taken {
                        r.abort.abort();
                        tracing::info!(job.id = %job_id, job.kind = %r.job.kind, job.queue = %r.job.queue, "cancelling running job at an operator's request");
                        shared
                            .metrics
                            .cancelled
                            .get_or_create(&JobLabels {
                                queue: r.job.queue.clone(),
                                kind: r.job.kind.clone(),
                            })
                            .inc();
                        let _ = shared.outcomes.send(Outcome::Cancelled(
                            r.job,
                            "cancelled by an operator while running".to_string(),
                        ));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "heartbeat failed; leases may expire if this goes on")
            }
        }
    }
}

/// Takes back jobs of dead workers and promotes due scheduled jobs.
async fn rescue_loop(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(shared.cfg.rescue_interval).await;
        let res = shared
            .db
            .run(|c| {
                let now = clock::now();
                let rescued = queue::rescue_expired(c, now)?;
                let promoted = queue::promote_due(c, now)?;
                Ok((rescued, promoted))
            })
            .await;
        match res {
            Ok((rescued, promoted)) => {
                for job in &rescued {
                    shared
                        .metrics
                        .rescued
                        .get_or_create(&QueueLabels {
                            queue: job.queue.clone(),
                        })
                        .inc();
                    tracing::warn!(job.id = %job.id, job.kind = %job.kind, job.queue = %job.queue, lost_worker = ?job.lease_owner, "rescued a job whose worker stopped renewing its lease");
                }
                if !rescued.is_empty() || promoted > 0 {
                    shared.wake_all();
                }
            }
            Err(e) => tracing::warn!(error = %e, "rescuing expired jobs failed"),
        }
    }
}

/// Deletes finished jobs past their retention.
async fn prune_loop(shared: Arc<Shared>) {
    loop {
        tokio::time::sleep(shared.cfg.prune_interval).await;
        loop {
            let retention = shared.cfg.retention;
            match shared
                .db
                .run(move |c| queue::prune(c, &retention, clock::now()))
                .await
            {
                Ok(n) if n > 0 => {
                    tracing::info!(jobs = n, "pruned finished jobs past their retention");
                    if n < queue::PRUNE_BATCH as usize {
                        break;
                    }
                }
                Ok(_) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "pruning failed");
                    break;
                }
            }
        }
    }
}

/// PostgreSQL only: wakes the producer of each queue named in a notification.
async fn listen_loop(shared: Arc<Shared>, url: String) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(queue::notify::listen(url, tx));
    while let Some(q) = rx.recv().await {
        match shared.wake.get(&q) {
            Some(w) => w.notify_one(),
            None if q.is_empty() => shared.wake_all(),
            None => {}
        }
    }
}
