//! A modal confirmation for actions that change things.

use leptos::html;
use leptos::prelude::*;

/// A modal dialog saying what an action will do, with Confirm and Cancel; Escape cancels
/// and the confirm button has focus when it opens.
#[component]
pub fn ConfirmDialog(
    title: String,
    #[prop(into)] confirm_label: String,
    #[prop(optional)] danger: bool,
    /// True while the confirmed action runs (the buttons are disabled).
    #[prop(optional, into)]
    busy: Signal<bool>,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_cancel: Callback<()>,
    children: Children,
) -> impl IntoView {
    let confirm_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = confirm_ref.get() {
            let _ = b.focus();
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && !busy.get_untracked() {
            on_cancel.run(());
        }
    };
    view! {
        <div class="modal-backdrop" on:keydown=on_key>
            <div
                class="modal"
                role="dialog"
                aria-modal="true"
                aria-labelledby="confirm-title"
                data-testid="confirm-dialog"
            >
                <h2 id="confirm-title">{title}</h2>
                <div class="modal-body">{children()}</div>
                <div class="modal-actions">
                    <button
                        type="button"
                        class="btn"
                        disabled=move || busy.get()
                        on:click=move |_| on_cancel.run(())
                    >
                        "Cancel"
                    </button>
                    <button
                        type="button"
                        node_ref=confirm_ref
                        class=if danger { "btn btn-danger" } else { "btn btn-primary" }
                        disabled=move || busy.get()
                        data-testid="confirm-button"
                        on:click=move |_| on_confirm.run(())
                    >
                        {confirm_label}
                    </button>
                </div>
            </div>
        </div>
    }
}
