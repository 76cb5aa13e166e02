//! Replication scenarios on the whole stack: the real server, worker and simulators.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

mod stack;

use std::time::Duration;

use longjobs_core::testing::{TestDb, url_encode};
use longjobs_sim::{FaultPlan, RouteFaults};
use serde_json::json;
use stack::Stack;

longjobs_core::on_every_database! {
    threads = 4, setup = |t| super::Stack::start(t).await;
    three_versions_of_a_dataset_replicate_in_order,
    a_failed_first_copy_holds_the_next_two_visibly_until_a_resend,
    a_504_storm_ends_in_success_or_a_readable_error_never_a_stuck_copy,
    a_checksum_mismatch_is_caught_and_retried,
    a_merritt_submission_completes_through_the_checker,
    copies_sort_by_any_column_across_pages,
    an_unchanged_version_points_back_and_the_next_version_builds_on_it,
    a_chain_broken_by_a_discarded_draft_is_repaired_by_the_next_attempt,
    a_rate_limit_is_waited_out_as_zenodo_asks_without_spending_an_attempt,
    a_version_equal_to_an_older_one_points_at_that_one,
    a_metadata_only_change_edits_the_published_version_in_place,
    nothing_to_submit_finishes_without_a_deposition,
    a_deposit_merritt_may_have_accepted_is_never_posted_twice,
    imported_work_without_a_manifest_ends_readably_until_the_application_sends_it,
}

const DOI: &str = "doi:10.5061/dryad.t1";

fn plan(route: &str, f: RouteFaults) -> FaultPlan {
    let mut p = FaultPlan::default();
    p.routes.insert(route.to_string(), f);
    p
}

