//! The dashboard's chart range, queue and kind as they live in the URL
//! (`/?range=7d&queue=zenodo&kind=zenodo.copy`).

use super::{Params, UrlBuilder, UrlQuery, Wire};

/// How far back the dashboard's chart looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChartRange {
    /// The last hour, by minute.
    #[default]
    Hour,
    /// The last 24 hours, by hour.
    Day,
    /// The last 7 days, by hour.
    Week,
    /// The last 30 days, by hour.
    Month,
}

impl ChartRange {
    /// The button's text.
    pub fn label(self) -> &'static str {
        match self {
            ChartRange::Hour => "1 h",
            ChartRange::Day => "24 h",
            ChartRange::Week => "7 d",
            ChartRange::Month => "30 d",
        }
    }

    /// The chart's title.
    pub fn title(self) -> &'static str {
        match self {
            ChartRange::Hour => "Throughput, last 60 minutes",
            ChartRange::Day => "Throughput, last 24 hours",
            ChartRange::Week => "Throughput, last 7 days",
            ChartRange::Month => "Throughput, last 30 days",
        }
    }
}

impl Wire for ChartRange {
    const ALL: &'static [Self] = &[
        ChartRange::Hour,
        ChartRange::Day,
        ChartRange::Week,
        ChartRange::Month,
    ];
    fn wire(self) -> &'static str {
        match self {
            ChartRange::Hour => "1h",
            ChartRange::Day => "24h",
            ChartRange::Week => "7d",
            ChartRange::Month => "30d",
        }
    }
}

/// What the dashboard's chart shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DashboardQuery {
    pub range: ChartRange,
    /// Only this queue (`None`: all).
    pub queue: Option<String>,
    /// Only this kind (`None`: all).
    pub kind: Option<String>,
}

impl UrlQuery for DashboardQuery {
    fn from_params(p: &Params) -> Self {
        DashboardQuery {
            range: p
                .text("range")
                .and_then(|r| ChartRange::parse(&r))
                .unwrap_or_default(),
            queue: p.text("queue"),
            kind: p.text("kind"),
        }
    }

    fn url(&self) -> String {
        UrlBuilder::new("/")
            .raw(
                "range",
                (self.range != ChartRange::default()).then(|| self.range.wire()),
            )
            .text("queue", self.queue.as_ref())
            .text("kind", self.kind.as_ref())
            .finish()
    }
}
