//! Keyset paging, shared by every sorted listing: a page starts after the last row of the
//! page before, by its sort value and id (ties broken by id in the same direction).

use diesel::dsl;
use diesel::expression::{AsExpression, BoxableExpression};
use diesel::prelude::*;
use diesel::query_dsl::methods::{FilterDsl, OrderDsl};
use diesel::sql_types::{Bool, SqlType};

use super::MultiBackend;

/// A condition on the rows of `QS`, boxed so conditions of different shapes combine.
pub type Predicate<'a, QS> = Box<dyn BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a>;

/// Sorts `q` by `id` alone, starting after `after` (before it when descending).
pub fn by_id<'a, Q, QS, I, K>(q: Q, id: I, after: Option<K>, descending: bool) -> Q
where
    I: ExpressionMethods + Copy,
    I::SqlType: SqlType,
    K: AsExpression<I::SqlType>,
    dsl::Gt<I, K>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Lt<I, K>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    Q: FilterDsl<Predicate<'a, QS>, Output = Q>
        + OrderDsl<dsl::Asc<I>, Output = Q>
        + OrderDsl<dsl::Desc<I>, Output = Q>,
{
    let q = match after {
        Some(key) => q.filter(past(id, key, descending)),
        None => q,
    };
    if descending {
        q.order(id.desc())
    } else {
        q.order(id.asc())
    }
}

/// Sorts `q` by `col`, ties by `id`, starting after the row whose sort value and id are
/// `after` (before it when descending).
pub fn by<'a, Q, QS, C, V, I, K>(q: Q, col: C, id: I, after: Option<(V, K)>, descending: bool) -> Q
where
    C: ExpressionMethods + Copy,
    C::SqlType: SqlType,
    V: AsExpression<C::SqlType> + Clone,
    I: ExpressionMethods + Copy,
    I::SqlType: SqlType,
    K: AsExpression<I::SqlType>,
    dsl::Gt<C, V>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Lt<C, V>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Eq<C, V>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Gt<I, K>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Lt<I, K>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    QS: 'a,
    Q: FilterDsl<Predicate<'a, QS>, Output = Q>
        + OrderDsl<(dsl::Asc<C>, dsl::Asc<I>), Output = Q>
        + OrderDsl<(dsl::Desc<C>, dsl::Desc<I>), Output = Q>,
{
    let q = match after {
        Some((value, key)) => {
            // Past the value, or at it and past the id.
            let tie: Predicate<'a, QS> = Box::new(col.eq(value.clone()));
            let within: Predicate<'a, QS> = Box::new(tie.and(past(id, key, descending)));
            let beyond: Predicate<'a, QS> = Box::new(past(col, value, descending).or(within));
            q.filter(beyond)
        }
        None => q,
    };
    if descending {
        q.order((col.desc(), id.desc()))
    } else {
        q.order((col.asc(), id.asc()))
    }
}

/// `col > value`, or `col < value` when descending.
fn past<'a, QS, C, V>(col: C, value: V, descending: bool) -> Predicate<'a, QS>
where
    C: ExpressionMethods,
    C::SqlType: SqlType,
    V: AsExpression<C::SqlType>,
    dsl::Gt<C, V>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
    dsl::Lt<C, V>: BoxableExpression<QS, MultiBackend, SqlType = Bool> + 'a,
{
    if descending {
        Box::new(col.lt(value))
    } else {
        Box::new(col.gt(value))
    }
}

/// Where a page starts, read from `cursor` by `take`; a cursor `take` does not read (one
/// made by another sort order) is refused.
pub fn after<C, T>(cursor: Option<&C>, take: impl Fn(&C) -> Option<T>) -> QueryResult<Option<T>> {
    cursor
        .map(|c| take(c).ok_or_else(foreign_cursor))
        .transpose()
}

/// Cuts the `limit + 1` rows a page query fetched to `limit`; true when more follow.
pub fn cut<T>(rows: &mut Vec<T>, limit: i64) -> bool {
    let limit = usize::try_from(limit).unwrap_or(0);
    let more = rows.len() > limit;
    rows.truncate(limit);
    more
}

/// The error for a cursor made by another sort order than the listing's.
fn foreign_cursor() -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError("the cursor does not belong to this sort order".into())
}
