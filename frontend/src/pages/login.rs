//! `/login`: the sign-in form.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, ApiError};
use crate::components::ErrorNotice;
use crate::session::{self, Session};

/// Username and password; on success the token goes to `sessionStorage` and the user to
/// `next` (the page they were sent here from) or the dashboard.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let next = move || {
        query
            .with_untracked(|q| q.get("next"))
            .filter(|n| n.starts_with('/') && !n.starts_with("//"))
            .unwrap_or_else(|| "/".into())
    };
    let was_sent_here = query.with_untracked(|q| q.get("next").is_some());

    // Already signed in (e.g. back button): go on.
    if session::token().is_some() {
        let navigate = navigate.clone();
        request_animation_frame(move || {
            navigate(
                &next(),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            )
        });
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (u, p) = (username.get_untracked(), password.get_untracked());
        if u.trim().is_empty() || p.is_empty() {
            error.set(Some(ApiError {
                status: 400,
                title: "Missing".into(),
                detail: "enter your username and password".into(),
            }));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::auth::login(u.trim(), &p).await {
                Ok(r) => {
                    session::begin(Session {
                        token: r.token,
                        name: r.username,
                        role: r.role,
                    });
                    navigate(
                        &next(),
                        NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    );
                }
                Err(e) => {
                    password.try_set(String::new());
                    error.try_set(Some(e));
                    busy.try_set(false);
                }
            }
        });
    };

    view! {
        <main class="centered login-page">
            <form class="card narrow login-card" on:submit=submit aria-labelledby="login-title">
                <div class="brand brand-login">
                    <span class="brand-mark" aria-hidden="true">"lj"</span>
                    <span class="brand-name">"longjobs"</span>
                </div>
                <h1 id="login-title">"Sign in"</h1>
                <p class="muted">"Operator console for the repository's long jobs."</p>
                {was_sent_here.then(|| view! {
                    <p class="notice notice-info">"Sign in to continue."</p>
                })}
                <ErrorNotice error=error />
                <div class="field">
                    <label for="username">"Username"</label>
                    <input
                        id="username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autofocus=true
                        required=true
                        bind:value=username
                    />
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input
                        id="password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        required=true
                        bind:value=password
                    />
                </div>
                <button type="submit" class="btn btn-primary btn-block" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
