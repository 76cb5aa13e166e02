//! The signed-in session: the bearer token, name and role, kept in `sessionStorage` (gone
//! when the tab closes, never shared with other tabs) and mirrored in one global signal
//! that the shell watches.

use leptos::prelude::*;
use longjobs_openapi::Role;

const TOKEN_KEY: &str = "longjobs.token";
const NAME_KEY: &str = "longjobs.name";
const ROLE_KEY: &str = "longjobs.role";

/// Who is signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token: String,
    pub name: String,
    pub role: Role,
}

impl Session {
    /// Operators and admins may act on jobs and queues.
    pub fn can_act(&self) -> bool {
        self.role >= Role::Operator
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

thread_local! {
    static CURRENT: RwSignal<Option<Session>> = RwSignal::new(load());
    /// Set by [`logout`] so the shell sends the user to a plain login page, without a
    /// `next` back to where they were.
    static LOGGED_OUT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Creates the session signal from `sessionStorage`. Called once in `main` before anything
/// is mounted: a signal belongs to the component running when it is created and dies with it,
/// and the session must outlive every page (so it is created outside all of them).
pub fn init() {
    CURRENT.with(|_| ());
}

/// The session signal: `None` when signed out.
pub fn current() -> RwSignal<Option<Session>> {
    CURRENT.with(|s| *s)
}

/// The bearer token for API calls, read without tracking.
pub fn token() -> Option<String> {
    current().with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
}

/// Whether the signed-in user may act (tracked: views update when the role changes).
pub fn can_act() -> bool {
    current().with(|s| s.as_ref().is_some_and(Session::can_act))
}

/// Starts a session after a successful login.
pub fn begin(session: Session) {
    if let Some(store) = storage() {
        let _ = store.set_item(TOKEN_KEY, &session.token);
        let _ = store.set_item(NAME_KEY, &session.name);
        let _ = store.set_item(ROLE_KEY, role_str(session.role));
    }
    current().set(Some(session));
}

/// Updates the name and role after the server said who the token belongs to.
pub fn confirm(name: String, role: Role) {
    if let Some(store) = storage() {
        let _ = store.set_item(NAME_KEY, &name);
        let _ = store.set_item(ROLE_KEY, role_str(role));
    }
    current().update(|s| {
        if let Some(s) = s {
            s.name = name;
            s.role = role;
        }
    });
}

/// Ends the session (logout, or the server refused the token).
pub fn expire() {
    if let Some(store) = storage() {
        let _ = store.remove_item(TOKEN_KEY);
        let _ = store.remove_item(NAME_KEY);
        let _ = store.remove_item(ROLE_KEY);
    }
    current().set(None);
}

/// The user signs out.
pub fn logout() {
    LOGGED_OUT.with(|f| f.set(true));
    expire();
}

/// Whether the session ended by [`logout`] (and forgets it).
pub fn take_logged_out() -> bool {
    LOGGED_OUT.with(|f| f.replace(false))
}

fn load() -> Option<Session> {
    let store = storage()?;
    let token = store.get_item(TOKEN_KEY).ok()??;
    let name = store.get_item(NAME_KEY).ok()?.unwrap_or_default();
    let role = match store.get_item(ROLE_KEY).ok()?.as_deref() {
        Some("admin") => Role::Admin,
        Some("operator") => Role::Operator,
        _ => Role::Viewer,
    };
    Some(Session { token, name, role })
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Operator => "operator",
        Role::Admin => "admin",
    }
}
