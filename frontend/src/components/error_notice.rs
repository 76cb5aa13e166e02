//! An inline error message.

use leptos::prelude::*;

use crate::api::ApiError;

/// Shows the error's problem `detail` (and its title) while there is one.
#[component]
pub fn ErrorNotice(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <div class="notice notice-error" role="alert">
                    <strong>{e.title.clone()}</strong>
                    " "
                    <span class="notice-detail">{e.detail.clone()}</span>
                </div>
            }
        })
    }
}
