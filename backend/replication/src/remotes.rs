//! Is Zenodo or Merritt answering? Two sources, read together: a cheap probe each worker
//! makes every minute (the freshest answer per service is kept, with the host that asked),
//! and the outcomes of the latest real calls, read from the copies' and submissions'
//! request logs ("12 of the last 20 calls answered 5xx").

use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use longjobs_core::clock;
use longjobs_core::db::DbConn;
use longjobs_core::schema::{merritt_submission_log, remote_probes, zenodo_copy_log};

use crate::merritt::MerrittConfig;
use crate::zenodo::ZenodoConfig;
use crate::zenodo::client::error_chain;

/// How often each worker probes each service.
pub const PROBE_EVERY: Duration = Duration::from_secs(60);
/// Longest wait for a probe's answer.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// A probe older than this says nothing any more (no worker has probed lately).
pub const PROBE_FRESH_FOR: Duration = Duration::from_secs(3 * 60);
/// Real calls the verdict reads, per service.
pub const RECENT_CALLS: i64 = 20;
/// Longest excerpt of a probe's answer kept.
const EXCERPT: usize = 200;

/// The services probed, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Zenodo,
    Merritt,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::Zenodo, Service::Merritt];

    pub fn name(self) -> &'static str {
        match self {
            Service::Zenodo => "zenodo",
            Service::Merritt => "merritt",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Service::Zenodo => "Zenodo",
            Service::Merritt => "Merritt",
        }
    }
}

/// The latest probe of one service, as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = remote_probes)]
pub struct Probe {
    pub service: String,
    pub checked_at: NaiveDateTime,
    pub ok: bool,
    /// The HTTP status, when the service answered at all.
    pub status: Option<i32>,
    pub took_ms: i64,
    pub message: String,
    pub host: String,
}

/// Asks Zenodo for one deposition of the account (REST API documentation, "Deposit ›
/// List": `GET /api/deposit/depositions` with `size`): cheap, and it checks the token too.
pub async fn probe_zenodo(http: &reqwest::Client, cfg: &ZenodoConfig, host: &str) -> Probe {
    let url = format!(
        "{}/api/deposit/depositions",
        cfg.base_url.trim_end_matches('/')
    );
    let req = http
        .get(&url)
        .query(&[("size", "1"), ("access_token", cfg.token.as_str())]);
    probe(Service::Zenodo, req, host).await
}

/// Searches Merritt's collection for a local id that does not exist (the search the
/// checker uses, `GET /api/{collection}/local_id_search`): cheap, and it checks the
/// credentials too.
pub async fn probe_merritt(http: &reqwest::Client, cfg: &MerrittConfig, host: &str) -> Probe {
    let url = format!(
        "{}/api/{}/local_id_search",
        cfg.base_url.trim_end_matches('/'),
        cfg.collection
    );
    let mut req = http.get(&url).query(&[("terms", "longjobs-probe")]);
    if let Some(user) = &cfg.user {
        req = req.basic_auth(user, cfg.password.as_deref());
    }
    probe(Service::Merritt, req, host).await
}

async fn probe(service: Service, req: reqwest::RequestBuilder, host: &str) -> Probe {
    let started = Instant::now();
    let answer = req.timeout(PROBE_TIMEOUT).send().await;
    let (ok, status, message) = match answer {
        Ok(resp) => {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            let mut excerpt: String = body.chars().take(EXCERPT).collect();
            if excerpt.len() < body.len() {
                excerpt.push('…');
            }
            let message = if status.is_success() {
                format!("answered {}", status.as_u16())
            } else {
                format!("answered {}: {}", status.as_u16(), excerpt.trim())
            };
            (
                status.is_success(),
                Some(i32::from(status.as_u16())),
                message,
            )
        }
        Err(e) => (false, None, format!("no answer: {}", error_chain(&e))),
    };
    Probe {
        service: service.name().to_string(),
        checked_at: clock::now(),
        ok,
        status,
        took_ms: started.elapsed().as_millis().min(i64::MAX as u128) as i64,
        message,
        host: host.to_string(),
    }
}

/// Keeps `probe` as its service's latest.
pub fn record(conn: &mut DbConn, probe: &Probe) -> QueryResult<()> {
    longjobs_core::upsert!(
        conn,
        remote_probes::table,
        probe,
        remote_probes::service,
        (
            remote_probes::checked_at.eq(probe.checked_at),
            remote_probes::ok.eq(probe.ok),
            remote_probes::status.eq(probe.status),
            remote_probes::took_ms.eq(probe.took_ms),
            remote_probes::message.eq(&probe.message),
            remote_probes::host.eq(&probe.host),
        ),
    )
    .map(|_| ())
}

/// The latest probe of every service probed.
pub fn probes(conn: &mut DbConn) -> QueryResult<Vec<Probe>> {
    remote_probes::table
        .order(remote_probes::service)
        .select(Probe::as_select())
        .load(conn)
}

