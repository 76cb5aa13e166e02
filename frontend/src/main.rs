//! The longjobs operator console: mounts [`app::App`] on the page's body.

mod api;
mod app;
mod components;
mod confirm;
mod format;
mod maintenance_feed;
mod pages;
mod poll;
mod query;
mod session;

fn main() {
    console_error_panic_hook::set_once();
    session::init();
    leptos::mount::mount_to_body(app::App);
}
