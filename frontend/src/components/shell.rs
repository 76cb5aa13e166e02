//! The frame around every signed-in page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::components::Outlet;
use leptos_router::hooks::{use_location, use_navigate};

use crate::api::{self, encode};
use crate::components::{
    LiveControl, LiveNotice, MaintenanceBanner, NavLink, ShortcutHelp, ThemeSwitch,
};
use crate::session::{self, role_str};
use crate::shortcuts;
use crate::{live, maintenance_feed};

/// The signed-in frame: navigation, the user's name and role, logout, the maintenance
/// banner and the page; sends a signed-out visitor to the login page (and back here after
/// signing in).
#[component]
pub fn Shell() -> impl IntoView {
    let current = session::current();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        if current.with(|s| s.is_none()) {
            let next = if session::take_logged_out() {
                String::new()
            } else {
                let search = location.search.get_untracked();
                let search = search.trim_start_matches('?');
                let here = location.pathname.get_untracked()
                    + if search.is_empty() { "" } else { "?" }
                    + search;
                if here == "/" {
                    String::new()
                } else {
                    format!("?next={}", encode(&here))
                }
            };
            navigate(
                &format!("/login{next}"),
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    // The stored role may be stale: ask the server who the token belongs to now.
    if session::token().is_some() {
        spawn_local(async {
            if let Ok(me) = api::auth::me().await {
                session::confirm(me.name, me.role);
            }
        });
    }
    let signed_in = Memo::new(move |_| current.with(|s| s.is_some()));
    view! {
        {move || if signed_in.get() {
            view! { <SignedIn /> }.into_any()
        } else {
            view! { <p class="boot">"Signing in…"</p> }.into_any()
        }}
    }
}

/// The layout of a signed-in user: sidebar, live and maintenance notices and the page.
/// Opens the live stream and follows the maintenance status for the banner, sharing both
/// with the pages below.
#[component]
fn SignedIn() -> impl IntoView {
    let current = session::current();
    live::provide();
    maintenance_feed::provide();
    let help = RwSignal::new(false);
    let navigate = use_navigate();
    shortcuts::install(move |path| navigate(path, NavigateOptions::default()), help);
    let is_admin = Memo::new(move |_| current.with(|s| s.as_ref().is_some_and(|s| s.is_admin())));
    let name = move || current.with(|s| s.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let role = move || current.with(|s| s.as_ref().map(|s| role_str(s.role)).unwrap_or_default());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <div class="layout">
            <header class="sidebar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"lj"</span>
                    <span class="brand-name">"longjobs"</span>
                </a>
                <nav aria-label="Main">
                    <ul class="nav">
                        <NavLink href="/" label="Dashboard" exact=true />
                        <NavLink href="/jobs" label="Jobs" />
                        <NavLink href="/zenodo" label="Zenodo" />
                        <NavLink href="/merritt" label="Merritt" />
                        <NavLink href="/maintenance" label="Maintenance" />
                        <NavLink href="/queues" label="Queues" />
                        <NavLink href="/periodic" label="Periodic" />
                        <NavLink href="/workers" label="Workers" />
                        <NavLink href="/audit" label="Audit" />
                        {move || is_admin.get().then(|| view! {
                            <NavLink href="/admin" label="Users & tokens" />
                        })}
                    </ul>
                </nav>
                <div class="user" data-testid="user">
                    <span class="user-name">{name}</span>
                    <span class="role-badge" data-testid="role">{role}</span>
                    <ThemeSwitch />
                    <LiveControl />
                    <button
                        type="button"
                        class="btn btn-ghost btn-small"
                        on:click=move |_| {
                            // The server ends the login token first (on every device), then
                            // the page forgets it; signed out here whatever the server says.
                            spawn_local(async {
                                let _ = crate::api::auth::logout().await;
                                session::logout();
                            })
                        }
                    >
                        "Log out"
                    </button>
                </div>
            </header>
            <main id="main" class="content" tabindex="-1">
                <LiveNotice />
                <MaintenanceBanner />
                <Outlet />
            </main>
        </div>
        <ShortcutHelp open=help />
    }
}
