//! The maintenance banner at the top of every signed-in page.

use leptos::prelude::*;
use longjobs_openapi::{MaintenanceStatus, SwitchOn};

use crate::components::TimeCell;
use crate::maintenance_feed::{Phase, use_feed};

/// While a drain is on: draining (what still runs) or drained (safe to stop the workers),
/// with each switch's age and who set it, and any alert; nothing otherwise.
#[component]
pub fn MaintenanceBanner() -> impl IntoView {
    let feed = use_feed();
    move || {
        feed.0
            .data
            .get()
            .filter(|s| Phase::of(s) != Phase::Normal)
            .map(|s| view! { <BannerBody status=s /> })
    }
}

#[component]
fn BannerBody(status: MaintenanceStatus) -> impl IntoView {
    let phase = Phase::of(&status);
    let running = status.running.len();
    let (class, headline) = match phase {
        Phase::Drained => ("maintenance-banner banner-drained", "Drained".to_string()),
        _ => (
            "maintenance-banner banner-draining",
            format!(
                "Draining: {running} replication {} still running",
                if running == 1 { "job" } else { "jobs" }
            ),
        ),
    };
    let switch = |what: &'static str, s: Option<SwitchOn>| {
        s.map(|s| {
            view! {
                <li>
                    {what} " since " <TimeCell time=s.since compact=true /> {format!(" by {}", s.by)}
                </li>
            }
        })
    };
    view! {
        <div class=class role="status" data-testid="maintenance-banner" data-phase=phase.as_str()>
            <div class="banner-main">
                <strong>{headline}</strong>
                {(phase == Phase::Drained).then(|| view! {
                    <span>
                        " since "
                        {status.drained_at.map(|t| view! { <TimeCell time=t compact=true /> })}
                        ": nothing the drain covers is running — safe to stop the workers."
                    </span>
                })}
                <a class="banner-link" href="/maintenance">"Maintenance"</a>
            </div>
            <ul class="banner-switches">
                {switch("Zenodo replication deferred", status.zenodo_deferred.clone())}
                {switch("Merritt submissions held", status.merritt_held.clone())}
            </ul>
            {(!status.alerts.is_empty()).then(|| view! {
                <ul class="banner-alerts">
                    {status.alerts.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}
