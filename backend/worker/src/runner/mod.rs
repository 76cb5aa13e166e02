//! The worker's engine. It starts one loop per concern and stops them in order:
//!
//! - `producer`: one per queue, claims jobs whenever the queue has free slots (`pace`:
//!   how far ahead it claims);
//! - `executor`: runs each claimed job as its own task;
//! - `completer`: writes the outcomes in batches;
//! - `maintenance`: heartbeat, rescuer, pruner, new-job listener (PostgreSQL NOTIFY, the
//!   SQLite watcher), periodic tasks, the scheduler of periodic jobs;
//! - `stop`: what happens once a stop signal ([`Shutdown`]) arrives.
//!
//! Each loop takes its own config struct; [`config::WorkerConfig`] gathers them.

mod completer;
pub mod config;
mod executor;
mod held;
mod maintenance;
mod pace;
mod producer;
mod shared;
mod stop;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use longjobs_core::db::DbUrl;
use longjobs_core::periodic::PeriodicDef;
use longjobs_core::queue::{self, WorkerRow};
use longjobs_core::{Db, clock};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use self::completer::CompleterConfig;
use self::config::{HeartbeatConfig, PrunerConfig, RescuerConfig, StopConfig, WorkerConfig};
pub use self::maintenance::periodic::PeriodicTask;
use self::producer::ProducerConfig;
use self::shared::Shared;
pub use self::stop::HAND_BACK_NOTE;
use crate::metrics::WorkerMetrics;
use crate::registry::Registry;
pub use crate::shutdown::Shutdown;

/// What a worker did, reported when it stops.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub completed: u64,
    pub failed: u64,
    /// Running jobs handed back at the stop, unfinished.
    pub handed_back: usize,
    /// Jobs claimed ahead of free slots that went back to the queue unstarted because no
    /// slot freed for them within [`config::HELD_AHEAD_MAX`] (those held at the stop go
    /// back too, uncounted).
    pub released: u64,
}

/// A worker process's engine.
pub struct Worker {
    db: Db,
    cfg: WorkerConfig,
    registry: Registry,
    /// Name, first run after, then every, and the task.
    periodic: Vec<(String, Duration, Duration, PeriodicTask)>,
    scheduled: Vec<PeriodicDef>,
    metrics: Arc<WorkerMetrics>,
    written: Arc<watch::Sender<u64>>,
}

impl Worker {
    pub fn new(db: Db, cfg: WorkerConfig, registry: Registry) -> Self {
        Worker {
            db,
            cfg,
            registry,
            periodic: Vec::new(),
            scheduled: Vec::new(),
            metrics: Arc::new(WorkerMetrics::new()),
            written: Arc::new(watch::Sender::new(0)),
        }
    }

