//! Jobs finished per minute as an inline SVG bar chart.

use leptos::prelude::*;
use longjobs_openapi::MinutePoint;

use crate::format;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 210.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 24.0;

/// Stacked bars per minute — completed, failed for good, cancelled — with a y scale, time
/// labels every ten minutes and a tooltip per minute.
#[component]
pub fn ThroughputChart(points: Vec<MinutePoint>) -> impl IntoView {
    let completed: i64 = points.iter().map(|p| p.completed).sum();
    let failed: i64 = points.iter().map(|p| p.failed).sum();
    let cancelled: i64 = points.iter().map(|p| p.cancelled).sum();
    let peak = points
        .iter()
        .map(|p| p.completed + p.failed + p.cancelled)
        .max()
        .unwrap_or(0);
    let top = nice_ceiling(peak);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let n = points.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.72).max(1.0);
    let y = move |v: i64| TOP + plot_h - (v as f64 / top as f64) * plot_h;
    let label = format!(
        "Jobs finished per minute over the last {} minutes: {} completed, {} failed, {} cancelled",
        points.len(),
        completed,
        failed,
        cancelled
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
        .filter(|(_, p)| p.minute.format("%M").to_string().ends_with('0'))
        .map(|(i, p)| {
            let x = LEFT + slot * (i as f64 + 0.5);
            view! {
                <text class="tick" x=x y=HEIGHT - 6.0 text-anchor="middle">{format::clock(&p.minute)}</text>
            }
        })
        .collect_view();

    let bars = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.completed + p.failed + p.cancelled > 0)
        .map(|(i, p)| {
            let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
            let c_top = y(p.completed);
            let f_top = y(p.completed + p.failed);
            let x_top = y(p.completed + p.failed + p.cancelled);
            let tip = format!(
                "{} UTC — {} completed, {} failed, {} cancelled",
                format::clock(&p.minute),
                p.completed,
                p.failed,
                p.cancelled
            );
            view! {
                <g class="bar">
                    <title>{tip}</title>
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
            >
                {grid}
                {ticks}
                {bars}
            </svg>
            <figcaption class="legend">
                <span class="key key-completed">{format!("Completed {}", format::count(completed))}</span>
                <span class="key key-failed">{format!("Failed {}", format::count(failed))}</span>
                <span class="key key-cancelled">{format!("Cancelled {}", format::count(cancelled))}</span>
            </figcaption>
        </figure>
    }
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
