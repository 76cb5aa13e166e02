//! Where a page of a sorted listing starts: the sort value and id of the last row of the page
//! before (ties are broken by id in the sort's direction). Copies and submissions share it.

use chrono::NaiveDateTime;

/// The sort value of the last row of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    /// Sorting by id: the id says it all.
    Id,
    Text(String),
    Int(i64),
    Time(NaiveDateTime),
}

/// Where a sorted page starts: after the row with this sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub value: SortValue,
    pub id: i64,
}

impl Cursor {
    /// The text value, with the id, when the cursor holds one.
    pub fn text(&self) -> Option<(String, i64)> {
        match &self.value {
            SortValue::Text(v) => Some((v.clone(), self.id)),
            _ => None,
        }
    }

    /// The whole-number value, with the id, when the cursor holds one.
    pub fn int(&self) -> Option<(i64, i64)> {
        match self.value {
            SortValue::Int(v) => Some((v, self.id)),
            _ => None,
        }
    }

    /// The time value, with the id, when the cursor holds one.
    pub fn time(&self) -> Option<(NaiveDateTime, i64)> {
        match self.value {
            SortValue::Time(v) => Some((v, self.id)),
            _ => None,
        }
    }

    /// The id, when the cursor is one of the sort by id.
    pub fn id_only(&self) -> Option<i64> {
        (self.value == SortValue::Id).then_some(self.id)
    }
}
