//! A state filter chip: a labelled checkbox styled by its state.

use leptos::prelude::*;

/// One state of a filter bar's state group: checked while the view shows that state,
/// `on_toggle` gets the new checked value. `id` is the checkbox's id (unique on the page);
/// `class` the chip's colour class.
#[component]
pub fn StateChip(
    name: &'static str,
    id: String,
    class: String,
    #[prop(into)] checked: Signal<bool>,
    #[prop(into)] on_toggle: Callback<bool>,
) -> impl IntoView {
    let for_id = id.clone();
    view! {
        <label class=format!("chip {class}") for=for_id>
            <input
                type="checkbox"
                id=id
                name="state"
                value=name
                prop:checked=move || checked.get()
                on:change=move |ev| on_toggle.run(event_target_checked(&ev))
            />
            <span>{name}</span>
        </label>
    }
}

/// Puts `item` in `list` (at the end) or takes it out: what a chip's toggle does to the
/// states a filter bar shows.
pub fn toggle_member<T: PartialEq + Copy>(list: &mut Vec<T>, item: T, on: bool) {
    list.retain(|x| *x != item);
    if on {
        list.push(item);
    }
}
