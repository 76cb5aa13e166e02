//! `/admin`: users and API tokens (admins only).

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{CreatedToken, Role, TokenInfo, UpdateUser, UserInfo};

use crate::api::{self, ApiError};
use crate::components::{ConfirmDialog, ErrorNotice, PageHeader, TimeCell};
use crate::poll::use_polled;
use crate::session::{self, role_str};

/// A change waiting for confirmation.
#[derive(Debug, Clone, PartialEq)]
enum Pending {
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
    let error = RwSignal::new(None::<ApiError>);
    let pending = RwSignal::new(None::<Pending>);
    let busy = RwSignal::new(false);

    let confirm = Callback::new(move |()| {
        let Some(p) = pending.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let answer = match &p {
                Pending::DeleteUser(name) => api::users::delete(name).await,
                Pending::SetDisabled(name, disabled) => api::users::update(
                    name,
                    UpdateUser {
                        disabled: Some(*disabled),
                        ..UpdateUser::default()
                    },
                )
                .await
                .map(|_| ()),
                Pending::RevokeToken(id, _) => api::users::revoke_token(*id).await.map(|_| ()),
            };
            error.try_set(answer.err());
            pending.try_set(None);
            busy.try_set(false);
            users.reload();
            tokens.reload();
        });
    });
    let cancel = Callback::new(move |()| pending.set(None));

    view! {
        <ErrorNotice error=error />
        <UsersSection users=users.data load_error=users.error error=error pending=pending reload=move || users.reload() />
        <TokensSection tokens=tokens.data load_error=tokens.error pending=pending reload=move || tokens.reload() />
        {move || pending.get().map(|p| {
            let (title, body, label) = match &p {
                Pending::DeleteUser(n) => (format!("Delete user {n}?"), format!("{n} can no longer sign in; their login tokens stop working at once. This cannot be undone."), "Delete user"),
                Pending::SetDisabled(n, true) => (format!("Disable user {n}?"), format!("{n} can no longer sign in until enabled again."), "Disable"),
                Pending::SetDisabled(n, false) => (format!("Enable user {n}?"), format!("{n} can sign in again."), "Enable"),
                Pending::RevokeToken(_, n) => (format!("Revoke token {n}?"), "Scripts using this token are refused from now on. This cannot be undone.".to_string(), "Revoke"),
            };
            let danger = !matches!(p, Pending::SetDisabled(_, false));
            view! {
                <ConfirmDialog title=title confirm_label=label danger=danger busy=busy on_confirm=confirm on_cancel=cancel>
                    <p>{body}</p>
                </ConfirmDialog>
            }
        })}
    }
}

