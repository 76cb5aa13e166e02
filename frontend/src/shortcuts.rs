//! The keyboard shortcuts of every signed-in page: `/` to the page's search box, `g` then
//! a letter to a page, `?` for the list; none while typing in a field.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The pages `g` then a letter opens: the letter, the path and the page's name.
pub const GO_TO: [(&str, &str, &str); 5] = [
    ("d", "/", "Dashboard"),
    ("j", "/jobs", "Jobs"),
    ("z", "/zenodo", "Zenodo copies"),
    ("m", "/merritt", "Merritt queue"),
    ("q", "/queues", "Queues"),
];

/// How long after `g` its letter counts (ms).
const CHORD_MS: f64 = 1500.0;

/// Listens for the shortcuts on the window while the calling component lives: `go` opens a
/// path, `help` is set to show the list.
pub fn install(go: impl Fn(&str) + 'static, help: RwSignal<bool>) {
    let pending_g = StoredValue::new(None::<f64>);
    let handle = window_event_listener(ev::keydown, move |e| {
        if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() || typing(&e) {
            return;
        }
        let key = e.key();
        let now = js_sys::Date::now();
        let after_g = pending_g.get_value().is_some_and(|t| now - t < CHORD_MS);
        pending_g.set_value(None);
        if after_g {
            if let Some((_, path, _)) = GO_TO.iter().find(|(k, _, _)| *k == key) {
                e.prevent_default();
                go(path);
            }
            return;
        }
        match key.as_str() {
            "g" => pending_g.set_value(Some(now)),
            "?" => {
                e.prevent_default();
                help.set(true);
            }
            "/" => {
                if let Some(input) = search_box() {
                    e.prevent_default();
                    let _ = input.focus();
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// Whether the key goes into a field (input, select, textarea or editable text).
fn typing(e: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA") || el.is_content_editable()
}

/// The page's search or filter box: its first search field, else its first text field.
fn search_box() -> Option<web_sys::HtmlElement> {
    ["main input[type=search]", "main input[type=text]"]
        .into_iter()
        .find_map(|selector| document().query_selector(selector).ok().flatten())?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}
