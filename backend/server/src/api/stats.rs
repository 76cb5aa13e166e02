//! Counts by queue and state, per-minute throughput and the lasting history for the
//! console's charts.

use chrono::{DurationRound, NaiveDateTime, TimeDelta};
use longjobs_core::access::Role;
use longjobs_core::history::Histogram;
use longjobs_core::{JobState, clock, queue};
use longjobs_openapi as wire;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::{state_out, utc};
use super::queues::all_queue_infos;
use super::workers::list_workers;
use crate::auth::BearerAuth;
use crate::error::{ApiError, ApiResult};
use crate::service::history;
use crate::state::AppState;

/// Longest window of the time series.
pub const MAX_SERIES_MINUTES: i64 = 7 * 24 * 60;

pub struct StatsApi {
    pub state: AppState,
}

#[OpenApi(tag = "Tag::Stats")]
impl StatsApi {
    /// Job counts.
    ///
    /// Jobs by queue and state, totals by state, and how many workers are alive.
    #[oai(path = "/api/stats", method = "get", operation_id = "getStats")]
    async fn stats(&self, auth: BearerAuth) -> ApiResult<Json<wire::Stats>> {
        auth.0.require(Role::Viewer)?;
        let (snap, queues) = all_queue_infos(&self.state).await?;
        let counts = &snap.counts;
        let workers = list_workers(&self.state).await?;
        let totals = JobState::ALL
            .iter()
            .map(|&st| wire::StateCount {
                state: state_out(st),
                count: counts
                    .iter()
                    .filter(|c| c.state == st)
                    .map(|c| c.count)
                    .sum(),
            })
            .collect();
        Ok(Json(wire::Stats {
            queues,
            totals,
            workers_alive: workers.iter().filter(|w| w.alive).count() as i64,
        }))
    }

    /// Throughput and failures over time.
    ///
    /// Jobs finished per minute (completed, failed for good, cancelled) over the last
    /// `minutes` (default 60, at most 10,080), oldest first, with empty minutes as zeros.
    #[oai(
        path = "/api/stats/timeseries",
        method = "get",
        operation_id = "getTimeSeries"
    )]
    async fn timeseries(
        &self,
        auth: BearerAuth,
        /// How many minutes back, 1 to 10080 (default 60).
        #[oai(validator(minimum(value = "1"), maximum(value = "10080")))]
        minutes: Query<Option<i64>>,
    ) -> ApiResult<Json<wire::TimeSeries>> {
        auth.0.require(Role::Viewer)?;
        let minutes = minutes.0.unwrap_or(60);
        if !(1..=MAX_SERIES_MINUTES).contains(&minutes) {
            return Err(ApiError::bad_request(format!(
                "minutes must be between 1 and {MAX_SERIES_MINUTES}, got {minutes}"
            )));
        }
        let now = clock::now()
            .duration_trunc(TimeDelta::minutes(1))
            .map_err(|e| ApiError::internal(e.to_string()))?;
        let since = now - TimeDelta::minutes(minutes - 1);
        let rows = self
            .state
            .db
            .run(move |c| queue::per_minute(c, since))
            .await?;
        let mut points: Vec<wire::MinutePoint> = (0..minutes)
            .map(|i| wire::MinutePoint {
                minute: utc(since + TimeDelta::minutes(i)),
                completed: 0,
                failed: 0,
                cancelled: 0,
            })
            .collect();
        for r in rows {
            let Ok(minute) = NaiveDateTime::parse_from_str(
                &format!("{}:00", r.minute.replace('T', " ")),
                "%Y-%m-%d %H:%M:%S",
            ) else {
                continue;
            };
            let idx = (minute - since).num_minutes();
            let Some(p) = usize::try_from(idx).ok().and_then(|i| points.get_mut(i)) else {
                continue;
            };
            match r.state.as_str() {
                "completed" => p.completed += r.count,
                "discarded" => p.failed += r.count,
                "cancelled" => p.cancelled += r.count,
                _ => {}
            }
        }
        Ok(Json(wire::TimeSeries {
            since: utc(since),
            points,
        }))
    }

    /// History of finished jobs.
    ///
    /// Jobs finished per bucket over `range` — `1h` by minute, `24h`, `7d` or `30d` by
    /// hour — with failed attempts and run-time and queue-wait percentiles, of one queue
    /// and kind or all (empty means all). Read from the history rolled up from the job
    /// rows before they are pruned (kept 90 days by default), oldest bucket first, every
    /// bucket present.
    #[oai(
        path = "/api/stats/history",
        method = "get",
        operation_id = "getHistory"
    )]
    async fn history(
        &self,
        auth: BearerAuth,
        /// `1h`, `24h`, `7d` or `30d` (default `1h`).
        range: Query<Option<String>>,
        /// Only this queue.
        queue: Query<Option<String>>,
        /// Only this kind.
        kind: Query<Option<String>>,
    ) -> ApiResult<Json<wire::History>> {
        auth.0.require(Role::Viewer)?;
        let range = range.0.unwrap_or_else(|| "1h".to_string());
        let s = history::series(&self.state.db, &range, queue.0, kind.0).await?;
        Ok(Json(wire::History {
            range: s.range.as_str().to_string(),
            bucket_secs: s.range.bucket_secs(),
            since: utc(s.since),
            rolled_through: s.rolled_through.map(utc),
            points: s
                .points
                .into_iter()
                .map(|(start, a)| wire::HistoryPoint {
                    start: utc(start),
                    completed: a.completed,
                    failed: a.discarded,
                    cancelled: a.cancelled,
                    failed_attempts: a.failed_attempts,
                    run: duration_stats(&a.run),
                    wait: duration_stats(&a.wait),
                })
                .collect(),
        }))
    }
}

/// A histogram's figures on the wire; `None` when it holds no duration.
fn duration_stats(h: &Histogram) -> Option<wire::DurationStats> {
    Some(wire::DurationStats {
        count: h.count,
        mean_ms: h.mean_ms()?,
        p50_ms: h.quantile(0.5)?,
        p95_ms: h.quantile(0.95)?,
        p99_ms: h.quantile(0.99)?,
        max_ms: h.max_ms,
    })
}
