//! Bad input on every operation of the spec: oversized, deeply nested, malformed and
//! mistyped bodies, unknown enum values, SQL metacharacters in every filter, invalid UTF-8,
//! huge page sizes, negative and huge ids, missing content types and wrong methods. Each is
//! answered with a 4xx problem+json (or, for a filter, an honest empty answer), never a 5xx,
//! and none of it changes the data.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::Role;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::testing::url_encode;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

mod common;
use common::TestServer;

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    every_body_refuses_malformed_oversized_and_mistyped_input,
    every_filter_takes_sql_metacharacters_as_plain_text,
    page_sizes_and_numbers_out_of_range_are_refused,
    negative_zero_and_huge_ids_are_refused_or_not_found,
    invalid_utf8_in_paths_and_queries_is_refused,
    methods_outside_the_spec_are_405_with_allow,
}

/// Strings that would change a query if they were ever pasted into SQL.
const SQL_METACHARACTERS: &[&str] = &[
    "' OR '1'='1",
    "'; DROP TABLE jobs; --",
    "\" OR \"\"=\"",
    "%",
    "_",
    "\\",
    "%' ESCAPE '\\",
    "*/ /*",
    "$1",
    "?",
    "\u{0}",
    "ä😀\u{202e}",
];

/// One operation of the spec.
struct Op {
    method: Method,
    /// The template, e.g. `/api/jobs/{id}`.
    path: String,
    spec: Value,
}

impl Op {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn params(&self, location: &str) -> Vec<&Value> {
        self.spec["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == location).collect())
            .unwrap_or_default()
    }

