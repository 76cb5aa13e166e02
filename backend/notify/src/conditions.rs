//! Alert conditions: a maintenance switch on too long, too many unfinished jobs in a queue,
//! a worker gone. Each is recorded once when it begins (an outbox event) and forgotten when
//! it ends, so it is told again only if it comes back.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use longjobs_core::outbox::{self, EventKind};
use longjobs_core::{DbConn, clock, maintenance, queue};
use serde_json::{Value, json};

use crate::config::AlertLimits;

/// A condition that holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct Holding {
    pub key: String,
    pub kind: EventKind,
    pub subject: String,
    pub detail: Value,
}

/// A condition already recorded keeps holding until its count falls below this share of
/// the limit, so a queue hovering at the limit is not told about again and again.
const IN_FLIGHT_CLEAR_RATIO: f64 = 0.9;

/// Finds the conditions that hold, records the new ones (with their events) and forgets
/// those that ended. Returns the conditions that began now.
pub fn check(conn: &mut DbConn, limits: &AlertLimits) -> QueryResult<Vec<Holding>> {
    let now = clock::now();
    let known: HashMap<String, EventKind> = outbox::conditions(conn)?
        .into_iter()
        .map(|c| (c.condition_key, c.kind))
        .collect();
    let holding = holding(conn, limits, now, &known)?;
    let mut began = Vec::new();
    for h in &holding {
        if outbox::begin_condition(conn, &h.key, h.kind, &h.subject, &h.detail)? {
            began.push(h.clone());
        }
    }
    let ended: Vec<String> = known
        .into_keys()
        .filter(|k| !holding.iter().any(|h| &h.key == k))
        .collect();
    outbox::end_conditions(conn, &ended)?;
    Ok(began)
}

/// The conditions that hold at `now`; `known` are those recorded as holding already.
fn holding(
    conn: &mut DbConn,
    limits: &AlertLimits,
    now: NaiveDateTime,
    known: &HashMap<String, EventKind>,
) -> QueryResult<Vec<Holding>> {
    let mut out = Vec::new();
    if let Some(max) = limits.hold_max {
        for flag in maintenance::all(conn)? {
            let on_for = now - flag.set_at;
            if on_for > clock::delta(max) {
                out.push(Holding {
                    key: format!("hold_too_old:{}", flag.name),
                    kind: EventKind::HoldTooOld,
                    subject: format!(
                        "maintenance switch {} has been on for {} min (limit {} min), set by {}",
                        flag.name,
                        on_for.num_minutes(),
                        max.as_secs() / 60,
                        flag.set_by
                    ),
                    detail: json!({
                        "flag": flag.name,
                        "set_at": flag.set_at,
                        "set_by": flag.set_by,
                        "limit_seconds": max.as_secs(),
                    }),
                });
            }
        }
    }
    if let Some(max) = limits.in_flight_max {
        let mut per_queue: HashMap<String, i64> = HashMap::new();
        for c in queue::state_counts(conn)? {
            if !c.state.is_finished() {
                *per_queue.entry(c.queue).or_default() += c.count;
            }
        }
        let mut queues: Vec<(String, i64)> = per_queue.into_iter().collect();
        queues.sort();
        for (name, n) in queues {
            let key = format!("too_many_in_flight:{name}");
            let threshold = if known.contains_key(&key) {
                (max as f64 * IN_FLIGHT_CLEAR_RATIO) as i64
            } else {
                max
            };
            if n > threshold {
                out.push(Holding {
                    key,
                    kind: EventKind::TooManyInFlight,
                    subject: format!("queue {name} has {n} unfinished jobs (limit {max})"),
                    detail: json!({ "queue": name, "unfinished": n, "limit": max }),
                });
            }
        }
    }
    if let Some(after) = limits.worker_gone_after {
        for w in queue::list_workers(conn, after)? {
            if w.alive || w.worker.stopped_at.is_some() {
                continue;
            }
            out.push(Holding {
                key: format!("worker_gone:{}", w.worker.id),
                kind: EventKind::WorkerGone,
                subject: format!(
                    "worker {} on {} is gone: no heartbeat since {} UTC ({} running jobs left to the rescuer)",
                    w.worker.id,
                    w.worker.host,
                    w.worker.heartbeat_at.format("%Y-%m-%d %H:%M:%S"),
                    w.running_jobs
                ),
                detail: json!({
                    "worker": w.worker.id,
                    "host": w.worker.host,
                    "pid": w.worker.pid,
                    "heartbeat_at": w.worker.heartbeat_at,
                    "running_jobs": w.running_jobs,
                }),
            });
        }
    }
    Ok(out)
}
