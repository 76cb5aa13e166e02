//! Operator actions on the whole stack (the real server, worker and simulators): the daily
//! retry as a periodic job (listed with its schedule, run now, paused, resumed), giving up
//! on a Merritt submission, and a submission's request log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::{Duration, Instant};

use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::{Value, json};
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    the_daily_retry_is_a_periodic_job_operators_run_now_pause_and_resume,
    a_waiting_submission_is_given_up_and_never_sent,
    a_submission_keeps_its_request_log_without_credentials,
    remote_health_reads_the_workers_probe_and_the_recent_calls,
}

const DAILY: &str = "zenodo.retry_errors";

async fn periodic(s: &Stack, name: &str) -> Value {
    let all = s.get("/api/periodic").await;
    all.as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} is not listed: {all}"))
}

async fn audit_actions(s: &Stack) -> Vec<(String, String)> {
    let page = s.get("/api/audit?limit=100").await;
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn the_daily_retry_is_a_periodic_job_operators_run_now_pause_and_resume(s: Stack) {
    // The worker wrote the row from its settings at start-up (03:00 UTC by default).
    let deadline = Instant::now() + Duration::from_secs(30);
    let p = loop {
        let all = s.get("/api/periodic").await;
        if let Some(p) = all.as_array().unwrap().iter().find(|p| p["name"] == DAILY) {
            break p.clone();
        }
        assert!(Instant::now() < deadline, "the worker never wrote {DAILY}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(p["schedule"], "daily 03:00");
    assert_eq!(p["schedule_text"], "daily at 03:00 UTC");
    assert_eq!(p["queue"], "zenodo");
    assert_eq!(p["paused"], false);
    assert!(
        p["last_run_at"].is_null() && p["last_job_id"].is_null(),
        "{p}"
    );
    let next = chrono::DateTime::parse_from_rfc3339(p["next_run_at"].as_str().unwrap()).unwrap();
    let until = next.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        until > chrono::TimeDelta::zero() && until <= chrono::TimeDelta::days(1),
        "next run {next} is not the next 03:00 UTC"
    );
    assert_eq!(next.format("%H:%M:%S").to_string(), "03:00:00");

    // A copy in error, below the retry limit: "run now" resends it through the real worker.
    s.sim
        .set_faults({
            let mut f = FaultPlan::default();
            f.routes.insert(
                "zenodo.create".into(),
                RouteFaults {
                    error_rate: 1.0,
                    status: 400,
                    ..Default::default()
                },
            );
            f
        })
        .unwrap();
    let errored = s
        .request_copy(
            "doi:10.5061/dryad.p1",
            1,
            "data",
            vec![s.file("a.csv", 100, 1)],
        )
        .await;
    s.wait_state(errored, "error").await;
    s.sim.set_faults(FaultPlan::default()).unwrap();

    let (st, run) = s
        .post(&format!("/api/periodic/{DAILY}/run"), json!({}))
        .await;
    assert_eq!(st, 200, "{run}");
    let job = run["job_id"].as_i64().unwrap();
    assert_eq!(run["periodic"]["last_job_id"], job);
    assert_eq!(
        run["periodic"]["next_run_at"], p["next_run_at"],
        "the schedule stays"
    );
    s.wait_state(errored, "finished").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = periodic(&s, DAILY).await;
        if now["last_job_state"] == "completed" {
            assert_eq!(now["last_job_id"], job);
            assert!(now["last_run_at"].is_string());
            break;
        }
        assert!(Instant::now() < deadline, "the run never completed: {now}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Pause and resume, audited; unknown names are a 404.
    let (st, paused) = s
        .post(&format!("/api/periodic/{DAILY}/pause"), json!({}))
        .await;
    assert_eq!((st, &paused["paused"]), (200, &json!(true)), "{paused}");
    assert_eq!(periodic(&s, DAILY).await["paused"], true);
    let (st, resumed) = s
        .post(&format!("/api/periodic/{DAILY}/resume"), json!({}))
        .await;
    assert_eq!((st, &resumed["paused"]), (200, &json!(false)), "{resumed}");
    let (st, missing) = s.post("/api/periodic/no.such.job/run", json!({})).await;
    assert_eq!(st, 404, "{missing}");
    let actions = audit_actions(&s).await;
    for action in ["periodic.run", "periodic.pause", "periodic.resume"] {
        assert!(
            actions
                .iter()
                .any(|(a, t)| a == action && t == &format!("periodic {DAILY}")),
            "{action} not audited: {actions:?}"
        );
    }
}

async fn a_waiting_submission_is_given_up_and_never_sent(mut s: Stack) {
    s.stop_worker().await;
    let id = s.request_submission("doi:10.5061/dryad.gu", 41).await;
    let path = format!("/api/merritt/submissions/{id}/give-up");
    let (st, v) = s.post(&path, json!({ "reason": "   " })).await;
    assert_eq!(st, 400, "{v}");
    let (st, v) = s.post(&path, json!({})).await;
    assert_eq!(st, 400, "a reason is required: {v}");

    let (st, v) = s
        .post(&path, json!({ "reason": "the dataset was withdrawn" }))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "given_up");
    let last = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["state"], "given_up");
    assert!(
        last["note"]
            .as_str()
            .unwrap()
            .ends_with(": the dataset was withdrawn"),
        "{last}"
    );
    let job = s.get(&format!("/api/jobs/{}", v["job_id"])).await;
    assert_eq!(job["job"]["state"], "cancelled", "{job}");

    let (st, again) = s.post(&path, json!({ "reason": "twice" })).await;
    assert_eq!(st, 409, "{again}");
    assert!(
        again["detail"]
            .as_str()
            .unwrap()
            .contains("already given up")
    );
    let (st, _) = s
        .post(
            "/api/merritt/submissions/999999/give-up",
            json!({ "reason": "r" }),
        )
        .await;
    assert_eq!(st, 404);
    assert!(
        audit_actions(&s)
            .await
            .contains(&("merritt.give_up".into(), format!("submission {id}")))
    );

    // A completed one cannot be given up.
    s.start_worker();
    let done = s.request_submission("doi:10.5061/dryad.gd", 42).await;
    s.wait_submission(done, "completed").await;
    let (st, v) = s
        .post(
            &format!("/api/merritt/submissions/{done}/give-up"),
            json!({ "reason": "r" }),
        )
        .await;
    assert_eq!(st, 409, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("completed"), "{v}");
    // The given-up one was never deposited; only the completed one reached Merritt.
    assert_eq!(s.sim.snapshot().merritt_submissions.len(), 1);
    assert_eq!(
        s.get(&format!("/api/merritt/submissions/{id}")).await["state"],
        "given_up"
    );
}

async fn a_submission_keeps_its_request_log_without_credentials(mut s: Stack) {
    s.stop_worker().await;
    let mut settings = stack::settings(&s.sim);
    // Credentials in the URL and as settings: neither may reach the log.
    settings.merritt_url = settings
        .merritt_url
        .replacen("http://", "http://dryad:url-s3cret@", 1);
    settings.merritt_user = Some("dryad".into());
    settings.merritt_password = Some("pw-s3cret".into());
    s.start_worker_with(&settings);
    let id = s.request_submission("doi:10.5061/dryad.lg", 43).await;
    s.wait_submission(id, "completed").await;
    let log = s.get(&format!("/api/merritt/submissions/{id}/log")).await;
    let lines = log.as_array().unwrap();
    let text = log.to_string();
    assert!(!text.contains("s3cret"), "credentials in the log: {text}");

    let post = lines
        .iter()
        .position(|l| l["kind"] == "REQUEST" && l["method"] == "POST")
        .unwrap_or_else(|| panic!("no deposit request: {text}"));
    assert!(
        lines[post]["url"]
            .as_str()
            .unwrap()
            .ends_with("/merritt/object/update"),
        "{}",
        lines[post]
    );
    let answer = &lines[post + 1];
    assert_eq!(answer["kind"], "RESPONSE", "{answer}");
    assert_eq!(answer["status"], 200, "{answer}");
    assert!(answer["duration_ms"].as_i64().unwrap() >= 0, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("bat:"),
        "{answer}"
    );
    assert!(
        lines.iter().any(|l| l["method"] == "GET"
            && l["url"]
                .as_str()
                .unwrap()
                .contains("local_id_search?terms=")
            && l["kind"] == "RESPONSE"),
        "the checker's lookups are logged: {text}"
    );

    let (st, _) = s
        .call(
            reqwest::Method::GET,
            "/api/merritt/submissions/999999/log",
            None,
        )
        .await;
    assert_eq!(st, 404);
}

async fn remote(s: &Stack, service: &str, what: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let all = s.get("/api/remotes").await;
        let r = all
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service"] == service)
            .cloned()
            .unwrap_or_else(|| panic!("{service} is not listed: {all}"));
        if ok(&r) {
            return r;
        }
        assert!(Instant::now() < deadline, "{service} never {what}: {r}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn remote_health_reads_the_workers_probe_and_the_recent_calls(mut s: Stack) {
    // The worker probes both services as it starts.
    for service in ["zenodo", "merritt"] {
        let r = remote(&s, service, "was probed", |r| r["probe"]["fresh"] == true).await;
        assert_eq!(r["verdict"], "up", "{r}");
        assert_eq!(r["probe"]["ok"], true, "{r}");
        let status = r["probe"]["status"].as_i64().unwrap();
        assert!((200..300).contains(&status), "{r}");
        let said = format!("probe answered {status} in");
        assert!(r["summary"].as_str().unwrap().contains(&said), "{r}");
    }
    // Zenodo starts answering 503: a copy's calls fail and are retried.
    let mut plan = FaultPlan::default();
    for route in ["zenodo.create", "zenodo.list"] {
        plan.routes.insert(
            route.into(),
            RouteFaults {
                error_rate: 1.0,
                status: 503,
                ..Default::default()
            },
        );
    }
    s.sim.set_faults(plan).unwrap();
    s.request_copy(
        "doi:10.5061/dryad.rh1",
        1,
        "data",
        vec![s.file("a.bin", 100, 1)],
    )
    .await;
    let r = remote(&s, "zenodo", "counted failing calls", |r| {
        r["recent"]["server_errors"].as_i64().unwrap() >= 2
    })
    .await;
    assert!(
        r["recent"]["last_failure"]
            .as_str()
            .unwrap()
            .starts_with("503"),
        "{r}"
    );
    // A worker started now gets 503 from the probe: Zenodo is down, Merritt is not.
    s.stop_worker().await;
    s.start_worker();
    let r = remote(&s, "zenodo", "was judged down", |r| r["verdict"] == "down").await;
    assert_eq!(r["probe"]["status"], 503, "{r}");
    let summary = r["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("Zenodo: down (probe answered 503"),
        "{summary}"
    );
    assert!(summary.contains("answered 5xx"), "{summary}");
    let m = remote(&s, "merritt", "stayed up", |r| r["probe"]["fresh"] == true).await;
    assert_eq!(m["verdict"], "up", "{m}");
    s.sim.set_faults(FaultPlan::default()).unwrap();
}
