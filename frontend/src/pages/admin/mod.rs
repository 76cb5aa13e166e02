//! `/admin`: users and API tokens (admins only).

mod tokens;
mod users;

use leptos::prelude::*;
use longjobs_openapi::UpdateUser;

use crate::api;
use crate::components::{ConfirmDialog, ErrorNotice, PageHeader};
use crate::confirm::Confirmable;
use crate::poll::use_polled;
use crate::session;
use tokens::TokensSection;
use users::UsersSection;

/// A change waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    DeleteUser(String),
    SetDisabled(String, bool),
    RevokeToken(i64, String),
}

/// Users (create, change role, disable, delete) and API tokens (create — the secret shown
/// once — and revoke).
#[component]
pub fn AdminPage() -> impl IntoView {
    let is_admin =
        Memo::new(move |_| session::current().with(|s| s.as_ref().is_some_and(|s| s.is_admin())));
    view! {
        <PageHeader title="Users & tokens" subtitle="Who may sign in, with which role, and the API tokens of scripts." />
        {move || if is_admin.get() {
            view! { <AdminSections /> }.into_any()
        } else {
            view! { <p class="notice notice-warn">"Only admins manage users and tokens."</p> }.into_any()
        }}
    }
}

/// The two admin sections and their shared confirmation dialog.
#[component]
fn AdminSections() -> impl IntoView {
    let users = use_polled(None, api::users::list);
    let tokens = use_polled(None, api::users::tokens);
    let actions = Confirmable::<Pending>::default();
    let on_confirm = actions.on_confirm(
        |p: Pending| async move {
            match p {
                Pending::DeleteUser(name) => api::users::delete(&name).await,
                Pending::SetDisabled(name, disabled) => api::users::update(
                    &name,
                    UpdateUser {
                        disabled: Some(disabled),
                        ..UpdateUser::default()
                    },
                )
                .await
                .map(|_| ()),
                Pending::RevokeToken(id, _) => api::users::revoke_token(id).await.map(|_| ()),
            }
        },
        |_, ()| {},
        move || {
            users.reload();
            tokens.reload();
        },
    );

    view! {
        <ErrorNotice error=actions.error />
        <UsersSection users=users.data load_error=users.error error=actions.error pending=actions.asked reload=move || users.reload() />
        <TokensSection tokens=tokens.data load_error=tokens.error pending=actions.asked reload=move || tokens.reload() />
        {move || actions.asked.get().map(|p| {
            let (title, body, label) = match &p {
                Pending::DeleteUser(n) => (format!("Delete user {n}?"), format!("{n} can no longer sign in; their login tokens stop working at once. This cannot be undone."), "Delete user"),
                Pending::SetDisabled(n, true) => (format!("Disable user {n}?"), format!("{n} can no longer sign in until enabled again."), "Disable"),
                Pending::SetDisabled(n, false) => (format!("Enable user {n}?"), format!("{n} can sign in again."), "Enable"),
                Pending::RevokeToken(_, n) => (format!("Revoke token {n}?"), "Scripts using this token are refused from now on. This cannot be undone.".to_string(), "Revoke"),
            };
            let danger = !matches!(p, Pending::SetDisabled(_, false));
            view! {
                <ConfirmDialog title=title confirm_label=label danger=danger busy=actions.busy on_confirm=on_confirm on_cancel=actions.on_cancel()>
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}
