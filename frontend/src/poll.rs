//! Data that loads when its inputs change and again when the server says what it shows
//! changed (see [`crate::live`]), keeping what is shown (and the user's filters and
//! selection) while the next answer is on its way.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use leptos::prelude::Get as _;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

use longjobs_openapi::LiveTopic;

use crate::api::{ApiError, Get, client};
use crate::live::{self, LiveFeed};

/// What a view refreshes on: the live topics whose change makes it refetch (or, in the
/// slow and fallback modes, the timer's tick).
pub type Topics = &'static [LiveTopic];

/// Lists and counts: any change may move them.
pub const REFRESH: Topics = &LiveTopic::ALL;

/// The page of one job, copy or submission: any change may be it.
pub const ITEM_REFRESH: Topics = &LiveTopic::ALL;

/// Takes a changed answer (status and body) and shows it: the typed part of polling.
type Deliver = Rc<dyn Fn(u16, &str)>;

/// The latest answer of a polled API call.
pub struct Polled<T: Send + Sync + 'static> {
    /// The last successful answer; kept while a refresh is in flight or fails.
    pub data: RwSignal<Option<T>>,
    /// The error of the last attempt, cleared by the next success.
    pub error: RwSignal<Option<ApiError>>,
    reload: StoredValue<Rc<dyn Fn()>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Polled<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Polled<T> {}

impl<T: Send + Sync + 'static> Polled<T> {
    /// Loads again now (after an action), without waiting for a change to be announced.
    pub fn reload(&self) {
        if let Some(f) = self.reload.try_get_value() {
            f();
        }
    }

    /// What `part` reads from the last answer (none before the first).
    pub fn select<U: Send + Sync + 'static>(
        &self,
        part: impl Fn(&T) -> Option<U> + Send + Sync + 'static,
    ) -> Signal<Option<U>> {
        let data = self.data;
        Signal::derive(move || data.with(|d| d.as_ref().and_then(&part)))
    }
}

/// Sends the GET `request` describes now, again whenever a signal it reads changes, and
/// whenever one of `topics` (if given) changes. Answers that arrive after a newer request started are dropped,
/// so a slow old answer never overwrites the view of new filters; an answer whose text is
/// the same as the last one's is not decoded again, so the view (and the focus in it) stays.
pub fn use_polled<T, F>(topics: Option<Topics>, request: F) -> Polled<T>
where
    T: DeserializeOwned + Send + Sync + 'static,
    F: Fn() -> Get<T> + 'static,
{
    let data = RwSignal::new(None);
    let error = RwSignal::new(None);
    // The only part that knows `T`: decoding a changed answer.
    let deliver: Deliver = Rc::new(
        move |status, text| match client::decode::<T>((status, text)) {
            Ok(v) => {
                data.try_set(Some(v));
            }
            Err(e) => set_error(error, e),
        },
    );
    let reload = poll(topics, Rc::new(move || request().path), deliver, error);
    Polled {
        data,
        error,
        reload: StoredValue::new_local(reload),
    }
}

/// The route's `:id` and the item `get` describes for it, refreshed on
/// [`ITEM_REFRESH`]'s topics. An id that is not a number asks for item 0, which the API refuses with
/// its reason.
pub fn use_item<T>(get: impl Fn(i64) -> Get<T> + 'static) -> (Memo<Option<i64>>, Polled<T>)
where
    T: DeserializeOwned + Send + Sync + 'static,
{
    let id = crate::query::use_id_param();
    let item = use_polled(Some(ITEM_REFRESH), move || get(id.get().unwrap_or(0)));
    (id, item)
}

/// The loading itself, shared by every answer type: returns the function that loads again.
fn poll(
    topics: Option<Topics>,
    path: Rc<dyn Fn() -> String>,
    deliver: Deliver,
    error: RwSignal<Option<ApiError>>,
) -> Rc<dyn Fn()> {
    let feed = live::use_feed();
    let generation = Rc::new(Cell::new(0u64));
    let last = Rc::new(RefCell::new(None::<String>));
    let run = Rc::new(move || {
        let mine = generation.get() + 1;
        generation.set(mine);
        // Signals read here (by the request) are tracked by the effect below.
        let path = path();
        let (generation, last, deliver) = (generation.clone(), last.clone(), deliver.clone());
        spawn_local(async move {
            let answer = client::get_text(&path).await;
            if generation.get() != mine {
                return;
            }
            match answer {
                Ok((status, text)) => {
                    if let Some(feed) = feed {
                        feed.updated();
                    }
                    if last.borrow().as_deref() != Some(text.as_str()) {
                        deliver(status, &text);
                        *last.borrow_mut() = Some(text);
                    }
                    if error.try_with_untracked(Option::is_some) == Some(true) {
                        error.try_set(None);
                    }
                }
                Err(e) => set_error(error, e),
            }
        });
    });
    let tracked = run.clone();
    Effect::new(move |_| tracked());
    if let (Some(topics), Some(feed)) = (topics, feed) {
        refetch_on_change(feed, topics, run.clone());
    }
    Rc::new(move || untrack(|| run()))
}

/// A view refetches at most this often, however often its topics change (on a busy
/// installation the jobs topic changes every second).
const MIN_GAP_MS: f64 = 2_000.0;

/// Runs `run` whenever one of `topics` is announced (not at first: the load above did),
/// at most every [`MIN_GAP_MS`]: a change within the gap runs it once at the gap's end.
/// Never while the user has paused updates, even for a change announced before the pause.
fn refetch_on_change(feed: LiveFeed, topics: Topics, run: Rc<dyn Fn()>) {
    let last = Rc::new(Cell::new(0f64));
    let pending = Rc::new(Cell::new(false));
    let alive = Arc::new(AtomicBool::new(true));
    let gone = alive.clone();
    on_cleanup(move || gone.store(false, Ordering::Relaxed));
    Effect::new(move |seen: Option<u64>| {
        let version = feed.version(topics);
        if seen.is_none_or(|s| s == version) || pending.get() || feed.paused() {
            return version;
        }
        let wait = MIN_GAP_MS - (js_sys::Date::now() - last.get());
        if wait <= 0.0 {
            last.set(js_sys::Date::now());
            untrack(|| run());
            return version;
        }
        pending.set(true);
        let (run, last, pending, alive) =
            (run.clone(), last.clone(), pending.clone(), alive.clone());
        set_timeout(
            move || {
                pending.set(false);
                // Paused meanwhile (an event that came just before the switch): no
                // request; choosing a live mode again refetches everything.
                if alive.load(Ordering::Relaxed) && !feed.paused() {
                    last.set(js_sys::Date::now());
                    untrack(|| run());
                }
            },
            Duration::from_millis(wait as u64),
        );
        version
    });
}

fn set_error(error: RwSignal<Option<ApiError>>, e: ApiError) {
    if error.try_with_untracked(|old| old.as_ref() != Some(&e)) == Some(true) {
        error.try_set(Some(e));
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
