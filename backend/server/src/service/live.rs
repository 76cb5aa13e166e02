//! Live updates: what changed, for `GET /api/live` to push to open console pages.
//!
//! Server and workers share only the database, so a change a worker on another host makes
//! is seen here by reading it. One ticker per server process (not per connection) reads a
//! cheap fingerprint of each [`LiveTopic`] every [`TICK`] — the job counts (from the counts
//! cache, so a slow count is not repeated), the newest job, the copies' and submissions'
//! newest update and log line, the progress of copies uploading now, the queue,
//! maintenance, alert, remote-probe, worker and periodic rows (small tables) — and broadcasts the topics whose fingerprint moved to every open stream.
//! While no stream is open the ticker reads nothing.
//!
//! A stream that falls more than [`BACKLOG`] messages behind (its client stopped reading)
//! is told to resync instead of receiving an error; closing the hub ([`Live::close`], at
//! shutdown) ends every stream, so a stopping server does not wait for them.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use futures_util::Stream;
use longjobs_core::queue::StateCount;
use longjobs_core::schema::{
    jobs, maintenance_flags, merritt_submission_log, merritt_submission_states,
    merritt_submissions, notify_conditions, paused_kinds, periodic_jobs, queues, remote_probes,
    workers, zenodo_copies, zenodo_copy_log,
};
use longjobs_core::{Db, DbConn, clock};
use longjobs_openapi::{LiveEvent, LiveKind, LiveTopic};
use tokio::sync::{Notify, broadcast, watch};

use crate::service::counts::Counts;

/// How often the ticker reads the fingerprint.
pub const TICK: Duration = Duration::from_secs(1);
/// How often an idle stream sends a comment, so proxies keep it open.
pub const HEARTBEAT: Duration = Duration::from_secs(15);
/// Messages a stream may fall behind before it is told to resync.
pub const BACKLOG: usize = 16;
/// A worker whose heartbeat is older than this is not alive (as the workers page says).
const WORKER_STALE_AFTER: Duration = crate::metrics::WORKER_STALE_AFTER;

/// Topics that changed together, in [`LiveTopic::ALL`] order.
pub type Topics = Arc<[LiveTopic]>;

/// One hub per server: the ticker and the broadcast every stream subscribes to.
pub struct Live {
    db: Db,
    counts: Arc<Counts>,
    tick: Duration,
    tx: broadcast::Sender<Topics>,
    started: AtomicBool,
    closed: watch::Sender<bool>,
    /// Whether the ticker holds a fingerprint to compare the next one with: a stream says
    /// hello only then, so a change made after its client fetched is never in the baseline.
    ready: watch::Sender<bool>,
    /// Wakes the ticker at once when a stream opens while it holds no fingerprint.
    wake: Notify,
}

impl Live {
    /// A hub over `db` reading every [`TICK`]; the ticker starts with the first stream.
    pub fn new(db: Db, counts: Arc<Counts>) -> Arc<Self> {
        Self::with_tick(db, counts, TICK)
    }

    /// A hub reading every `tick`.
    pub fn with_tick(db: Db, counts: Arc<Counts>, tick: Duration) -> Arc<Self> {
        let (tx, _) = broadcast::channel(BACKLOG);
        Arc::new(Live {
            db,
            counts,
            tick,
            tx,
            started: AtomicBool::new(false),
            closed: watch::Sender::new(false),
            ready: watch::Sender::new(false),
            wake: Notify::new(),
        })
    }

    /// Sends `topics` to every open stream; returns how many streams there are.
    pub fn publish(&self, topics: Topics) -> usize {
        self.tx.send(topics).unwrap_or(0)
    }

    /// Streams open now.
    pub fn streams(&self) -> usize {
        self.tx.receiver_count()
    }

