//! The copy page's title row and, for operators, its actions.

use leptos::prelude::*;
use longjobs_openapi::{CopyState, ZenodoCopy};

use super::reason::{ReasonAction, Reasoned};
use crate::components::{CopyStateBadge, Resent};
use crate::format;

/// The copy's id, type, state, dataset and attempts; Resend, Resend chain, Give up and the
/// daily-retry toggle for operators.
#[component]
pub fn CopyHeader(
    copy: ZenodoCopy,
    can_act: Memo<bool>,
    resent: RwSignal<Option<Resent>>,
    on_resend: Callback<()>,
    chain_busy: RwSignal<bool>,
    on_chain: Callback<()>,
    reasoned: Reasoned,
) -> impl IntoView {
    let c = copy;
    let finished = c.state == CopyState::Finished;
    let given_up = c.state == CopyState::GivenUp;
    let excluded = c.daily_retry_excluded;
    // Why Give up cannot apply, shown next to the disabled button.
    let cannot_give_up = if finished {
        Some("finished: nothing to give up")
    } else if given_up {
        Some("already given up; Resend brings it back")
    } else {
        None
    };
    let attempts = format::plural(
        usize::try_from(c.attempts).unwrap_or(0),
        "attempt",
        "attempts",
    );
    view! {
        <div class="page-header">
            <div>
                <h1>
                    {format!("Copy #{} ", c.id)}
                    <span class="mono kind-title">{c.copy_type.as_str()}</span>
                </h1>
                <p class="subtitle">
                    <CopyStateBadge state=c.state />
                    {format!(" {} · resource {} · {attempts}", c.identifier, c.resource_id)}
                </p>
            </div>
            {move || can_act.get().then(|| view! {
                <div class="actions" role="group" aria-label="Copy actions" data-testid="copy-actions">
                    {(!finished).then(|| view! {
                        <button type="button" class="btn btn-primary" on:click=move |_| on_resend.run(())
                            disabled=move || resent.with(|r| r == &Some(Resent::Busy))>"Resend"</button>
                    })}
                    <button type="button" class="btn" on:click=move |_| on_chain.run(())
                        disabled=move || chain_busy.get()>"Resend chain"</button>
                    <button type="button" class="btn btn-danger" data-testid="give-up"
                        disabled=cannot_give_up.is_some()
                        title=cannot_give_up.unwrap_or("End this copy without replicating it")
                        on:click=move |_| reasoned.open(ReasonAction::GiveUp)>"Give up"</button>
                    {cannot_give_up.map(|why| view! { <span class="muted action-why" data-testid="give-up-why">{why}</span> })}
                    <button type="button" class="btn" data-testid="daily-retry-toggle"
                        on:click=move |_| reasoned.open(ReasonAction::DailyRetry(!excluded))>
                        {if excluded { "Include in daily retry" } else { "Exclude from daily retry" }}
                    </button>
                </div>
            })}
        </div>
    }
}
