//! The form that sets a queue's limits over all workers: concurrency and rate.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{QueueInfo, QueueLimits};

use crate::api::{self, ApiError};
use crate::components::InlineForm;
use crate::poll::Polled;

/// The rate periods offered, in seconds.
const PERIODS: [(&str, i32); 4] = [
    ("per second", 1),
    ("per minute", 60),
    ("per hour", 3600),
    ("per day", 86_400),
];

/// An empty field is no limit; anything else must be a whole number above 0.
fn limit(field: &str, text: &str) -> Result<Option<i32>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(ApiError {
            status: 400,
            title: "Not a limit".into(),
            detail: format!("{field} must be a whole number above 0, or empty for no limit"),
        }),
    }
}

/// Pick a queue, see its limits, change them; an empty field removes that limit.
#[component]
pub fn LimitsForm(
    queues: Polled<Vec<QueueInfo>>,
    on_saved: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let queue = RwSignal::new(String::new());
    let concurrency = RwSignal::new(String::new());
    let rate = RwSignal::new(String::new());
    let period = RwSignal::new("60".to_string());
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(None::<String>);
    // Fills the fields from the queue picked (the first one at first).
    let fill = move |name: String| {
        let q = queues.data.with_untracked(|qs| {
            qs.as_ref()
                .and_then(|qs| qs.iter().find(|q| q.name == name).cloned())
        });
        concurrency.set(
            q.as_ref()
                .and_then(|q| q.concurrency)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
        rate.set(
            q.as_ref()
                .and_then(|q| q.rate_limit)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        );
        period.set(q.and_then(|q| q.rate_period_secs).unwrap_or(60).to_string());
        queue.set(name);
    };
    Effect::new(move |_| {
        let first = queues.data.with(|qs| {
            qs.as_ref()
                .and_then(|qs| qs.first().map(|q| q.name.clone()))
        });
        if let Some(first) = first
            && queue.get_untracked().is_empty()
        {
            fill(first);
        }
    });
    let save = move || {
        error.set(None);
        done.set(None);
        let limits = (|| {
            Ok::<_, ApiError>(QueueLimits {
                concurrency: limit("Concurrency", &concurrency.get_untracked())?,
                rate_limit: limit("Rate", &rate.get_untracked())?,
                rate_period_secs: None,
            })
        })();
        let mut limits = match limits {
            Ok(l) => l,
            Err(e) => return error.set(Some(e)),
        };
        if limits.rate_limit.is_some() {
            limits.rate_period_secs = period.get_untracked().parse().ok();
        }
        let name = queue.get_untracked();
        spawn_local(async move {
            match api::ops::set_limits(&name, &limits).await {
                Ok(_) => {
                    done.try_set(Some(format!(
                        "Limits of {name} saved; workers adopt them within 2 s."
                    )));
                    on_saved();
                }
                Err(e) => {
                    error.try_set(Some(e));
                }
            }
        });
    };
    let options = move || {
        queues.data.with(|qs| {
            qs.iter()
                .flatten()
                .map(|q| view! { <option value=q.name.clone() selected=q.name == queue.get_untracked()>{q.name.clone()}</option> })
                .collect_view()
        })
    };
    view! {
        <div class="card" data-testid="limits-form">
            <InlineForm title="Queue limits (over all workers)" title_id="limits-title" submit="Save limits" error=error done=done on_submit=save>
                <div class="field">
                    <label for="limits-queue">"Queue"</label>
                    <select id="limits-queue" on:change=move |ev| fill(event_target_value(&ev))>{options}</select>
                </div>
                <div class="field">
                    <label for="limits-concurrency">"Most running at once"</label>
                    <input id="limits-concurrency" type="text" inputmode="numeric" placeholder="no limit" bind:value=concurrency />
                </div>
                <div class="field">
                    <label for="limits-rate">"Most started"</label>
                    <input id="limits-rate" type="text" inputmode="numeric" placeholder="no limit" bind:value=rate />
                </div>
                <div class="field">
                    <label for="limits-period">"Per"</label>
                    <select id="limits-period" bind:value=period>
                        {PERIODS.iter().map(|(label, secs)| view! { <option value=secs.to_string()>{*label}</option> }).collect_view()}
                    </select>
                </div>
            </InlineForm>
        </div>
    }
}
