//! The filter bar of a listing whose query lives in the URL, and its fields.

use leptos::prelude::*;

use crate::query::Listing;

/// A search form: `children` (the fields) in a row with "Apply", `field_error` under it
/// while there is one, then `states` (a [`super::StateFilter`]). Submitting calls
/// `on_apply`.
#[component]
pub fn FilterBar(
    /// The form's accessible name.
    label: &'static str,
    #[prop(into)] on_apply: Callback<()>,
    #[prop(optional, into)] field_error: Signal<Option<String>>,
    #[prop(into)] states: ViewFn,
    children: Children,
) -> impl IntoView {
    view! {
        <form
            class="filters card"
            role="search"
            aria-label=label
            on:submit=move |ev| {
                ev.prevent_default();
                on_apply.run(());
            }
        >
            <div class="filters-row">
                {children()}
                <div class="field field-actions">
                    <button type="submit" class="btn">"Apply"</button>
                </div>
            </div>
            {move || field_error.get().map(|e| view! { <p class="field-error" role="alert">{e}</p> })}
            {states.run()}
        </form>
    }
}

/// A labelled `<select>`; `on_change` gets the chosen value.
#[component]
pub fn SelectField(
    id: &'static str,
    label: &'static str,
    #[prop(into)] on_change: Callback<String>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id on:change=move |ev| on_change.run(event_target_value(&ev))>
                {children()}
            </select>
        </div>
    }
}

/// A labelled text input bound to `value`; `on_change` runs when it is left or Enter is
/// pressed. `grow` widens it, `numeric` makes it a short number field.
#[component]
pub fn TextField(
    id: &'static str,
    label: &'static str,
    kind: &'static str,
    placeholder: &'static str,
    value: RwSignal<String>,
    #[prop(into)] on_change: Callback<()>,
    #[prop(optional)] grow: bool,
    #[prop(optional)] numeric: bool,
    #[prop(optional, into)] invalid: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class=if grow { "field field-grow" } else { "field" }>
            <label for=id>{label}</label>
            <input
                id=id
                type=kind
                inputmode=numeric.then_some("numeric")
                placeholder=placeholder
                size=numeric.then_some("10")
                bind:value=value
                aria-invalid=move || invalid.get().then_some("true")
                on:change=move |_| on_change.run(())
            />
        </div>
    }
}

/// The text of a field that follows the URL (back button, shared link, "Clear filters"):
/// `read` from the query whenever it changes.
pub fn url_text<Q: Listing>(
    query: Signal<Q>,
    read: impl Fn(&Q) -> Option<String> + Send + Sync + 'static,
) -> RwSignal<String> {
    let text = RwSignal::new(String::new());
    Effect::new(move |_| text.set(query.with(&read).unwrap_or_default()));
    text
}

/// Hands `on_change` the query `edit` makes of the current one (from its first page),
/// unless that is the current one.
pub fn edit_query<Q: Listing>(query: Signal<Q>, on_change: Callback<Q>, edit: impl FnOnce(&mut Q)) {
    let mut q = query.get_untracked().first_page();
    edit(&mut q);
    if q != query.get_untracked() {
        on_change.run(q);
    }
}
