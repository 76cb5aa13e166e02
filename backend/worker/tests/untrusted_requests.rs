//! What a request can make the worker do, on the whole stack: fetch only from allowed,
//! public sources (every redirect hop checked), tell nothing of bytes it refused, keep each
//! file name inside its own bucket, keep the Merritt manifest's structure, give up on a
//! stalled transfer, and send a copy under its own job only.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::Duration;

use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::testing::TestDb;
use longjobs_replication::merritt::{self, MerrittFile, SubmissionRequest};
use longjobs_replication::zenodo::{self, CopyRequest, CopyType, ManifestFile};
use longjobs_sim::{FaultPlan, RouteFaults, expected_md5};
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    a_file_url_off_the_source_hosts_fails_the_copy_readably_and_fetches_nothing,
    a_source_name_resolving_to_loopback_is_refused_unless_its_network_is_allowed,
    every_redirect_hop_is_checked_like_the_first_url,
    a_source_sending_other_bytes_leaves_no_digest_of_them_and_no_file_in_the_bucket,
    a_source_announcing_another_length_is_refused_before_any_upload_starts,
    names_with_query_and_fragment_characters_arrive_whole,
    a_hostile_name_stored_before_validation_cannot_reach_another_depositions_bucket,
    two_files_requested_reach_merritt_as_two_and_an_injected_line_reaches_it_never,
    a_stalled_source_frees_its_slot_and_the_attempt_fails_as_transient_with_a_readable_error,
    an_upload_zenodo_does_not_answer_fails_after_the_idle_timeout_and_retries,
    raw_copy_jobs_from_another_route_do_nothing_and_the_copy_is_sent_once,
}

fn log_of(copy: &Value) -> String {
    copy["log"].to_string()
}

fn sim_host(s: &Stack) -> String {
    s.sim.addr().to_string()
}

/// The stack's settings with these source hosts and networks.
fn sources(
    s: &Stack,
    hosts: &[String],
    networks: &[&str],
) -> longjobs_worker::setup::ReplicationSettings {
    let mut r = stack::settings(&s.sim);
    r.source_hosts = hosts.to_vec();
    r.source_private_networks = networks.iter().map(|n| n.to_string()).collect();
    r
}

async fn restart_worker(s: &mut Stack, settings: &longjobs_worker::setup::ReplicationSettings) {
    s.stop_worker().await;
    s.start_worker_with(settings);
}

fn requests_of(s: &Stack, route: &str) -> u64 {
    s.sim.snapshot().requests.get(route).copied().unwrap_or(0)
}

/// The copy once it is in error for good and its job has ended (the copy's state is
/// written before the job is marked discarded).
async fn failed_for_good(s: &Stack, id: i64) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let c = s.copy(id).await;
        if c["copy"]["state"] == "error"
            && c["copy"]["note"] == "final failure"
            && c["job"]["job"]["state"] == "discarded"
        {
            return c;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "copy {id} never failed for good: {}\njob: {}\nlog: {}",
            c["copy"],
            c["job"]["job"]["state"],
            c["log"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_file_url_off_the_source_hosts_fails_the_copy_readably_and_fetches_nothing(mut s: Stack) {
    let only_storage = sources(&s, &["files.example.org".into()], &[]);
    restart_worker(&mut s, &only_storage).await;
    let id = s
        .request_copy(
            "doi:10.5061/dryad.s1",
            1,
            "data",
            vec![s.file("a.csv", 1_000, 1)],
        )
        .await;
    let c = failed_for_good(&s, id).await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("is not an allowed source host") && error.contains("files.example.org"),
        "{error}"
    );
    assert_eq!(c["copy"]["attempts"], 1, "a refusal is not retried");
    assert_eq!(c["job"]["job"]["state"], "discarded");
    assert_eq!(requests_of(&s, "files.get"), 0, "the source was fetched");
}

async fn a_source_name_resolving_to_loopback_is_refused_unless_its_network_is_allowed(
    mut s: Stack,
) {
    let port = s.sim.addr().port();
    let url = |n: &str| format!("http://localhost:{port}/files/{n}?size=1000&seed=1");
    let file =
        |n: &str| json!({ "name": n, "size": 1000, "md5": expected_md5(1000, 1), "url": url(n) });
    let listed_but_private = sources(&s, &[format!("localhost:{port}")], &[]);
    restart_worker(&mut s, &listed_but_private).await;
    let refused = s
        .request_copy("doi:10.5061/dryad.s2", 1, "data", vec![file("a.csv")])
        .await;
    let c = failed_for_good(&s, refused).await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("localhost is") && error.contains("loopback"),
        "the check is made on the resolved address: {error}"
    );
    assert_eq!(requests_of(&s, "files.get"), 0, "the source was fetched");

    // The operator names the network: the same name is fetched.
    let allowed = sources(
        &s,
        &[format!("localhost:{port}")],
        &["127.0.0.0/8", "::1/128"],
    );
    restart_worker(&mut s, &allowed).await;
    let ok = s
        .request_copy("doi:10.5061/dryad.s2b", 2, "data", vec![file("b.csv")])
        .await;
    s.wait_state(ok, "finished").await;
}

