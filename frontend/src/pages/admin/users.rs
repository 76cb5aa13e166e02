//! The user list (role, disable, delete) and the new-user form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{Role, UpdateUser, UserInfo};

use super::Pending;
use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, InlineForm, RoleSelect, TimeCell, column_heads, parse_role, role_options,
};
use crate::session;

/// The user list and the new-user form.
#[component]
pub fn UsersSection(
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
    let create = Callback::new(move |()| {
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
    });
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
                            {column_heads(&["Username", "Role", "Status", "Created", "Updated"])}
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
                                            {role_options(Some(u.role))}
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
            <InlineForm title="New user" title_id="new-user-title" submit="Create user" error=form_error
                done=Signal::derive(move || created.get().map(|u| format!("Created user {u}."))) on_submit=create>
                <div class="field">
                    <label for="new-username">"Username"</label>
                    <input id="new-username" type="text" autocomplete="off" required=true bind:value=username />
                </div>
                <div class="field">
                    <label for="new-password">"Password (12+ characters)"</label>
                    <input id="new-password" type="password" autocomplete="new-password" required=true minlength="12" bind:value=password />
                </div>
                <RoleSelect id="new-role" value=role />
            </InlineForm>
        </section>
    }
}
