//! Actions behind a confirmation dialog: what is asked, whether it runs, what went wrong.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::ApiError;

/// An action (`P` says which, and on what) waiting for the operator's confirmation in a
/// [`crate::components::ConfirmDialog`].
pub struct Confirmable<P: Send + Sync + 'static> {
    /// What the open dialog asks; `None` while no dialog is open.
    pub asked: RwSignal<Option<P>>,
    /// True while the confirmed action runs.
    pub busy: RwSignal<bool>,
    /// Why the last action failed, cleared when the next one starts.
    pub error: RwSignal<Option<ApiError>>,
}

impl<P: Send + Sync + 'static> Clone for Confirmable<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: Send + Sync + 'static> Copy for Confirmable<P> {}

impl<P: Send + Sync + 'static> Default for Confirmable<P> {
    fn default() -> Self {
        Confirmable {
            asked: RwSignal::new(None),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }
}

impl<P: Clone + Send + Sync + 'static> Confirmable<P> {
    /// Opens the dialog asking about `p`.
    pub fn ask(&self, p: P) {
        self.asked.set(Some(p));
    }

    /// The dialog's Cancel.
    pub fn on_cancel(&self) -> Callback<()> {
        let asked = self.asked;
        Callback::new(move |()| asked.set(None))
    }

    /// The dialog's Confirm: runs `act` on what is asked; its answer goes to `done`, its
    /// error to [`Confirmable::error`]; then the dialog closes and `after` runs (reloads).
    pub fn on_confirm<T, Fut>(
        &self,
        act: impl Fn(P) -> Fut + Send + Sync + 'static,
        done: impl Fn(P, T) + Copy + Send + Sync + 'static,
        after: impl Fn() + Copy + Send + Sync + 'static,
    ) -> Callback<()>
    where
        Fut: Future<Output = Result<T, ApiError>> + 'static,
    {
        let Confirmable { asked, busy, error } = *self;
        Callback::new(move |()| {
            let Some(p) = asked.get_untracked() else {
                return;
            };
            busy.set(true);
            error.set(None);
            let answer = act(p.clone());
            spawn_local(async move {
                match answer.await {
                    Ok(t) => done(p, t),
                    Err(e) => {
                        error.try_set(Some(e));
                    }
                }
                asked.try_set(None);
                busy.try_set(false);
                after();
            });
        })
    }
}
