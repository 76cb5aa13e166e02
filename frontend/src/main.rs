//! The longjobs operator console: mounts [`app::App`] on the page's body.

/// Talking to the API: the fetch helper and one typed function per operation.
mod api;
/// The router and its routes.
mod app;
/// Pieces the pages share, one concern per file.
mod components;
/// Actions behind a confirmation dialog.
mod confirm;
/// How numbers, times, counted things and job actions read.
mod format;
/// Live updates: the server's change stream and the user's choice of live, slow or paused.
mod live;
/// The maintenance status every signed-in page shares.
mod maintenance_feed;
/// One page per route.
mod pages;
/// Data that loads when its inputs change and refreshes itself.
mod poll;
/// Views whose filters, sort and page live in the URL.
mod query;
/// The signed-in session: token, name and role.
mod session;
/// The keyboard shortcuts of every signed-in page.
mod shortcuts;
/// The colour theme: light, dark or the system's.
mod theme;

fn main() {
    console_error_panic_hook::set_once();
    session::init();
    theme::init();
    leptos::mount::mount_to_body(app::App);
}
