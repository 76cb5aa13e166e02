//! The time every component stamps rows with: UTC, at the microsecond precision stored.

use chrono::{DurationRound, NaiveDateTime, TimeDelta, Utc};

/// Now, in UTC, truncated to microseconds so a value read back equals the value written.
pub fn now() -> NaiveDateTime {
    let t = Utc::now().naive_utc();
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

/// `std::time::Duration` as a chrono delta (saturating at chrono's limit).
pub fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
