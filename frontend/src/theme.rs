//! The colour theme: light, dark or the system's, remembered in localStorage.

/// Where the choice is kept (localStorage, so it holds across tabs and sessions).
const KEY: &str = "longjobs.theme";

/// The themes the switch offers: the value stored and the label shown.
pub const CHOICES: [(&str, &str); 3] = [("system", "System"), ("light", "Light"), ("dark", "Dark")];

/// The stored choice ("system" when none or an unknown one is stored).
pub fn stored() -> String {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|t| CHOICES.iter().any(|(v, _)| v == t))
        .unwrap_or_else(|| "system".to_owned())
}

/// Applies the stored choice to the page (at start, before anything shows).
pub fn init() {
    apply(&stored());
}

/// Remembers `theme` and applies it: "light" and "dark" pin the page's colour scheme
/// (data-theme on <html>), "system" lets the page follow `prefers-color-scheme`.
pub fn choose(theme: &str) {
    if let Some(store) = storage() {
        let _ = store.set_item(KEY, theme);
    }
    apply(theme);
}

fn apply(theme: &str) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = if theme == "system" {
        root.remove_attribute("data-theme")
    } else {
        root.set_attribute("data-theme", theme)
    };
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}
