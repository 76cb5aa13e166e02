//! Control while running: `longjobs queues set` (limits), `longjobs kinds` (pause a job
//! kind) and `longjobs workers quiet|resume|stop`.

use clap::Subcommand;
use longjobs_openapi as wire;
use reqwest::Method;

use crate::client::Client;
use crate::table::render;

/// A limit as given on the command line: a value, or `none` to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit<T> {
    Set(T),
    None,
}

/// `3`, or `none`.
pub fn parse_concurrency(s: &str) -> Result<Limit<i32>, String> {
    if s == "none" {
        return Ok(Limit::None);
    }
    match s.parse::<i32>() {
        Ok(n) if n > 0 => Ok(Limit::Set(n)),
        _ => Err(format!(
            "{s:?} is not a concurrency: give a whole number above 0, or none"
        )),
    }
}

/// `30/min`, `5/s`, `100/h`, `1000/d`, `10/90s` (10 per 90 seconds), or `none`: starts
/// and the period in seconds.
pub fn parse_rate(s: &str) -> Result<Limit<(i32, i32)>, String> {
    if s == "none" {
        return Ok(Limit::None);
    }
    let bad = || {
        format!(
            "{s:?} is not a rate: give starts per period, e.g. 30/min, 5/s, 100/h, 10/90s, or none"
        )
    };
    let (n, per) = s.split_once('/').ok_or_else(bad)?;
    let n: i32 = n.trim().parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
    let secs = match per.trim() {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86_400,
        other => other
            .strip_suffix('s')
            .and_then(|x| x.parse::<i32>().ok())
            .filter(|x| *x > 0)
            .ok_or_else(bad)?,
    };
    Ok(Limit::Set((n, secs)))
}

/// The limits after applying the given changes to the current ones (unchanged if not given).
pub fn merged(
    current: Option<&wire::QueueInfo>,
    concurrency: Option<Limit<i32>>,
    rate: Option<Limit<(i32, i32)>>,
) -> wire::QueueLimits {
    let mut l = wire::QueueLimits {
        concurrency: current.and_then(|q| q.concurrency),
        rate_limit: current.and_then(|q| q.rate_limit),
        rate_period_secs: current.and_then(|q| q.rate_period_secs),
    };
    match concurrency {
        Some(Limit::Set(n)) => l.concurrency = Some(n),
        Some(Limit::None) => l.concurrency = None,
        None => {}
    }
    match rate {
        Some(Limit::Set((n, secs))) => {
            l.rate_limit = Some(n);
            l.rate_period_secs = Some(secs);
        }
        Some(Limit::None) => {
            l.rate_limit = None;
            l.rate_period_secs = None;
        }
        None => {}
    }
    l
}

/// How a queue's limits read: "concurrency 3, 30 per 60 s", or "none".
pub fn limits_text(q: &wire::QueueInfo) -> String {
    let mut parts = Vec::new();
    if let Some(n) = q.concurrency {
        parts.push(format!("concurrency {n}"));
    }
    if let Some(n) = q.rate_limit {
        parts.push(format!("{n} per {} s", q.rate_period_secs.unwrap_or(60)));
    }
    if parts.is_empty() {
        "none".to_string()
    } else {
        parts.join(", ")
    }
}

/// Sets a queue's limits, keeping the one not given.
pub async fn set_limits(
    api: &Client,
    name: &str,
    concurrency: Option<Limit<i32>>,
    rate: Option<Limit<(i32, i32)>>,
) -> anyhow::Result<wire::QueueInfo> {
    anyhow::ensure!(
        concurrency.is_some() || rate.is_some(),
        "give --concurrency, --rate or both (none removes a limit)"
    );
    let queues: Vec<wire::QueueInfo> = api.get("/api/queues", &[]).await?;
    let body = merged(queues.iter().find(|q| q.name == name), concurrency, rate);
    api.send(
        Method::PUT,
        &format!("/api/queues/{name}/limits"),
        &[],
        Some(&body),
    )
    .await
}

#[derive(Subcommand, Debug)]
pub enum KindsCmd {
    /// Job kinds the workers run or an operator paused.
    List,
    /// Stop workers claiming jobs of a kind, in every queue; running ones finish.
    Pause { kind: String },
    /// Let workers claim jobs of a kind again.
    Resume { kind: String },
}

