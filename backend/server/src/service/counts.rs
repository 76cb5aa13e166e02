//! Job counts by queue and state for the stats and queues pages, cached when counting is slow.
//!
//! Counting is a scan of the jobs table: instant on a small table, ~150 ms at a million rows
//! on PostgreSQL. Once a count has taken longer than [`SLOW_COUNT`], answers come from the
//! last count while it is younger than [`RECOUNT_FACTOR`] times its counting time (at least
//! [`MAX_AGE`], at most [`MAX_AGE_SLOW`]), so recounting takes at most a twentieth of one
//! core; an older one is still answered (up to [`STALE_LIMIT`]) while one background task
//! recounts, so no request waits for the scan. Fast counts are never cached: a small
//! installation (and every test) sees exact numbers.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use longjobs_core::Db;
use longjobs_core::queue::{self, StateCount};

use crate::error::ApiError;

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
    counts: Arc<Vec<StateCount>>,
    recounting: bool,
}

impl Entry {
    /// How long this count answers before it is recounted.
    fn fresh_for(&self) -> Duration {
        (self.took * RECOUNT_FACTOR).clamp(MAX_AGE, MAX_AGE_SLOW)
    }
}

/// One entry per database (tests run several servers in one process).
static CACHE: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Default::default);
/// One counting query at a time per database, so a burst of requests on a cold or slow
/// table does not start one scan each.
static COUNTING: LazyLock<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>> =
    LazyLock::new(Default::default);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

enum Cached {
    Fresh(Arc<Vec<StateCount>>),
    /// Stale but usable; this caller should start the recount.
    StaleRecount(Arc<Vec<StateCount>>),
    Miss,
}

fn lookup(key: &str) -> Cached {
    let mut map = lock(&CACHE);
    let Some(e) = map.get_mut(key) else {
        return Cached::Miss;
    };
    if e.took < SLOW_COUNT {
        return Cached::Miss;
    }
    let age = e.at.elapsed();
    if age < e.fresh_for() || (e.recounting && age < STALE_LIMIT) {
        return Cached::Fresh(e.counts.clone());
    }
    if age < STALE_LIMIT {
        e.recounting = true;
        return Cached::StaleRecount(e.counts.clone());
    }
    Cached::Miss
}

/// Jobs per queue and state: exact when counting is fast, else a recent count (see the
/// module documentation).
pub async fn state_counts(db: &Db) -> Result<Arc<Vec<StateCount>>, ApiError> {
    let key = db.url().to_string();
    match lookup(&key) {
        Cached::Fresh(counts) => Ok(counts),
        Cached::StaleRecount(counts) => {
            let db = db.clone();
            tokio::spawn(async move {
                if let Err(e) = count(&db, key).await {
                    tracing::warn!(error = %e, "recounting jobs by queue and state failed");
                }
            });
            Ok(counts)
        }
        Cached::Miss => Ok(count(db, key).await?),
    }
}

/// Counts once at start-up: on a table where counting is slow, the answer is cached before
/// the first dashboard asks (requests that arrive meanwhile wait for this one count).
pub async fn warm(db: Db) {
    let started = Instant::now();
    match count(&db, db.url().to_string()).await {
        Ok(_) => tracing::debug!(
            took_ms = started.elapsed().as_millis() as u64,
            "counted jobs"
        ),
        Err(e) => tracing::warn!(error = %e, "counting jobs at start-up failed"),
    }
}

async fn count(db: &Db, key: String) -> Result<Arc<Vec<StateCount>>, longjobs_core::DbError> {
    let gate = lock(&COUNTING).entry(key.clone()).or_default().clone();
    let _turn = gate.lock().await;
    // Someone may have counted while this caller waited its turn.
    if let Some(e) = lock(&CACHE).get(&key)
        && e.took >= SLOW_COUNT
        && e.at.elapsed() < e.fresh_for()
    {
        return Ok(e.counts.clone());
    }
    let started = Instant::now();
    let result = db.run(queue::state_counts).await;
    let took = started.elapsed();
    let mut map = lock(&CACHE);
    match result {
        Ok(counts) => {
            let counts = Arc::new(counts);
            map.insert(
                key,
                Entry {
                    at: Instant::now(),
                    took,
                    counts: counts.clone(),
                    recounting: false,
                },
            );
            Ok(counts)
        }
        Err(e) => {
            if let Some(entry) = map.get_mut(&key) {
                entry.recounting = false;
            }
            Err(e)
        }
    }
}
