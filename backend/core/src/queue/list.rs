//! Finding jobs: filters, sorting and keyset pagination, and counting what matches.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConn, MultiBackend, keyset};
use crate::job::{Job, JobId, JobState};
use crate::schema::{job_texts, jobs};

/// Largest page a listing returns.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Which jobs to find. Every field narrows the set; `None` means any.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    pub queue: Option<String>,
    pub kind: Option<String>,
    pub states: Vec<JobState>,
    pub ordering_key: Option<String>,
    pub unique_key: Option<String>,
    /// Text contained in the payload or the last error.
    pub text: Option<String>,
    pub created_after: Option<NaiveDateTime>,
    pub created_before: Option<NaiveDateTime>,
    pub finished_after: Option<NaiveDateTime>,
    pub finished_before: Option<NaiveDateTime>,
    pub ids: Vec<JobId>,
    /// Only jobs at or below this id: pins a bulk action to the jobs its dry run counted.
    pub max_id: Option<JobId>,
}

/// What a listing is ordered by; ties are broken by id in the same direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Id,
    CreatedAt,
    RunAt,
    Priority,
}

/// Where a page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub enum Cursor {
    Id(JobId),
    Time(NaiveDateTime, JobId),
    Int(i32, JobId),
}

impl Cursor {
    fn id(&self) -> Option<JobId> {
        match self {
            Cursor::Id(id) => Some(*id),
            _ => None,
        }
    }

    fn time(&self) -> Option<(NaiveDateTime, JobId)> {
        match self {
            Cursor::Time(v, id) => Some((*v, *id)),
            _ => None,
        }
    }

