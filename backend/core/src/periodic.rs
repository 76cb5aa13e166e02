//! Periodic jobs: recurring work (the daily retry of Zenodo copies in error, …) kept in the
//! `periodic_jobs` table and enqueued by a scheduler every worker runs. A run is claimed by
//! moving `next_run_at` on in an UPDATE that checks it still holds the value read, in the
//! transaction that enqueues the job: however many schedulers look at once, on however
//! many hosts, one enqueues each run. All runs of one periodic job share a unique key, so
//! a run never starts while the previous one is still live.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DurationRound, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;

use crate::db::{DbConn, transaction};
use crate::job::{Job, JobState};
use crate::queue::{self, EnqueueRequest};
use crate::schema::periodic_jobs;

/// When a periodic job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every day at this time of day, UTC.
    DailyAt(NaiveTime),
    /// Every so often (whole seconds, at least one).
    Every(Duration),
}

impl Schedule {
    /// The first run strictly after `t`.
    pub fn next_after(&self, t: NaiveDateTime) -> NaiveDateTime {
        match *self {
            Schedule::DailyAt(at) => {
                let today = t.date().and_time(at);
                if today > t {
                    today
                } else {
                    today + TimeDelta::days(1)
                }
            }
            Schedule::Every(every) => {
                let secs = i64::try_from(every.as_secs()).unwrap_or(i64::MAX).max(1);
                let next = t + TimeDelta::seconds(secs);
                next.duration_trunc(TimeDelta::seconds(1)).unwrap_or(next)
            }
        }
    }

    /// In words, e.g. "daily at 03:00 UTC" or "every 3600 s".
    pub fn describe(&self) -> String {
        match self {
            Schedule::DailyAt(at) => format!("daily at {} UTC", at.format("%H:%M")),
            Schedule::Every(d) => format!("every {} s", d.as_secs()),
        }
    }
}

/// How a schedule is stored: `daily HH:MM` or `every <n>s`.
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::DailyAt(at) => write!(f, "daily {}", at.format("%H:%M")),
            Schedule::Every(d) => write!(f, "every {}s", d.as_secs()),
        }
    }
}

impl FromStr for Schedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(at) = s.strip_prefix("daily ") {
            return parse_time_of_day(at).map(Schedule::DailyAt);
        }
        if let Some(every) = s.strip_prefix("every ") {
            let d = crate::clock::parse_duration(every)?;
            if d.as_secs() == 0 {
                return Err(format!("{s:?}: the interval must be at least 1s"));
            }
            return Ok(Schedule::Every(Duration::from_secs(d.as_secs())));
        }
        Err(format!(
            "{s:?} is not a schedule: write `daily HH:MM` (UTC) or `every <duration>`"
        ))
    }
}

/// Parses a time of day written `HH:MM` (24-hour clock, UTC).
pub fn parse_time_of_day(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("{s:?} is not a time of day: write HH:MM (UTC), e.g. 03:00"))
}

/// A periodic job as the code defines it; written to its row at start-up.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodicDef {
    pub name: String,
    pub queue: String,
    pub kind: String,
    pub priority: i32,
    pub max_attempts: i32,
    pub schedule: Schedule,
}

/// A periodic job as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = periodic_jobs)]
pub struct PeriodicJob {
    pub name: String,
    pub queue: String,
    pub kind: String,
    pub priority: i32,
    pub max_attempts: i32,
    pub schedule: String,
    pub paused: bool,
    pub last_run_at: Option<NaiveDateTime>,
    pub last_job_id: Option<i64>,
    pub next_run_at: NaiveDateTime,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

impl PeriodicJob {
    /// The stored schedule, `None` when it does not parse (the row is then never run).
    pub fn schedule(&self) -> Option<Schedule> {
        self.schedule.parse().ok()
    }

    fn request(&self) -> EnqueueRequest {
        EnqueueRequest::new(&self.queue, &self.kind)
            .priority(self.priority)
            .max_attempts(self.max_attempts)
            .unique_key(unique_key(&self.name))
    }
}

/// The unique key every run of periodic job `name` holds while it is live.
pub fn unique_key(name: &str) -> String {
    format!("periodic:{name}")
}

/// A run the scheduler enqueued.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    pub name: String,
    /// The time the run was due.
    pub due_at: NaiveDateTime,
    pub job: Job,
    /// False when the previous run was still live and `job` is that run.
    pub inserted: bool,
    pub next_run_at: NaiveDateTime,
}

