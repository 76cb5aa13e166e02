//! The job's action buttons: one per action, disabled with its reason written out when the
//! job's state rules it out (the API says which apply, from the queue's own rule table).

use leptos::prelude::*;
use longjobs_openapi::{JobAction, JobActionCheck};

use crate::format::action_verb;

/// Retry / Cancel / Discard; `ask` is called with the action clicked. A button that cannot
/// apply is disabled and described by its reason, listed under the buttons.
#[component]
pub fn JobActions(
    checks: Vec<JobActionCheck>,
    busy: RwSignal<bool>,
    ask: Callback<JobAction>,
) -> impl IntoView {
    let buttons = checks
        .iter()
        .map(|c| {
            let action = c.action;
            let applies = c.applies;
            let class = if action == JobAction::Retry {
                "btn btn-primary"
            } else {
                "btn"
            };
            view! {
                <button type="button" class=class data-action=slug(action)
                    aria-describedby=(!applies).then(|| reason_id(action))
                    disabled=move || busy.get() || !applies
                    on:click=move |_| ask.run(action)>
                    {action_verb(action)}
                </button>
            }
        })
        .collect_view();
    let reasons = checks
        .into_iter()
        .filter_map(|c| c.reason.map(|r| (c.action, r)))
        .map(|(action, reason)| {
            view! {
                <li id=reason_id(action) data-action=slug(action)>
                    <strong>{action_verb(action)}</strong>{format!(" not possible: {reason}")}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="job-actions">
            <div class="actions" role="group" aria-label="Job actions" data-testid="job-actions">
                {buttons}
            </div>
            <ul class="action-reasons muted small" data-testid="job-action-reasons">{reasons}</ul>
        </div>
    }
}

fn slug(a: JobAction) -> &'static str {
    match a {
        JobAction::Retry => "retry",
        JobAction::Cancel => "cancel",
        JobAction::Discard => "discard",
    }
}

fn reason_id(a: JobAction) -> String {
    format!("why-not-{}", slug(a))
}
