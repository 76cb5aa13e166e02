//! Jobs finished per minute or hour as an inline SVG bar chart.

use chrono::{Datelike, Timelike};
use leptos::prelude::*;
use longjobs_openapi::HistoryPoint;

use crate::format;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 210.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;

/// Stacked bars per bucket — completed, failed for good, cancelled — with a y scale, time
/// labels and a tooltip per bucket (with run-time and queue-wait percentiles). `span` names
/// the range for the accessible label ("60 minutes", "7 days").
#[component]
pub fn ThroughputChart(
    points: Vec<HistoryPoint>,
    bucket_secs: i32,
    span: &'static str,
) -> impl IntoView {
    let completed: i64 = points.iter().map(|p| p.completed).sum();
    let failed: i64 = points.iter().map(|p| p.failed).sum();
    let cancelled: i64 = points.iter().map(|p| p.cancelled).sum();
    let retried: i64 = points.iter().map(|p| p.failed_attempts).sum();
    let total = |p: &HistoryPoint| p.completed + p.failed + p.cancelled;
    let top = nice_ceiling(points.iter().map(total).max().unwrap_or(0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / points.len().max(1) as f64;
    let bar_w = (slot * 0.72).max(1.0);
    let y = move |v: i64| TOP + plot_h - (v as f64 / top as f64) * plot_h;
    let per = if bucket_secs == 60 { "minute" } else { "hour" };
    let label = format!(
        "Jobs finished per {per} over the last {span}: {completed} completed, {failed} failed, \
         {cancelled} cancelled, {retried} failed attempts"
    );

    let grid = [0, top / 2, top]
        .into_iter()
        .map(|v| {
            let gy = y(v);
            view! {
                <g class="grid">
                    <line x1=LEFT x2=WIDTH - RIGHT y1=gy y2=gy />
                    <text x=LEFT - 6.0 y=gy + 4.0 text-anchor="end">{format::count(v)}</text>
                </g>
            }
        })
        .collect_view();

    let ticks = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| tick(&p.start, bucket_secs, points.len()).map(|t| (i, t)))
        .map(|(i, text)| {
            let x = LEFT + slot * (i as f64 + 0.5);
            view! { <text class="tick" x=x y=HEIGHT - 6.0 text-anchor="middle">{text}</text> }
        })
        .collect_view();

    let bars = points
        .iter()
        .enumerate()
        .filter(|(_, p)| total(p) > 0)
        .map(|(i, p)| {
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let c_top = y(p.completed);
            let f_top = y(p.completed + p.failed);
            let x_top = y(total(p));
            view! {
                <g class="bar">
                    <title>{tooltip(p, bucket_secs)}</title>
                    <rect class="bar-completed" x=x y=c_top width=bar_w height=y(0) - c_top />
                    <rect class="bar-failed" x=x y=f_top width=bar_w height=c_top - f_top />
                    <rect class="bar-cancelled" x=x y=x_top width=bar_w height=f_top - x_top />
                </g>
            }
        })
        .collect_view();

    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-label=label
                data-testid="throughput-chart"
                data-completed=completed
                data-failed=failed
                data-points=points.len()
                data-bucket-secs=bucket_secs
            >
                {grid}
                {ticks}
                {bars}
            </svg>
            <figcaption class="legend">
                <span class="key key-completed">{format!("Completed {}", format::count(completed))}</span>
                <span class="key key-failed">{format!("Failed {}", format::count(failed))}</span>
                <span class="key key-cancelled">{format!("Cancelled {}", format::count(cancelled))}</span>
                <span class="muted small">{format!("{} failed attempts", format::count(retried))}</span>
            </figcaption>
        </figure>
    }
}

/// The axis label at `t`, if it gets one: every 10 minutes, every 3 hours of a day, each
/// day of a week, every 5th day of a month.
fn tick(t: &chrono::DateTime<chrono::Utc>, bucket_secs: i32, n: usize) -> Option<String> {
    match (bucket_secs, n) {
        (60, _) => (t.minute().is_multiple_of(10)).then(|| format::clock(t)),
        (_, ..=24) => (t.hour().is_multiple_of(3)).then(|| format::clock(t)),
        (_, ..=168) => (t.hour() == 0).then(|| t.format("%a %d").to_string()),
        _ => (t.hour() == 0 && t.day().is_multiple_of(5)).then(|| t.format("%b %d").to_string()),
    }
}

/// `13:40 UTC — 12 completed, …; run p50 … p95 …, wait p95 …`.
fn tooltip(p: &HistoryPoint, bucket_secs: i32) -> String {
    let when = if bucket_secs == 60 {
        format::clock(&p.start)
    } else {
        p.start.format("%a %d %b %H:00").to_string()
    };
    let mut tip = format!(
        "{when} UTC — {} completed, {} failed, {} cancelled, {} failed attempts",
        p.completed, p.failed, p.cancelled, p.failed_attempts
    );
    for (what, d) in [("run", &p.run), ("wait", &p.wait)] {
        if let Some(d) = d {
            tip.push_str(&format!(
                "; {what} p50 {}, p95 {}, p99 {}",
                format::millis(d.p50_ms),
                format::millis(d.p95_ms),
                format::millis(d.p99_ms)
            ));
        }
    }
    tip
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `v` (at least 2, so the middle line is whole).
fn nice_ceiling(v: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= v.max(2) {
                return m * step;
            }
        }
        step *= 10;
    }
}