/// A server on loopback that answers every request with a redirect to `target`.
async fn redirector(target: String) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    let ep = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .status(poem::http::StatusCode::FOUND)
            .header("Location", target.clone())
            .finish()
    });
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(ep));
    addr.to_string()
}

async fn every_redirect_hop_is_checked_like_the_first_url(mut s: Stack) {
    let port = s.sim.addr().port();
    let path = "files/r.csv?size=1000&seed=1";
    // Both redirectors are allowed sources; one sends to the simulator under a name that is
    // not on the list, the other under the listed address.
    let to_unlisted = redirector(format!("http://localhost:{port}/{path}")).await;
    let to_listed = redirector(format!("http://127.0.0.1:{port}/{path}")).await;
    let allowed = sources(
        &s,
        &[sim_host(&s), to_unlisted.clone(), to_listed.clone()],
        &["127.0.0.1/32"],
    );
    restart_worker(&mut s, &allowed).await;
    let file = |via: &str| json!({ "name": "r.csv", "size": 1000, "md5": expected_md5(1000, 1), "url": format!("http://{via}/start") });
    let refused = s
        .request_copy("doi:10.5061/dryad.s3", 1, "data", vec![file(&to_unlisted)])
        .await;
    let c = failed_for_good(&s, refused).await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains(&format!("localhost:{port} is not an allowed source host")),
        "{error}"
    );
    assert_eq!(requests_of(&s, "files.get"), 0, "the redirect was followed");
    let followed = s
        .request_copy("doi:10.5061/dryad.s3b", 2, "data", vec![file(&to_listed)])
        .await;
    s.wait_state(followed, "finished").await;
    assert_eq!(requests_of(&s, "files.get"), 1);
}