    /// How many job outcomes (completions and failures) this worker has written to the
    /// database so far; it moves after each batch commits. Lets a caller that knows how
    /// many jobs it gave notice their end without polling the table.
    pub fn outcomes_written(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// This worker's metrics, to serve them (see [`crate::metrics::serve`]).
    pub fn metrics(&self) -> Arc<WorkerMetrics> {
        self.metrics.clone()
    }

    /// Adds a task run every `every` for the life of the worker, first after `every`;
    /// failures are logged.
    pub fn with_periodic(mut self, name: &str, every: Duration, task: PeriodicTask) -> Self {
        self.periodic.push((name.to_string(), every, every, task));
        self
    }

    /// Adds a task run as the worker starts and then every `every` (e.g. a probe whose
    /// answer should not wait a round); failures are logged.
    pub fn with_periodic_from_start(
        mut self,
        name: &str,
        every: Duration,
        task: PeriodicTask,
    ) -> Self {
        self.periodic
            .push((name.to_string(), Duration::ZERO, every, task));
        self
    }

    /// Adds periodic jobs (rows of `periodic_jobs`): written from these definitions when
    /// the worker starts, and enqueued by its scheduler when due — once per run however
    /// many workers schedule (see [`longjobs_core::periodic`]).
    pub fn with_periodic_jobs(mut self, defs: Vec<PeriodicDef>) -> Self {
        self.scheduled.extend(defs);
        self
    }

    /// Runs until `stop` leaves [`Shutdown::Running`] (or an operator's stop command, read
    /// with the heartbeat, does the same), then stops as it asks: no more claims, running
    /// jobs finish within the grace period, the rest are handed back.
    pub async fn run(self, outer: watch::Receiver<Shutdown>) -> anyhow::Result<Summary> {
        let Worker {
            db,
            cfg,
            registry,
            periodic,
            scheduled,
            metrics,
            written,
        } = self;
        register(&db, &cfg, &registry).await?;
        tracing::debug!("worker registered");
        maintenance::scheduler::write_definitions(&db, &scheduled).await?;
        let (out_tx, out_rx) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::new(
            db.clone(),
            registry,
            &cfg.id,
            &cfg.queues,
            out_tx,
            metrics.clone(),
            written,
        ));
        // The stop signal from outside and an operator's stop command move the same switch.
        let mut stop = shared.stop.subscribe();
        let forward = tokio::spawn(forward_stop(outer, shared.clone()));
        maintenance::settings::refresh(&shared).await;
        metrics.worker_started(&cfg.id, &config::hostname(), &cfg.queues);
        tracing::info!(
            worker.id = %shared.id,
            database = %db.url(),
            queues = ?cfg.queues,
            kinds = ?shared.registry.names(),
            "worker started"
        );

        // Declared before the task sets: dropped after them, so nothing claims or reports
        // once the jobs are stopped.
        let _jobs = StopJobsOnDrop(shared.clone());
        let mut background = JoinSet::new();
        background.spawn(completer::complete(
            shared.clone(),
            CompleterConfig::default(),
            out_rx,
        ));
        background.spawn(maintenance::heartbeat::beat(
            shared.clone(),
            HeartbeatConfig::from(&cfg),
        ));
        background.spawn(maintenance::settings::watch(
            shared.clone(),
            queue::SETTINGS_REFRESH,
        ));
        background.spawn(maintenance::rescuer::rescue(
            shared.clone(),
            RescuerConfig::from(&cfg),
        ));
        background.spawn(maintenance::pruner::prune(
            shared.clone(),
            PrunerConfig::from(&cfg),
        ));
        if !matches!(db.url(), DbUrl::Mysql(_)) {
            background.spawn(maintenance::listener::listen(
                shared.clone(),
                db.url().clone(),
            ));
        }
        for (name, first, every, task) in periodic {
            background.spawn(maintenance::periodic::run_every(
                db.clone(),
                name,
                first,
                every,
                task,
            ));
        }
        if !scheduled.is_empty() {
            background.spawn(maintenance::scheduler::schedule(
                db.clone(),
                maintenance::scheduler::CHECK_EVERY,
            ));
        }
        let mut producers = JoinSet::new();
        for (queue, concurrency) in &cfg.queues {
            producers.spawn(producer::produce(
                shared.clone(),
                ProducerConfig::from(&cfg),
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
        stop::wait_out_grace(&shared, &StopConfig::from(&cfg), &mut stop).await;
        let handed_back = stop::hand_back_running(&shared).await?;
        background.abort_all();
        forward.abort();
        let id = shared.id.to_string();
        db.run(move |c| queue::mark_stopped(c, &id, clock::now()))
            .await?;
        let summary = Summary {
            completed: shared.completed.load(Ordering::Relaxed),
            failed: shared.failed.load(Ordering::Relaxed),
            handed_back,
            released: shared.released.load(Ordering::Relaxed),
        };
        tracing::info!(worker.id = %shared.id, ?summary, "worker stopped");
        Ok(summary)
    }
}

/// Passes each move of the outer stop signal on to the worker's own switch (which only
/// ever moves forward: Running, Graceful, Now). A signal whose sender is gone stops the
/// worker gracefully.
async fn forward_stop(mut outer: watch::Receiver<Shutdown>, shared: Arc<Shared>) {
    loop {
        let level = *outer.borrow_and_update();
        shared.stop.send_if_modified(|s| {
            let further = level.level() > s.level();
            if further {
                *s = level;
            }
            further
        });
        if level == Shutdown::Now {
            return;
        }
        if outer.changed().await.is_err() {
            shared.stop.send_if_modified(|s| {
                let running = *s == Shutdown::Running;
                if running {
                    *s = Shutdown::Graceful;
                }
                running
            });
            return;
        }
    }
}

/// Stops the jobs still running when a worker's run is dropped before it ends (its task
/// aborted, its runtime shut down): they stop with it, as in a killed process, instead of
/// running on with no heartbeat renewing their leases — which expire, so that another
/// worker's rescuer hands them back. A clean stop has handed them back already.
struct StopJobsOnDrop(Arc<Shared>);

impl Drop for StopJobsOnDrop {
    fn drop(&mut self) {
        for (_, job) in self.0.running().drain() {
            job.abort.abort();
        }
    }
}

/// Lists this worker in the registry of workers: id, host, pid, queues and the job kinds it
/// runs (so work no live worker would run can be told).
async fn register(db: &Db, cfg: &WorkerConfig, registry: &Registry) -> anyhow::Result<()> {
    let now = clock::now();
    let queues_json = serde_json::to_string(
        &cfg.queues
            .iter()
            .cloned()
            .collect::<HashMap<String, usize>>(),
    )?;
    let row = WorkerRow {
        id: cfg.id.clone(),
        host: config::hostname(),
        pid: i32::try_from(std::process::id()).unwrap_or(i32::MAX),
        queues: queues_json,
        kinds: Some(serde_json::to_string(&registry.names())?),
        started_at: now,
        heartbeat_at: now,
        stopped_at: None,
    };
    db.run(move |c| queue::register_worker(c, &row)).await?;
    Ok(())
}