    fn int(&self) -> Option<(i32, JobId)> {
        match self {
            Cursor::Int(v, id) => Some((*v, *id)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub jobs: Vec<Job>,
    /// Start of the next page, when there is one.
    pub next: Option<Cursor>,
}

/// The jobs matching `f` on the database of `conn`, as a query to sort, count or page.
fn filtered(conn: &DbConn, f: &JobFilter) -> jobs::BoxedQuery<'static, MultiBackend> {
    let mut q = jobs::table.into_boxed();
    if let Some(v) = &f.queue {
        q = q.filter(jobs::queue.eq(v.clone()));
    }
    if let Some(v) = &f.kind {
        q = q.filter(jobs::kind.eq(v.clone()));
    }
    if !f.states.is_empty() {
        q = q.filter(jobs::state.eq_any(f.states.clone()));
    }
    if let Some(v) = &f.ordering_key {
        q = q.filter(jobs::ordering_key.eq(v.clone()));
    }
    if let Some(v) = &f.unique_key {
        q = q.filter(jobs::unique_key.eq(v.clone()));
    }
    if let Some(v) = &f.text {
        let p = crate::db::like_pattern(v);
        q = if matches!(conn, DbConn::Postgres(_)) {
            // PostgreSQL keeps the searched text in job_texts, under a trigram index.
            q.filter(
                jobs::id.eq_any(
                    job_texts::table
                        .filter(job_texts::body.like(p).escape('\\'))
                        .select(job_texts::job_id),
                ),
            )
        } else {
            q.filter(
                jobs::payload
                    .like(p.clone())
                    .escape('\\')
                    .or(jobs::last_error.like(p).escape('\\')),
            )
        };
    }
    if let Some(v) = f.created_after {
        q = q.filter(jobs::created_at.ge(v));
    }
    if let Some(v) = f.created_before {
        q = q.filter(jobs::created_at.lt(v));
    }
    if let Some(v) = f.finished_after {
        q = q.filter(jobs::finished_at.ge(v));
    }
    if let Some(v) = f.finished_before {
        q = q.filter(jobs::finished_at.lt(v));
    }
    if !f.ids.is_empty() {
        q = q.filter(jobs::id.eq_any(f.ids.clone()));
    }
    if let Some(v) = f.max_id {
        q = q.filter(jobs::id.le(v));
    }
    q
}

/// One page of jobs matching `filter`, sorted, starting after `cursor`.
pub fn list(
    conn: &mut DbConn,
    filter: &JobFilter,
    sort: SortKey,
    descending: bool,
    cursor: Option<&Cursor>,
    limit: i64,
) -> QueryResult<Page> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let q = filtered(conn, filter);
    let q = match sort {
        SortKey::Id => keyset::by_id(q, jobs::id, keyset::after(cursor, Cursor::id)?, descending),
        SortKey::CreatedAt => {
            let after = keyset::after(cursor, Cursor::time)?;
            keyset::by(q, jobs::created_at, jobs::id, after, descending)
        }
        SortKey::RunAt => {
            let after = keyset::after(cursor, Cursor::time)?;
            keyset::by(q, jobs::run_at, jobs::id, after, descending)
        }
        SortKey::Priority => {
            let after = keyset::after(cursor, Cursor::int)?;
            keyset::by(q, jobs::priority, jobs::id, after, descending)
        }
    };
    let mut found: Vec<Job> = q.limit(limit + 1).select(Job::as_select()).load(conn)?;
    let next = if keyset::cut(&mut found, limit) {
        found.last().map(|j| match sort {
            SortKey::Id => Cursor::Id(j.id),
            SortKey::CreatedAt => Cursor::Time(j.created_at, j.id),
            SortKey::RunAt => Cursor::Time(j.run_at, j.id),
            SortKey::Priority => Cursor::Int(j.priority, j.id),
        })
    } else {
        None
    };
    Ok(Page { jobs: found, next })
}

/// How many jobs match `filter`.
pub fn count(conn: &mut DbConn, filter: &JobFilter) -> QueryResult<i64> {
    filtered(conn, filter).count().get_result(conn)
}

/// How many jobs match `filter` and the highest id among them (`None` when none match),
/// in one query: a dry run hands the id back so the real action covers what was counted.
pub fn count_with_max_id(
    conn: &mut DbConn,
    filter: &JobFilter,
) -> QueryResult<(i64, Option<JobId>)> {
    let (n, max): (i64, Option<i64>) = filtered(conn, filter)
        .select((diesel::dsl::count_star(), diesel::dsl::max(jobs::id)))
        .get_result(conn)?;
    Ok((n, max.map(JobId)))
}

/// Ids of the jobs matching `filter`, oldest first, at most `limit`.
pub fn matching_ids(conn: &mut DbConn, filter: &JobFilter, limit: i64) -> QueryResult<Vec<JobId>> {
    filtered(conn, filter)
        .order(jobs::id.asc())
        .limit(limit)
        .select(jobs::id)
        .load(conn)
}

/// One job by id.
pub fn get(conn: &mut DbConn, id: JobId) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

/// The state of the job a row links to (`None`: no job, or it was pruned).
pub fn state_of(conn: &mut DbConn, job: Option<i64>) -> QueryResult<Option<JobState>> {
    let Some(id) = job else { return Ok(None) };
    jobs::table
        .find(JobId(id))
        .select(jobs::state)
        .first(conn)
        .optional()
}

/// Jobs of `kinds` running under a live lease at `now` (a dead worker's jobs stop counting
/// when their lease expires, before the rescuer even runs), started at or before
/// `started_before` when given; oldest start first.
pub fn running_of_kinds(
    conn: &mut DbConn,
    kinds: &[&str],
    now: NaiveDateTime,
    started_before: Option<NaiveDateTime>,
) -> QueryResult<Vec<Job>> {
    let mut q = jobs::table
        .filter(jobs::state.eq(JobState::Running))
        .filter(jobs::kind.eq_any(owned(kinds)))
        .filter(jobs::lease_expires_at.gt(now))
        .into_boxed();
    if let Some(t) = started_before {
        q = q.filter(jobs::attempted_at.le(t));
    }
    q.order(jobs::attempted_at.asc())
        .select(Job::as_select())
        .load(conn)
}

/// When the last job of `kinds` that finished at or after `since` finished.
pub fn last_finished_of_kinds(
    conn: &mut DbConn,
    kinds: &[&str],
    since: NaiveDateTime,
) -> QueryResult<Option<NaiveDateTime>> {
    jobs::table
        .filter(jobs::kind.eq_any(owned(kinds)))
        .filter(jobs::finished_at.ge(since))
        .select(diesel::dsl::max(jobs::finished_at))
        .first(conn)
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| k.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use crate::db::like_pattern;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