/// Why an operator action on a periodic job did not apply.
#[derive(Debug, thiserror::Error)]
pub enum PeriodicError {
    #[error("there is no periodic job {0:?}")]
    NotFound(String),
    #[error("periodic job {name:?} is still running as job #{job}: wait for it to end")]
    StillRunning { name: String, job: i64 },
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

/// Writes `def`'s row: created with its first run, or brought in line with the code and
/// settings (queue, kind, schedule; a new schedule moves the next run) — paused, last run
/// and next run of an unchanged schedule stay. Safe from every worker at once.
pub fn ensure(
    conn: &mut DbConn,
    def: &PeriodicDef,
    actor: &str,
    now: NaiveDateTime,
) -> QueryResult<PeriodicJob> {
    let schedule = def.schedule.to_string();
    if get(conn, &def.name)?.is_none() {
        let inserted = diesel::insert_into(periodic_jobs::table)
            .values((
                periodic_jobs::name.eq(&def.name),
                periodic_jobs::queue.eq(&def.queue),
                periodic_jobs::kind.eq(&def.kind),
                periodic_jobs::priority.eq(def.priority),
                periodic_jobs::max_attempts.eq(def.max_attempts),
                periodic_jobs::schedule.eq(&schedule),
                periodic_jobs::paused.eq(false),
                periodic_jobs::next_run_at.eq(def.schedule.next_after(now)),
                periodic_jobs::updated_by.eq(actor),
                periodic_jobs::updated_at.eq(now),
            ))
            .execute(conn);
        match inserted {
            // Another worker starting at the same moment wrote it first.
            Ok(_)
            | Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {}
            Err(e) => return Err(e),
        }
    }
    transaction(conn, |conn| {
        let row = get(conn, &def.name)?.ok_or(diesel::result::Error::NotFound)?;
        let same = row.queue == def.queue
            && row.kind == def.kind
            && row.priority == def.priority
            && row.max_attempts == def.max_attempts
            && row.schedule == schedule;
        if same {
            return Ok(row);
        }
        let next = if row.schedule == schedule {
            row.next_run_at
        } else {
            def.schedule.next_after(now)
        };
        diesel::update(periodic_jobs::table.find(&def.name))
            .set((
                periodic_jobs::queue.eq(&def.queue),
                periodic_jobs::kind.eq(&def.kind),
                periodic_jobs::priority.eq(def.priority),
                periodic_jobs::max_attempts.eq(def.max_attempts),
                periodic_jobs::schedule.eq(&schedule),
                periodic_jobs::next_run_at.eq(next),
                periodic_jobs::updated_by.eq(actor),
                periodic_jobs::updated_at.eq(now),
            ))
            .execute(conn)?;
        get(conn, &def.name)?.ok_or(diesel::result::Error::NotFound)
    })
}

pub fn get(conn: &mut DbConn, name: &str) -> QueryResult<Option<PeriodicJob>> {
    periodic_jobs::table
        .find(name)
        .select(PeriodicJob::as_select())
        .first(conn)
        .optional()
}

/// Every periodic job, by name.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<PeriodicJob>> {
    periodic_jobs::table
        .order(periodic_jobs::name.asc())
        .select(PeriodicJob::as_select())
        .load(conn)
}

