//! What the console's pages ask of the API, over a real database (PostgreSQL, SQLite and
//! MariaDB): which job actions apply and why not (and Retry of a completed job refused),
//! the Zenodo list's total of unfinished copies, Merritt submissions searched, sorted and
//! paged with their size, and one dataset's copies and submissions together.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use diesel::prelude::*;
use longjobs_core::JobState;
use longjobs_core::access::Role;
use longjobs_core::schema::jobs;
use longjobs_replication::zenodo::CopyState;
use longjobs_replication::zenodo::store as copies;
use poem::http::Method;
use serde_json::{Value, json};

mod common;
use common::{TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    a_job_says_which_actions_apply_and_retrying_a_completed_one_is_refused,
    the_copies_list_counts_every_copy_its_filters_match,
    submissions_are_searched_sorted_and_paged_with_their_size,
    a_dataset_shows_its_copies_and_submissions_together,
}

fn copy_body(identifier: &str, resource_id: i64, size: i64) -> Value {
    json!({ "identifier": identifier, "resource_id": resource_id, "copy_type": "data",
            "metadata": { "title": "t", "upload_type": "dataset", "description": "d", "creators": [{ "name": "Doe, J" }] },
            "files": [{ "name": "a.csv", "size": size, "md5": "0123456789abcdef0123456789abcdef", "url": "https://files.example.org/a.csv" }] })
}

fn submission_body(identifier: &str, resource_id: i64, sizes: &[i64]) -> Value {
    let files: Vec<Value> = sizes
        .iter()
        .enumerate()
        .map(|(i, size)| json!({ "url": format!("https://files.example.org/{i}.csv"), "size": size, "md5": "0123456789abcdef0123456789abcdef", "name": format!("{i}.csv") }))
        .collect();
    json!({ "resource_id": resource_id, "identifier": identifier, "profile": "p", "submitter": "s", "files": files })
}

async fn create(s: &TestServer, token: &str, path: &str, body: Value) -> i64 {
    let (st, v, _) = s.call(Method::POST, path, Some(token), Some(body)).await;
    assert_eq!(st, 201, "{path}: {v}");
    v["id"].as_i64().unwrap()
}

async fn set_job_state(s: &TestServer, id: i64, state: JobState) {
    s.t.db
        .run(move |c| {
            diesel::update(jobs::table.find(id))
                .set(jobs::state.eq(state))
                .execute(c)
        })
        .await
        .unwrap();
}

