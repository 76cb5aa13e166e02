//! Resending the checked copies at once with the API's bulk resend: the toolbar, and what
//! the resend did (each copy requeued or refused with its reason).

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::ResendResult;

use crate::api::{self, ApiError};
use crate::components::{BulkBar, ErrorNotice};
use crate::format;

/// The checked copies and the last bulk resend's outcome.
#[derive(Clone, Copy)]
pub struct Selection {
    pub checked: RwSignal<BTreeSet<i64>>,
    busy: RwSignal<bool>,
    result: RwSignal<Option<ResendResult>>,
    error: RwSignal<Option<ApiError>>,
}

impl Selection {
    pub fn new() -> Self {
        Selection {
            checked: RwSignal::new(BTreeSet::new()),
            busy: RwSignal::new(false),
            result: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// Resends the checked copies, then clears the selection and `reload`s the page.
    fn resend(self, reload: impl Fn() + Send + Sync + 'static) {
        let ids: Vec<i64> = self.checked.get_untracked().into_iter().collect();
        if ids.is_empty() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        self.result.set(None);
        spawn_local(async move {
            match api::zenodo::resend_many(ids).await {
                Ok(r) => {
                    self.result.try_set(Some(r));
                    self.checked.try_set(BTreeSet::new());
                }
                Err(e) => {
                    self.error.try_set(Some(e));
                }
            }
            self.busy.try_set(false);
            reload();
        });
    }
}

/// The toolbar over the copies table (operators only): how many are checked, Resend and
/// Clear; under it, what the last resend did.
#[component]
pub fn CopiesBulkBar(
    selection: Selection,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let checked = selection.checked;
    let n = move || checked.with(BTreeSet::len);
    let status =
        Signal::derive(move || format!("{} selected", format::plural(n(), "copy", "copies")));
    view! {
        <BulkBar label="Act on selected copies" testid="copies-bulk-bar" status_testid="copies-selection-count" status=status>
            <button type="button" class="btn btn-primary" data-testid="bulk-resend"
                disabled=move || selection.busy.get() || n() == 0
                on:click=move |_| selection.resend(reload)>
                "Resend"
            </button>
            {move || (n() > 0).then(|| view! {
                <button type="button" class="btn btn-link" on:click=move |_| checked.set(BTreeSet::new())>"Clear selection"</button>
            })}
        </BulkBar>
        <ErrorNotice error=selection.error />
        {move || selection.result.get().map(|r| view! { <ResendNotice result=r /> })}
    }
}

/// "3 copies back in the work queue (#4, #5, #6); 1 refused: #9 (prerequisite …)".
#[component]
fn ResendNotice(result: ResendResult) -> impl IntoView {
    let mut requeued: Vec<i64> = result
        .outcomes
        .iter()
        .flat_map(|o| o.requeued.clone())
        .collect();
    requeued.sort_unstable();
    requeued.dedup();
    let refused: Vec<_> = result
        .outcomes
        .iter()
        .filter_map(|o| o.refused.as_ref().map(|r| (o.id, r.clone())))
        .collect();
    let mut text = format!(
        "Resend: {} back in the work queue ({}).",
        format::plural(requeued.len(), "copy", "copies"),
        format::id_list(&requeued)
    );
    if !refused.is_empty() {
        text.push_str(&format!(" {} refused:", refused.len()));
    }
    let class = if refused.is_empty() {
        "notice notice-success"
    } else {
        "notice notice-warn"
    };
    view! {
        <div class=class role="status" data-testid="bulk-resend-result">
            {text}
            {(!refused.is_empty()).then(|| view! {
                <ul>
                    {refused.into_iter().map(|(id, why)| view! {
                        <li data-refused-copy=id>{format!("#{id}: {why}")}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}
