//! The dashboard's throughput chart over 1 h, 24 h, 7 d or 30 d (the range in the URL),
//! drawn from the lasting history of finished jobs.

use leptos::prelude::*;
use longjobs_openapi::LiveTopic;

use crate::api;
use crate::components::{ErrorNotice, ThroughputChart};
use crate::poll::use_polled;
use crate::query::{ChartRange, DashboardQuery, Wire, use_url_query};

/// The chart card: title, the range switch, the chart.
#[component]
pub fn HistoryCard() -> impl IntoView {
    let (query, go) = use_url_query::<DashboardQuery>();
    let range = Memo::new(move |_| query.get().range);
    let series = use_polled(Some(&[LiveTopic::Jobs]), move || {
        api::ops::history(range.get().wire())
    });
    let per = move || match range.get() {
        ChartRange::Hour => "jobs finished per minute (UTC)",
        _ => "jobs finished per hour (UTC)",
    };
    let buttons = ChartRange::ALL
        .iter()
        .map(|&r| {
            let pressed = move || range.get() == r;
            view! {
                <button
                    type="button"
                    class="btn btn-small"
                    class:btn-primary=pressed
                    aria-pressed=move || pressed().to_string()
                    data-range=r.wire()
                    on:click=move |_| go.run(DashboardQuery { range: r })
                >
                    {r.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="throughput-title">
            <div class="card-header">
                <h2 id="throughput-title">{move || range.get().title()}</h2>
                <span class="muted small">{per}</span>
                <div class="range-switch" role="group" aria-label="Chart range">{buttons}</div>
            </div>
            <ErrorNotice error=series.error />
            {move || {
                let want = range.get();
                match series.data.get() {
                    // Until the new range answers, the old one's chart would mislead.
                    Some(h) if h.range == want.wire() => view! {
                        <ThroughputChart points=h.points bucket_secs=h.bucket_secs span=span(want) />
                    }
                    .into_any(),
                    _ => view! { <div class="chart-placeholder">"Loading…"</div> }.into_any(),
                }
            }}
        </section>
    }
}

fn span(r: ChartRange) -> &'static str {
    match r {
        ChartRange::Hour => "60 minutes",
        ChartRange::Day => "24 hours",
        ChartRange::Week => "7 days",
        ChartRange::Month => "30 days",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::UrlQuery as _;

    #[test]
    fn the_range_round_trips_through_the_url() {
        for &r in ChartRange::ALL {
            let q = DashboardQuery { range: r };
            let url = q.url();
            assert_eq!(url == "/", r == ChartRange::Hour, "{url}");
        }
    }
}
