//! State filter chips: a labelled checkbox a state, styled by the state, in a fieldset
//! with "Clear filters".

use leptos::prelude::*;

use crate::query::Wire;

/// One state of a filter bar's state group: checked while the view shows that state,
/// `on_toggle` gets the new checked value. `id` is the checkbox's id (unique on the page);
/// `class` the chip's colour class; `text` what it reads.
#[component]
fn StateChip(
    name: &'static str,
    id: String,
    class: String,
    text: String,
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
            <span>{text}</span>
        </label>
    }
}

/// The "State" fieldset of a filter bar: a chip for each state of `T` (checkbox id
/// `{id_prefix}{name}`, colour class `{class_prefix}{name}`), `on_change` gets the states
/// chosen after a click, then "Clear filters". With `spaced`, names read with spaces.
#[component]
pub fn StateFilter<T: Wire>(
    id_prefix: &'static str,
    class_prefix: &'static str,
    #[prop(optional)] spaced: bool,
    #[prop(into)] chosen: Signal<Vec<T>>,
    #[prop(into)] on_change: Callback<Vec<T>>,
    #[prop(into)] on_clear: Callback<()>,
) -> impl IntoView {
    let chips = T::ALL
        .iter()
        .map(|&st| {
            let name = st.wire();
            view! {
                <StateChip
                    name=name
                    id=format!("{id_prefix}{name}")
                    class=format!("{class_prefix}{name}")
                    text=if spaced { name.replace('_', " ") } else { name.to_string() }
                    checked=Signal::derive(move || chosen.with(|c| c.contains(&st)))
                    on_toggle=Callback::new(move |on: bool| {
                        let mut next = chosen.get_untracked();
                        next.retain(|x| *x != st);
                        if on {
                            next.push(st);
                        }
                        on_change.run(next);
                    })
                />
            }
        })
        .collect_view();
    view! {
        <fieldset class="states">
            <legend>"State"</legend>
            {chips}
            <button type="button" class="btn btn-link" on:click=move |_| on_clear.run(())>
                "Clear filters"
            </button>
        </fieldset>
    }
}
