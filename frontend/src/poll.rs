//! Data that loads when its inputs change and refreshes itself on a timer, keeping what is
//! shown (and the user's filters and selection) while the next answer is on its way.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// How often views refresh by themselves.
pub const REFRESH: Duration = Duration::from_secs(5);

/// The latest answer of a polled API call.
pub struct Polled<T: Send + Sync + PartialEq + 'static> {
    /// The last successful answer; kept while a refresh is in flight or fails.
    pub data: RwSignal<Option<T>>,
    /// The error of the last attempt, cleared by the next success.
    pub error: RwSignal<Option<ApiError>>,
    reload: StoredValue<Rc<dyn Fn()>, LocalStorage>,
}

impl<T: Send + Sync + PartialEq + 'static> Clone for Polled<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + PartialEq + 'static> Copy for Polled<T> {}

impl<T: Send + Sync + PartialEq + 'static> Polled<T> {
    /// Loads again now (after an action), without waiting for the timer.
    pub fn reload(&self) {
        if let Some(f) = self.reload.try_get_value() {
            f();
        }
    }
}

/// Runs `fetch` now, again whenever a signal it reads (before its first `.await`) changes,
/// and every `every` if given. Answers that arrive after a newer request started are dropped,
/// so a slow old answer never overwrites the view of new filters.
pub fn use_polled<T, F, Fut>(every: Option<Duration>, fetch: F) -> Polled<T>
where
    T: Send + Sync + PartialEq + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let data = RwSignal::new(None);
    let error = RwSignal::new(None);
    let generation = Rc::new(Cell::new(0u64));
    let run = Rc::new(move || {
        let mine = generation.get() + 1;
        generation.set(mine);
        let fut = fetch();
        let generation = generation.clone();
        spawn_local(async move {
            let answer = fut.await;
            if generation.get() != mine {
                return;
            }
            match answer {
                Ok(v) => {
                    // An unchanged answer leaves the view (and the focus in it) alone.
                    if data.try_with_untracked(|d| d.as_ref() != Some(&v)) == Some(true) {
                        data.try_set(Some(v));
                    }
                    if error.try_with_untracked(Option::is_some) == Some(true) {
                        error.try_set(None);
                    }
                }
                Err(e) => {
                    if error.try_with_untracked(|old| old.as_ref() != Some(&e)) == Some(true) {
                        error.try_set(Some(e));
                    }
                }
            }
        });
    });
    let tracked = run.clone();
    Effect::new(move |_| tracked());
    if let Some(every) = every {
        let timed = run.clone();
        every_interval(every, move || untrack(|| timed()));
    }
    let reload: Rc<dyn Fn()> = Rc::new(move || untrack(|| run()));
    Polled {
        data,
        error,
        reload: StoredValue::new_local(reload),
    }
}

/// Calls `f` every `every` while the calling component is mounted, skipping ticks while the
/// tab is hidden.
pub fn every_interval(every: Duration, f: impl Fn() + 'static) {
    let handle = set_interval_with_handle(
        move || {
            let hidden = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| d.hidden());
            if !hidden {
                f();
            }
        },
        every,
    )
    .ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
}
