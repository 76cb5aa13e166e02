//! The cursors of the sorted replication listings (copies and submissions) on the wire:
//! `{sort}.{value}.{id}`, or `id.{id}` when sorting by id. The sort's name lets a cursor of
//! another sort order be refused.

use longjobs_replication::listing::{Cursor, SortValue};

use super::TIME_FORMAT;
use crate::error::ApiError;

/// How a sort's value is written in its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyed {
    /// Sorting by id: the id says it all.
    Id,
    Text,
    Int,
    /// An integer column of 32 bits: a larger number is not a cursor this API gave out.
    Int32,
    Time,
}

/// A sort order of a listing, as the wire names it.
pub trait WireSort: Copy + PartialEq + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
    fn keyed(self) -> Keyed;
}

pub fn cursor_out<S: WireSort>(sort: S, c: &Cursor) -> String {
    let value = match &c.value {
        SortValue::Id => return format!("id.{}", c.id),
        SortValue::Text(t) => t.clone(),
        SortValue::Int(n) => n.to_string(),
        SortValue::Time(t) => t.format(TIME_FORMAT).to_string(),
    };
    format!("{}.{value}.{}", sort.name(), c.id)
}

pub fn cursor_in<S: WireSort>(s: &str, sort: S) -> Result<Cursor, ApiError> {
    let bad = || ApiError::bad_request(format!("cursor {s:?} is not one this API gave out"));
    let (name, rest) = s.split_once('.').ok_or_else(bad)?;
    let of = S::ALL
        .iter()
        .copied()
        .find(|k| k.name() == name)
        .ok_or_else(bad)?;
    if of != sort {
        return Err(ApiError::bad_request(format!(
            "the cursor belongs to the sort by {name}, not by {}; start again without it",
            sort.name()
        )));
    }
    if sort.keyed() == Keyed::Id {
        let id = rest.parse().map_err(|_| bad())?;
        return Ok(Cursor {
            value: SortValue::Id,
            id,
        });
    }
    let (value, id) = rest.rsplit_once('.').ok_or_else(bad)?;
    let id: i64 = id.parse().map_err(|_| bad())?;
    let value = match sort.keyed() {
        Keyed::Id | Keyed::Text => SortValue::Text(value.to_string()),
        Keyed::Int => SortValue::Int(value.parse().map_err(|_| bad())?),
        Keyed::Int32 => SortValue::Int(value.parse::<i32>().map_err(|_| bad())?.into()),
        Keyed::Time => SortValue::Time(
            chrono::NaiveDateTime::parse_from_str(value, TIME_FORMAT).map_err(|_| bad())?,
        ),
    };
    Ok(Cursor { value, id })
}
