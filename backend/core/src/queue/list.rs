//! Finding jobs: filters, sorting and keyset pagination, and counting what matches.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::job::{Job, JobId, JobState};
use crate::schema::jobs;
use crate::with_conn;

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

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub jobs: Vec<Job>,
    /// Start of the next page, when there is one.
    pub next: Option<Cursor>,
}

/// Escapes `%`, `_` and the escape character itself for a LIKE pattern.
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

macro_rules! filtered {
    ($f:expr) => {{
        let f: &JobFilter = $f;
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
            let p = like_pattern(v);
            q = q.filter(
                jobs::payload
                    .like(p.clone())
                    .escape('\\')
                    .or(jobs::last_error.like(p).escape('\\')),
            );
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
    }};
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
    let mut found: Vec<Job> = with_conn!(conn, |c| {
        let mut q = filtered!(filter);
        macro_rules! keyset {
            ($col:expr, $v:expr, $id:expr) => {
                if descending {
                    q = q.filter($col.lt($v).or($col.eq($v).and(jobs::id.lt($id))));
                } else {
                    q = q.filter($col.gt($v).or($col.eq($v).and(jobs::id.gt($id))));
                }
            };
        }
        match (sort, cursor) {
            (_, None) => {}
            (SortKey::Id, Some(Cursor::Id(id))) => {
                q = if descending {
                    q.filter(jobs::id.lt(*id))
                } else {
                    q.filter(jobs::id.gt(*id))
                };
            }
            (SortKey::CreatedAt, Some(Cursor::Time(v, id))) => keyset!(jobs::created_at, *v, *id),
            (SortKey::RunAt, Some(Cursor::Time(v, id))) => keyset!(jobs::run_at, *v, *id),
            (SortKey::Priority, Some(Cursor::Int(v, id))) => keyset!(jobs::priority, *v, *id),
            _ => {
                return Err(diesel::result::Error::QueryBuilderError(
                    "the cursor does not belong to this sort order".into(),
                ));
            }
        }
        q = match (sort, descending) {
            (SortKey::Id, false) => q.order(jobs::id.asc()),
            (SortKey::Id, true) => q.order(jobs::id.desc()),
            (SortKey::CreatedAt, false) => q.order((jobs::created_at.asc(), jobs::id.asc())),
            (SortKey::CreatedAt, true) => q.order((jobs::created_at.desc(), jobs::id.desc())),
            (SortKey::RunAt, false) => q.order((jobs::run_at.asc(), jobs::id.asc())),
            (SortKey::RunAt, true) => q.order((jobs::run_at.desc(), jobs::id.desc())),
            (SortKey::Priority, false) => q.order((jobs::priority.asc(), jobs::id.asc())),
            (SortKey::Priority, true) => q.order((jobs::priority.desc(), jobs::id.desc())),
        };
        q.limit(limit + 1).select(Job::as_select()).load(c)
    })?;
    let more = found.len() as i64 > limit;
    found.truncate(limit as usize);
    let next = if more {
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
    with_conn!(conn, |c| filtered!(filter).count().get_result(c))
}

/// How many jobs match `filter` and the highest id among them (`None` when none match),
/// in one query: a dry run hands the id back so the real action covers what was counted.
pub fn count_with_max_id(
    conn: &mut DbConn,
    filter: &JobFilter,
) -> QueryResult<(i64, Option<JobId>)> {
    let (n, max): (i64, Option<i64>) = with_conn!(conn, |c| filtered!(filter)
        .select((diesel::dsl::count_star(), diesel::dsl::max(jobs::id)))
        .get_result(c))?;
    Ok((n, max.map(JobId)))
}

/// Ids of the jobs matching `filter`, oldest first, at most `limit`.
pub fn matching_ids(conn: &mut DbConn, filter: &JobFilter, limit: i64) -> QueryResult<Vec<JobId>> {
    with_conn!(conn, |c| filtered!(filter)
        .order(jobs::id.asc())
        .limit(limit)
        .select(jobs::id)
        .load(c))
}

/// One job by id.
pub fn get(conn: &mut DbConn, id: JobId) -> QueryResult<Option<Job>> {
    with_conn!(conn, |c| jobs::table
        .find(id)
        .select(Job::as_select())
        .first(c)
        .optional())
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_metacharacters_are_escaped() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
