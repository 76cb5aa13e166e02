//! The token list (revoke), the new-token form and the one-time secret.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{CreatedToken, TokenInfo};

use super::Pending;
use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, InlineForm, RoleSelect, TimeCell, column_heads, parse_role};
use crate::session::role_str;

/// The token list, the new-token form and the one-time secret.
#[component]
pub fn TokensSection(
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
    let create = Callback::new(move |()| {
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
    });
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
                            {column_heads(&["Name", "Role", "Created by", "Created", "Last used", "Status"])}
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
            <InlineForm title="New token" title_id="new-token-title" submit="Create token" error=form_error on_submit=create>
                <div class="field field-grow">
                    <label for="new-token-name">"Name (what it is for)"</label>
                    <input id="new-token-name" type="text" placeholder="e.g. nightly-report" required=true bind:value=name />
                </div>
                <RoleSelect id="new-token-role" value=role />
            </InlineForm>
        </section>
    }
}
