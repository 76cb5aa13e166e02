//! The dashboard's throughput chart over 1 h, 24 h, 7 d or 30 d, of every queue and kind
//! or one (range, queue and kind in the URL), drawn from the lasting history of finished
//! jobs.

use leptos::prelude::*;
use longjobs_openapi::LiveTopic;

use crate::api;
use crate::components::{ErrorNotice, SelectField, ThroughputChart};
use crate::poll::use_polled;
use crate::query::{ChartRange, DashboardQuery, Wire, use_url_query};

/// The chart card: title, the range switch, the queue and kind choices, the chart.
/// `queues`: the queues to offer (the dashboard's counts have them).
#[component]
pub fn HistoryCard(#[prop(into)] queues: Signal<Vec<String>>) -> impl IntoView {
    let (query, go) = use_url_query::<DashboardQuery>();
    let range = Memo::new(move |_| query.get().range);
    let queue = Memo::new(move |_| query.get().queue);
    let kind = Memo::new(move |_| query.get().kind);
    let series = use_polled(Some(&[LiveTopic::Jobs]), move || {
        api::ops::history(
            range.get().wire(),
            queue.get().as_deref(),
            kind.get().as_deref(),
        )
    });
    let kinds = use_polled(Some(&[LiveTopic::Workers]), api::ops::kinds);
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
                    on:click=move |_| go.run(DashboardQuery { range: r, ..query.get_untracked() })
                >
                    {r.label()}
                </button>
            }
        })
        .collect_view();
    let queue_options = move || options(queues.get(), queue.get());
    let kind_options = move || {
        let names = kinds.data.with(|k| {
            k.as_ref()
                .map(|k| k.iter().map(|k| k.kind.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        });
        options(names, kind.get())
    };
    let choose = move |set: fn(&mut DashboardQuery, Option<String>), v: String| {
        let mut q = query.get_untracked();
        set(&mut q, Some(v).filter(|s| !s.is_empty()));
        go.run(q);
    };
    view! {
        <section class="card" aria-labelledby="throughput-title">
            <div class="card-header">
                <h2 id="throughput-title">{move || range.get().title()}</h2>
                <span class="muted small">{per}</span>
                <div class="range-switch" role="group" aria-label="Chart range">{buttons}</div>
            </div>
            <div class="filters-row chart-filters" data-testid="chart-filters">
                <SelectField id="chart-queue" label="Queue"
                    on_change=Callback::new(move |v: String| choose(|q, v| q.queue = v, v))>
                    <option value="" selected=move || queue.get().is_none()>"All queues"</option>
                    {queue_options}
                </SelectField>
                <SelectField id="chart-kind" label="Kind"
                    on_change=Callback::new(move |v: String| choose(|q, v| q.kind = v, v))>
                    <option value="" selected=move || kind.get().is_none()>"All kinds"</option>
                    {kind_options}
                </SelectField>
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

/// `<option>`s of `names` (sorted, with `current` added when missing), `current` selected.
fn options(mut names: Vec<String>, current: Option<String>) -> impl IntoView {
    if let Some(c) = &current
        && !names.contains(c)
    {
        names.push(c.clone());
    }
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let selected = current.as_deref() == Some(n.as_str());
            view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
        })
        .collect_view()
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
            let q = DashboardQuery {
                range: r,
                ..Default::default()
            };
            let url = q.url();
            assert_eq!(url == "/", r == ChartRange::Hour, "{url}");
        }
    }

    #[test]
    fn queue_and_kind_go_into_the_url() {
        let q = DashboardQuery {
            range: ChartRange::Week,
            queue: Some("zenodo".into()),
            kind: Some("zenodo.copy".into()),
        };
        assert_eq!(q.url(), "/?range=7d&queue=zenodo&kind=zenodo.copy");
        let all = DashboardQuery {
            queue: None,
            kind: None,
            ..q
        };
        assert_eq!(all.url(), "/?range=7d");
    }
}
