//! The page's confirmed actions: reset stalled copies, resend a dataset's chain.

use leptos::prelude::*;

use crate::api;
use crate::components::{ConfirmDialog, chain_done, chain_question};
use crate::confirm::Confirmable;
use crate::format;

/// An action waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    ResetStalled,
    Chain(String),
}

/// What a confirmed action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Done {
    Reset(Vec<i64>),
    Chain(String, Vec<i64>),
}

/// The actions' state and their Confirm, which `reload`s the page after.
pub fn use_actions(
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> (Confirmable<Pending>, RwSignal<Option<Done>>, Callback<()>) {
    let actions = Confirmable::<Pending>::default();
    let done = RwSignal::new(None::<Done>);
    let on_confirm = actions.on_confirm(
        move |p| {
            done.set(None);
            async move {
                match p {
                    Pending::ResetStalled => api::zenodo::reset_stalled()
                        .await
                        .map(|r| Done::Reset(r.reset)),
                    Pending::Chain(identifier) => api::zenodo::resend_chain(&identifier)
                        .await
                        .map(|r| Done::Chain(identifier, r.requeued)),
                }
            }
        },
        move |_, d| {
            done.try_set(Some(d));
        },
        reload,
    );
    (actions, done, on_confirm)
}

/// What the last confirmed action did.
#[component]
pub fn DoneNotice(done: RwSignal<Option<Done>>) -> impl IntoView {
    move || {
        done.get().map(|d| {
        let text = match d {
            Done::Reset(ids) if ids.is_empty() => "Reset stalled: no copy was stalled; nothing changed.".to_string(),
            Done::Reset(ids) => format!(
                "Reset stalled: {} moved to error ({}); resend when ready.",
                format::plural(ids.len(), "copy", "copies"),
                format::id_list(&ids)
            ),
            Done::Chain(ident, ids) => chain_done(Some(&ident), &ids),
        };
        view! { <div class="notice notice-success" role="status" data-testid="zenodo-result">{text}</div> }
    })
    }
}

/// The confirmation of the action asked.
#[component]
pub fn ActionDialog(actions: Confirmable<Pending>, on_confirm: Callback<()>) -> impl IntoView {
    move || {
        actions.asked.get().map(|p| {
        let (title, body, label) = match &p {
            Pending::ResetStalled => (
                "Reset stalled copies?".to_string(),
                "Copies shown as enqueued or replicating whose job is no longer live (linked by job id) move to error, so they can be resent. Copies whose job is waiting or running are left alone.".to_string(),
                "Reset stalled",
            ),
            Pending::Chain(ident) => {
                let (title, body) = chain_question(ident);
                (title, body, "Resend chain")
            }
        };
        view! {
            <ConfirmDialog
                title=title
                confirm_label=label
                danger=p == Pending::ResetStalled
                busy=actions.busy
                on_confirm=on_confirm
                on_cancel=actions.on_cancel()
            >
                <p>{body}</p>
            </ConfirmDialog>
        }
    })
    }
}
