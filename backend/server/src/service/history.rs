//! The history of finished jobs for the dashboard: which ranges exist, their buckets, and
//! the series read from the stored minute and hour rows (plus the jobs not rolled up yet).

use std::str::FromStr;

use chrono::{NaiveDateTime, TimeDelta};
use longjobs_core::history::{self, Aggregate, HOUR, MINUTE, SeriesQuery};
use longjobs_core::queue::MAX_NAME_LEN;
use longjobs_core::{Db, clock};

use super::{ServiceError, ServiceResult};

/// A range the history is shown over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The last hour, by minute.
    Hour,
    /// The last 24 hours, by hour.
    Day,
    /// The last 7 days, by hour.
    Week,
    /// The last 30 days, by hour.
    Month,
}

impl Range {
    pub const ALL: [Range; 4] = [Range::Hour, Range::Day, Range::Week, Range::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Range::Hour => "1h",
            Range::Day => "24h",
            Range::Week => "7d",
            Range::Month => "30d",
        }
    }

    /// Seconds per bucket: minutes for the hour, hours beyond.
    pub fn bucket_secs(self) -> i32 {
        match self {
            Range::Hour => MINUTE,
            _ => HOUR,
        }
    }

    /// How many buckets.
    pub fn buckets(self) -> i64 {
        match self {
            Range::Hour => 60,
            Range::Day => 24,
            Range::Week => 7 * 24,
            Range::Month => 30 * 24,
        }
    }
}

impl FromStr for Range {
    type Err = ServiceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Range::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                ServiceError::BadRequest(format!(
                    "range must be one of 1h, 24h, 7d or 30d, got {s:?}"
                ))
            })
    }
}

/// A series over `range`, oldest bucket first, with where the roll-up stands.
pub struct Series {
    pub range: Range,
    pub since: NaiveDateTime,
    pub rolled_through: Option<NaiveDateTime>,
    pub points: Vec<(NaiveDateTime, Aggregate)>,
}

/// An optional queue or kind name: absent or empty means every one.
fn name(what: &str, v: Option<String>) -> ServiceResult<Option<String>> {
    match v {
        Some(v) if v.len() > MAX_NAME_LEN => Err(ServiceError::BadRequest(format!(
            "{what} must be at most {MAX_NAME_LEN} bytes long"
        ))),
        Some(v) if !v.is_empty() => Ok(Some(v)),
        _ => Ok(None),
    }
}

/// Finished jobs over `range` (ending with the current bucket), of one queue and kind or all.
pub async fn series(
    db: &Db,
    range: &str,
    queue: Option<String>,
    kind: Option<String>,
) -> ServiceResult<Series> {
    let range: Range = range.parse()?;
    let (queue, kind) = (name("queue", queue)?, name("kind", kind)?);
    let span = range.bucket_secs();
    let step = TimeDelta::seconds(i64::from(span));
    let to = history::bucket_start(clock::now(), span) + step;
    let since = to - step * (range.buckets() as i32);
    let q = SeriesQuery {
        span_secs: span,
        from: since,
        to,
        queue,
        kind,
    };
    let (points, rolled_through) = db
        .run(move |c| {
            let points = history::series(c, &q)?;
            Ok::<_, diesel::result::Error>((points, history::rolled_through(c)?))
        })
        .await?;
    Ok(Series {
        range,
        since,
        rolled_through,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_back_and_others_are_refused() {
        for r in Range::ALL {
            assert_eq!(r.as_str().parse::<Range>().unwrap(), r);
        }
        assert!(matches!(
            "2h".parse::<Range>(),
            Err(ServiceError::BadRequest(_))
        ));
        assert!(matches!(
            "".parse::<Range>(),
            Err(ServiceError::BadRequest(_))
        ));
        assert_eq!(
            Range::Week.buckets() * i64::from(Range::Week.bucket_secs()),
            7 * 86_400
        );
    }
}