async fn a_source_sending_other_bytes_leaves_no_digest_of_them_and_no_file_in_the_bucket(s: Stack) {
    let size = 300_000;
    let sent_md5 = expected_md5(size, 2);
    let file = json!({ "name": "a.bin", "size": size, "md5": expected_md5(size, 1), "url": s.sim.file_url("a.bin", size, 2) });
    let id = s
        .request_copy("doi:10.5061/dryad.s4", 1, "data", vec![file])
        .await;
    let c = s
        .wait_copy(id, Duration::from_secs(30), "failed on the md5", |c| {
            c["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("do not match the manifest's md5"))
        })
        .await;
    for place in [log_of(&c), c["copy"]["last_error"].to_string()] {
        assert!(
            !place.contains(&sent_md5),
            "the digest of the source's bytes leaked: {place}"
        );
    }
    let dep = c["copy"]["deposition_id"].as_u64().unwrap();
    let snapshot = s.sim.snapshot();
    let deposition = snapshot.depositions.iter().find(|d| d.id == dep).unwrap();
    assert!(
        deposition.files.is_empty(),
        "the mismatching file arrived whole: {:?}",
        deposition.files
    );
}

async fn a_source_announcing_another_length_is_refused_before_any_upload_starts(s: Stack) {
    let file = json!({ "name": "a.csv", "size": 1000, "md5": expected_md5(1000, 1), "url": s.sim.file_url("a.csv", 2000, 1) });
    let id = s
        .request_copy("doi:10.5061/dryad.s5", 1, "data", vec![file])
        .await;
    let c = s
        .wait_copy(id, Duration::from_secs(30), "failed on the length", |c| {
            c["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("announces"))
        })
        .await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("the source announces 2000 bytes, the manifest says 1000"),
        "{error}"
    );
    assert_eq!(requests_of(&s, "zenodo.upload"), 0, "an upload started");
}

async fn names_with_query_and_fragment_characters_arrive_whole(s: Stack) {
    let names = ["a?x=1", "a#f", "%2e%2e", "b c.csv", "día.csv"];
    let files: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, n)| json!({ "name": n, "size": 500 + i, "md5": expected_md5(500 + i as u64, 7), "url": s.sim.file_url(&format!("f{i}"), 500 + i as u64, 7) }))
        .collect();
    let id = s
        .request_copy("doi:10.5061/dryad.s6", 1, "data", files)
        .await;
    let c = s.wait_state(id, "finished").await;
    assert!(
        c["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("5 uploaded, 0 deleted"),
        "{}",
        c["copy"]["note"]
    );
    let dep = c["copy"]["deposition_id"].as_u64().unwrap();
    let snapshot = s.sim.snapshot();
    let deposition = snapshot.depositions.iter().find(|d| d.id == dep).unwrap();
    let mut keys: Vec<&str> = deposition.files.iter().map(|f| f.key.as_str()).collect();
    let mut want = names.to_vec();
    keys.sort_unstable();
    want.sort_unstable();
    assert_eq!(keys, want);
}

async fn a_hostile_name_stored_before_validation_cannot_reach_another_depositions_bucket(s: Stack) {
    // A software copy stays a draft: its bucket stays writable.
    let victim = s
        .request_copy(
            "doi:10.5061/dryad.v",
            1,
            "software",
            vec![s.file("x.csv", 100, 1)],
        )
        .await;
    let v = s.wait_state(victim, "finished").await;
    let victim_dep = v["copy"]["deposition_id"].as_u64().unwrap();
    let bucket = s
        .sim
        .snapshot()
        .depositions
        .iter()
        .find(|d| d.id == victim_dep)
        .unwrap()
        .bucket_id
        .clone();
    // A row written before names were checked (the API refuses this name now).
    let hostile = format!("..\\{bucket}\\evil.csv");
    let request = CopyRequest {
        metadata: stack::metadata(),
        files: vec![ManifestFile {
            name: hostile.clone(),
            size: 100,
            md5: expected_md5(100, 2),
            url: s.sim.file_url("evil.csv", 100, 2),
        }],
    };
    let (st, v) = s
        .post(
            "/api/zenodo/copies",
            json!({ "identifier": "doi:10.5061/dryad.h", "resource_id": 9, "copy_type": "data", "metadata": stack::metadata(),
                    "files": [{ "name": hostile, "size": 100, "md5": expected_md5(100, 2), "url": s.sim.file_url("evil.csv", 100, 2) }] }),
        )
        .await;
    assert_eq!(st, 400, "{v}");
    let (copy, _) =
        s.t.db
            .run(move |c| {
                zenodo::store::create(c, "doi:10.5061/dryad.h", 2, CopyType::Data, &request)
                    .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))
            })
            .await
            .unwrap();
    let c = failed_for_good(&s, copy.id).await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(error.contains("must be a plain file name"), "{error}");
    let snapshot = s.sim.snapshot();
    let victim_files: Vec<&str> = snapshot
        .depositions
        .iter()
        .find(|d| d.id == victim_dep)
        .unwrap()
        .files
        .iter()
        .map(|f| f.key.as_str())
        .collect();
    assert_eq!(
        victim_files,
        vec!["x.csv"],
        "another copy wrote into this bucket"
    );
}