/// What the latest real calls to a service came to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecentCalls {
    pub calls: i64,
    pub ok: i64,
    /// 4xx answers (refusals: often the request's fault, sometimes the credentials').
    pub client_errors: i64,
    /// 5xx answers.
    pub server_errors: i64,
    /// No answer: refused connections, resets, timeouts.
    pub network_errors: i64,
    pub last_at: Option<NaiveDateTime>,
    /// The latest call that failed, as logged.
    pub last_failure: Option<String>,
}

impl RecentCalls {
    fn add(&mut self, at: NaiveDateTime, status: Option<i32>, message: &str) {
        self.calls += 1;
        self.last_at = self.last_at.max(Some(at));
        match status {
            Some(s) if (200..400).contains(&s) => self.ok += 1,
            Some(s) if (400..500).contains(&s) => self.client_errors += 1,
            Some(_) => self.server_errors += 1,
            None => self.network_errors += 1,
        }
        if !matches!(status, Some(s) if (200..400).contains(&s)) && self.last_failure.is_none() {
            self.last_failure = Some(message.chars().take(EXCERPT).collect());
        }
    }

    /// Calls that failed for the service's sake (5xx, no answer).
    pub fn failing(&self) -> i64 {
        self.server_errors + self.network_errors
    }
}

/// The outcomes of the latest [`RECENT_CALLS`] calls to `service`, newest first, from the
/// request logs: answers (by status) and calls that got none (network errors).
pub fn recent_calls(conn: &mut DbConn, service: Service, n: i64) -> QueryResult<RecentCalls> {
    let mut out = RecentCalls::default();
    match service {
        Service::Zenodo => {
            // RESPONSE lines start with the status; ERROR lines are calls only when no
            // answer came (other ERROR lines say why a copy stopped).
            let rows: Vec<(NaiveDateTime, String, String)> = zenodo_copy_log::table
                .filter(
                    zenodo_copy_log::kind
                        .eq("RESPONSE")
                        .or(zenodo_copy_log::kind.eq("ERROR").and(
                            zenodo_copy_log::message
                                .like("%network error%")
                                .or(zenodo_copy_log::message.like("%reading the answer failed%")),
                        )),
                )
                .order(zenodo_copy_log::id.desc())
                .limit(n)
                .select((
                    zenodo_copy_log::at,
                    zenodo_copy_log::kind,
                    zenodo_copy_log::message,
                ))
                .load(conn)?;
            for (at, kind, message) in rows {
                let status = (kind == "RESPONSE")
                    .then(|| message.split_whitespace().next()?.parse::<i32>().ok())
                    .flatten();
                out.add(at, status, &message);
            }
        }
        Service::Merritt => {
            let rows: Vec<(NaiveDateTime, Option<i32>, String)> = merritt_submission_log::table
                .filter(
                    merritt_submission_log::kind
                        .eq("RESPONSE")
                        .or(merritt_submission_log::kind
                            .eq("ERROR")
                            .and(merritt_submission_log::url.is_not_null())),
                )
                .order(merritt_submission_log::id.desc())
                .limit(n)
                .select((
                    merritt_submission_log::at,
                    merritt_submission_log::status,
                    merritt_submission_log::message,
                ))
                .load(conn)?;
            for (at, status, message) in rows {
                out.add(at, status, &message);
            }
        }
    }
    Ok(out)
}

/// One word for a service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The probe answers and few recent calls failed.
    Up,
    /// It answers, but many recent calls failed (5xx or no answer), or the probe was refused.
    Degraded,
    /// The latest probe got no answer or a 5xx.
    Down,
    /// No fresh probe and no recent call to judge by.
    Unknown,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Up => "up",
            Verdict::Degraded => "degraded",
            Verdict::Down => "down",
            Verdict::Unknown => "unknown",
        }
    }
}

/// A service's health: the verdict, a sentence saying why, and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub service: Service,
    pub verdict: Verdict,
    pub summary: String,
    /// The latest probe, fresh or not.
    pub probe: Option<Probe>,
    /// Whether that probe is younger than [`PROBE_FRESH_FOR`].
    pub probe_fresh: bool,
    pub recent: RecentCalls,
}