pub async fn kinds(api: &Client, out: &crate::output::Output, cmd: KindsCmd) -> anyhow::Result<()> {
    let (kind, verb, done) = match cmd {
        KindsCmd::List => {
            let ks: Vec<wire::KindInfo> = api.get("/api/kinds", &[]).await?;
            return out.show(&ks, || {
                render(
                    &["KIND", "PAUSED", "BY", "LIVE WORKERS"],
                    &ks.iter()
                        .map(|k| {
                            vec![
                                k.kind.clone(),
                                if k.paused { "yes" } else { "no" }.to_string(),
                                k.paused_by.clone().unwrap_or_default(),
                                k.workers.to_string(),
                            ]
                        })
                        .collect::<Vec<_>>(),
                )
            });
        }
        KindsCmd::Pause { kind } => (kind, "pause", "paused"),
        KindsCmd::Resume { kind } => (kind, "resume", "resumed"),
    };
    let k: wire::KindInfo = api
        .post(
            &format!("/api/kinds/{kind}/{verb}"),
            &serde_json::Map::new(),
        )
        .await?;
    out.show(&k, || format!("kind {} {done}\n", k.kind))
}

#[derive(Subcommand, Debug)]
pub enum WorkersCmd {
    /// The worker registry (the default).
    List,
    /// Stop a worker claiming jobs; its running jobs finish (at its next heartbeat).
    Quiet { id: String },
    /// Let a quiet worker claim jobs again.
    Resume { id: String },
    /// Stop a worker as SIGTERM does: running jobs finish within its grace period or are
    /// handed back, then it exits.
    Stop { id: String },
}

/// Sends a worker a command; `None` for `list`.
pub async fn command_worker(
    api: &Client,
    cmd: &WorkersCmd,
) -> anyhow::Result<Option<(wire::WorkerInfo, &'static str)>> {
    let (id, verb, done) = match cmd {
        WorkersCmd::List => return Ok(None),
        WorkersCmd::Quiet { id } => (id, "quiet", "quieted: it claims no more jobs"),
        WorkersCmd::Resume { id } => (id, "resume", "resumed: it claims jobs again"),
        WorkersCmd::Stop { id } => (
            id,
            "stop",
            "stopping: it finishes or hands back its jobs, then exits",
        ),
    };
    let w: wire::WorkerInfo = api
        .post(
            &format!("/api/workers/{id}/{verb}"),
            &serde_json::Map::new(),
        )
        .await?;
    Ok(Some((w, done)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_starts_per_period() {
        assert_eq!(parse_rate("30/min"), Ok(Limit::Set((30, 60))));
        assert_eq!(parse_rate("5/s"), Ok(Limit::Set((5, 1))));
        assert_eq!(parse_rate("100/h"), Ok(Limit::Set((100, 3600))));
        assert_eq!(parse_rate("1000/day"), Ok(Limit::Set((1000, 86_400))));
        assert_eq!(parse_rate("10/90s"), Ok(Limit::Set((10, 90))));
        assert_eq!(parse_rate("none"), Ok(Limit::None));
        for bad in [
            "30",
            "0/min",
            "-1/min",
            "30/fortnight",
            "30/0s",
            "x/min",
            "",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(parse_concurrency("3"), Ok(Limit::Set(3)));
        assert_eq!(parse_concurrency("none"), Ok(Limit::None));
        assert!(parse_concurrency("0").is_err());
    }

    #[test]
    fn a_limit_not_given_is_kept() {
        let q = wire::QueueInfo {
            name: "zenodo".into(),
            paused: false,
            paused_at: None,
            paused_by: None,
            counts: vec![],
            total: 0,
            concurrency: Some(3),
            rate_limit: Some(30),
            rate_period_secs: Some(60),
            served: true,
            unserved_jobs: 0,
            unserved_kinds: vec![],
        };
        let l = merged(Some(&q), Some(Limit::Set(5)), None);
        assert_eq!(
            (l.concurrency, l.rate_limit, l.rate_period_secs),
            (Some(5), Some(30), Some(60))
        );
        let l = merged(Some(&q), None, Some(Limit::None));
        assert_eq!(
            (l.concurrency, l.rate_limit, l.rate_period_secs),
            (Some(3), None, None)
        );
        let l = merged(None, None, Some(Limit::Set((30, 60))));
        assert_eq!((l.concurrency, l.rate_limit), (None, Some(30)));
    }
}