    /// Ends every stream and refuses new ones (at shutdown).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// The events of one stream: `hello` first, then a `change` per tick that saw one, a
    /// `resync` after falling behind; ends when the hub closes.
    pub fn stream(self: &Arc<Self>) -> impl Stream<Item = LiveEvent> + Send + 'static {
        let rx = self.tx.subscribe();
        self.start();
        self.wake.notify_one();
        let closed = self.closed.subscribe();
        let ready = self.ready.subscribe();
        futures_util::stream::unfold(
            (Some(ready), rx, closed),
            |(ready, mut rx, mut closed)| async move {
                if let Some(mut ready) = ready {
                    tokio::select! {
                        r = ready.wait_for(|r| *r) => r.ok()?,
                        _ = closed.wait_for(|c| *c) => return None,
                    };
                    let hello = event(LiveKind::Hello, LiveTopic::ALL.to_vec());
                    return Some((hello, (None, rx, closed)));
                }
                if *closed.borrow() {
                    return None;
                }
                let next = tokio::select! {
                    got = rx.recv() => got,
                    _ = closed.wait_for(|c| *c) => return None,
                };
                let ev = match next {
                    Ok(topics) => event(LiveKind::Change, topics.to_vec()),
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        event(LiveKind::Resync, LiveTopic::ALL.to_vec())
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                Some((ev, (None, rx, closed)))
            },
        )
    }

    /// Starts the ticker once, holding the hub weakly: it stops when the hub is dropped.
    fn start(self: &Arc<Self>) {
        if self.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let hub = Arc::downgrade(self);
        let tick = self.tick;
        tokio::spawn(ticker(hub, tick));
    }
}

fn event(kind: LiveKind, topics: Vec<LiveTopic>) -> LiveEvent {
    LiveEvent {
        kind,
        topics,
        at: chrono::Utc::now(),
    }
}

async fn ticker(hub: Weak<Live>, tick: Duration) {
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last: Option<Fingerprint> = None;
    let mut failing = false;
    loop {
        {
            let Some(hub) = hub.upgrade() else { return };
            tokio::select! {
                _ = interval.tick() => {}
                _ = hub.wake.notified() => {}
            }
        }
        let Some(hub) = hub.upgrade() else { return };
        if *hub.closed.borrow() {
            return;
        }
        if hub.streams() == 0 {
            // Nobody listens: read nothing; the next stream waits for a new baseline.
            last = None;
            hub.ready.send_replace(false);
            continue;
        }
        match fingerprint(&hub).await {
            Ok(now) => {
                if failing {
                    tracing::info!("live updates: reading the database again");
                    failing = false;
                }
                if let Some(before) = &last {
                    let changed: Vec<LiveTopic> = LiveTopic::ALL
                        .iter()
                        .zip(before.0.iter().zip(now.0.iter()))
                        .filter(|(_, (a, b))| a != b)
                        .map(|(t, _)| *t)
                        .collect();
                    if !changed.is_empty() {
                        hub.publish(changed.into());
                    }
                }
                last = Some(now);
                hub.ready.send_replace(true);
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "live updates: reading what changed failed; retrying every tick");
                    failing = true;
                }
            }
        }
    }
}

/// One hash per topic, in [`LiveTopic::ALL`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint([u64; LiveTopic::ALL.len()]);

async fn fingerprint(hub: &Live) -> Result<Fingerprint, longjobs_core::DbError> {
    let snap = hub.counts.snapshot().await?;
    hub.db.run(move |c| read(c, &snap.counts)).await
}

