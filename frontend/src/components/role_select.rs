//! Choosing a role, and the small forms that create users and tokens.

use leptos::prelude::*;
use longjobs_openapi::Role;

use super::ErrorNotice;
use crate::api::ApiError;
use crate::session::role_str;

/// The role a `<select>`'s value names (viewer unless it names another).
pub fn parse_role(s: &str) -> Role {
    match s {
        "admin" => Role::Admin,
        "operator" => Role::Operator,
        _ => Role::Viewer,
    }
}

/// An `<option>` a role, `current` selected.
pub fn role_options(current: Option<Role>) -> impl IntoView {
    [Role::Viewer, Role::Operator, Role::Admin]
        .into_iter()
        .map(|r| view! { <option value=role_str(r) selected=current == Some(r)>{role_str(r)}</option> })
        .collect_view()
}

/// A labelled "Role" select bound to `value` (a role's name).
#[component]
pub fn RoleSelect(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id>"Role"</label>
            <select id=id bind:value=value>{role_options(None)}</select>
        </div>
    }
}

/// A form under a table that creates one thing: `title` (its heading, id `title_id`), the
/// `error` of the last try, `done` saying what it made, `children` (the fields) and the
/// `submit` button. Submitting calls `on_submit`.
#[component]
pub fn InlineForm(
    title: &'static str,
    title_id: &'static str,
    submit: &'static str,
    error: RwSignal<Option<ApiError>>,
    #[prop(optional, into)] done: Signal<Option<String>>,
    #[prop(into)] on_submit: Callback<()>,
    children: Children,
) -> impl IntoView {
    view! {
        <form class="inline-form" aria-labelledby=title_id
            on:submit=move |ev| {
                ev.prevent_default();
                on_submit.run(());
            }>
            <h3 id=title_id>{title}</h3>
            <ErrorNotice error=error />
            {move || done.get().map(|d| view! { <p class="notice notice-success" role="status">{d}</p> })}
            <div class="filters-row">
                {children()}
                <div class="field field-actions">
                    <button type="submit" class="btn btn-primary">{submit}</button>
                </div>
            </div>
        </form>
    }
}
