//! Is Zenodo or Merritt answering: the workers' latest probe and the recent calls, judged.

use longjobs_core::access::Role;
use longjobs_core::clock;
use longjobs_openapi as wire;
use longjobs_replication::remotes::{self, Health, Verdict};
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;

use super::Tag;
use super::convert::utc;
use crate::auth::BearerAuth;
use crate::error::ApiResult;
use crate::state::AppState;

pub struct RemotesApi {
    pub state: AppState,
}

/// The health of Zenodo and Merritt, as `GET /api/remotes` answers it.
pub async fn remote_health(state: &AppState) -> ApiResult<Vec<wire::RemoteHealth>> {
    let now = clock::now();
    let health = state.db.run(move |c| remotes::health(c, now)).await?;
    Ok(health.into_iter().map(to_wire).collect())
}

fn to_wire(h: Health) -> wire::RemoteHealth {
    wire::RemoteHealth {
        service: h.service.name().to_string(),
        verdict: match h.verdict {
            Verdict::Up => wire::RemoteVerdict::Up,
            Verdict::Degraded => wire::RemoteVerdict::Degraded,
            Verdict::Down => wire::RemoteVerdict::Down,
            Verdict::Unknown => wire::RemoteVerdict::Unknown,
        },
        summary: h.summary,
        probe: h.probe.map(|p| wire::RemoteProbe {
            fresh: h.probe_fresh,
            checked_at: utc(p.checked_at),
            ok: p.ok,
            status: p.status,
            took_ms: p.took_ms,
            message: p.message,
            host: p.host,
        }),
        recent: wire::RemoteCalls {
            calls: h.recent.calls,
            ok: h.recent.ok,
            client_errors: h.recent.client_errors,
            server_errors: h.recent.server_errors,
            network_errors: h.recent.network_errors,
            last_at: h.recent.last_at.map(utc),
            last_failure: h.recent.last_failure,
        },
    }
}

#[OpenApi(tag = "Tag::Maintenance")]
impl RemotesApi {
    /// Zenodo and Merritt: are they answering?
    ///
    /// For each service a verdict (`up`, `degraded`, `down`, `unknown`) and a sentence
    /// saying what it rests on: the latest probe a worker made (every minute; stale after
    /// three) and the outcomes of the last 20 real calls in the request logs.
    #[oai(path = "/api/remotes", method = "get", operation_id = "remoteHealth")]
    async fn get(&self, auth: BearerAuth) -> ApiResult<Json<Vec<wire::RemoteHealth>>> {
        auth.0.require(Role::Viewer)?;
        Ok(Json(remote_health(&self.state).await?))
    }
}
