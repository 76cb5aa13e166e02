//! The dialog listing the keyboard shortcuts (`?` opens it, Escape closes it).

use leptos::html;
use leptos::prelude::*;

use crate::shortcuts::GO_TO;

/// The list of shortcuts in a modal dialog while `open`; Escape or Close closes it.
#[component]
pub fn ShortcutHelp(open: RwSignal<bool>) -> impl IntoView {
    let close_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close_ref.get() {
            let _ = b.focus();
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    move || {
        open.get().then(|| {
            view! {
                <div class="modal-backdrop" on:keydown=on_key>
                    <div class="modal" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts-dialog">
                        <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                        <dl class="facts modal-body">
                            <dt><kbd>"/"</kbd></dt>
                            <dd>"Search or filter this page"</dd>
                            {GO_TO
                                .into_iter()
                                .map(|(key, _, page)| view! {
                                    <dt><kbd>"g"</kbd>" "<kbd>{key}</kbd></dt>
                                    <dd>{format!("Go to {page}")}</dd>
                                })
                                .collect_view()}
                            <dt><kbd>"?"</kbd></dt>
                            <dd>"This list"</dd>
                        </dl>
                        <div class="modal-actions">
                            <button type="button" class="btn" node_ref=close_ref on:click=move |_| open.set(false)>
                                "Close"
                            </button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