fn hash_of(v: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// A queue's name, pause and limits (concurrency, rate, rate period).
type QueueSettingsRow = (String, bool, Option<i32>, Option<i32>, Option<i32>);

/// Reads every topic's fingerprint: counts and maxima over indexed columns on the large
/// tables, whole rows of the small ones.
fn read(c: &mut DbConn, counts: &[StateCount]) -> QueryResult<Fingerprint> {
    let counts: Vec<(&str, &str, i64)> = counts
        .iter()
        .map(|s| (s.queue.as_str(), s.state.as_str(), s.count))
        .collect();
    let newest_job: Option<i64> = jobs::table.select(max(jobs::id)).first(c)?;
    let jobs = hash_of((counts, newest_job));

    // Pauses and limits as operators set them (not the rate bucket, which every claim of
    // a rate-limited queue moves), and the paused job kinds.
    let queues: Vec<QueueSettingsRow> = queues::table
        .order(queues::name)
        .select((
            queues::name,
            queues::paused,
            queues::concurrency,
            queues::rate_limit,
            queues::rate_period_secs,
        ))
        .load(c)?;
    let kinds: Vec<String> = paused_kinds::table
        .order(paused_kinds::kind)
        .select(paused_kinds::kind)
        .load(c)?;

    let cutoff = clock::now() - clock::delta(WORKER_STALE_AFTER);
    // With the operator's command (quiet, stop) each worker was given.
    let workers: Vec<(String, Option<NaiveDateTime>, bool, Option<String>)> = workers::table
        .order(workers::id)
        .select((
            workers::id,
            workers::stopped_at,
            workers::heartbeat_at,
            workers::command,
        ))
        .load::<(String, Option<NaiveDateTime>, NaiveDateTime, Option<String>)>(c)?
        .into_iter()
        .map(|(id, stopped, beat, command)| (id, stopped, beat >= cutoff, command))
        .collect();

    let zenodo: (Option<i64>, Option<NaiveDateTime>) = zenodo_copies::table
        .select((max(zenodo_copies::id), max(zenodo_copies::updated_at)))
        .first(c)?;
    // Upload progress does not touch `updated_at`: the few copies replicating now, and
    // the newest log line.
    let progress: Vec<(i64, i32, i64)> = zenodo_copies::table
        .filter(zenodo_copies::state.eq("replicating"))
        .order(zenodo_copies::id)
        .select((
            zenodo_copies::id,
            zenodo_copies::files_done,
            zenodo_copies::bytes_done,
        ))
        .load(c)?;
    let copy_log: Option<i64> = zenodo_copy_log::table
        .select(max(zenodo_copy_log::id))
        .first(c)?;
    let merritt: (Option<i64>, Option<NaiveDateTime>) = merritt_submissions::table
        .select((
            max(merritt_submissions::id),
            max(merritt_submissions::updated_at),
        ))
        .first(c)?;
    let submission_log: (Option<i64>, Option<i64>) = (
        merritt_submission_log::table
            .select(max(merritt_submission_log::id))
            .first(c)?,
        merritt_submission_states::table
            .select(max(merritt_submission_states::id))
            .first(c)?,
    );

    let flags: Vec<String> = maintenance_flags::table
        .order(maintenance_flags::name)
        .select(maintenance_flags::name)
        .load(c)?;
    let alerts: Vec<String> = notify_conditions::table
        .order(notify_conditions::condition_key)
        .select(notify_conditions::condition_key)
        .load(c)?;
    let probes: Vec<(String, bool, Option<i32>)> = remote_probes::table
        .order(remote_probes::service)
        .select((
            remote_probes::service,
            remote_probes::ok,
            remote_probes::status,
        ))
        .load(c)?;

    let periodic: Vec<(String, bool, String, Option<NaiveDateTime>, NaiveDateTime)> =
        periodic_jobs::table
            .order(periodic_jobs::name)
            .select((
                periodic_jobs::name,
                periodic_jobs::paused,
                periodic_jobs::schedule,
                periodic_jobs::last_run_at,
                periodic_jobs::next_run_at,
            ))
            .load(c)?;

    // In LiveTopic::ALL order.
    Ok(Fingerprint([
        jobs,
        hash_of((queues, kinds)),
        hash_of(workers),
        hash_of((zenodo, progress, copy_log)),
        hash_of((merritt, submission_log)),
        hash_of((flags, alerts, probes)),
        hash_of(periodic),
    ]))
}
