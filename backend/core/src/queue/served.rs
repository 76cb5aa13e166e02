//! Work no live worker would run: due jobs in a queue that no live worker serves, or of a
//! kind that no live worker of their queue runs. The one reading of the worker registry
//! behind the `unserved` alert, the maintenance status, the queues list and the job page.
//!
//! A worker serves when its heartbeat is recent, it has not stopped and no operator asked
//! it to be quiet or to stop. It serves the queues it registered (the keys of its `queues`
//! JSON object) and, in those queues only, the kinds it registered (a JSON array; a worker
//! that did not say its kinds is taken to run every kind). Work in a paused queue or of a
//! paused kind is paused, not unserved: nobody is meant to run it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::{Waiting, WorkerRow, list_settings, list_workers, paused_kinds, waiting};
use crate::db::DbConn;
use crate::job::JobState;
use crate::schema::jobs;

/// What one serving worker runs: its queues, and its kinds when it said them.
#[derive(Debug, Clone, PartialEq)]
struct Serves {
    queues: BTreeSet<String>,
    kinds: Option<BTreeSet<String>>,
}

impl Serves {
    fn of(w: &WorkerRow) -> Self {
        let queues = serde_json::from_str::<HashMap<String, serde_json::Value>>(&w.queues)
            .map(|m| m.into_keys().collect())
            .unwrap_or_default();
        let kinds = w
            .kinds
            .as_deref()
            .and_then(|k| serde_json::from_str::<Vec<String>>(k).ok())
            .map(|ks| ks.into_iter().collect());
        Serves { queues, kinds }
    }

    fn runs(&self, queue: &str, kind: &str) -> bool {
        self.queues.contains(queue) && self.kinds.as_ref().is_none_or(|ks| ks.contains(kind))
    }
}

/// Whether a job of some queue and kind has a worker to run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A live worker serves the queue and runs the kind.
    Served,
    /// The queue is paused: it waits for an operator, not for a worker.
    QueuePaused,
    /// The kind is paused (in every queue).
    KindPaused,
    /// No live worker serves the queue.
    NoQueueWorker,
    /// Live workers serve the queue, but none of them runs the kind.
    NoKindWorker,
}

/// The serving workers and the pauses, read once; judges any queue and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    serving: Vec<Serves>,
    paused_queues: BTreeSet<String>,
    paused_kinds: BTreeSet<String>,
}

impl Coverage {
    /// Reads the registry and the pauses; a worker whose heartbeat is older than
    /// `alive_within` does not serve.
    pub fn load(conn: &mut DbConn, alive_within: Duration) -> QueryResult<Self> {
        let serving = list_workers(conn, alive_within)?
            .into_iter()
            .filter(|w| w.alive && w.command.is_none())
            .map(|w| Serves::of(&w.worker))
            .collect();
        let paused_queues = list_settings(conn)?
            .into_iter()
            .filter(|q| q.paused)
            .map(|q| q.name)
            .collect();
        let paused_kinds = paused_kinds(conn)?.into_iter().map(|k| k.kind).collect();
        Ok(Coverage {
            serving,
            paused_queues,
            paused_kinds,
        })
    }

    /// How many workers serve (alive, not quiet, not stopping).
    pub fn serving_workers(&self) -> usize {
        self.serving.len()
    }

    /// Some serving worker takes jobs from `queue` (paused or not).
    pub fn serves_queue(&self, queue: &str) -> bool {
        self.serving.iter().any(|s| s.queues.contains(queue))
    }

    /// Whether a job of `queue` and `kind` would run; a pause comes before a missing
    /// worker.
    pub fn verdict(&self, queue: &str, kind: &str) -> Verdict {
        if self.paused_queues.contains(queue) {
            Verdict::QueuePaused
        } else if self.paused_kinds.contains(kind) {
            Verdict::KindPaused
        } else if !self.serves_queue(queue) {
            Verdict::NoQueueWorker
        } else if !self.serving.iter().any(|s| s.runs(queue, kind)) {
            Verdict::NoKindWorker
        } else {
            Verdict::Served
        }
    }

    /// Why a job of `queue` and `kind` waits for a worker that does not exist; `None` when
    /// one would run it (or a pause holds it).
    pub fn reason(&self, queue: &str, kind: &str) -> Option<String> {
        match self.verdict(queue, kind) {
            Verdict::NoQueueWorker => Some(queue_reason(queue)),
            Verdict::NoKindWorker => Some(kind_reason(queue, kind)),
            Verdict::Served | Verdict::QueuePaused | Verdict::KindPaused => None,
        }
    }
}

fn queue_reason(queue: &str) -> String {
    format!("no live worker serves queue {queue}")
}

fn kind_reason(queue: &str, kind: &str) -> String {
    format!("no live worker of queue {queue} runs kind {kind}")
}

/// Due jobs nobody would run: a whole queue (`kind: None`) no live worker serves, or one
/// kind of a served queue that none of its live workers runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unserved {
    pub queue: String,
    pub kind: Option<String>,
    pub jobs: i64,
    /// When the oldest of them became due.
    pub since: NaiveDateTime,
}