/// The user list and the new-user form.
#[component]
fn UsersSection(
    users: RwSignal<Option<Vec<UserInfo>>>,
    load_error: RwSignal<Option<ApiError>>,
    error: RwSignal<Option<ApiError>>,
    pending: RwSignal<Option<Pending>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let me =
        move || session::current().with(|s| s.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_string());
    let form_error = RwSignal::new(None::<ApiError>);
    let created = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (u, p, r) = (
            username.get_untracked(),
            password.get_untracked(),
            parse_role(&role.get_untracked()),
        );
        form_error.set(None);
        created.set(None);
        spawn_local(async move {
            match api::users::create(u.trim(), &p, r).await {
                Ok(user) => {
                    created.try_set(Some(user.username));
                    username.try_set(String::new());
                    password.try_set(String::new());
                    reload();
                }
                Err(e) => {
                    form_error.try_set(Some(e));
                }
            }
        });
    };
    let change_role = move |name: String, r: Role| {
        spawn_local(async move {
            let answer = api::users::update(
                &name,
                UpdateUser {
                    role: Some(r),
                    ..UpdateUser::default()
                },
            )
            .await;
            error.try_set(answer.err());
            reload();
        });
    };
    view! {
        <section class="card" aria-labelledby="users-title">
            <div class="card-header"><h2 id="users-title">"Users"</h2></div>
            <ErrorNotice error=load_error />
            <div class="table-wrap">
                <table class="table" data-testid="users-table">
                    <thead>
                        <tr>
                            <th scope="col">"Username"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Updated"</th>
                            <th scope="col"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || users.get().unwrap_or_default().into_iter().map(|u| {
                            let is_me = u.username == me();
                            let name = u.username.clone();
                            let (n1, n2, n3) = (name.clone(), name.clone(), name.clone());
                            let disabled = u.disabled;
                            view! {
                                <tr data-user=name.clone()>
                                    <th scope="row">{name.clone()}{is_me.then(|| view! { <span class="muted small">" (you)"</span> })}</th>
                                    <td>
                                        <label class="sr-only" for=format!("role-{name}")>{format!("Role of {name}")}</label>
                                        <select id=format!("role-{name}") class="select-small" disabled=is_me
                                            on:change=move |ev| change_role(n1.clone(), parse_role(&event_target_value(&ev)))>
                                            {[Role::Viewer, Role::Operator, Role::Admin].into_iter().map(|r| view! {
                                                <option value=role_str(r) selected=r == u.role>{role_str(r)}</option>
                                            }).collect_view()}
                                        </select>
                                    </td>
                                    <td>{if disabled {
                                        view! { <span class="badge state-cancelled">"disabled"</span> }.into_any()
                                    } else {
                                        view! { <span class="badge badge-active">"active"</span> }.into_any()
                                    }}</td>
                                    <td><TimeCell time=u.created_at compact=true /></td>
                                    <td><TimeCell time=u.updated_at compact=true /></td>
                                    <td class="actions-cell">
                                        <button type="button" class="btn btn-small" disabled=is_me
                                            on:click=move |_| pending.set(Some(Pending::SetDisabled(n2.clone(), !disabled)))>
                                            {if disabled { "Enable" } else { "Disable" }}
                                        </button>
                                        <button type="button" class="btn btn-small btn-danger-outline" disabled=is_me
                                            aria-label=format!("Delete user {name}")
                                            on:click=move |_| pending.set(Some(Pending::DeleteUser(n3.clone())))>
                                            "Delete"
                                        </button>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <form class="inline-form" on:submit=create aria-labelledby="new-user-title">
                <h3 id="new-user-title">"New user"</h3>
                <ErrorNotice error=form_error />
                {move || created.get().map(|u| view! { <p class="notice notice-success" role="status">{format!("Created user {u}.")}</p> })}
                <div class="filters-row">
                    <div class="field">
                        <label for="new-username">"Username"</label>
                        <input id="new-username" type="text" autocomplete="off" required=true bind:value=username />
                    </div>
                    <div class="field">
                        <label for="new-password">"Password (12+ characters)"</label>
                        <input id="new-password" type="password" autocomplete="new-password" required=true minlength="12" bind:value=password />
                    </div>
                    <div class="field">
                        <label for="new-role">"Role"</label>
                        <select id="new-role" bind:value=role>
                            <option value="viewer">"viewer"</option>
                            <option value="operator">"operator"</option>
                            <option value="admin">"admin"</option>
                        </select>
                    </div>
                    <div class="field field-actions">
                        <button type="submit" class="btn btn-primary">"Create user"</button>
                    </div>
                </div>
            </form>
        </section>
    }
}

/// The token list, the new-token form and the one-time secret.
#[component]
fn TokensSection(
    tokens: RwSignal<Option<Vec<TokenInfo>>>,
    load_error: RwSignal<Option<ApiError>>,
    pending: RwSignal<Option<Pending>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("viewer".to_string());
    let form_error = RwSignal::new(None::<ApiError>);
    let secret = RwSignal::new(None::<CreatedToken>);
    let copied = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (n, r) = (name.get_untracked(), parse_role(&role.get_untracked()));
        form_error.set(None);
        spawn_local(async move {
            match api::users::create_token(n.trim(), r).await {
                Ok(t) => {
                    copied.try_set(false);
                    secret.try_set(Some(t));
                    name.try_set(String::new());
                    reload();
                }
                Err(e) => {
                    form_error.try_set(Some(e));
                }
            }
        });
    };
    let copy = move |_| {
        if let (Some(t), Some(w)) = (secret.get_untracked(), web_sys::window()) {
            let _ = w.navigator().clipboard().write_text(&t.secret);
            copied.set(true);
        }
    };
    view! {
        <section class="card" aria-labelledby="tokens-title">
            <div class="card-header"><h2 id="tokens-title">"API tokens"</h2></div>
            <ErrorNotice error=load_error />
            {move || secret.get().map(|t| view! {
                <div class="secret-box" role="status" data-testid="token-secret-box">
                    <p><strong>{format!("Token “{}” created.", t.token.name)}</strong>
                        " Copy the secret now: it is shown this once and cannot be shown again."</p>
                    <div class="secret-row">
                        <code class="secret" data-testid="token-secret">{t.secret.clone()}</code>
                        <button type="button" class="btn btn-small" on:click=copy>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                        <button type="button" class="btn btn-small btn-primary" data-testid="token-secret-done"
                            on:click=move |_| secret.set(None)>"Done"</button>
                    </div>
                </div>
            })}
            <div class="table-wrap">
                <table class="table" data-testid="tokens-table">
                    <thead>
                        <tr>
                            <th scope="col" class="num">"ID"</th>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Created by"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || tokens.get().unwrap_or_default().into_iter().map(|t| {
                            let (id, tname) = (t.id, t.name.clone());
                            view! {
                                <tr data-token=t.name.clone()>
                                    <td class="num">{t.id}</td>
                                    <td>{t.name.clone()}</td>
                                    <td>{role_str(t.role)}</td>
                                    <td>{t.created_by.clone()}</td>
                                    <td><TimeCell time=t.created_at compact=true /></td>
                                    <td>{t.last_used_at.map(|u| view! { <TimeCell time=u compact=true /> }.into_any()).unwrap_or_else(|| "never".into_any())}</td>
                                    <td>{match t.revoked_at {
                                        Some(r) => view! { <span class="badge state-cancelled">"revoked"</span> " " <TimeCell time=r compact=true /> }.into_any(),
                                        None => view! {
                                            <button type="button" class="btn btn-small btn-danger-outline"
                                                aria-label=format!("Revoke token {tname}")
                                                on:click=move |_| pending.set(Some(Pending::RevokeToken(id, tname.clone())))>
                                                "Revoke"
                                            </button>
                                        }.into_any(),
                                    }}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || tokens.with(|t| t.as_ref().is_some_and(Vec::is_empty).then(|| view! { <p class="empty">"No API tokens yet."</p> }))}
            <form class="inline-form" on:submit=create aria-labelledby="new-token-title">
                <h3 id="new-token-title">"New token"</h3>
                <ErrorNotice error=form_error />
                <div class="filters-row">
                    <div class="field field-grow">
                        <label for="new-token-name">"Name (what it is for)"</label>
                        <input id="new-token-name" type="text" placeholder="e.g. nightly-report" required=true bind:value=name />
                    </div>
                    <div class="field">
                        <label for="new-token-role">"Role"</label>
                        <select id="new-token-role" bind:value=role>
                            <option value="viewer">"viewer"</option>
                            <option value="operator">"operator"</option>
                            <option value="admin">"admin"</option>
                        </select>
                    </div>
                    <div class="field field-actions">
                        <button type="submit" class="btn btn-primary">"Create token"</button>
                    </div>
                </div>
            </form>
        </section>
    }
}

fn parse_role(s: &str) -> Role {
    match s {
        "admin" => Role::Admin,
        "operator" => Role::Operator,
        _ => Role::Viewer,
    }
}
