//! `/zenodo/copies/:id`: one copy — summary (with when a retrying copy tries again, its
//! daily-retry choice and its upload progress while it replicates), its full request log
//! and its job's history; resend, resend chain, give up (with a reason) and exclude from or
//! include in the daily retry (with a reason).

mod body;
mod header;
mod reason;

use leptos::prelude::*;

use crate::api;
use crate::components::{
    Breadcrumbs, ConfirmDialog, ErrorNotice, ResendOutcome, Resent, chain_done, chain_question,
    resend_copy,
};
use crate::confirm::Confirmable;
use crate::poll::use_item;
use crate::session;
use body::CopyBody;
use header::CopyHeader;
use reason::{ReasonDialog, Reasoned};

/// The copy with its log and job, refreshed as it changes; operators resend it (the refusal's
/// reason shows inline) or resend its dataset's chain (confirmed).
#[component]
pub fn ZenodoCopyPage() -> impl IntoView {
    let (id, copy) = use_item(api::zenodo::get);
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
        <Breadcrumbs href="/zenodo" list="Zenodo copies" id=id />
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