impl Unserved {
    /// "no live worker serves queue X" / "no live worker of queue X runs kind K".
    pub fn reason(&self) -> String {
        match &self.kind {
            None => queue_reason(&self.queue),
            Some(kind) => kind_reason(&self.queue, kind),
        }
    }
}

/// Unserved work, and how many workers serve at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct UnservedWork {
    /// Workers alive, not quiet and not stopping.
    pub serving_workers: usize,
    /// By queue, the queue's own entry (if any) first, then its kinds.
    pub unserved: Vec<Unserved>,
}

impl UnservedWork {
    /// Every unserved job counted once.
    pub fn jobs(&self) -> i64 {
        self.unserved.iter().map(|u| u.jobs).sum()
    }

    /// The unserved jobs of `queue`, whole queue and kinds together.
    pub fn jobs_in(&self, queue: &str) -> i64 {
        self.unserved
            .iter()
            .filter(|u| u.queue == queue)
            .map(|u| u.jobs)
            .sum()
    }
}

/// Jobs waiting at `due_before` (due `available`, `scheduled` or `retryable` jobs, and
/// `retryable` ones tried before it and now between attempts) that no worker
/// heart-beating within `alive_within` would run, by queue and by (queue, kind); paused
/// queues and kinds left out. The retrying count because a worker of the queue claims a job
/// of a kind it does not run all the same, fails it for want of a handler and leaves it to
/// wait for its next attempt: it never runs either, and is rarely seen due.
pub fn unserved(
    conn: &mut DbConn,
    due_before: NaiveDateTime,
    alive_within: Duration,
) -> QueryResult<UnservedWork> {
    Coverage::load(conn, alive_within)?.unserved(conn, due_before)
}

impl Coverage {
    /// [`unserved`] with the workers and pauses read already.
    pub fn unserved(
        &self,
        conn: &mut DbConn,
        due_before: NaiveDateTime,
    ) -> QueryResult<UnservedWork> {
        Ok(self.judge(waiting_or_retrying(conn, due_before)?))
    }

    /// [`unserved`] of waiting work already counted by [`waiting_or_retrying`] (a server
    /// keeps that count with its job counts, so a page does not scan the jobs for it).
    pub fn judge(&self, waiting: impl IntoIterator<Item = Waiting>) -> UnservedWork {
        let mut whole: BTreeMap<String, Unserved> = BTreeMap::new();
        let mut kinds: Vec<Unserved> = Vec::new();
        for w in waiting {
            match self.verdict(&w.queue, &w.kind) {
                Verdict::NoQueueWorker => {
                    let entry = whole.entry(w.queue.clone()).or_insert_with(|| Unserved {
                        queue: w.queue,
                        kind: None,
                        jobs: 0,
                        since: w.since,
                    });
                    entry.jobs += w.count;
                    entry.since = entry.since.min(w.since);
                }
                Verdict::NoKindWorker => kinds.push(Unserved {
                    queue: w.queue,
                    kind: Some(w.kind),
                    jobs: w.count,
                    since: w.since,
                }),
                Verdict::Served | Verdict::QueuePaused | Verdict::KindPaused => {}
            }
        }
        let mut unserved: Vec<Unserved> = whole.into_values().chain(kinds).collect();
        // The waiting are ordered by queue and kind; the stable sort keeps that in a queue.
        unserved.sort_by(|a, b| {
            a.queue
                .cmp(&b.queue)
                .then(a.kind.is_some().cmp(&b.kind.is_some()))
        });
        UnservedWork {
            serving_workers: self.serving_workers(),
            unserved,
        }
    }
}

/// Due jobs (as [`waiting`] counts them) and, merged into the same (queue, kind) rows,
/// `retryable` jobs between attempts whose last attempt began at or before `due_before`
/// (their `since`: that attempt).
pub fn waiting_or_retrying(
    conn: &mut DbConn,
    due_before: NaiveDateTime,
) -> QueryResult<Vec<Waiting>> {
    let mut rows = waiting(conn, due_before)?;
    let retrying: Vec<(String, String, i64, Option<NaiveDateTime>)> = jobs::table
        .filter(jobs::state.eq(JobState::Retryable))
        .filter(jobs::run_at.gt(due_before))
        .filter(jobs::attempted_at.le(due_before))
        .group_by((jobs::queue, jobs::kind))
        .select((
            jobs::queue,
            jobs::kind,
            diesel::dsl::count_star(),
            diesel::dsl::min(jobs::attempted_at),
        ))
        .load(conn)?;
    for (queue, kind, count, since) in retrying {
        let since = since.unwrap_or(due_before);
        match rows.iter_mut().find(|w| w.queue == queue && w.kind == kind) {
            Some(w) => {
                w.count += count;
                w.since = w.since.min(since);
            }
            None => rows.push(Waiting {
                queue,
                kind,
                count,
                since,
            }),
        }
    }
    rows.sort_by(|a, b| (&a.queue, &a.kind).cmp(&(&b.queue, &b.kind)));
    Ok(rows)
}
