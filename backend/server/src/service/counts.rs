//! Job counts by queue and state, and the due work by queue and kind (what "no worker
//! serves this" is judged on), for the stats, queues and maintenance pages, cached when
//! counting is slow.
//!
//! Counting is a scan of the jobs table: instant on a small table, ~150 ms at a million rows
//! on PostgreSQL. Once a count has taken longer than [`SLOW_COUNT`], answers come from the
//! last count while it is younger than [`RECOUNT_FACTOR`] times its counting time (at least
//! [`MAX_AGE`], at most [`MAX_AGE_SLOW`]), so recounting takes at most a twentieth of one
//! core; an older one is still answered (up to [`STALE_LIMIT`]) while one background task
//! recounts, so no request waits for the scan. Fast counts are never cached: a small
//! installation (and every test) sees exact numbers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use longjobs_core::queue::{self, StateCount, Waiting};
use longjobs_core::{Db, DbError, clock};

/// One count: jobs per queue and state, and the waiting work per queue and kind (due jobs
/// and retrying ones between attempts, as [`queue::waiting_or_retrying`] reads them).
#[derive(Debug)]
pub struct Snapshot {
    pub counts: Vec<StateCount>,
    pub waiting: Vec<Waiting>,
}

/// A count that took this long makes the next answers come from the cache.
pub const SLOW_COUNT: Duration = Duration::from_millis(20);
/// How old a cached answer may be before it is recounted: its counting time times
/// [`RECOUNT_FACTOR`], between [`MAX_AGE`] and [`MAX_AGE_SLOW`].
pub const MAX_AGE: Duration = Duration::from_secs(1);
pub const MAX_AGE_SLOW: Duration = Duration::from_secs(10);
pub const RECOUNT_FACTOR: u32 = 20;
/// How old an answer may be and still be handed out while a recount runs.
pub const STALE_LIMIT: Duration = Duration::from_secs(30);

struct Entry {
    at: Instant,
    took: Duration,
    snap: Arc<Snapshot>,
    recounting: bool,
}

impl Entry {
    /// How long this count answers before it is recounted.
    fn fresh_for(&self) -> Duration {
        (self.took * RECOUNT_FACTOR).clamp(MAX_AGE, MAX_AGE_SLOW)
    }
}

/// The job counts of one database, cached when counting is slow: one per server, held in
/// its state (tests make their own).
pub struct Counts {
    db: Db,
    entry: Mutex<Option<Entry>>,
    /// One counting query at a time, so a burst of requests on a cold or slow table does
    /// not start one scan each.
    counting: tokio::sync::Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

enum Cached {
    Fresh(Arc<Snapshot>),
    /// Stale but usable; this caller should start the recount.
    StaleRecount(Arc<Snapshot>),
    Miss,
}

impl Counts {
    /// An empty cache over `db`: the first answer counts.
    pub fn new(db: Db) -> Arc<Self> {
        Arc::new(Counts {
            db,
            entry: Mutex::new(None),
            counting: tokio::sync::Mutex::new(()),
        })
    }

    fn lookup(&self) -> Cached {
        let mut entry = lock(&self.entry);
        let Some(e) = entry.as_mut() else {
            return Cached::Miss;
        };
        if e.took < SLOW_COUNT {
            return Cached::Miss;
        }
        let age = e.at.elapsed();
        if age < e.fresh_for() || (e.recounting && age < STALE_LIMIT) {
            return Cached::Fresh(e.snap.clone());
        }
        if age < STALE_LIMIT {
            e.recounting = true;
            return Cached::StaleRecount(e.snap.clone());
        }
        Cached::Miss
    }

    /// Jobs per queue and state and the waiting work: exact when counting is fast, else a
    /// recent count (see the module documentation).
    pub async fn snapshot(self: &Arc<Self>) -> Result<Arc<Snapshot>, DbError> {
        match self.lookup() {
            Cached::Fresh(counts) => Ok(counts),
            Cached::StaleRecount(counts) => {
                let this = self.clone();
                tokio::spawn(async move {
                    if let Err(e) = this.count().await {
                        tracing::warn!(error = %e, "recounting jobs by queue and state failed");
                    }
                });
                Ok(counts)
            }
            Cached::Miss => self.count().await,
        }
    }

    /// Counts once at start-up: on a table where counting is slow, the answer is cached
    /// before the first dashboard asks (requests that arrive meanwhile wait for this one
    /// count).
    pub async fn warm(self: Arc<Self>) {
        let started = Instant::now();
        match self.count().await {
            Ok(_) => tracing::debug!(
                took_ms = started.elapsed().as_millis() as u64,
                "counted jobs"
            ),
            Err(e) => tracing::warn!(error = %e, "counting jobs at start-up failed"),
        }
    }

    async fn count(&self) -> Result<Arc<Snapshot>, DbError> {
        let _turn = self.counting.lock().await;
        // Someone may have counted while this caller waited its turn.
        if let Some(e) = lock(&self.entry).as_ref()
            && e.took >= SLOW_COUNT
            && e.at.elapsed() < e.fresh_for()
        {
            return Ok(e.snap.clone());
        }
        let started = Instant::now();
        let result = self
            .db
            .run(|c| {
                Ok(Snapshot {
                    counts: queue::state_counts(c)?,
                    waiting: queue::waiting_or_retrying(c, clock::now())?,
                })
            })
            .await;
        let took = started.elapsed();
        let mut entry = lock(&self.entry);
        match result {
            Ok(snap) => {
                let snap = Arc::new(snap);
                *entry = Some(Entry {
                    at: Instant::now(),
                    took,
                    snap: snap.clone(),
                    recounting: false,
                });
                Ok(snap)
            }
            Err(e) => {
                if let Some(e) = entry.as_mut() {
                    e.recounting = false;
                }
                Err(e)
            }
        }
    }
}