/// The actions of a job's detail as `(action, applies, reason)`.
fn actions_of(detail: &Value) -> Vec<(String, bool, Option<String>)> {
    detail["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["action"].as_str().unwrap().to_string(),
                a["applies"].as_bool().unwrap(),
                a["reason"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn a_job_says_which_actions_apply_and_retrying_a_completed_one_is_refused(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let (st, out) = s
        .post(
            "/api/jobs",
            &op,
            json!({ "jobs": [{ "queue": "default", "kind": "noop" }] }),
        )
        .await;
    assert_eq!(st, 201, "{out}");
    let id = out["jobs"][0]["job"]["id"].as_i64().unwrap();

    // Waiting: retry cannot apply (it is already available), cancel and discard can.
    let (_, detail) = s.get(&format!("/api/jobs/{id}"), &op).await;
    assert_eq!(
        actions_of(&detail),
        vec![
            (
                "retry".into(),
                false,
                Some("the job is already available".into())
            ),
            ("cancel".into(), true, None),
            ("discard".into(), true, None),
        ]
    );

    // Completed: nothing applies, each says why; the API refuses each with that reason.
    set_job_state(&s, id, JobState::Completed).await;
    let (_, detail) = s.get(&format!("/api/jobs/{id}"), &op).await;
    let actions = actions_of(&detail);
    assert_eq!(actions.len(), 3);
    for (action, applies, reason) in &actions {
        assert!(!applies, "{action} applies to a completed job");
        assert_eq!(reason.as_deref(), Some("the job is already completed"));
        let got = s
            .call(
                Method::POST,
                &format!("/api/jobs/{id}/{action}"),
                Some(&op),
                None,
            )
            .await;
        assert_problem(&got, 409, "the job is already completed");
    }
    let (_, detail) = s.get(&format!("/api/jobs/{id}"), &op).await;
    assert_eq!(detail["job"]["state"], "completed");

    // Discarded: retry and cancel apply, discard does not; retry then works.
    set_job_state(&s, id, JobState::Discarded).await;
    let (_, detail) = s.get(&format!("/api/jobs/{id}"), &op).await;
    assert_eq!(
        actions_of(&detail),
        vec![
            ("retry".into(), true, None),
            ("cancel".into(), true, None),
            (
                "discard".into(),
                false,
                Some("the job is already discarded".into())
            ),
        ]
    );
    let (st, out) = s
        .post(&format!("/api/jobs/{id}/retry"), &op, json!({}))
        .await;
    assert_eq!(
        (st.as_u16(), out["state"].as_str()),
        (200, Some("available"))
    );
}

async fn the_copies_list_counts_every_copy_its_filters_match(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let ident = format!("doi:10.5061/dryad.total{i}");
        ids.push(
            create(
                &s,
                &op,
                "/api/zenodo/copies",
                copy_body(&ident, 100 + i, 10),
            )
            .await,
        );
    }
    // Two finished, one given up on: one copy is unfinished.
    for (id, state) in [
        (ids[0], CopyState::Finished),
        (ids[1], CopyState::Finished),
        (ids[2], CopyState::GivenUp),
    ] {
        s.t.db
            .run(move |c| copies::set_state(c, id, state, None, None))
            .await
            .unwrap();
    }
    let unfinished = "state=enqueued&state=replicating&state=retrying&state=error&state=deferred";
    let (st, page) = s
        .get(&format!("/api/zenodo/copies?{unfinished}&limit=1"), &op)
        .await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["copies"][0]["id"], ids[3]);
    // A page shorter than the total: the total counts every page.
    let (_, page) = s.get("/api/zenodo/copies?limit=2", &op).await;
    assert_eq!(page["copies"].as_array().unwrap().len(), 2);
    assert_eq!(page["total"], 4);
    let (_, page) = s
        .get("/api/zenodo/copies?state=finished&limit=1", &op)
        .await;
    assert_eq!(page["total"], 2);
    // The cursor does not narrow the total.
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (_, next) = s
        .get(
            &format!("/api/zenodo/copies?state=finished&limit=1&cursor={cursor}"),
            &op,
        )
        .await;
    assert_eq!(next["total"], 2);
    assert_eq!(next["copies"][0]["id"], ids[0]);
}

async fn submissions_are_searched_sorted_and_paged_with_their_size(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let viewer = s.user("vera", Role::Viewer).await;
    let made = [
        ("doi:10.5061/dryad.alpha1", vec![100, 20]),
        ("doi:10.5061/dryad.alpha2", vec![5]),
        ("doi:10.5061/dryad.beta1", vec![300]),
        ("doi:10.5061/dryad.ALPHA3", vec![40, 40, 40]),
        ("doi:10.5061/dryad.gamma_1", vec![0]),
    ];
    let mut ids = Vec::new();
    for (i, (ident, sizes)) in made.iter().enumerate() {
        let body = submission_body(ident, 500 + i as i64, sizes);
        ids.push(create(&s, &op, "/api/merritt/submissions", body).await);
    }

    // Each submission records the bytes of its files.
    let (st, page) = s.get("/api/merritt/submissions", &viewer).await;
    assert_eq!(st, 200, "{page}");
    assert_eq!(page["total"], 5);
    let sizes: Vec<(i64, i64)> = page["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_i64().unwrap(), x["size"].as_i64().unwrap()))
        .collect();
    let expected: Vec<(i64, i64)> = ids
        .iter()
        .rev()
        .zip(made.iter().rev())
        .map(|(id, (_, sizes))| (*id, sizes.iter().sum()))
        .collect();
    assert_eq!(sizes, expected, "newest first, each with its size");

    // Search: identifier contains, ignoring case; LIKE's wildcards are plain characters.
    let found = |page: &Value| -> Vec<i64> {
        page["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_i64().unwrap())
            .collect()
    };
    let (_, page) = s.get("/api/merritt/submissions?q=Alpha", &viewer).await;
    assert_eq!(found(&page), vec![ids[3], ids[1], ids[0]]);
    assert_eq!(page["total"], 3);
    let (_, page) = s.get("/api/merritt/submissions?q=a_1", &viewer).await;
    assert_eq!(found(&page), vec![ids[4]], "`_` matches only itself");
    let (_, page) = s.get("/api/merritt/submissions?q=alpha_", &viewer).await;
    assert_eq!(found(&page), Vec::<i64>::new(), "`_` is no wildcard");
    let (_, page) = s
        .get("/api/merritt/submissions?q=dryad.zeta", &viewer)
        .await;
    assert_eq!((found(&page), page["total"].as_i64()), (vec![], Some(0)));

    // Sorted by size, ascending, two a page: every submission once, in size order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/api/merritt/submissions?sort=size&order=asc&limit=2".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let (st, page) = s.get(&path, &viewer).await;
        assert_eq!(st, 200, "{page}");
        assert_eq!(page["total"], 5);
        for x in page["submissions"].as_array().unwrap() {
            seen.push((x["size"].as_i64().unwrap(), x["id"].as_i64().unwrap()));
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len(), 5);
    // Sorted by identifier, descending, with a search: the pages together are the one long
    // page (the order of case variants is the database's collation).
    let (_, whole) = s
        .get("/api/merritt/submissions?q=alpha&sort=identifier", &viewer)
        .await;
    let (_, first) = s
        .get(
            "/api/merritt/submissions?q=alpha&sort=identifier&limit=2",
            &viewer,
        )
        .await;
    let c = urlencode(first["next_cursor"].as_str().unwrap());
    let (_, second) = s
        .get(
            &format!("/api/merritt/submissions?q=alpha&sort=identifier&limit=2&cursor={c}"),
            &viewer,
        )
        .await;
    assert!(second["next_cursor"].is_null());
    let paged: Vec<i64> = found(&first).into_iter().chain(found(&second)).collect();
    assert_eq!(paged, found(&whole));
    assert_eq!(paged.len(), 3);
    // alpha1 and alpha2 differ in case from nothing: whatever the collation, 2 before 1.
    let pos = |id: i64| paged.iter().position(|x| *x == id).unwrap();
    assert!(pos(ids[1]) < pos(ids[0]), "{paged:?}");

    // Bad input is a 400 saying why.
    let got = s
        .call(
            Method::GET,
            &format!("/api/merritt/submissions?sort=size&cursor={c}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 400, "the cursor belongs to the sort by identifier");
    let got = s
        .call(
            Method::GET,
            "/api/merritt/submissions?cursor=nonsense",
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 400, "is not one this API gave out");
    let long = "x".repeat(201);
    let got = s
        .call(
            Method::GET,
            &format!("/api/merritt/submissions?q={long}"),
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 400, "q is at most 200 characters");
    let got = s
        .call(
            Method::GET,
            "/api/merritt/submissions?sort=weight",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(got.0, 400, "{}", got.1);
}

async fn a_dataset_shows_its_copies_and_submissions_together(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let viewer = s.user("vera", Role::Viewer).await;
    let ident = "doi:10.5061/dryad.both1";
    let first = create(&s, &op, "/api/zenodo/copies", copy_body(ident, 700, 10)).await;
    let second = create(&s, &op, "/api/zenodo/copies", copy_body(ident, 701, 20)).await;
    create(
        &s,
        &op,
        "/api/zenodo/copies",
        copy_body("doi:10.5061/dryad.other", 702, 30),
    )
    .await;
    let sub = create(
        &s,
        &op,
        "/api/merritt/submissions",
        submission_body(ident, 700, &[7, 8]),
    )
    .await;
    create(
        &s,
        &op,
        "/api/merritt/submissions",
        submission_body("doi:10.5061/dryad.both10", 703, &[1]),
    )
    .await;

    let (st, d) = s
        .get(
            &format!("/api/dataset?identifier={}", urlencode(ident)),
            &viewer,
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["identifier"], ident);
    let copy_ids: Vec<i64> = d["copies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        copy_ids,
        vec![first, second],
        "oldest first, only this identifier"
    );
    // The later copy of the same type waits on the first.
    assert_eq!(d["copies"][1]["waiting_on"], first);
    let subs = d["submissions"].as_array().unwrap();
    assert_eq!(
        subs.len(),
        1,
        "an identifier that only starts the same is another dataset"
    );
    assert_eq!(subs[0]["id"], sub);
    assert_eq!(subs[0]["size"], 15);
    assert_eq!(subs[0]["history"][0]["state"], "enqueued");

    // Only submissions: still a dataset.
    let (st, d) = s
        .get(
            &format!(
                "/api/dataset?identifier={}",
                urlencode("doi:10.5061/dryad.both10")
            ),
            &viewer,
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        (
            d["copies"].as_array().unwrap().len(),
            d["submissions"].as_array().unwrap().len()
        ),
        (0, 1)
    );

    let got = s
        .call(
            Method::GET,
            "/api/dataset?identifier=doi%3A10.5061%2Fdryad.nothing",
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 404, "no Zenodo copy and no Merritt submission");
    let got = s
        .call(
            Method::GET,
            "/api/dataset?identifier=%20",
            Some(&viewer),
            None,
        )
        .await;
    assert_problem(&got, 400, "identifier must be 1 to 255 characters");
    let got = s
        .call(Method::GET, "/api/dataset", Some(&viewer), None)
        .await;
    assert_eq!(got.0, 400, "{}", got.1);
}

/// Percent-encodes a query value.
fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
