//! The actions that need the operator's reason: give up on the copy, exclude it from or
//! include it in the daily retry.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::components::ConfirmDialog;
use crate::format;

/// An action that needs the operator's reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasonAction {
    GiveUp,
    /// Exclude (true) or include (false).
    DailyRetry(bool),
}

/// The reason dialog's state and what the last action did.
#[derive(Clone, Copy)]
pub struct Reasoned {
    asked: RwSignal<Option<ReasonAction>>,
    reason: RwSignal<String>,
    missing: RwSignal<bool>,
    busy: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    pub done: RwSignal<Option<String>>,
}

impl Default for Reasoned {
    fn default() -> Self {
        Reasoned {
            asked: RwSignal::new(None),
            reason: RwSignal::new(String::new()),
            missing: RwSignal::new(false),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
            done: RwSignal::new(None),
        }
    }
}

impl Reasoned {
    /// Opens the dialog for `action`, with an empty reason.
    pub fn open(&self, action: ReasonAction) {
        self.reason.set(String::new());
        self.missing.set(false);
        self.asked.set(Some(action));
    }
}

/// Does `action` to copy `id` for `why`; answers what it did, in words.
async fn act(id: i64, action: ReasonAction, why: String) -> Result<String, ApiError> {
    match action {
        ReasonAction::GiveUp => api::zenodo::give_up(id, &why).await.map(|g| {
            if g.released.is_empty() {
                "Given up.".to_string()
            } else {
                format!(
                    "Given up; released {} behind it ({}).",
                    format::plural(g.released.len(), "copy", "copies"),
                    format::id_list(&g.released)
                )
            }
        }),
        ReasonAction::DailyRetry(excluded) => api::zenodo::set_daily_retry(id, excluded, &why)
            .await
            .map(|_| {
                if excluded {
                    "Excluded from the daily retry.".to_string()
                } else {
                    "Included in the daily retry again.".to_string()
                }
            }),
    }
}

/// The dialog asking for the reason of the action asked, for copy `id`; refuses a blank
/// reason; `after` runs once the action is done (to reload the copy).
#[component]
pub fn ReasonDialog(state: Reasoned, id: Memo<Option<i64>>, after: Callback<()>) -> impl IntoView {
    let Reasoned {
        asked,
        reason,
        missing,
        busy,
        error,
        done,
    } = state;
    let confirm = Callback::new(move |()| {
        let (Some(id), Some(action)) = (id.get_untracked(), asked.get_untracked()) else {
            return;
        };
        let why = reason.get_untracked().trim().to_string();
        if why.is_empty() {
            missing.set(true);
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match act(id, action, why).await {
                Ok(msg) => {
                    done.try_set(Some(msg));
                    error.try_set(None);
                }
                Err(e) => {
                    done.try_set(None);
                    error.try_set(Some(e));
                }
            }
            busy.try_set(false);
            asked.try_set(None);
            after.run(());
        });
    });
    move || {
        asked.get().map(|action| {
        let (title, label, what) = match action {
            ReasonAction::GiveUp => (
                "Give up on this copy?",
                "Give up",
                "The copy ends without being replicated; its job is cancelled and the copies behind it in its group run. Resend brings it back.",
            ),
            ReasonAction::DailyRetry(true) => (
                "Exclude from the daily retry?",
                "Exclude",
                "The daily retry leaves this copy, and the copies waiting behind it, alone until it is included again.",
            ),
            ReasonAction::DailyRetry(false) => (
                "Include in the daily retry?",
                "Include",
                "The daily retry resends this copy again while it is in error, up to its limit.",
            ),
        };
        view! {
            <ConfirmDialog
                title=title.to_string()
                confirm_label=label
                danger=matches!(action, ReasonAction::GiveUp)
                busy=busy
                on_confirm=confirm
                on_cancel=Callback::new(move |()| asked.set(None))
            >
                <p>{what}</p>
                <div class="field">
                    <label for="action-reason">"Reason (required, kept in the audit log)"</label>
                    <textarea id="action-reason" class="reason-input" data-testid="reason-input"
                        aria-invalid=move || missing.get().to_string()
                        prop:value=move || reason.get()
                        on:input=move |ev| { reason.set(event_target_value(&ev)); missing.set(false); }></textarea>
                    {move || missing.get().then(|| view! { <p class="field-error" role="alert">"Say why."</p> })}
                </div>
            </ConfirmDialog>
        }
    })
    }
}