/// The scheduler's round: every periodic job due at `now` (not paused, `next_run_at` not
/// after `now`) that this caller wins is enqueued, and its next run set to the first one
/// after `now` (a run missed while no worker ran is made once, not once per missed day).
pub fn run_due(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Fired>> {
    let due: Vec<PeriodicJob> = periodic_jobs::table
        .filter(periodic_jobs::paused.eq(false))
        .filter(periodic_jobs::next_run_at.le(now))
        .order(periodic_jobs::name.asc())
        .select(PeriodicJob::as_select())
        .load(conn)?;
    let mut fired = Vec::new();
    for row in due {
        let Some(schedule) = row.schedule() else {
            continue;
        };
        let next = schedule.next_after(now);
        let won = transaction(conn, |conn| {
            // The claim: only the caller that still sees the value it read moves it on.
            let claimed = diesel::update(
                periodic_jobs::table
                    .find(&row.name)
                    .filter(periodic_jobs::next_run_at.eq(row.next_run_at))
                    .filter(periodic_jobs::paused.eq(false)),
            )
            .set((
                periodic_jobs::next_run_at.eq(next),
                periodic_jobs::last_run_at.eq(Some(now)),
            ))
            .execute(conn)?;
            if claimed == 0 {
                return Ok::<_, diesel::result::Error>(None);
            }
            let e = queue::enqueue(conn, &row.request())?;
            diesel::update(periodic_jobs::table.find(&row.name))
                .set(periodic_jobs::last_job_id.eq(Some(e.job.id.0)))
                .execute(conn)?;
            Ok(Some(e))
        })?;
        if let Some(e) = won {
            fired.push(Fired {
                name: row.name.clone(),
                due_at: row.next_run_at,
                job: e.job,
                inserted: e.inserted,
                next_run_at: next,
            });
        }
    }
    Ok(fired)
}

/// Runs periodic job `name` now, whatever its schedule (its next scheduled run stays).
/// Refused while its last run is still live.
pub fn run_now(
    conn: &mut DbConn,
    name: &str,
    actor: &str,
    now: NaiveDateTime,
) -> Result<Job, PeriodicError> {
    transaction(conn, |conn| {
        let row = get(conn, name)?.ok_or_else(|| PeriodicError::NotFound(name.to_string()))?;
        let e = queue::enqueue(conn, &row.request())?;
        if !e.inserted {
            return Err(PeriodicError::StillRunning {
                name: name.to_string(),
                job: e.job.id.0,
            });
        }
        diesel::update(periodic_jobs::table.find(name))
            .set((
                periodic_jobs::last_run_at.eq(Some(now)),
                periodic_jobs::last_job_id.eq(Some(e.job.id.0)),
                periodic_jobs::updated_by.eq(actor),
                periodic_jobs::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(e.job)
    })
}

/// Pauses (`true`) or resumes periodic job `name`. A resumed job whose next run went by
/// while it was paused runs at the next time its schedule gives, not at once.
pub fn set_paused(
    conn: &mut DbConn,
    name: &str,
    paused: bool,
    actor: &str,
    now: NaiveDateTime,
) -> Result<PeriodicJob, PeriodicError> {
    transaction(conn, |conn| {
        let row = get(conn, name)?.ok_or_else(|| PeriodicError::NotFound(name.to_string()))?;
        let next = match row.schedule() {
            Some(s) if !paused && row.next_run_at <= now => s.next_after(now),
            _ => row.next_run_at,
        };
        diesel::update(periodic_jobs::table.find(name))
            .set((
                periodic_jobs::paused.eq(paused),
                periodic_jobs::next_run_at.eq(next),
                periodic_jobs::updated_by.eq(actor),
                periodic_jobs::updated_at.eq(now),
            ))
            .execute(conn)?;
        get(conn, name)?.ok_or_else(|| PeriodicError::NotFound(name.to_string()))
    })
}

/// The state of the last run's job (`None`: no run yet, or its job was pruned).
pub fn last_run_state(conn: &mut DbConn, job: Option<i64>) -> QueryResult<Option<JobState>> {
    queue::state_of(conn, job)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    }

    #[test]
    fn a_daily_schedule_runs_next_today_before_its_time_and_tomorrow_from_it() {
        let s: Schedule = "daily 03:00".parse().unwrap();
        assert_eq!(s.next_after(at(2, 59, 59)), at(3, 0, 0));
        assert_eq!(s.next_after(at(3, 0, 0)), at(3, 0, 0) + TimeDelta::days(1));
        assert_eq!(s.next_after(at(23, 0, 0)), at(3, 0, 0) + TimeDelta::days(1));
        assert_eq!(s.to_string(), "daily 03:00");
        assert_eq!(s.describe(), "daily at 03:00 UTC");
    }

    #[test]
    fn an_interval_schedule_runs_whole_seconds_later() {
        let s: Schedule = "every 1h".parse().unwrap();
        assert_eq!(s, Schedule::Every(Duration::from_secs(3600)));
        assert_eq!(s.to_string(), "every 3600s");
        let t = at(1, 2, 3) + TimeDelta::microseconds(5);
        assert_eq!(s.next_after(t), at(2, 2, 3));
    }

    #[test]
    fn schedules_that_do_not_parse_say_how_to_write_them() {
        for bad in [
            "daily 3am",
            "daily 25:00",
            "every 0s",
            "weekly",
            "every soon",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad}");
        }
        assert!(parse_time_of_day("03:00").is_ok());
        assert!(
            parse_time_of_day("3")
                .err()
                .is_some_and(|e| e.contains("HH:MM"))
        );
    }
}