async fn three_versions_of_a_dataset_replicate_in_order(s: Stack) {
    let v1 = vec![s.file("a.csv", 2_000, 1)];
    let v2 = vec![s.file("a.csv", 2_000, 1), s.file("b.csv", 3_000, 2)];
    let v3 = vec![s.file("a.csv", 2_500, 3), s.file("b.csv", 3_000, 2)];
    let ids = [
        s.request_copy(DOI, 1, "data", v1).await,
        s.request_copy(DOI, 2, "data", v2).await,
        s.request_copy(DOI, 3, "data", v3).await,
    ];
    let mut finished_at = Vec::new();
    let mut depositions = Vec::new();
    for id in ids {
        let c = s.wait_state(id, "finished").await;
        finished_at.push(c["copy"]["updated_at"].as_str().unwrap().to_string());
        depositions.push(c["copy"]["deposition_id"].as_i64().unwrap());
        assert_eq!(c["copy"]["attempts"], 1);
        let log = c["log"].to_string();
        assert!(
            !log.contains(s.sim.zenodo_token()),
            "the access token reached the log"
        );
        assert!(log.contains("access_token=***"));
    }
    let mut sorted = finished_at.clone();
    sorted.sort();
    assert_eq!(finished_at, sorted, "copies finished out of order");
    assert!(
        depositions.windows(2).all(|w| w[0] != w[1]),
        "each version is its own Zenodo version: {depositions:?}"
    );
    let v2 = s.copy(ids[1]).await;
    assert!(
        v2["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("1 uploaded, 0 deleted; published"),
        "{}",
        v2["copy"]["note"]
    );
    let v3 = s.copy(ids[2]).await;
    assert!(
        v3["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("1 uploaded, 0 deleted; published"),
        "{}",
        v3["copy"]["note"]
    );
    // A fourth version identical to the third is not published again: its draft is dropped.
    let v4 = vec![s.file("a.csv", 2_500, 3), s.file("b.csv", 3_000, 2)];
    let id4 = s.request_copy(DOI, 4, "data", v4).await;
    let c4 = s.wait_state(id4, "finished").await;
    assert!(
        c4["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("unchanged since the previous version"),
        "{}",
        c4["copy"]
    );
}

/// Issue 13's sequence: v1 `a.csv`, v2 the same files, v3 `a.csv` changed. v2 is v1 on
/// Zenodo (same deposition and DOI, with a note), v3 a new version of it; no draft is left.
async fn an_unchanged_version_points_back_and_the_next_version_builds_on_it(s: Stack) {
    let a = s.file("a.csv", 2_000, 1);
    let ids = [
        s.request_copy(DOI, 1, "data", vec![a.clone()]).await,
        s.request_copy(DOI, 2, "data", vec![a]).await,
        s.request_copy(DOI, 3, "data", vec![s.file("a.csv", 2_100, 2)])
            .await,
    ];
    let mut c = Vec::new();
    for id in ids {
        c.push(s.wait_state(id, "finished").await["copy"].clone());
    }
    let v1_dep = c[0]["deposition_id"].as_i64().unwrap();
    assert_eq!(
        c[1]["deposition_id"], v1_dep,
        "v2 is v1 on Zenodo: {}",
        c[1]
    );
    assert_eq!(c[1]["software_doi"], c[0]["software_doi"], "{}", c[1]);
    assert!(
        c[0]["software_doi"]
            .as_str()
            .unwrap()
            .ends_with(&v1_dep.to_string())
    );
    let note = c[1]["note"].as_str().unwrap();
    assert!(
        note.contains("unchanged since the previous version")
            && note.contains(&format!("deposition {v1_dep}")),
        "{note}"
    );
    let v3_dep = c[2]["deposition_id"].as_i64().unwrap();
    assert_ne!(v3_dep, v1_dep);
    assert!(
        c[2]["note"].as_str().unwrap().contains("published"),
        "{}",
        c[2]
    );
    let snap = s.sim.snapshot();
    let concept = snap
        .depositions
        .iter()
        .find(|d| d.id == v1_dep as u64)
        .unwrap()
        .conceptrecid;
    let versions: Vec<_> = snap
        .depositions
        .iter()
        .filter(|d| d.conceptrecid == concept)
        .collect();
    assert_eq!(
        versions.len(),
        2,
        "two versions, no draft left: {versions:?}"
    );
    assert!(versions.iter().all(|d| d.submitted));
    let v3 = versions.iter().find(|d| d.id == v3_dep as u64).unwrap();
    assert_eq!(v3.new_version_of, Some(v1_dep as u64));
}

/// A chain broken before the fix (a finished copy naming the draft its version discarded)
/// does not stay stuck on Zenodo's 404: the next attempt looks further back, builds on the
/// last published deposition and points the broken copy at it.
async fn a_chain_broken_by_a_discarded_draft_is_repaired_by_the_next_attempt(s: Stack) {
    let a = s.file("a.csv", 2_000, 1);
    let v1 = s.request_copy(DOI, 1, "data", vec![a.clone()]).await;
    let v2 = s.request_copy(DOI, 2, "data", vec![a]).await;
    let v1_dep = s.wait_state(v1, "finished").await["copy"]["deposition_id"]
        .as_i64()
        .unwrap();
    s.wait_state(v2, "finished").await;
    // As the old code left it: v2 names the draft it deleted.
    let gone = v1_dep + 1_000;
    s.t.db
        .run(move |c| {
            use diesel::prelude::*;
            use longjobs_core::schema::zenodo_copies;
            longjobs_core::with_conn!(c, |c| diesel::update(zenodo_copies::table.find(v2))
                .set((
                    zenodo_copies::deposition_id.eq(Some(gone)),
                    zenodo_copies::note.eq("unchanged since the previous version, draft discarded"),
                ))
                .execute(c))
        })
        .await
        .unwrap();
    let v3 = s
        .request_copy(DOI, 3, "data", vec![s.file("a.csv", 2_100, 2)])
        .await;
    let c3 = s.wait_state(v3, "finished").await;
    assert!(
        c3["log"]
            .to_string()
            .contains(&format!("names deposition {gone}, which no longer exists")),
        "{}",
        c3["log"]
    );
    let c2 = s.copy(v2).await["copy"].clone();
    assert_eq!(c2["deposition_id"], v1_dep, "{c2}");
    assert!(c2["note"].as_str().unwrap().starts_with("repaired"), "{c2}");
    let v3_dep = c3["copy"]["deposition_id"].as_i64().unwrap();
    let snap = s.sim.snapshot();
    let d3 = snap
        .depositions
        .iter()
        .find(|d| d.id == v3_dep as u64)
        .unwrap();
    assert!(d3.submitted);
    assert_eq!(d3.new_version_of, Some(v1_dep as u64));
}

/// Zenodo answers 429 with `Retry-After: 2`: the copy waits at least that long, reads as
/// waiting (not in error), its job's attempt is not spent, and then it finishes.
async fn a_rate_limit_is_waited_out_as_zenodo_asks_without_spending_an_attempt(s: Stack) {
    s.sim
        .set_faults(plan(
            "zenodo.create",
            RouteFaults {
                rate_limit_next: 1,
                retry_after_s: 2,
                ..Default::default()
            },
        ))
        .unwrap();
    let started = std::time::Instant::now();
    let id = s
        .request_copy(DOI, 1, "data", vec![s.file("a.csv", 500, 1)])
        .await;
    let waiting = s
        .wait_copy(
            id,
            Duration::from_secs(10),
            "waiting on the rate limit",
            |c| {
                c["note"]
                    .as_str()
                    .is_some_and(|n| n.contains("rate limited"))
            },
        )
        .await;
    assert_eq!(waiting["copy"]["state"], "enqueued", "{}", waiting["copy"]);
    let c = s.wait_state(id, "finished").await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "finished before Retry-After passed: {:?}",
        started.elapsed()
    );
    assert_eq!(
        c["job"]["job"]["attempt"], 1,
        "the 429 spent an attempt: {}",
        c["job"]
    );
    assert!(
        c["log"].to_string().contains("answered 429"),
        "{}",
        c["log"]
    );
}

/// v1 `a.csv`, v2 `b.csv`, v3 `a.csv` again: Zenodo refuses v3 (files must differ from
/// every earlier version), so v3 is v1 on Zenodo; v4 builds on it and publishes.
async fn a_version_equal_to_an_older_one_points_at_that_one(s: Stack) {
    let a = s.file("a.csv", 2_000, 1);
    let ids = [
        s.request_copy(DOI, 1, "data", vec![a.clone()]).await,
        s.request_copy(DOI, 2, "data", vec![s.file("b.csv", 1_000, 2)])
            .await,
        s.request_copy(DOI, 3, "data", vec![a]).await,
        s.request_copy(DOI, 4, "data", vec![s.file("c.csv", 900, 3)])
            .await,
    ];
    let mut c = Vec::new();
    for id in ids {
        c.push(s.wait_state(id, "finished").await["copy"].clone());
    }
    assert_eq!(c[2]["deposition_id"], c[0]["deposition_id"], "{}", c[2]);
    assert!(
        c[2]["note"]
            .as_str()
            .unwrap()
            .contains("unchanged since the previous version"),
        "{}",
        c[2]
    );
    let snap = s.sim.snapshot();
    assert!(
        snap.depositions.iter().all(|d| d.submitted),
        "a draft was left behind"
    );
    let v4 = snap
        .depositions
        .iter()
        .find(|d| Some(d.id as i64) == c[3]["deposition_id"].as_i64())
        .unwrap();
    assert_eq!(v4.files.len(), 1);
    assert_eq!(v4.files[0].key, "c.csv");
}

/// v2 has v1's files and a new title: the published v1 is edited in place (edit, PUT
/// metadata, publish) — no new version, no upload.
async fn a_metadata_only_change_edits_the_published_version_in_place(s: Stack) {
    let a = s.file("a.csv", 2_000, 1);
    let v1 = s.request_copy(DOI, 1, "data", vec![a.clone()]).await;
    let d1 = s.wait_state(v1, "finished").await["copy"]["deposition_id"]
        .as_i64()
        .unwrap();
    let mut metadata = stack::metadata();
    metadata["title"] = json!("Data from: a study of long jobs (corrected title)");
    let (st, v) = s
        .post(
            "/api/zenodo/copies",
            json!({ "identifier": DOI, "resource_id": 2, "copy_type": "data", "metadata": metadata, "files": [a] }),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let c = s.wait_state(v["id"].as_i64().unwrap(), "finished").await;
    assert_eq!(c["copy"]["deposition_id"], d1, "{}", c["copy"]);
    assert!(
        c["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("metadata-only change"),
        "{}",
        c["copy"]
    );
    let snap = s.sim.snapshot();
    assert_eq!(snap.depositions.len(), 1, "no new version");
    let d = &snap.depositions[0];
    assert!(d.submitted && d.published.is_some());
    assert_eq!(
        d.published.as_ref().unwrap().metadata["title"],
        json!("Data from: a study of long jobs (corrected title)")
    );
    assert_eq!(snap.requests["zenodo.upload"], 1, "file traffic");
    assert_eq!(snap.requests["zenodo.newversion"], 0);
    assert_eq!(snap.requests["zenodo.edit"], 1);
}

/// A copy with no files and nothing before it: finished, no deposition created.
async fn nothing_to_submit_finishes_without_a_deposition(s: Stack) {
    let id = s.request_copy(DOI, 1, "software_publish", vec![]).await;
    let c = s.wait_state(id, "finished").await;
    assert!(c["copy"]["deposition_id"].is_null(), "{}", c["copy"]);
    assert!(
        c["copy"]["note"]
            .as_str()
            .unwrap()
            .starts_with("nothing to submit"),
        "{}",
        c["copy"]
    );
    let snap = s.sim.snapshot();
    assert!(snap.depositions.is_empty());
    assert_eq!(snap.requests["zenodo.create"], 0);
}

/// Merritt carries the deposit out but the answer is lost (a gateway's 504): the retry does
/// not post the version again; it asks Merritt, and the checker completes it. One ingest.
async fn a_deposit_merritt_may_have_accepted_is_never_posted_twice(s: Stack) {
    s.sim
        .set_faults(plan(
            "merritt.update",
            RouteFaults {
                storm_next: 1,
                commit_then_fail: true,
                ..Default::default()
            },
        ))
        .unwrap();
    let id = s.request_submission("doi:10.5061/dryad.m8", 7).await;
    let done = s.wait_submission(id, "completed").await;
    let history = done["history"].to_string();
    assert!(
        history.contains("Merritt may have accepted it"),
        "{history}"
    );
    assert!(history.contains("not sent again"), "{history}");
    let snap = s.sim.snapshot();
    assert_eq!(
        snap.merritt_submissions.len(),
        1,
        "Merritt got the version twice"
    );
    assert_eq!(snap.requests["merritt.update"], 1);
    assert_eq!(snap.merritt_objects[0].version_number, 1);
}

async fn a_failed_first_copy_holds_the_next_two_visibly_until_a_resend(s: Stack) {
    // Zenodo refuses every deposition for now: a 4xx is permanent.
    s.sim
        .set_faults(plan(
            "zenodo.create",
            RouteFaults {
                error_rate: 1.0,
                status: 400,
                ..Default::default()
            },
        ))
        .unwrap();
    let first = s
        .request_copy(DOI, 1, "data", vec![s.file("a.csv", 100, 1)])
        .await;
    let second = s
        .request_copy(DOI, 2, "data", vec![s.file("a.csv", 100, 2)])
        .await;
    let third = s
        .request_copy(DOI, 3, "data", vec![s.file("a.csv", 100, 3)])
        .await;
    let failed = s.wait_state(first, "error").await;
    assert!(
        failed["copy"]["last_error"]
            .as_str()
            .unwrap()
            .contains("answered 400"),
        "{}",
        failed["copy"]
    );
    assert!(failed["log"].to_string().contains("final failure"));
    // The copy's state is written by the handler; its job's by the completer a moment later.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut job_state = failed["job"]["job"]["state"].clone();
    while job_state != "discarded" && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        job_state = s.copy(first).await["job"]["job"]["state"].clone();
    }
    assert_eq!(job_state, "discarded");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page = s.get(&format!("/api/zenodo/copies?identifier={DOI}")).await;
    for c in page["copies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] != first)
    {
        assert_eq!(
            c["state"], "enqueued",
            "a later copy ran or failed because of its predecessor: {c}"
        );
        assert_eq!(c["waiting_on"], first, "{c}");
        assert_eq!(c["attempts"], 0);
    }
    // Resending the second is refused: its predecessor is unfinished.
    let (st, v) = s
        .post(&format!("/api/zenodo/copies/{second}/resend"), json!({}))
        .await;
    assert_eq!(st, 409);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .starts_with(&format!("prerequisite: copy #{first}")),
        "{v}"
    );
    // Zenodo is back; resend the first: all three finish, in order.
    s.sim.set_faults(FaultPlan::default()).unwrap();
    let (st, v) = s
        .post(&format!("/api/zenodo/copies/{first}/resend"), json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["requeued"], json!([first, second, third]));
    let (st, v) = s
        .post(&format!("/api/zenodo/copies/{first}/resend"), json!({}))
        .await;
    assert_eq!(
        st, 409,
        "a second resend while the job is live must be refused: {v}"
    );
    assert!(
        v["detail"].as_str().unwrap().starts_with("in runner"),
        "{v}"
    );
    let mut times = Vec::new();
    for id in [first, second, third] {
        times.push(
            s.wait_state(id, "finished").await["copy"]["updated_at"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    let audit = s.get("/api/audit?action=zenodo.resend").await;
    assert_eq!(audit["entries"].as_array().unwrap().len(), 3);
}

async fn a_504_storm_ends_in_success_or_a_readable_error_never_a_stuck_copy(s: Stack) {
    s.sim
        .set_faults(plan(
            "zenodo.upload",
            RouteFaults {
                storm_next: 2,
                status: 504,
                ..Default::default()
            },
        ))
        .unwrap();
    let weathered = s
        .request_copy(DOI, 1, "data", vec![s.file("a.csv", 500, 1)])
        .await;
    let c = s.wait_state(weathered, "finished").await;
    assert_eq!(
        c["copy"]["attempts"], 3,
        "two 504s, then success: {}",
        c["copy"]
    );
    assert_eq!(c["log"].to_string().matches("answered 504").count(), 2);

    // A storm that outlasts every attempt ends as a readable error, not `replicating`.
    s.sim
        .set_faults(plan(
            "zenodo.upload",
            RouteFaults {
                storm_next: 1_000,
                status: 504,
                ..Default::default()
            },
        ))
        .unwrap();
    let drowned = s
        .request_copy(
            "doi:10.5061/dryad.t2",
            2,
            "data",
            vec![s.file("a.csv", 500, 1)],
        )
        .await;
    let c = s
        .wait_copy(
            drowned,
            Duration::from_secs(60),
            "error after all attempts",
            |c| c["state"] == "error" && c["note"] == "final failure",
        )
        .await;
    assert_eq!(c["copy"]["attempts"], 5);
    assert!(
        c["copy"]["last_error"]
            .as_str()
            .unwrap()
            .contains("answered 504")
    );
    // The last attempt marks the copy in error while it still runs; the worker writes the
    // job's own outcome just after.
    let c = s
        .wait_view(drowned, Duration::from_secs(10), "its job finished", |c| {
            c["job"]["job"]["state"] != "running"
        })
        .await;
    assert_eq!(c["job"]["job"]["state"], "discarded");
}

async fn a_checksum_mismatch_is_caught_and_retried(s: Stack) {
    s.sim
        .set_faults(FaultPlan {
            corrupt_checksums: 1,
            ..Default::default()
        })
        .unwrap();
    let id = s
        .request_copy(DOI, 1, "data", vec![s.file("a.csv", 1_000, 9)])
        .await;
    let c = s.wait_state(id, "finished").await;
    assert_eq!(c["copy"]["attempts"], 2);
    let log = c["log"].to_string();
    assert!(log.contains("checksum mismatch"), "{log}");
    assert!(
        log.contains("deleted from the draft after its checksum failed"),
        "{log}"
    );
}

async fn a_merritt_submission_completes_through_the_checker(s: Stack) {
    let id = s.request_submission("doi:10.5061/dryad.m7", 7).await;
    let done = s.wait_submission(id, "completed").await;
    assert!(done["ark"].as_str().unwrap().starts_with("ark:/"), "{done}");
    let states: Vec<&str> = done["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["state"].as_str().unwrap())
        .collect();
    assert_eq!(
        states,
        vec![
            "enqueued",
            "processing",
            "provisional_complete",
            "completed"
        ]
    );
    assert!(
        done["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| !h["host"].as_str().unwrap().is_empty())
    );
    let status = s.get("/api/merritt/status").await;
    assert_eq!(
        (
            status["completed_last_24h"].as_i64(),
            status["queue_length"].as_i64()
        ),
        (Some(1), Some(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_zenodo_would_refuse_are_a_clear_400_not_a_failed_job() {
    let s = Stack::start(TestDb::sqlite().await.unwrap()).await;
    let req = |files: serde_json::Value, metadata: serde_json::Value| json!({ "identifier": DOI, "resource_id": 1, "copy_type": "data", "metadata": metadata, "files": files });
    let empty = json!([{ "name": "a", "size": 0, "md5": "d41d8cd98f00b204e9800998ecf8427e", "url": "http://x/a" }]);
    let (st, v) = s
        .post("/api/zenodo/copies", req(empty, stack::metadata()))
        .await;
    assert_eq!(st, 400);
    assert!(v["detail"].as_str().unwrap().contains("zero-length"), "{v}");
    let many: Vec<_> = (0..101).map(|i| json!({ "name": format!("f{i}"), "size": 1, "md5": "0".repeat(32), "url": "http://x/f" })).collect();
    let (st, v) = s
        .post("/api/zenodo/copies", req(json!(many), stack::metadata()))
        .await;
    assert_eq!(st, 400, "{v}");
    let one = json!([{ "name": "a", "size": 1, "md5": "0".repeat(32), "url": "http://x/a" }]);
    let (st, v) = s
        .post(
            "/api/zenodo/copies",
            req(one.clone(), json!({ "title": "t" })),
        )
        .await;
    assert_eq!(st, 400);
    let detail = v["detail"].as_str().unwrap();
    assert!(
        detail.contains("metadata.upload_type") && detail.contains("metadata.creators"),
        "{detail}"
    );
    // Issue 13: a supp copy of a publication without its publication_type was accepted
    // (201) and failed as a job on Zenodo's 400. So were these.
    for (extra, field) in [
        (
            json!({ "upload_type": "publication" }),
            "metadata.publication_type",
        ),
        (json!({ "upload_type": "image" }), "metadata.image_type"),
        (
            json!({ "access_right": "embargoed", "embargo_date": "2001-02-03" }),
            "metadata.embargo_date",
        ),
        (
            json!({ "access_right": "restricted" }),
            "metadata.access_conditions",
        ),
        (
            json!({ "access_right": "open", "license": null }),
            "metadata.license",
        ),
        (
            json!({ "creators": [{ "affiliation": "UC" }] }),
            "metadata.creators",
        ),
    ] {
        let mut m = stack::metadata();
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        let mut body = req(one.clone(), m);
        body["copy_type"] = json!("supp");
        let (st, v) = s.post("/api/zenodo/copies", body).await;
        assert_eq!(st, 400, "{extra}: {v}");
        assert!(
            v["detail"].as_str().unwrap().contains(field),
            "{field}: {v}"
        );
    }
    let huge = json!([{ "name": "a", "size": 60_000_000_000_i64, "md5": "0".repeat(32), "url": "http://x/a" }]);
    let (st, v) = s
        .post("/api/zenodo/copies", req(huge, stack::metadata()))
        .await;
    assert_eq!(st, 400);
    assert!(v["detail"].as_str().unwrap().contains("50 GB"), "{v}");
    let (st, _) = s
        .post("/api/zenodo/copies", req(one.clone(), stack::metadata()))
        .await;
    assert_eq!(st, 201);
    let (st, v) = s
        .post("/api/zenodo/copies", req(one, stack::metadata()))
        .await;
    assert_eq!(st, 409, "one copy per type per resource: {v}");
    let jobs = s.get("/api/jobs?queue=zenodo").await;
    assert_eq!(
        jobs["jobs"].as_array().unwrap().len(),
        1,
        "a refused request made a job"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reset_stalled_and_the_daily_retry_need_no_hand_edited_rows() {
    let s = Stack::start(TestDb::postgres().await.unwrap()).await;
    // A permanent refusal puts a software copy in error (the old daily retry skipped these).
    s.sim
        .set_faults(plan(
            "zenodo.create",
            RouteFaults {
                error_rate: 1.0,
                status: 400,
                ..Default::default()
            },
        ))
        .unwrap();
    let errored = s
        .request_copy(DOI, 1, "software", vec![s.file("code.zip", 100, 1)])
        .await;
    s.wait_copy(errored, Duration::from_secs(30), "error", |c| {
        c["state"] == "error" && c["note"] == "final failure"
    })
    .await;
    s.sim.set_faults(FaultPlan::default()).unwrap();

    // A copy shown as replicating whose job is gone (its worker's row was deleted by hand in
    // the old system; here the job simply no longer exists).
    let stalled = s
        .request_copy(
            "doi:10.5061/dryad.st",
            2,
            "data",
            vec![s.file("a.csv", 100, 2)],
        )
        .await;
    s.wait_state(stalled, "finished").await;
    s.t.db
        .run(move |c| {
            use diesel::prelude::*;
            use longjobs_core::schema::zenodo_copies;
            longjobs_core::with_conn!(c, |c| diesel::update(zenodo_copies::table.find(stalled))
                .set((
                    zenodo_copies::state.eq("replicating"),
                    zenodo_copies::job_id.eq(Some(987_654_i64))
                ))
                .execute(c))
        })
        .await
        .unwrap();
    let (st, v) = s.post("/api/zenodo/reset-stalled", json!({})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["reset"], json!([stalled]));
    let c = s.copy(stalled).await;
    assert_eq!(c["copy"]["state"], "error");
    assert!(
        c["copy"]["note"]
            .as_str()
            .unwrap()
            .contains("job #987654 no longer exists"),
        "{}",
        c["copy"]
    );
    // The live copy is never reset.
    let (_, again) = s.post("/api/zenodo/reset-stalled", json!({})).await;
    assert_eq!(again["reset"], json!([]));

    // The daily retry (run now, as the workers' scheduler runs it at its time of day; once
    // per run whatever the number of workers: `backend/core/tests/periodic.rs`) resends
    // every copy type in error below the limit.
    let (st, v) = s
        .post("/api/periodic/zenodo.retry_errors/run", json!({}))
        .await;
    assert_eq!(st, 200, "{v}");
    let c = s.wait_state(errored, "finished").await;
    assert_eq!(c["copy"]["attempts"], 2);
    let c = s.wait_state(stalled, "finished").await;
    assert!(c["copy"]["attempts"].as_i64().unwrap() >= 2);
}

/// Every sortable column, both directions, paged two at a time: the pages join up into the
/// whole set in the column's order (ties by id), and a cursor only works with its own sort.
async fn copies_sort_by_any_column_across_pages(mut s: Stack) {
    s.stop_worker().await;
    // (identifier, resource, type, file size): sizes repeat to exercise the tie-break.
    let wanted = [
        ("doi:10.5061/dryad.b2", 10, "data", 3_000),
        ("doi:10.5061/dryad.a1", 11, "software", 1_000),
        ("doi:10.5061/dryad.c3", 12, "data", 3_000),
        ("doi:10.5061/dryad.a1", 13, "data", 2_000),
        ("doi:10.5061/dryad.b2", 14, "supp", 5_000),
        ("doi:10.5061/dryad.c3", 15, "software", 1_000),
        ("doi:10.5061/dryad.a1", 16, "supp", 4_000),
    ];
    for (i, (ident, res, kind, size)) in wanted.iter().enumerate() {
        let file = s.file("f.csv", *size, i as u64);
        s.request_copy(ident, *res, kind, vec![file]).await;
    }
    let all = s.get("/api/zenodo/copies?limit=500").await["copies"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), wanted.len());
    let cmp = |a: &serde_json::Value, b: &serde_json::Value| match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.as_str().unwrap().cmp(b.as_str().unwrap()),
    };
    for key in [
        "id",
        "identifier",
        "resource_id",
        "state",
        "copy_type",
        "size",
        "attempts",
        "created_at",
        "updated_at",
    ] {
        for order in ["asc", "desc"] {
            let mut expected = all.clone();
            expected.sort_by(|a, b| cmp(&a[key], &b[key]).then(cmp(&a["id"], &b["id"])));
            if order == "desc" {
                expected.reverse();
            }
            let expected: Vec<i64> = expected.iter().map(|c| c["id"].as_i64().unwrap()).collect();
            let mut got = Vec::new();
            let mut cursor: Option<String> = None;
            for _ in 0..10 {
                let mut path = format!("/api/zenodo/copies?sort={key}&order={order}&limit=2");
                if let Some(c) = &cursor {
                    path.push_str(&format!("&cursor={}", url_encode(c)));
                }
                let page = s.get(&path).await;
                let copies = page["copies"].as_array().unwrap();
                assert!(copies.len() <= 2);
                got.extend(copies.iter().map(|c| c["id"].as_i64().unwrap()));
                assert_eq!(
                    page["next_before"].is_i64(),
                    key == "id" && order == "desc" && page["next_cursor"].is_string(),
                    "next_before is for newest-first pages only: {page}"
                );
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
            }
            assert_eq!(got, expected, "sort={key} order={order}");
        }
    }
    let page = s.get("/api/zenodo/copies?sort=size&limit=2").await;
    let size_cursor = url_encode(page["next_cursor"].as_str().unwrap());
    let (st, v) = s
        .call(
            reqwest::Method::GET,
            &format!("/api/zenodo/copies?sort=identifier&cursor={size_cursor}"),
            None,
        )
        .await;
    assert_eq!(st, 400, "{v}");
    assert!(
        v["detail"].as_str().unwrap().contains("sort by size"),
        "{v}"
    );
    for bad in [
        "size.x.1",
        "size.10",
        "nope.1.2",
        "created_at.yesterday.3",
        "attempts.99999999999.4",
        "id.x",
    ] {
        let sort = bad.split('.').next().unwrap();
        let (st, v) = s
            .call(
                reqwest::Method::GET,
                &format!("/api/zenodo/copies?sort={sort}&cursor={bad}"),
                None,
            )
            .await;
        assert_eq!(st, 400, "{bad}: {v}");
    }
}

/// A MariaDB database holding the tables and rows of the system longjobs replaces (the
/// fixtures of `longjobs import dryad`'s own tests).
struct DryadSource {
    base: String,
    name: String,
}

impl DryadSource {
    fn create() -> Self {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let base = longjobs_core::testing::mysql_base_url();
        let name = format!("dryad_{}", uuid::Uuid::new_v4().simple());
        let mut admin = diesel::MysqlConnection::establish(&base).expect("test MariaDB");
        admin
            .batch_execute(&format!("CREATE DATABASE {name} CHARACTER SET utf8mb4"))
            .unwrap();
        let mut c = diesel::MysqlConnection::establish(&format!("{base}/{name}")).unwrap();
        c.batch_execute(include_str!(
            "../../replication/tests/fixtures/dryad_schema.sql"
        ))
        .unwrap();
        c.batch_execute(include_str!(
            "../../replication/tests/fixtures/dryad_rows.sql"
        ))
        .unwrap();
        DryadSource { base, name }
    }
}

impl Drop for DryadSource {
    fn drop(&mut self) {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        if let Ok(mut admin) = diesel::MysqlConnection::establish(&self.base) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

async fn imported_work_without_a_manifest_ends_readably_until_the_application_sends_it(s: Stack) {
    use longjobs_replication::import;
    let src = DryadSource::create();
    let url = format!("{}/{}", src.base, src.name);
    let report =
        s.t.db
            .run(move |c| {
                use diesel::Connection;
                let mut m = diesel::MysqlConnection::establish(&url).unwrap();
                Ok(import::import_dryad(&mut m, c, false, "importer").unwrap())
            })
            .await
            .unwrap();
    assert_eq!(report.jobs_created, 5, "{}", report.text());

    // Copy #11 (the only software copy of its dataset) runs at once: the old tables held no
    // files for it, so it ends in error saying so, without an attempt at Zenodo.
    let c11 = s
        .wait_view(11, Duration::from_secs(30), "error, its job ended", |v| {
            v["copy"]["state"] == "error" && v["job"]["job"]["state"] == "discarded"
        })
        .await;
    assert_eq!(c11["copy"]["last_error"], import::NO_MANIFEST, "{c11}");
    assert_eq!(c11["copy"]["attempts"], 0, "nothing was sent: {c11}");

    // The application sends that version with its files: the same copy takes them.
    let id = s
        .request_copy(
            "doi:10.5061/dryad.ccc333",
            31,
            "software_publish",
            vec![s.file("code.zip", 1_000, 7)],
        )
        .await;
    assert_eq!(id, 11);
    let done = s.wait_state(11, "finished").await;
    assert!(done["copy"]["deposition_id"].as_i64().is_some(), "{done}");

    // Held submissions put back by a restart end errored for the same reason, never
    // deposited empty.
    let (st, r) = s.post("/api/maintenance/restart", json!({})).await;
    assert_eq!(st, 200, "{r}");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let subs = s.get("/api/merritt/submissions").await["submissions"].clone();
        let me = subs
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == 112)
            .unwrap()
            .clone();
        if me["state"] == "errored" {
            assert_eq!(me["last_error"], import::NO_MANIFEST, "{me}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "held imported submission never ended: {me}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
