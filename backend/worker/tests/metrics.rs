//! Prometheus metrics scraped over HTTP from the real server and a real worker while real
//! Zenodo copies run against the simulator: the counters and gauges move with the work.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::json;
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    scrapes_of_server_and_worker_show_the_counters_moving_as_copies_run,
}

/// The value of the sample `name{labels}` in a Prometheus text page (labels in any order;
/// `None` when absent).
fn sample(page: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    page.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, set) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            if metric != name {
                return None;
            }
            let have: Vec<(&str, &str)> = set
                .split(',')
                .filter(|p| !p.is_empty())
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    Some((k, v.trim_matches('"')))
                })
                .collect();
            let same = have.len() == labels.len() && labels.iter().all(|l| have.contains(l));
            same.then(|| value.parse().ok()).flatten()
        })
}

async fn scrape(http: &reqwest::Client, url: &str, token: Option<&str>) -> String {
    let mut req = http.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200, "GET {url}");
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    resp.text().await.unwrap()
}

/// Scrapes until `pred` holds, failing with the last page after `within`.
async fn scrape_until(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    what: &str,
    pred: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = scrape(http, url, token).await;
        if pred(&page) {
            return page;
        }
        assert!(Instant::now() < deadline, "never saw {what}:\n{page}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn scrapes_of_server_and_worker_show_the_counters_moving_as_copies_run(mut s: Stack) {
    let http = reqwest::Client::new();
    let (addr, _listener) =
        longjobs_worker::metrics::serve("127.0.0.1:0", s.worker_metrics.clone().expect("a worker"))
            .await
            .unwrap();
    let worker_url = format!("http://{addr}/metrics");
    let server_url = format!("{}/metrics", s.api);
    let copy = [("queue", "zenodo"), ("kind", "zenodo.copy")];

    // Before any work: nothing counted yet, every gauge at zero. The slots appear once the
    // worker registered itself, which its task does after this test started it.
    let slots = [("queue", "zenodo")];
    let before = scrape_until(&http, &worker_url, None, "the worker's slots", |p| {
        sample(p, "longjobs_worker_slots", &slots).is_some()
    })
    .await;
    assert_eq!(
        sample(&before, "longjobs_worker_jobs_completed_total", &copy),
        None
    );
    assert_eq!(sample(&before, "longjobs_worker_slots", &slots), Some(3.0));
    assert_eq!(sample(&before, "longjobs_worker_stopping", &[]), Some(0.0));
    let before = scrape(&http, &server_url, Some(&s.token)).await;
    assert_eq!(
        sample(&before, "longjobs_zenodo_copies", &[("state", "finished")]),
        Some(0.0)
    );

    // Two copies that succeed, then one Zenodo refuses for good.
    let a = s
        .request_copy(
            "doi:10.5061/dryad.m1",
            1,
            "data",
            vec![s.file("a.csv", 1_000, 1)],
        )
        .await;
    let b = s
        .request_copy(
            "doi:10.5061/dryad.m2",
            2,
            "data",
            vec![s.file("b.csv", 2_000, 2)],
        )
        .await;
    s.wait_state(a, "finished").await;
    s.wait_state(b, "finished").await;
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "zenodo.create".into(),
        RouteFaults {
            error_rate: 1.0,
            status: 400,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let c = s
        .request_copy(
            "doi:10.5061/dryad.m3",
            3,
            "data",
            vec![s.file("c.csv", 500, 3)],
        )
        .await;
    s.wait_state(c, "error").await;
    s.sim.set_faults(FaultPlan::default()).unwrap();

    // The server sees the jobs finished (written after the worker counted them).
    let zenodo_jobs = |state: &'static str| [("queue", "zenodo"), ("state", state)];
    let server = scrape_until(&http, &server_url, Some(&s.token), "3 finished jobs", |p| {
        sample(p, "longjobs_jobs", &zenodo_jobs("completed")) == Some(2.0)
            && sample(p, "longjobs_jobs", &zenodo_jobs("discarded")) == Some(1.0)
    })
    .await;
    assert_eq!(
        sample(&server, "longjobs_zenodo_copies", &[("state", "finished")]),
        Some(2.0)
    );
    assert_eq!(
        sample(&server, "longjobs_zenodo_copies", &[("state", "error")]),
        Some(1.0)
    );
    assert_eq!(
        sample(&server, "longjobs_jobs", &zenodo_jobs("running")),
        Some(0.0)
    );
    assert_eq!(sample(&server, "longjobs_workers_alive", &[]), Some(1.0));
    assert_eq!(
        sample(&server, "longjobs_notify_events_pending", &[]),
        Some(1.0),
        "the failed copy's notification event"
    );
    assert_eq!(
        sample(
            &server,
            "longjobs_maintenance_switch",
            &[("switch", "hold_merritt")]
        ),
        Some(0.0)
    );

    let worker = scrape_until(&http, &worker_url, None, "a heartbeat", |p| {
        sample(p, "longjobs_worker_heartbeats_total", &[("result", "ok")]).is_some_and(|n| n > 0.0)
    })
    .await;
    assert_eq!(
        sample(&worker, "longjobs_worker_jobs_started_total", &copy),
        Some(3.0)
    );
    assert_eq!(
        sample(&worker, "longjobs_worker_jobs_completed_total", &copy),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &worker,
            "longjobs_worker_jobs_failed_total",
            &[
                ("queue", "zenodo"),
                ("kind", "zenodo.copy"),
                ("outcome", "discard")
            ]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&worker, "longjobs_worker_job_run_seconds_count", &copy),
        Some(3.0)
    );
    assert!(sample(&worker, "longjobs_worker_job_run_seconds_sum", &copy).unwrap() > 0.0);
    assert_eq!(
        sample(
            &worker,
            "longjobs_worker_job_pickup_seconds_count",
            &[("queue", "zenodo")]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &worker,
            "longjobs_worker_running_jobs",
            &[("queue", "zenodo")]
        ),
        Some(0.0)
    );
    assert!(
        sample(
            &worker,
            "longjobs_worker_last_heartbeat_timestamp_seconds",
            &[]
        )
        .unwrap()
            > 1.7e9
    );

    // Drain: the switches show, and the drain is done (nothing runs).
    let (st, v) = s.post("/api/maintenance/drain", json!({})).await;
    assert_eq!(st, 200, "{v}");
    let drained = scrape(&http, &server_url, Some(&s.token)).await;
    for switch in ["hold_merritt", "defer_zenodo"] {
        assert_eq!(
            sample(
                &drained,
                "longjobs_maintenance_switch",
                &[("switch", switch)]
            ),
            Some(1.0),
            "{switch}"
        );
    }
    assert_eq!(sample(&drained, "longjobs_drained", &[]), Some(1.0));
    let (st, v) = s.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(st, 200, "{v}");
    let after = scrape(&http, &server_url, Some(&s.token)).await;
    assert_eq!(sample(&after, "longjobs_drained", &[]), Some(0.0));

    // A stopped worker says so on its own endpoint.
    s.stop_worker().await;
    let stopped = scrape(&http, &worker_url, None).await;
    assert_eq!(sample(&stopped, "longjobs_worker_stopping", &[]), Some(1.0));
}
