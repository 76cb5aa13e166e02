//! Resending Zenodo copies: one copy (and what became of it), a dataset's chain.

use leptos::prelude::*;

use crate::format;

/// What became of a resend, shown until the page is left.
#[derive(Debug, Clone, PartialEq)]
pub enum Resent {
    Busy,
    /// The copies put back in the work queue, in the order they will run.
    Requeued(Vec<i64>),
    /// The API's reason ("prerequisite: …", "in runner: …").
    Refused(String),
}

/// What a resend of copy `id` did, in words.
#[component]
pub fn ResendOutcome(id: i64, outcome: Resent) -> impl IntoView {
    let (class, role, kind, text) = match outcome {
        Resent::Busy => (
            "outcome-line muted",
            "status",
            "busy",
            format!("Resending copy #{id}…"),
        ),
        Resent::Requeued(ids) => (
            "outcome-line outcome-ok",
            "status",
            "requeued",
            format!(
                "Copy #{id} resent: {} back in the work queue, in order.",
                format::id_list(&ids)
            ),
        ),
        Resent::Refused(why) => (
            "outcome-line outcome-refused",
            "alert",
            "refused",
            format!("Resend of copy #{id} refused: {why}"),
        ),
    };
    view! { <div class=class role=role data-testid="resend-outcome" data-outcome=kind>{text}</div> }
}

/// Resends copy `id`, telling `show` it is busy and then how it went; `after` runs last
/// (to reload what shows the copy).
pub fn resend_copy(id: i64, show: impl Fn(Resent) + 'static, after: impl Fn() + 'static) {
    show(Resent::Busy);
    leptos::task::spawn_local(async move {
        let outcome = match crate::api::zenodo::resend(id).await {
            Ok(r) => Resent::Requeued(r.requeued),
            Err(e) => Resent::Refused(e.detail),
        };
        show(outcome);
        after();
    });
}

/// The confirmation's title and text for resending the chain of `identifier`.
pub fn chain_question(identifier: &str) -> (String, String) {
    (
        format!("Resend the chain of {identifier}?"),
        format!(
            "Every unfinished copy of {identifier} goes back in the work queue, each copy type from its first unfinished copy, in id order."
        ),
    )
}

/// What resending the chain of `identifier` (or, without one, of the copy shown) did.
pub fn chain_done(identifier: Option<&str>, requeued: &[i64]) -> String {
    if requeued.is_empty() {
        let dataset = identifier.unwrap_or("this dataset");
        format!("Resend chain: every copy of {dataset} is finished; nothing to send.")
    } else {
        let of = identifier.map(|i| format!(" of {i}")).unwrap_or_default();
        format!(
            "Resend chain: {}{of} back in the work queue, in order ({}).",
            format::plural(requeued.len(), "copy", "copies"),
            format::id_list(requeued)
        )
    }
}
