//! `GET /metrics`: Prometheus gauges of the whole installation, read from the database at
//! each scrape — jobs by queue and state, paused queues, workers and their heartbeats,
//! maintenance switches and the drain, Zenodo copies and Merritt submissions by state, and
//! the notification backlog. Throughput, failures, run times and pick-up latency are
//! counted where jobs run: each worker's own `/metrics` (`LONGJOBS_WORKER_METRICS_LISTEN`).
//!
//! Not in the OpenAPI document (it is not JSON). Closed like the API: it needs a bearer
//! token of any role (an `lj_…` API token for the scraper) unless the server is started
//! with `LONGJOBS_METRICS_PUBLIC=true` (for a scraper on a private network).

use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use longjobs_core::access::Role;
use longjobs_core::maintenance::{self, DEFER_ZENODO, HOLD_MERRITT};
use longjobs_core::{DbError, JobState, clock, outbox, queue};
use longjobs_replication::maintenance::{DRAINED_KINDS, running};
use longjobs_replication::merritt::{SubmissionState, store as merritt_store};
use longjobs_replication::zenodo::{CopyState, store as zenodo_store};
use poem::http::{StatusCode, header};
use poem::{IntoResponse, Request, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::state::AppState;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";
/// The content type of the OpenMetrics text format Prometheus scrapes.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// A worker whose heartbeat is older than this is not up (the same as `GET /api/workers`).
pub const WORKER_STALE_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct QueueState {
    queue: String,
    state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct QueueLabel {
    queue: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct WorkerLabel {
    worker: String,
    host: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct SwitchLabel {
    switch: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Answers a scrape: 401/403 problem+json when a token is needed and missing or not
/// allowed, else the metrics.
pub async fn scrape(req: &Request, state: &AppState, public: bool) -> Response {
    if !public {
        let token = req
            .header(header::AUTHORIZATION)
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        let Some(token) = token else {
            return ApiError::unauthorized(
                "/metrics needs `Authorization: Bearer <token>` (an API token of any role), \
                 or start the server with LONGJOBS_METRICS_PUBLIC=true",
            )
            .into_response();
        };
        match authenticate(state, token).await {
            Ok(p) => {
                if let Err(e) = p.require(Role::Viewer) {
                    return e.into_response();
                }
            }
            Err(e) => return e.into_response(),
        }
    }
    match render(state).await {
        Ok(text) => Response::builder().content_type(CONTENT_TYPE).body(text),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the database did not answer: {e}"),
            )
                .into_response()
        }
    }
}

/// Everything the server reports, read in one go.
struct Snapshot {
    counts: Vec<queue::StateCount>,
    settings: Vec<queue::QueueSettings>,
    workers: Vec<queue::WorkerStatus>,
    flags: Vec<maintenance::Flag>,
    draining_jobs: usize,
    copies: Vec<(CopyState, i64)>,
    submissions: Vec<(SubmissionState, i64)>,
    notify_pending: i64,
}

async fn snapshot(state: &AppState) -> Result<Snapshot, DbError> {
    state
        .db
        .run(|c| {
            let now = clock::now();
            let submissions = SubmissionState::ALL
                .iter()
                .map(|&s| merritt_store::count_in(c, &[s]).map(|n| (s, n)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Snapshot {
                counts: queue::state_counts(c)?,
                settings: queue::list_settings(c)?,
                workers: queue::list_workers(c, WORKER_STALE_AFTER)?,
                flags: maintenance::all(c)?,
                draining_jobs: running(c, &DRAINED_KINDS, now, None)?.len(),
                copies: zenodo_store::state_counts(c)?,
                submissions,
                notify_pending: outbox::count_pending(c)?,
            })
        })
        .await
}

/// The metrics text now.
pub async fn render(state: &AppState) -> Result<String, DbError> {
    let snap = snapshot(state).await?;
    let mut registry = Registry::with_prefix("longjobs");

    let jobs = Family::<QueueState, Gauge>::default();
    let mut queues: BTreeSet<String> = snap.counts.iter().map(|c| c.queue.clone()).collect();
    queues.extend(snap.settings.iter().map(|s| s.name.clone()));
    for q in &queues {
        // Every state of every known queue, zeros included, so series do not vanish.
        for st in JobState::ALL {
            let n: i64 = snap
                .counts
                .iter()
                .filter(|c| &c.queue == q && c.state == *st)
                .map(|c| c.count)
                .sum();
            jobs.get_or_create(&QueueState {
                queue: q.clone(),
                state: st.to_string(),
            })
            .set(n);
        }
    }
    registry.register("jobs", "Jobs by queue and state", jobs);

    let paused = Family::<QueueLabel, Gauge>::default();
    for q in &queues {
        let on = snap.settings.iter().any(|s| &s.name == q && s.paused);
        paused
            .get_or_create(&QueueLabel { queue: q.clone() })
            .set(i64::from(on));
    }
    registry.register("queue_paused", "1 when the queue is paused", paused);

    let alive = Gauge::<i64>::default();
    let up = Family::<WorkerLabel, Gauge>::default();
    let heartbeat = Family::<WorkerLabel, FloatGauge>::default();
    let running_jobs = Family::<WorkerLabel, Gauge>::default();
    for w in &snap.workers {
        if w.alive {
            alive.inc();
        }
        // Cleanly stopped workers are history, not news.
        if w.worker.stopped_at.is_some() {
            continue;
        }
        let l = WorkerLabel {
            worker: w.worker.id.clone(),
            host: w.worker.host.clone(),
        };
        up.get_or_create(&l).set(i64::from(w.alive));
        heartbeat
            .get_or_create(&l)
            .set(w.worker.heartbeat_at.and_utc().timestamp_micros() as f64 / 1e6);
        running_jobs.get_or_create(&l).set(w.running_jobs);
    }
    registry.register(
        "workers_alive",
        "Workers whose heartbeat is recent and that have not stopped",
        alive,
    );
    registry.register(
        "worker_up",
        "Per worker that has not stopped cleanly: 1 heart-beating, 0 gone (lease expiring or rescued)",
        up,
    );
    registry.register(
        "worker_heartbeat_timestamp_seconds",
        "Unix time of each worker's last heartbeat",
        heartbeat,
    );
    registry.register(
        "worker_running_jobs",
        "Jobs each worker holds running",
        running_jobs,
    );

    let switch = Family::<SwitchLabel, Gauge>::default();
    let since = Family::<SwitchLabel, FloatGauge>::default();
    for name in [DEFER_ZENODO, HOLD_MERRITT] {
        let l = SwitchLabel {
            switch: name.to_string(),
        };
        let flag = snap.flags.iter().find(|f| f.name == name);
        switch.get_or_create(&l).set(i64::from(flag.is_some()));
        if let Some(f) = flag {
            since
                .get_or_create(&l)
                .set(f.set_at.and_utc().timestamp_micros() as f64 / 1e6);
        }
    }
    registry.register(
        "maintenance_switch",
        "1 while a maintenance switch (defer_zenodo, hold_merritt) is on",
        switch,
    );
    registry.register(
        "maintenance_switch_since_timestamp_seconds",
        "Unix time a maintenance switch was turned on",
        since,
    );
    let draining = Gauge::<i64>::default();
    draining.set(snap.draining_jobs as i64);
    registry.register(
        "drain_running_jobs",
        "Zenodo copies and Merritt submissions running now (a drain is done when the switches are on and this is 0)",
        draining,
    );
    let drained = Gauge::<i64>::default();
    drained.set(i64::from(!snap.flags.is_empty() && snap.draining_jobs == 0));
    registry.register(
        "drained",
        "1 when a maintenance switch is on and nothing it covers still runs",
        drained,
    );

    let copies = Family::<StateLabel, Gauge>::default();
    for st in CopyState::ALL {
        let n = snap
            .copies
            .iter()
            .find(|(s, _)| s == st)
            .map_or(0, |(_, n)| *n);
        copies
            .get_or_create(&StateLabel {
                state: st.to_string(),
            })
            .set(n);
    }
    registry.register("zenodo_copies", "Zenodo copies by state", copies);
    let subs = Family::<StateLabel, Gauge>::default();
    for (st, n) in &snap.submissions {
        subs.get_or_create(&StateLabel {
            state: st.to_string(),
        })
        .set(*n);
    }
    registry.register("merritt_submissions", "Merritt submissions by state", subs);

    let pending = Gauge::<i64>::default();
    pending.set(snap.notify_pending);
    registry.register(
        "notify_events_pending",
        "Notification events some channel has not handled yet",
        pending,
    );

    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    Ok(out)
}