async fn two_files_requested_reach_merritt_as_two_and_an_injected_line_reaches_it_never(s: Stack) {
    let f = |name: &str, seed: u64| json!({ "url": s.sim.file_url(&format!("m{seed}"), 100, seed), "size": 100, "md5": expected_md5(100, seed), "name": name });
    let injected = format!(
        "a.csv | application/octet-stream\n{} | md5 | {} | 100 | | smuggled.csv",
        s.sim.file_url("m9", 100, 9),
        expected_md5(100, 9)
    );
    let body = |files: Vec<Value>, resource: i64| json!({ "resource_id": resource, "identifier": format!("doi:10.5061/dryad.m{resource}"), "profile": "dryad_ingest", "submitter": "ops", "files": files });
    let (st, v) = s
        .post(
            "/api/merritt/submissions",
            body(vec![f(&injected, 1), f("b.csv", 2)], 1),
        )
        .await;
    assert_eq!(st, 400, "{v}");
    assert!(v["detail"].as_str().unwrap().contains("line breaks"), "{v}");

    let (st, v) = s
        .post(
            "/api/merritt/submissions",
            body(vec![f("a.csv", 1), f("b.csv", 2)], 2),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    // One stored before names were checked: the writer refuses it too.
    let request = SubmissionRequest {
        files: vec![
            MerrittFile {
                url: s.sim.file_url("m1", 100, 1),
                size: 100,
                md5: expected_md5(100, 1),
                name: injected,
            },
            MerrittFile {
                url: s.sim.file_url("m2", 100, 2),
                size: 100,
                md5: expected_md5(100, 2),
                name: "b.csv".into(),
            },
        ],
        profile: "dryad_ingest".into(),
        submitter: "ops".into(),
    };
    let (hostile, _) =
        s.t.db
            .run(move |c| merritt::store::create(c, 3, "doi:10.5061/dryad.m3", &request, "test"))
            .await
            .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let subs = s.get("/api/merritt/submissions").await["submissions"].clone();
        let state = |id: i64| {
            subs.as_array()
                .unwrap()
                .iter()
                .find(|x| x["id"] == id)
                .map(|x| (x["state"].as_str().unwrap().to_string(), x.clone()))
                .unwrap()
        };
        let (clean, _) = state(v["id"].as_i64().unwrap());
        let (bad, bad_row) = state(hostile.id);
        if clean == "completed" && bad == "errored" {
            let error = bad_row["last_error"].as_str().unwrap();
            assert!(
                error.contains("cannot go into the Merritt manifest"),
                "{error}"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "submissions did not end: {subs}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = s.sim.snapshot().merritt_submissions;
    assert_eq!(received.len(), 1, "{received:?}");
    let names: Vec<&str> = received[0]
        .files
        .iter()
        .map(|f| f.file_name.as_str())
        .collect();
    assert_eq!(names, vec!["a.csv", "b.csv"]);
}

async fn a_stalled_source_frees_its_slot_and_the_attempt_fails_as_transient_with_a_readable_error(
    mut s: Stack,
) {
    let mut quick = stack::settings(&s.sim);
    quick.transfer_idle_timeout = Duration::from_millis(500);
    restart_worker(&mut s, &quick).await;
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "files.get".into(),
        RouteFaults {
            stall_ms: 60_000,
            stall_after_bytes: 1_000,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let id = s
        .request_copy(
            "doi:10.5061/dryad.s8",
            1,
            "data",
            vec![s.file("a.bin", 5_000, 1)],
        )
        .await;
    let c = s
        .wait_copy(id, Duration::from_secs(10), "failed on the stall", |c| {
            c["note"]
                .as_str()
                .is_some_and(|n| n.contains("failed; will retry"))
        })
        .await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("a.bin") && error.contains("the source sent nothing for 0.5 s"),
        "{error}"
    );
    // The stalled source gets well again: the retry finishes the copy.
    s.sim.set_faults(FaultPlan::default()).unwrap();
    let done = s.wait_state(id, "finished").await;
    assert!(done["copy"]["attempts"].as_i64().unwrap() >= 2);
}

async fn an_upload_zenodo_does_not_answer_fails_after_the_idle_timeout_and_retries(mut s: Stack) {
    let mut quick = stack::settings(&s.sim);
    quick.transfer_idle_timeout = Duration::from_millis(500);
    restart_worker(&mut s, &quick).await;
    let mut plan = FaultPlan::default();
    plan.routes.insert(
        "zenodo.upload".into(),
        RouteFaults {
            latency_ms: 60_000,
            ..Default::default()
        },
    );
    s.sim.set_faults(plan).unwrap();
    let id = s
        .request_copy(
            "doi:10.5061/dryad.s9",
            1,
            "data",
            vec![s.file("a.bin", 2_000, 1)],
        )
        .await;
    let c = s
        .wait_copy(id, Duration::from_secs(10), "failed on the upload", |c| {
            c["note"]
                .as_str()
                .is_some_and(|n| n.contains("failed; will retry"))
        })
        .await;
    let error = c["copy"]["last_error"].as_str().unwrap();
    assert!(
        error.contains("Zenodo took no bytes and sent no answer for 0.5 s"),
        "{error}"
    );
    s.sim.set_faults(FaultPlan::default()).unwrap();
    s.wait_state(id, "finished").await;
}

async fn raw_copy_jobs_from_another_route_do_nothing_and_the_copy_is_sent_once(mut s: Stack) {
    s.stop_worker().await;
    let id = s
        .request_copy(
            "doi:10.5061/dryad.s10",
            1,
            "data",
            vec![s.file("a.csv", 1_000, 1)],
        )
        .await;
    // Two jobs for the same copy without its unique key, as a raw enqueue would make them;
    // they and the copy's own job are claimed together.
    let raw =
        s.t.db
            .run(move |c| {
                let req =
                    EnqueueRequest::new("zenodo", "zenodo.copy").payload(json!({ "copy_id": id }));
                queue::enqueue_many(c, &[req.clone(), req])
            })
            .await
            .unwrap();
    s.start_worker();
    let c = s.wait_state(id, "finished").await;
    let own = c["copy"]["job_id"].as_i64().unwrap();
    for e in raw {
        let job_id = e.job.id;
        assert_ne!(job_id.0, own);
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let job = loop {
            let job =
                s.t.db
                    .run(move |c| queue::get_job(c, job_id))
                    .await
                    .unwrap()
                    .unwrap();
            if job.state == longjobs_core::JobState::Discarded {
                break job;
            }
            assert!(std::time::Instant::now() < deadline, "{job:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(
            job.errors.contains(&format!("belongs to job #{own}")),
            "{}",
            job.errors
        );
    }
    let depositions = s.sim.snapshot().depositions;
    assert_eq!(
        depositions.len(),
        1,
        "one copy became several depositions: {depositions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_with_names_that_leave_their_bucket_are_a_clear_400() {
    let s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    for name in [
        ".",
        "..",
        "",
        "a/b",
        "..\\other\\x",
        "line\nbreak",
        "tab\there",
        "del\u{7f}",
        &"x".repeat(256),
    ] {
        let (st, v) = s
            .post(
                "/api/zenodo/copies",
                json!({ "identifier": "doi:10.5061/dryad.n", "resource_id": 1, "copy_type": "data", "metadata": stack::metadata(),
                        "files": [{ "name": name, "size": 1, "md5": "0".repeat(32), "url": "https://files.example.org/a" }] }),
            )
            .await;
        assert_eq!(st, 400, "{name:?}: {v}");
        assert!(
            v["detail"].as_str().unwrap().contains("files[0].name"),
            "{v}"
        );
    }
    let jobs = s.get("/api/jobs?queue=zenodo").await;
    assert!(jobs["jobs"].as_array().unwrap().is_empty(), "{jobs}");
}
