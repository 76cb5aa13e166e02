//! Reading `GET /api/live` with `fetch` (so the token travels in the `Authorization`
//! header, never in the URL), parsing its server-sent events, reconnecting when it drops.

use leptos::prelude::*;
use leptos::task::spawn_local;
use longjobs_openapi::{LiveEvent, LiveKind};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, ReadableStreamDefaultReader, RequestInit};

use super::{Link, LiveFeed, Mode};
use crate::session;

/// Waits before reconnecting: doubled after each failure up to the last, reset by a hello.
const BACKOFF_MS: [i32; 5] = [1_000, 2_000, 4_000, 8_000, 15_000];

/// Keeps one stream open while the mode is live, the tab is shown and someone is signed
/// in; closes it otherwise (and when the shell goes away).
pub fn keep_open(feed: LiveFeed) {
    let visible = RwSignal::new(!hidden());
    let handle = window_event_listener(leptos::ev::visibilitychange, move |_| {
        visible.set(!hidden());
    });
    let current = StoredValue::new_local(None::<AbortController>);
    let close = move || {
        if let Some(old) = current.try_update_value(Option::take).flatten() {
            old.abort();
        }
    };
    Effect::new(move |_| {
        let wanted = feed.mode.get() == Mode::Live
            && visible.get()
            && session::current().with(Option::is_some);
        close();
        if !wanted {
            feed.link.set(Link::Off);
            return;
        }
        let Ok(controller) = AbortController::new() else {
            feed.link.set(Link::Lost);
            return;
        };
        spawn_local(run(feed, controller.signal()));
        current.set_value(Some(controller));
    });
    on_cleanup(move || {
        handle.remove();
        close();
    });
}

fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

/// Opens the stream and reopens it after each loss until `signal` aborts.
async fn run(feed: LiveFeed, signal: AbortSignal) {
    let mut failures = 0usize;
    feed.link.try_set(Link::Connecting);
    loop {
        let said_hello = read(feed, &signal).await.unwrap_or(false);
        if signal.aborted() {
            return;
        }
        if said_hello {
            failures = 0;
        }
        feed.link.try_set(Link::Lost);
        if session::token().is_none() {
            return;
        }
        sleep(BACKOFF_MS[failures.min(BACKOFF_MS.len() - 1)]).await;
        failures += 1;
        if signal.aborted() {
            return;
        }
    }
}

/// Reads one stream to its end; whether the server said hello on it.
async fn read(feed: LiveFeed, signal: &AbortSignal) -> Result<bool, JsValue> {
    let token = session::token().ok_or_else(|| JsValue::from_str("signed out"))?;
    let headers = Headers::new()?;
    headers.set("Accept", "text/event-stream")?;
    headers.set("Authorization", &format!("Bearer {token}"))?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init("/api/live", &init))
            .await?
            .dyn_into()?;
    if response.status() == 401 {
        session::expire();
        return Ok(false);
    }
    if !response.ok() {
        return Ok(false);
    }
    let body = response
        .body()
        .ok_or_else(|| JsValue::from_str("no body"))?;
    let reader: ReadableStreamDefaultReader = body.get_reader().dyn_into()?;
    let mut buf: Vec<u8> = Vec::new();
    let mut said_hello = false;
    loop {
        let chunk = JsFuture::from(reader.read()).await?;
        if js_sys::Reflect::get(&chunk, &"done".into())?.as_bool() == Some(true) {
            return Ok(said_hello);
        }
        let bytes: js_sys::Uint8Array =
            js_sys::Reflect::get(&chunk, &"value".into())?.dyn_into()?;
        buf.extend(bytes.to_vec());
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buf.drain(..end + 2).collect();
            if let Some(ev) = parse(&block) {
                said_hello |= ev.kind == LiveKind::Hello;
                handle(feed, &ev);
            }
        }
    }
}

/// One event block's `data:` as a [`LiveEvent`] (comments and other lines skipped).
fn parse(block: &[u8]) -> Option<LiveEvent> {
    let text = std::str::from_utf8(block).ok()?;
    let data = text.lines().find_map(|l| l.strip_prefix("data:"))?;
    serde_json::from_str(data.trim_start()).ok()
}

fn handle(feed: LiveFeed, ev: &LiveEvent) {
    if matches!(ev.kind, LiveKind::Hello | LiveKind::Resync) {
        feed.link.try_set(Link::Open);
    }
    feed.announce(&ev.topics);
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
