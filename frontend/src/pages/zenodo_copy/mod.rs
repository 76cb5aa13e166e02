//! `/zenodo/copies/:id`: one copy — summary (with when a retrying copy tries again, its
//! daily-retry choice and its upload progress while it replicates), its full request log
//! and its job's history; resend, resend chain, give up (with a reason) and exclude from or
//! include in the daily retry (with a reason).

mod body;
mod header;
mod reason;

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api;
use crate::components::{
    ConfirmDialog, ErrorNotice, ResendOutcome, Resent, chain_done, chain_question, resend_copy,
};
use crate::confirm::Confirmable;
use crate::poll::use_polled;
use crate::session;
use body::CopyBody;
use header::CopyHeader;
use reason::{ReasonDialog, Reasoned};

/// How often the copy page refreshes (people watch a resend finish).
const COPY_REFRESH: Duration = Duration::from_secs(2);

/// The copy with its log and job, refreshed every 2 s; operators resend it (the refusal's
/// reason shows inline) or resend its dataset's chain (confirmed).
#[component]
pub fn ZenodoCopyPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok())));
    // An id that is not a number asks for copy 0, which the API refuses with its reason.
    let copy = use_polled(Some(COPY_REFRESH), move || {
        api::zenodo::get(id.get().unwrap_or(0))
    });
    let can_act = Memo::new(move |_| session::can_act());
    let resent = RwSignal::new(None::<Resent>);
    let on_resend = Callback::new(move |()| {
        if let Some(id) = id.get_untracked() {
            resend_copy(
                id,
                move |r| {
                    resent.try_set(Some(r));
                },
                move || copy.reload(),
            );
        }
    });

    // Resend chain, behind a confirmation: what is asked is the copy's identifier.
    let chain = Confirmable::<String>::default();
    let chain_requeued = RwSignal::new(None::<Vec<i64>>);
    let on_chain = Callback::new(move |()| {
        if let Some(ident) = copy
            .data
            .with_untracked(|d| d.as_ref().map(|d| d.copy.identifier.clone()))
        {
            chain.ask(ident);
        }
    });
    let confirm_chain = chain.on_confirm(
        |ident: String| async move { api::zenodo::resend_chain(&ident).await },
        move |_, r| {
            chain_requeued.try_set(Some(r.requeued));
        },
        move || copy.reload(),
    );
    let reasoned = Reasoned::default();

    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <a href="/zenodo">"Zenodo copies"</a>
            <span aria-hidden="true">" / "</span>
            <span aria-current="page">{move || id.get().map(|i| format!("#{i}")).unwrap_or_default()}</span>
        </nav>
        <ErrorNotice error=copy.error />
        {move || copy.data.get().map(|d| view! {
            <CopyHeader copy=d.copy can_act=can_act resent=resent on_resend=on_resend
                chain_busy=chain.busy on_chain=on_chain reasoned=reasoned />
        })}
        {move || match (resent.get(), id.get()) {
            (Some(r), Some(id)) => Some(view! { <div class="notice notice-plain"><ResendOutcome id=id outcome=r /></div> }),
            _ => None,
        }}
        <ErrorNotice error=chain.error />
        <ErrorNotice error=reasoned.error />
        {move || reasoned.done.get().map(|msg| view! {
            <div class="notice notice-success" role="status" data-testid="copy-action-result">{msg}</div>
        })}
        {move || chain_requeued.get().map(|ids| view! {
            <div class="notice notice-success" role="status" data-testid="chain-result">{chain_done(None, &ids)}</div>
        })}
        {move || copy.data.get().map(|d| view! { <CopyBody detail=d /> })}
        <ReasonDialog state=reasoned id=id after=Callback::new(move |()| copy.reload()) />
        {move || chain.asked.get().map(|ident| {
            let (title, body) = chain_question(&ident);
            view! {
                <ConfirmDialog title=title confirm_label="Resend chain" busy=chain.busy
                    on_confirm=confirm_chain on_cancel=chain.on_cancel()>
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}