    /// The path with every parameter replaced by `value`, or by a harmless one.
    fn path_with(&self, value: Option<&str>) -> String {
        self.path
            .split('/')
            .map(|seg| match (seg, value) {
                (s, Some(v)) if s.starts_with('{') => v.to_string(),
                ("{id}", None) => "1".to_string(),
                ("{name}", None) => "q".to_string(),
                ("{username}", None) => "nobody".to_string(),
                (s, _) => s.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn operations(spec: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push(Op {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                spec: op.clone(),
            });
        }
    }
    assert!(ops.len() > 30, "the spec lists too few operations");
    ops
}

/// The spec as the server serves it.
async fn spec(s: &TestServer) -> Value {
    let (st, v, _) = s.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(st, 200);
    v
}

/// A schema with `$ref`s (also inside `allOf`) followed.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let target = schema["$ref"]
        .as_str()
        .or_else(|| schema["allOf"][0]["$ref"].as_str());
    match target {
        Some(r) => resolve(
            spec,
            &spec["components"]["schemas"][r.rsplit('/').next().unwrap()],
        ),
        None => schema,
    }
}

/// A body each operation accepts (names that exist nowhere, so nothing is found or made
/// twice); `{}` for those whose every property is optional.
fn valid_body(operation_id: &str) -> Value {
    let file = json!({ "name": "f.csv", "size": 1, "md5": "0123456789abcdef0123456789abcdef", "url": "http://127.0.0.1:9/f" });
    match operation_id {
        "login" => json!({ "username": "nobody", "password": "wrong password" }),
        "enqueueJobs" => json!({ "jobs": [{ "queue": "q", "kind": "noop" }] }),
        "bulkJobAction" => json!({ "action": "retry", "ids": [1], "dry_run": true }),
        "createUser" => {
            json!({ "username": "made", "password": "a long enough password", "role": "viewer" })
        }
        "updateUser" => json!({ "role": "viewer" }),
        "createToken" => json!({ "name": "t", "role": "viewer" }),
        "requestCopy" => {
            json!({ "identifier": "doi:10.5061/dryad.x", "resource_id": 1, "copy_type": "data",
            "metadata": { "title": "t", "upload_type": "dataset", "description": "d", "creators": [{ "name": "Doe, J" }] }, "files": [file] })
        }
        "resendCopies" | "resendSubmissions" => json!({ "ids": [1] }),
        "resendChain" => json!({ "identifier": "doi:10.5061/dryad.x" }),
        "submitToMerritt" => {
            json!({ "resource_id": 1, "identifier": "doi:10.5061/dryad.x", "profile": "p", "submitter": "s",
            "files": [{ "url": "http://127.0.0.1:9/f", "size": 1, "md5": "0123456789abcdef0123456789abcdef", "name": "f" }] })
        }
        _ => json!({}),
    }
}

/// A value of a type the schema does not allow, or `None` when it allows anything.
fn wrong_value(schema: &Value) -> Option<Value> {
    if schema["enum"].is_array() {
        return Some(json!("no-such-value"));
    }
    Some(match schema["type"].as_str()? {
        "string" => json!(12345),
        "integer" | "number" => json!("twelve"),
        "boolean" => json!("yes"),
        "array" => json!({ "not": "a list" }),
        "object" => json!(["not", "an", "object"]),
        _ => return None,
    })
}

struct Answer {
    status: StatusCode,
    body: Value,
    content_type: Option<String>,
    allow: Option<String>,
}

async fn send(
    s: &TestServer,
    method: Method,
    path: &str,
    token: &str,
    content_type: Option<&str>,
    body: Option<Vec<u8>>,
) -> Answer {
    let mut req = s
        .client
        .request(method, path)
        .header("Authorization", format!("Bearer {token}"));
    if let Some(ct) = content_type {
        req = req.content_type(ct);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await;
    let header = |name: &str| {
        resp.0
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (content_type, allow) = (header("content-type"), header("allow"));
    let status = resp.0.status();
    let text = resp.0.into_body().into_string().await.unwrap_or_default();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        content_type,
        allow,
    }
}

async fn send_json(s: &TestServer, op: &Op, path: &str, token: &str, body: Vec<u8>) -> Answer {
    send(
        s,
        op.method.clone(),
        path,
        token,
        Some("application/json"),
        Some(body),
    )
    .await
}

/// A 4xx problem+json whose body repeats the status.
fn assert_client_error(a: &Answer, what: &str) {
    assert!(
        a.status.is_client_error(),
        "{what}: expected a 4xx, got {} {}",
        a.status,
        a.body
    );
    assert_problem_shape(a, what);
}

fn assert_problem_shape(a: &Answer, what: &str) {
    assert_eq!(
        a.content_type.as_deref(),
        Some("application/problem+json"),
        "{what}: {} {}",
        a.status,
        a.body
    );
    assert_eq!(
        a.body["status"].as_u64(),
        Some(u64::from(a.status.as_u16())),
        "{what}: {}",
        a.body
    );
    assert!(
        a.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{what}: {}",
        a.body
    );
}

/// Anything but a 5xx; a 4xx must be a problem.
fn assert_handled(a: &Answer, what: &str) {
    assert!(
        !a.status.is_server_error(),
        "{what}: server error {} {}",
        a.status,
        a.body
    );
    if a.status.is_client_error() {
        assert_problem_shape(a, what);
    }
}

/// Rows that bad input must never create or remove: jobs, users, copies.
async fn row_counts(s: &TestServer, admin: &str) -> (i64, usize, usize) {
    let jobs =
        s.t.db
            .run(|c| queue::count_jobs(c, &Default::default()))
            .await
            .unwrap();
    let (_, users) = s.get("/api/users", admin).await;
    let (_, copies) = s.get("/api/zenodo/copies", admin).await;
    (
        jobs,
        users.as_array().map_or(0, Vec::len),
        copies["copies"].as_array().map_or(0, Vec::len),
    )
}

async fn every_body_refuses_malformed_oversized_and_mistyped_input(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    let spec = spec(&s).await;
    let before = row_counts(&s, &admin).await;
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_in_object = format!("{{\"jobs\": {}1{}}}", "[".repeat(5_000), "]".repeat(5_000));
    let mut checked = 0;
    for op in operations(&spec) {
        let Some(body_spec) = op.spec.get("requestBody") else {
            continue;
        };
        checked += 1;
        let path = op.path_with(None);
        let name = op.name();
        let malformed: Vec<(&str, Vec<u8>)> = vec![
            ("a 100,000-deep array", deep_array.clone().into_bytes()),
            ("a 5,000-deep value", deep_in_object.clone().into_bytes()),
            (
                "invalid UTF-8",
                vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}'],
            ),
            ("truncated JSON", b"{\"a\": ".to_vec()),
            ("an empty body", Vec::new()),
            ("a number", b"42".to_vec()),
            ("a string", b"\"text\"".to_vec()),
            ("a list", b"[]".to_vec()),
        ];
        for (what, body) in malformed {
            let a = send_json(&s, &op, &path, &admin, body).await;
            assert_client_error(&a, &format!("{name} with {what}"));
            assert_eq!(a.status, 400, "{name} with {what}: {}", a.body);
        }
        if body_spec["required"] == true {
            let a = send_json(&s, &op, &path, &admin, b"null".to_vec()).await;
            assert_client_error(&a, &format!("{name} with null"));
        }
        // The media type is checked: none, or another, is 415.
        for ct in [None, Some("text/plain")] {
            let a = send(
                &s,
                op.method.clone(),
                &path,
                &admin,
                ct,
                Some(b"{}".to_vec()),
            )
            .await;
            assert_client_error(&a, &format!("{name} as {ct:?}"));
            assert_eq!(a.status, 415, "{name} as {ct:?}: {}", a.body);
        }
        // Over the size limit: declared, 413 before reading; undeclared, cut and refused.
        let huge = format!("{{\"x\": \"{}\"}}", "x".repeat(9 * 1024 * 1024));
        let resp = s
            .client
            .request(op.method.clone(), &path)
            .header("Authorization", format!("Bearer {admin}"))
            .header("Content-Length", huge.len())
            .content_type("application/json")
            .body(huge.clone())
            .send()
            .await;
        assert_eq!(resp.0.status(), 413, "{name} with a declared 9 MiB body");
        let a = send_json(&s, &op, &path, &admin, huge.into_bytes()).await;
        assert_client_error(&a, &format!("{name} with an undeclared 9 MiB body"));
        // Each property with a value of the wrong type (or an unknown enum value).
        let schema = resolve(
            &spec,
            &body_spec["content"]["application/json; charset=utf-8"]["schema"],
        );
        let props = schema["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (prop, prop_schema) in &props {
            let prop_schema = resolve(&spec, prop_schema);
            let mut wrong = Vec::new();
            if let Some(v) = wrong_value(prop_schema) {
                wrong.push(v);
            }
            if prop_schema["type"] == "string" && prop_schema["enum"].is_null() {
                wrong.push(json!("a\u{0}b"));
            }
            let items = resolve(&spec, &prop_schema["items"]);
            if items["enum"].is_array() {
                wrong.push(json!(["no-such-value"]));
            }
            for v in wrong {
                // A body that would be accepted but for this one property.
                let mut body = valid_body(op.spec["operationId"].as_str().unwrap_or_default());
                body[prop.as_str()] = v.clone();
                let body = serde_json::to_vec(&body).unwrap();
                let a = send_json(&s, &op, &path, &admin, body).await;
                assert_client_error(&a, &format!("{name} with {prop} = {v}"));
                assert_eq!(a.status, 400, "{name} with {prop} = {v}: {}", a.body);
            }
        }
    }
    assert!(checked >= 10, "only {checked} operations take a body");
    assert_eq!(
        row_counts(&s, &admin).await,
        before,
        "bad bodies changed data"
    );
}

async fn every_filter_takes_sql_metacharacters_as_plain_text(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    let spec = spec(&s).await;
    let reqs: Vec<_> = (0..3)
        .map(|i| EnqueueRequest::new("q", "k").payload(json!({ "n": i })))
        .collect();
    s.t.db
        .run(move |c| queue::enqueue_many(c, &reqs))
        .await
        .unwrap();
    let before = row_counts(&s, &admin).await;
    let mut filters = 0;
    for op in operations(&spec) {
        if op.method != Method::GET {
            continue;
        }
        for p in op.params("query") {
            let schema = resolve(&spec, &p["schema"]);
            let is_text = schema["type"] == "string"
                && schema["format"].is_null()
                && schema["enum"].is_null();
            if !is_text {
                continue;
            }
            filters += 1;
            let name = p["name"].as_str().unwrap();
            for v in SQL_METACHARACTERS {
                let path = format!("{}?{name}={}", op.path_with(None), url_encode(v));
                let a = send(&s, Method::GET, &path, &admin, None, None).await;
                assert_handled(&a, &format!("GET {path}"));
            }
        }
    }
    assert!(filters >= 8, "only {filters} text filters in the spec");
    // Filters match literally: none of these strings is in any job.
    for (param, v) in [
        ("queue", "' OR '1'='1"),
        ("kind", "k' OR 'x'='x"),
        ("q", "%"),
        ("q", "_"),
        ("ordering_key", "' OR 1=1 --"),
    ] {
        let path = format!("/api/jobs?{param}={}", url_encode(v));
        let (st, page) = s.get(&path, &admin).await;
        assert_eq!(st, 200, "{path}: {page}");
        assert_eq!(page["jobs"], json!([]), "{path} matched jobs");
        let path = format!("/api/jobs/count?{param}={}", url_encode(v));
        let (st, count) = s.get(&path, &admin).await;
        assert_eq!(st, 200, "{path}: {count}");
        assert_eq!(count["count"], 0, "{path}: {count}");
    }
    let (_, all) = s.get("/api/jobs?queue=q", &admin).await;
    assert_eq!(all["jobs"].as_array().map(Vec::len), Some(3));
    // The same strings as path segments.
    for op in operations(&spec) {
        let text_path_param = op
            .params("path")
            .iter()
            .any(|p| resolve(&spec, &p["schema"])["type"] == "string");
        if !text_path_param || op.spec.get("requestBody").is_some() {
            continue;
        }
        for v in SQL_METACHARACTERS {
            let path = op.path_with(Some(&url_encode(v)));
            let a = send(&s, op.method.clone(), &path, &admin, None, None).await;
            assert_handled(&a, &format!("{} {path}", op.method));
        }
    }
    let after = row_counts(&s, &admin).await;
    assert_eq!(after.0, before.0, "jobs changed");
}

async fn page_sizes_and_numbers_out_of_range_are_refused(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    let spec = spec(&s).await;
    let mut limits = 0;
    for op in operations(&spec) {
        if op.method != Method::GET {
            continue;
        }
        for p in op.params("query") {
            let schema = resolve(&spec, &p["schema"]);
            if schema["type"] != "integer" {
                continue;
            }
            let name = p["name"].as_str().unwrap();
            let base = op.path_with(None);
            for v in [
                "1000000",
                "9223372036854775807",
                "99999999999999999999",
                "-9223372036854775808",
                "-1",
                "0",
                "1.5",
                "1e3",
                "0x10",
                "abc",
                "",
            ] {
                let path = format!("{base}?{name}={}", url_encode(v));
                let a = send(&s, Method::GET, &path, &admin, None, None).await;
                assert_handled(&a, &format!("GET {path}"));
                // Not a 64-bit integer: refused everywhere. A page size out of 1..=500:
                // refused. Other integers (a cursor, a resource id) may just match nothing.
                let not_an_i64 = v.parse::<i64>().is_err();
                if not_an_i64 || name == "limit" {
                    assert_client_error(&a, &format!("GET {path}"));
                    assert_eq!(a.status, 400, "GET {path}: {}", a.body);
                }
            }
            if name == "limit" {
                limits += 1;
            }
        }
    }
    assert!(limits >= 4, "only {limits} operations take a limit");
}

async fn negative_zero_and_huge_ids_are_refused_or_not_found(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    let spec = spec(&s).await;
    let before = row_counts(&s, &admin).await;
    let mut ids = 0;
    for op in operations(&spec) {
        let int_id = op
            .params("path")
            .iter()
            .any(|p| resolve(&spec, &p["schema"])["type"] == "integer");
        if !int_id {
            continue;
        }
        ids += 1;
        // Ids are positive: a negative or zero id is refused or names nothing.
        for (v, statuses) in [
            ("-1", &[400, 404][..]),
            ("0", &[400, 404]),
            ("-9223372036854775808", &[400, 404]),
            ("99999999999999999999", &[400]),
            ("1.0", &[400]),
            ("9223372036854775807", &[404]),
        ] {
            let path = op.path_with(Some(v));
            // A body that parses, so the id decides the answer: operator actions that need a
            // reason get one.
            let body = op
                .spec
                .get("requestBody")
                .map(|_| match op.spec["operationId"].as_str() {
                    Some("giveUpCopy" | "giveUpSubmission") => br#"{"reason": "bad ids"}"#.to_vec(),
                    Some("setCopyDailyRetry") => {
                        br#"{"excluded": true, "reason": "bad ids"}"#.to_vec()
                    }
                    _ => b"{}".to_vec(),
                });
            let ct = body.as_ref().map(|_| "application/json");
            let a = send(&s, op.method.clone(), &path, &admin, ct, body).await;
            assert_client_error(&a, &format!("{} {path}", op.method));
            assert!(
                statuses.contains(&a.status.as_u16()),
                "{} {path}: {} {}",
                op.method,
                a.status,
                a.body
            );
        }
    }
    assert!(ids >= 7, "only {ids} operations take an id");
    assert_eq!(row_counts(&s, &admin).await, before, "bad ids changed data");
}

async fn invalid_utf8_in_paths_and_queries_is_refused(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    for (method, path) in [
        (Method::GET, "/api/jobs?queue=%FF%FE"),
        (Method::GET, "/api/jobs?q=%C3%28"),
        (Method::GET, "/api/audit?actor=%80"),
        (Method::GET, "/api/zenodo/copies?identifier=%ED%A0%80"),
        (Method::POST, "/api/queues/%FF/pause"),
        (Method::DELETE, "/api/users/%C0%AF"),
    ] {
        let a = send(&s, method.clone(), path, &admin, None, None).await;
        assert_client_error(&a, &format!("{method} {path}"));
        assert_eq!(a.status, 400, "{method} {path}: {}", a.body);
    }
}

async fn methods_outside_the_spec_are_405_with_allow(s: TestServer) {
    let admin = s.user("root", Role::Admin).await;
    let spec = spec(&s).await;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let mut allowed: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|m| m.to_uppercase())
            .collect();
        allowed.sort();
        let concrete = Op {
            method: Method::GET,
            path: path.clone(),
            spec: Value::Null,
        }
        .path_with(None);
        for m in [Method::PUT, Method::TRACE, Method::DELETE, Method::PATCH] {
            if allowed.contains(&m.to_string()) {
                continue;
            }
            let a = send(&s, m.clone(), &concrete, &admin, None, None).await;
            assert_client_error(&a, &format!("{m} {concrete}"));
            assert_eq!(a.status, 405, "{m} {concrete}: {}", a.body);
            assert_eq!(
                a.allow.as_deref(),
                Some(allowed.join(", ").as_str()),
                "{m} {concrete}"
            );
        }
    }
}
