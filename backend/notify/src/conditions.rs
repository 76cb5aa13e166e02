//! Alert conditions: a maintenance switch on too long, too many unfinished jobs in a queue,
//! a worker gone, due work that no live worker would run (no worker at all, none serving
//! its queue, none running its kind). Each is recorded once when it begins (an outbox
//! event) and forgotten when it ends, so it is told again only if it comes back. The server
//! checks them as well as the workers, so "no worker" is told with every worker stopped.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use longjobs_core::outbox::{self, EventKind};
use longjobs_core::queue::StateCount;
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

/// The conditions that hold now, as the status pages show them (with the hysteresis of
/// those already recorded).
pub fn now_holding(conn: &mut DbConn, limits: &AlertLimits) -> QueryResult<Vec<Holding>> {
    let counts = counts_for(conn, limits)?;
    now_holding_counted(conn, limits, &counts)
}

/// [`now_holding`] with the jobs counted by queue and state already (`counts`: the
/// server's counts cache), so a status page does not scan the jobs table for them.
pub fn now_holding_counted(
    conn: &mut DbConn,
    limits: &AlertLimits,
    counts: &[StateCount],
) -> QueryResult<Vec<Holding>> {
    let known: HashMap<String, EventKind> = outbox::conditions(conn)?
        .into_iter()
        .map(|c| (c.condition_key, c.kind))
        .collect();
    holding_counted(conn, limits, clock::now(), &known, counts)
}

/// The conditions that hold at `now`; `known` are those recorded as holding already
/// (their thresholds have hysteresis). The status pages show the same list.
pub fn holding(
    conn: &mut DbConn,
    limits: &AlertLimits,
    now: NaiveDateTime,
    known: &HashMap<String, EventKind>,
) -> QueryResult<Vec<Holding>> {
    let counts = counts_for(conn, limits)?;
    holding_counted(conn, limits, now, known, &counts)
}

/// The jobs by queue and state, counted only when the in-flight alert is on.
fn counts_for(conn: &mut DbConn, limits: &AlertLimits) -> QueryResult<Vec<StateCount>> {
    match limits.in_flight_max {
        Some(_) => queue::state_counts(conn),
        None => Ok(Vec::new()),
    }
}

/// [`holding`] with the jobs counted by queue and state already.
fn holding_counted(
    conn: &mut DbConn,
    limits: &AlertLimits,
    now: NaiveDateTime,
    known: &HashMap<String, EventKind>,
    counts: &[StateCount],
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
        for c in counts {
            if !c.state.is_finished() {
                *per_queue.entry(c.queue.clone()).or_default() += c.count;
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
    if let Some(after) = limits.unserved_after {
        out.extend(unserved(conn, after, now)?);
    }
    Ok(out)
}

/// The Merritt page's alerts by the same limits: submissions held (`flag`, the
/// `hold_merritt` switch) longer than the hold limit, more submissions in flight than
/// theirs.
pub fn merritt_alerts(
    limits: &AlertLimits,
    flag: Option<&maintenance::Flag>,
    in_flight: i64,
    now: NaiveDateTime,
) -> Vec<String> {
    let mut alerts = Vec::new();
    if let (Some(f), Some(max)) = (flag, limits.hold_max)
        && now - f.set_at > clock::delta(max)
    {
        alerts.push(format!(
            "submissions have been held for {} min, longer than {} min (since {} by {})",
            (now - f.set_at).num_minutes(),
            max.as_secs() / 60,
            f.set_at.format("%Y-%m-%d %H:%M UTC"),
            f.set_by
        ));
    }
    if let Some(max) = limits.merritt_in_flight_max
        && in_flight > max
    {
        alerts.push(format!(
            "{in_flight} submissions in flight (more than {max}: LONGJOBS_ALERT_MERRITT_IN_FLIGHT_MAX)"
        ));
    }
    alerts
}

/// A worker heart-beating within this is alive for the unserved-work check (as the worker
/// list counts it).
const ALIVE_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// Due work no live worker would run, waiting longer than `after` (the one reading in
/// [`queue::unserved`]): with no worker serving at all one `no_worker` condition; else one
/// per queue no live worker serves (and not paused), and one per kind that no live worker
/// serving its queue runs.
fn unserved(
    conn: &mut DbConn,
    after: std::time::Duration,
    now: NaiveDateTime,
) -> QueryResult<Vec<Holding>> {
    let work = queue::unserved(conn, now - clock::delta(after), ALIVE_WITHIN)?;
    if work.unserved.is_empty() {
        return Ok(Vec::new());
    }
    let minutes = |since: NaiveDateTime| (now - since).num_minutes();
    if work.serving_workers == 0 {
        let jobs = work.jobs();
        let since = work.unserved.iter().map(|u| u.since).min().unwrap_or(now);
        let mut queues: Vec<&str> = work.unserved.iter().map(|u| u.queue.as_str()).collect();
        queues.dedup();
        return Ok(vec![Holding {
            key: "no_worker".into(),
            kind: EventKind::NoWorker,
            subject: format!(
                "no worker is alive: {jobs} due jobs wait in {} (the oldest for {} min)",
                queues.join(", "),
                minutes(since)
            ),
            detail: json!({ "jobs": jobs, "queues": queues, "since": since }),
        }]);
    }
    Ok(work
        .unserved
        .iter()
        .map(|u| match &u.kind {
            None => Holding {
                key: format!("unserved_queue:{}", u.queue),
                kind: EventKind::Unserved,
                subject: format!(
                    "{}: {} due jobs wait (the oldest for {} min)",
                    u.reason(),
                    u.jobs,
                    minutes(u.since)
                ),
                detail: json!({ "queue": u.queue, "jobs": u.jobs, "since": u.since }),
            },
            Some(kind) => Holding {
                key: format!("unserved_kind:{}:{kind}", u.queue),
                kind: EventKind::Unserved,
                subject: format!(
                    "{}: {} wait (the oldest for {} min)",
                    u.reason(),
                    u.jobs,
                    minutes(u.since)
                ),
                detail: json!({ "queue": u.queue, "kind": kind, "jobs": u.jobs, "since": u.since }),
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeDelta;

    use super::*;

    fn limits() -> AlertLimits {
        AlertLimits {
            hold_max: Some(Duration::from_secs(2 * 3600)),
            in_flight_max: None,
            worker_gone_after: None,
            merritt_in_flight_max: Some(10),
            unserved_after: None,
        }
    }

    #[test]
    fn the_merritt_page_alerts_on_an_old_hold_and_a_long_queue_by_the_shared_limits() {
        let now = clock::now();
        let flag = maintenance::Flag {
            name: maintenance::HOLD_MERRITT.into(),
            set_at: now - TimeDelta::hours(3),
            set_by: "ops".into(),
        };
        let alerts = merritt_alerts(&limits(), Some(&flag), 11, now);
        assert_eq!(alerts.len(), 2, "{alerts:?}");
        assert!(alerts[0].contains("held for 180 min, longer than 120 min"));
        assert!(alerts[1].starts_with("11 submissions in flight (more than 10"));
    }

    #[test]
    fn a_young_hold_and_a_short_queue_are_no_merritt_alert() {
        let now = clock::now();
        let flag = maintenance::Flag {
            name: maintenance::HOLD_MERRITT.into(),
            set_at: now - TimeDelta::minutes(5),
            set_by: "ops".into(),
        };
        assert!(merritt_alerts(&limits(), Some(&flag), 10, now).is_empty());
        assert!(merritt_alerts(&limits(), None, 0, now).is_empty());
    }
}