/// Judges a service from its latest probe and recent calls at `now`.
pub fn judge(
    service: Service,
    probe: Option<Probe>,
    recent: RecentCalls,
    now: NaiveDateTime,
) -> Health {
    let fresh = probe
        .as_ref()
        .filter(|p| now - p.checked_at <= clock::delta(PROBE_FRESH_FOR));
    // Half or more of at least four recent calls failing is more than bad luck.
    let calls_failing = recent.calls >= 4 && recent.failing() * 2 >= recent.calls;
    let verdict = match fresh {
        Some(p) if !p.ok && p.status.is_none_or(|s| s >= 500) => Verdict::Down,
        Some(p) if !p.ok => Verdict::Degraded,
        Some(_) if calls_failing => Verdict::Degraded,
        Some(_) => Verdict::Up,
        None if calls_failing => Verdict::Degraded,
        None if recent.calls > 0 => Verdict::Up,
        None => Verdict::Unknown,
    };
    let probe_part = match (&probe, fresh) {
        (Some(p), Some(_)) => format!(
            "probe {} in {} ms, {} s ago from {}",
            p.message,
            p.took_ms,
            (now - p.checked_at).num_seconds(),
            p.host
        ),
        (Some(p), None) => format!(
            "no fresh probe (the latest, {} min ago, {}): is a worker running?",
            (now - p.checked_at).num_minutes(),
            p.message
        ),
        (None, _) => "never probed: is a worker running?".to_string(),
    };
    let calls_part = if recent.calls == 0 {
        "no recent calls".to_string()
    } else {
        let mut parts = vec![format!("{} answered 2xx/3xx", recent.ok)];
        if recent.server_errors > 0 {
            parts.push(format!("{} answered 5xx", recent.server_errors));
        }
        if recent.client_errors > 0 {
            parts.push(format!("{} answered 4xx", recent.client_errors));
        }
        if recent.network_errors > 0 {
            parts.push(format!("{} got no answer", recent.network_errors));
        }
        format!("of the last {} calls, {}", recent.calls, parts.join(", "))
    };
    Health {
        service,
        verdict,
        summary: format!(
            "{}: {} ({probe_part}); {calls_part}",
            service.title(),
            verdict.as_str()
        ),
        probe_fresh: fresh.is_some(),
        probe,
        recent,
    }
}

/// The health of every service, read from the database.
pub fn health(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Health>> {
    let mut probes = probes(conn)?;
    Service::ALL
        .iter()
        .map(|&service| {
            let probe = probes
                .iter()
                .position(|p| p.service == service.name())
                .map(|i| probes.swap_remove(i));
            let recent = recent_calls(conn, service, RECENT_CALLS)?;
            Ok(judge(service, probe, recent, now))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + s, 0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    fn probe(ok: bool, status: Option<i32>, s: i64) -> Probe {
        Probe {
            service: "zenodo".into(),
            checked_at: at(s),
            ok,
            status,
            took_ms: 35,
            message: status.map_or("no answer: connection refused".into(), |s| {
                format!("answered {s}")
            }),
            host: "w1".into(),
        }
    }

    fn calls(ok: i64, server: i64, network: i64) -> RecentCalls {
        let mut r = RecentCalls::default();
        for _ in 0..ok {
            r.add(at(0), Some(200), "200 {}");
        }
        for _ in 0..server {
            r.add(at(0), Some(503), "503 unavailable");
        }
        for _ in 0..network {
            r.add(at(0), None, "POST …: network error: reset");
        }
        r
    }

    #[test]
    fn the_verdict_reads_the_fresh_probe_first_then_the_recent_calls() {
        let now = at(100);
        let v = |p, r| judge(Service::Zenodo, p, r, now).verdict;
        assert_eq!(
            v(Some(probe(true, Some(200), 60)), calls(20, 0, 0)),
            Verdict::Up
        );
        assert_eq!(
            v(Some(probe(false, None, 60)), calls(20, 0, 0)),
            Verdict::Down
        );
        assert_eq!(
            v(Some(probe(false, Some(503), 60)), calls(0, 0, 0)),
            Verdict::Down
        );
        assert_eq!(
            v(Some(probe(false, Some(401), 60)), calls(0, 0, 0)),
            Verdict::Degraded
        );
        assert_eq!(
            v(Some(probe(true, Some(200), 60)), calls(8, 12, 0)),
            Verdict::Degraded
        );
        assert_eq!(
            v(Some(probe(true, Some(200), 60)), calls(8, 1, 1)),
            Verdict::Up
        );
        // A probe older than PROBE_FRESH_FOR says nothing: the calls decide, or nothing does.
        let stale = Some(probe(false, None, -1_000));
        assert_eq!(v(stale.clone(), calls(0, 0, 0)), Verdict::Unknown);
        assert_eq!(v(stale.clone(), calls(3, 0, 0)), Verdict::Up);
        assert_eq!(v(stale, calls(2, 1, 3)), Verdict::Degraded);
        assert_eq!(v(None, calls(0, 0, 0)), Verdict::Unknown);
    }

    #[test]
    fn the_summary_says_what_the_verdict_rests_on() {
        let h = judge(
            Service::Zenodo,
            Some(probe(true, Some(200), 60)),
            calls(8, 12, 0),
            at(100),
        );
        assert_eq!(
            h.summary,
            "Zenodo: degraded (probe answered 200 in 35 ms, 40 s ago from w1); \
             of the last 20 calls, 8 answered 2xx/3xx, 12 answered 5xx"
        );
        let h = judge(Service::Merritt, None, RecentCalls::default(), at(100));
        assert_eq!(
            h.summary,
            "Merritt: unknown (never probed: is a worker running?); no recent calls"
        );
        assert_eq!(
            calls(1, 1, 1).last_failure.as_deref(),
            Some("503 unavailable")
        );
    }
}
