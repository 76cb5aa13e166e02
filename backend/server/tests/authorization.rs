//! Every operation of the spec against missing, expired, forged, `alg: none`, wrong-audience
//! and revoked credentials, and against each role.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::collections::HashMap;

use base64::Engine;
use longjobs_core::access::Role;
use longjobs_core::testing::TestDb;
use poem::http::Method;
use serde_json::{Value, json};

mod common;
use common::{SECRET, TestServer, assert_problem};

/// The least role each operation needs; `None` for public operations.
fn required_roles() -> HashMap<&'static str, Option<Role>> {
    use Role::*;
    HashMap::from([
        ("health", None),
        ("ready", None),
        ("login", None),
        ("me", Some(Viewer)),
        ("logout", Some(Viewer)),
        ("listJobs", Some(Viewer)),
        ("countJobs", Some(Viewer)),
        ("getJob", Some(Viewer)),
        ("enqueueJobs", Some(Operator)),
        ("retryJob", Some(Operator)),
        ("cancelJob", Some(Operator)),
        ("discardJob", Some(Operator)),
        ("bulkJobAction", Some(Operator)),
        ("listQueues", Some(Viewer)),
        ("pauseQueue", Some(Operator)),
        ("resumeQueue", Some(Operator)),
        ("setQueueLimits", Some(Operator)),
        ("listKinds", Some(Viewer)),
        ("pauseKind", Some(Operator)),
        ("resumeKind", Some(Operator)),
        ("listWorkers", Some(Viewer)),
        ("quietWorker", Some(Operator)),
        ("resumeWorker", Some(Operator)),
        ("stopWorker", Some(Operator)),
        ("remoteHealth", Some(Viewer)),
        ("getStats", Some(Viewer)),
        ("getTimeSeries", Some(Viewer)),
        ("getHistory", Some(Viewer)),
        ("listAudit", Some(Viewer)),
        ("listUsers", Some(Admin)),
        ("createUser", Some(Admin)),
        ("updateUser", Some(Admin)),
        ("deleteUser", Some(Admin)),
        ("listTokens", Some(Admin)),
        ("createToken", Some(Admin)),
        ("revokeToken", Some(Admin)),
        ("requestCopy", Some(Operator)),
        ("listCopies", Some(Viewer)),
        ("getCopy", Some(Viewer)),
        ("resendCopy", Some(Operator)),
        ("resendCopies", Some(Operator)),
        ("resendChain", Some(Operator)),
        ("resetStalledCopies", Some(Operator)),
        ("giveUpCopy", Some(Operator)),
        ("setCopyDailyRetry", Some(Operator)),
        ("submitToMerritt", Some(Operator)),
        ("listSubmissions", Some(Viewer)),
        ("getSubmission", Some(Viewer)),
        ("listEvents", Some(Viewer)),
        ("liveEvents", Some(Viewer)),
        ("merrittStatus", Some(Viewer)),
        ("resendSubmissions", Some(Operator)),
        ("restartSubmissions", Some(Operator)),
        ("getSubmissionLog", Some(Viewer)),
        ("giveUpSubmission", Some(Operator)),
        ("getDataset", Some(Viewer)),
        ("listPeriodicJobs", Some(Viewer)),
        ("runPeriodicJob", Some(Operator)),
        ("pausePeriodicJob", Some(Operator)),
        ("resumePeriodicJob", Some(Operator)),
        ("maintenanceStatus", Some(Viewer)),
        ("drain", Some(Operator)),
        ("restart", Some(Operator)),
    ])
}

