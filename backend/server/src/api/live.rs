//! `GET /api/live`: server-sent events telling open console pages what changed.

use longjobs_core::access::Role;
use longjobs_openapi as wire;
use poem::web::sse::Event;
use poem_openapi::OpenApi;
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;

use super::Tag;
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::service::live::HEARTBEAT;
use crate::state::AppState;

pub struct LiveApi {
    pub state: AppState,
}

type LiveStream = futures_util::stream::BoxStream<'static, wire::LiveEvent>;

#[OpenApi(tag = "Tag::Live")]
impl LiveApi {
    /// Stream what changes (server-sent events).
    ///
    /// A `text/event-stream` that stays open. Each event's `event:` is its `kind` and its
    /// `data:` the JSON `LiveEvent`: `hello` first (fetch everything now), then `change`
    /// with the topics whose data moved (`jobs`, `queues`, `workers`, `zenodo`, `merritt`,
    /// `maintenance`, `periodic`; checked about once a second, workers on other hosts
    /// included), and `resync` (fetch everything) when this client read too slowly and
    /// changes were dropped. A comment line every 15 s keeps proxies from closing an idle
    /// stream. Send the token in the `Authorization` header (read the stream with `fetch`;
    /// tokens never go in the URL). Reconnect after the stream ends, e.g. at a server
    /// restart.
    #[oai(path = "/api/live", method = "get", operation_id = "liveEvents")]
    async fn live(&self, auth: BearerAuth) -> ApiResult<EventStream<LiveStream>> {
        auth.0.require(Role::Viewer)?;
        let stream: LiveStream = Box::pin(self.state.live.stream());
        Ok(EventStream::new(stream)
            .keep_alive(HEARTBEAT)
            .to_event(|ev: wire::LiveEvent| {
                Event::message(ev.to_json_string()).event_type(ev.kind.as_str())
            }))
    }
}