/// A body that parses for the operation, so only authorization decides the answer.
fn sample_body(op: &str, n: usize) -> Option<Value> {
    Some(match op {
        "login" => json!({ "username": "nobody", "password": "wrong" }),
        "enqueueJobs" => json!({ "jobs": [{ "queue": "matrix", "kind": "noop" }] }),
        "bulkJobAction" => json!({ "action": "retry", "ids": [1], "dry_run": true }),
        "createUser" => {
            json!({ "username": format!("made-{n}"), "password": "a long enough password", "role": "viewer" })
        }
        "updateUser" => json!({ "role": "viewer" }),
        "createToken" => json!({ "name": format!("t{n}"), "role": "viewer" }),
        "requestCopy" => {
            json!({ "identifier": "doi:10.5061/dryad.m", "resource_id": n, "copy_type": "data", "metadata": {}, "files": [] })
        }
        "resendCopies" | "resendSubmissions" => json!({ "ids": [1] }),
        "resendChain" => json!({ "identifier": "doi:10.5061/dryad.m" }),
        "giveUpCopy" => json!({ "reason": "the matrix" }),
        "setCopyDailyRetry" => json!({ "excluded": true, "reason": "the matrix" }),
        "submitToMerritt" => {
            json!({ "resource_id": n, "identifier": "doi:10.5061/dryad.m", "files": [{ "url": "http://127.0.0.1:9/f", "size": 1, "md5": "0123456789abcdef0123456789abcdef", "name": "f" }], "profile": "p", "submitter": "s" })
        }
        "drain" => json!({}),
        "setQueueLimits" => json!({ "concurrency": 2 }),
        "giveUpSubmission" => json!({ "reason": "the dataset was withdrawn" }),
        _ => return None,
    })
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{id}" | ":id" => "1",
            "{name}" | ":name" | "{kind}" | ":kind" => "matrix",
            "{username}" | ":username" => "nobody",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn sign(claims: &Value, secret: &[u8], alg: jsonwebtoken::Algorithm) -> String {
    let key = jsonwebtoken::EncodingKey::from_secret(secret).unwrap();
    jsonwebtoken::encode(&jsonwebtoken::Header::new(alg), claims, &key).unwrap()
}

fn claims(sub: &str, aud: &str, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": sub, "name": "ada", "ver": 0, "aud": aud, "iss": "longjobs", "iat": now, "exp": now + exp_offset })
}

fn alg_none(c: &Value) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        b64(&json!({ "alg": "none", "typ": "JWT" })),
        b64(c)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_refuses_bad_credentials_and_insufficient_roles() {
    let s = TestServer::new(TestDb::sqlite().await.unwrap()).await;
    let mut viewer = s.user("vera", Role::Viewer).await;
    let mut operator = s.user("otto", Role::Operator).await;
    let mut admin = s.user("ada", Role::Admin).await;
    let ada_id =
        s.t.db
            .run(|c| longjobs_core::access::users::find(c, "ada"))
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
    let ada_id = ada_id.as_str();
    let gone = s.user("gone", Role::Admin).await;
    let (st, _) = s.post("/api/users", &admin, json!({})).await;
    assert_eq!(st, 400);
    let (st, _, _) = s
        .call(Method::DELETE, "/api/users/gone", Some(&admin), None)
        .await;
    assert_eq!(st, 204);
    let (st, created) = s
        .post(
            "/api/tokens",
            &admin,
            json!({ "name": "cron", "role": "admin" }),
        )
        .await;
    assert_eq!(st, 201);
    let revoked = created["secret"].as_str().unwrap().to_string();
    let id = created["token"]["id"].as_i64().unwrap();
    assert_eq!(
        s.post(&format!("/api/tokens/{id}/revoke"), &admin, json!({}))
            .await
            .0,
        200
    );

    let bad_tokens: Vec<(&str, String)> = vec![
        (
            "expired",
            sign(
                &claims(ada_id, "longjobs", -3600),
                SECRET,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "forged",
            sign(
                &claims(ada_id, "longjobs", 3600),
                b"another-secret-another-secret-xx",
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        (
            "other algorithm",
            sign(
                &claims(ada_id, "longjobs", 3600),
                SECRET,
                jsonwebtoken::Algorithm::HS512,
            ),
        ),
        ("alg none", alg_none(&claims(ada_id, "longjobs", 3600))),
        (
            "wrong audience",
            sign(
                &claims(ada_id, "elsewhere", 3600),
                SECRET,
                jsonwebtoken::Algorithm::HS256,
            ),
        ),
        ("deleted user", gone),
        ("revoked API token", revoked),
        ("unknown API token", "lj_notarealtoken".to_string()),
        ("garbage", "not-a-token".to_string()),
    ];

    let spec: Value =
        serde_json::from_str(&longjobs_server::openapi_json(s.state.clone())).unwrap();
    let roles = required_roles();
    let mut checked = 0;
    let mut n = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap();
            let needed = *roles
                .get(op_id)
                .unwrap_or_else(|| panic!("operation {op_id} is not in the authorization matrix"));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let url = concrete(path);
            let Some(needed) = needed else {
                n += 1;
                let (st, _, _) = s
                    .call(method.clone(), &url, None, sample_body(op_id, n))
                    .await;
                assert_ne!(st, 403, "{op_id} is public");
                continue;
            };
            n += 1;
            let got = s
                .call(method.clone(), &url, None, sample_body(op_id, n))
                .await;
            assert_problem(&got, 401, "Authorization: Bearer");
            for (what, token) in &bad_tokens {
                n += 1;
                let (st, body, _) = s
                    .call(method.clone(), &url, Some(token), sample_body(op_id, n))
                    .await;
                assert_eq!(st, 401, "{op_id} with a {what} token answered {st}: {body}");
            }
            for (role, token) in [
                (Role::Viewer, &viewer),
                (Role::Operator, &operator),
                (Role::Admin, &admin),
            ] {
                n += 1;
                if op_id == "liveEvents" && role.allows(needed) {
                    // A stream that stays open: only its status is read.
                    let st = s.status_of(method.clone(), &url, token).await;
                    assert_eq!(st, 200, "{op_id} as {role}");
                    continue;
                }
                let (st, body, _) = s
                    .call(method.clone(), &url, Some(token), sample_body(op_id, n))
                    .await;
                if role.allows(needed) {
                    assert!(
                        st != 401 && st != 403,
                        "{op_id} refused {role}: {st} {body}"
                    );
                    assert!(st.as_u16() < 500, "{op_id} as {role} failed: {st} {body}");
                } else {
                    assert_eq!(st, 403, "{op_id} let {role} through: {body}");
                }
            }
            if op_id == "logout" {
                // Signing out ended those tokens: sign in again for the next operations.
                viewer = s.token_for("vera").await;
                operator = s.token_for("otto").await;
                admin = s.token_for("ada").await;
            }
            checked += 1;
        }
    }
    assert_eq!(
        checked + 3,
        roles.len(),
        "every listed operation exists in the spec"
    );
}
