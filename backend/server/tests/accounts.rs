//! Token lifetime and account guards, on every database: login tokens bound to the user's
//! id and token version, API tokens bound to their creator, and the guards that keep an
//! admin and the jobs from being lost by one request.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use poem::http::{Method, StatusCode};
use serde_json::{Value, json};

mod common;
use common::{PASSWORD, TestServer, assert_problem};

longjobs_core::on_every_database! {
    threads = 2, setup = |t| super::TestServer::new(t).await;
    a_login_token_ends_with_a_password_change_a_disable_and_a_sign_out,
    a_deleted_users_token_does_not_work_for_a_new_user_of_the_same_name,
    an_api_token_is_capped_by_its_creators_role_and_revoked_when_they_go,
    the_last_admin_cannot_be_demoted_disabled_or_deleted,
    two_admins_demoting_each_other_at_once_leave_one_admin,
    deleting_oneself_through_ones_own_api_token_is_refused,
    an_empty_bulk_filter_acts_on_nothing_without_all,
    a_success_at_one_account_does_not_reset_guesses_at_another,
    failed_sign_ins_back_off_instead_of_locking_the_account,
    the_login_answer_is_never_cached,
}

async fn login(s: &TestServer, name: &str, password: &str) -> (StatusCode, Value) {
    let (st, body, _) = s
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(json!({ "username": name, "password": password })),
        )
        .await;
    (st, body)
}

async fn login_token(s: &TestServer, name: &str, password: &str) -> String {
    let (st, body) = login(s, name, password).await;
    assert_eq!(st, 200, "{body}");
    body["token"].as_str().unwrap().to_string()
}

async fn me(s: &TestServer, token: &str) -> (u16, Value) {
    let (st, v, _) = s.call(Method::GET, "/api/auth/me", Some(token), None).await;
    (st.as_u16(), v)
}

async fn patch(s: &TestServer, token: &str, user: &str, body: Value) -> (u16, Value) {
    let (st, v, _) = s
        .call(
            Method::PATCH,
            &format!("/api/users/{user}"),
            Some(token),
            Some(body),
        )
        .await;
    (st.as_u16(), v)
}

async fn a_login_token_ends_with_a_password_change_a_disable_and_a_sign_out(s: TestServer) {
    let admin = s.user("ada", Role::Admin).await;
    s.user("bob", Role::Operator).await;

    // A password change ends the tokens issued before it.
    let before = login_token(&s, "bob", PASSWORD).await;
    assert_eq!(me(&s, &before).await.0, 200);
    let new_password = "another long password";
    assert_eq!(
        patch(&s, &admin, "bob", json!({ "password": new_password }))
            .await
            .0,
        200
    );
    let got = s
        .call(Method::GET, "/api/auth/me", Some(&before), None)
        .await;
    assert_problem(&got, 401, "sign in again");
    let after = login_token(&s, "bob", new_password).await;
    assert_eq!(me(&s, &after).await.0, 200);

    // Disable, then enable: the token from before the disable stays dead.
    assert_eq!(
        patch(&s, &admin, "bob", json!({ "disabled": true }))
            .await
            .0,
        200
    );
    assert_eq!(me(&s, &after).await.0, 401);
    assert_eq!(
        patch(&s, &admin, "bob", json!({ "disabled": false }))
            .await
            .0,
        200
    );
    assert_eq!(
        me(&s, &after).await.0,
        401,
        "a token came back after disable → enable"
    );

    // Sign-out ends every login token of the user, and only theirs.
    let one = login_token(&s, "bob", new_password).await;
    let two = login_token(&s, "bob", new_password).await;
    let (st, _, _) = s
        .call(Method::POST, "/api/auth/logout", Some(&one), None)
        .await;
    assert_eq!(st, 204);
    assert_eq!(me(&s, &one).await.0, 401);
    assert_eq!(me(&s, &two).await.0, 401);
    assert_eq!(
        me(&s, &admin).await.0,
        200,
        "another user's login ended too"
    );
    let again = login_token(&s, "bob", new_password).await;
    assert_eq!(me(&s, &again).await.0, 200);

    // A role change needs no new token: the role is read on every request.
    assert_eq!(
        patch(&s, &admin, "bob", json!({ "role": "viewer" }))
            .await
            .0,
        200
    );
    let (st, m) = me(&s, &again).await;
    assert_eq!((st, m["role"].as_str()), (200, Some("viewer")));
}

async fn a_deleted_users_token_does_not_work_for_a_new_user_of_the_same_name(s: TestServer) {
    let admin = s.user("ada", Role::Admin).await;
    s.user("bob", Role::Viewer).await;
    let old = login_token(&s, "bob", PASSWORD).await;
    let (st, _, _) = s
        .call(Method::DELETE, "/api/users/bob", Some(&admin), None)
        .await;
    assert_eq!(st, 204);
    let (st, _) = s
        .post(
            "/api/users",
            &admin,
            json!({ "username": "bob", "password": "a long enough password", "role": "admin" }),
        )
        .await;
    assert_eq!(st, 201);
    let got = s.call(Method::GET, "/api/users", Some(&old), None).await;
    assert_problem(&got, 401, "no longer exists");
    let new = login_token(&s, "bob", "a long enough password").await;
    let (st, m) = me(&s, &new).await;
    assert_eq!((st, m["role"].as_str()), (200, Some("admin")));
}

async fn an_api_token_is_capped_by_its_creators_role_and_revoked_when_they_go(s: TestServer) {
    let ada = s.user("ada", Role::Admin).await;
    let eve = s.user("eve", Role::Admin).await;
    let (st, t) = s
        .post(
            "/api/tokens",
            &eve,
            json!({ "name": "eves", "role": "admin" }),
        )
        .await;
    assert_eq!(st, 201, "{t}");
    let secret = t["secret"].as_str().unwrap().to_string();
    let new_user =
        |n: &str| json!({ "username": n, "password": "a long enough password", "role": "admin" });
    assert_eq!(
        s.post("/api/users", &secret, new_user("made1")).await.0,
        201
    );

    // Demoted creator: the token acts with the creator's role, not its own.
    assert_eq!(
        patch(&s, &ada, "eve", json!({ "role": "operator" }))
            .await
            .0,
        200
    );
    let (st, m) = me(&s, &secret).await;
    assert_eq!((st, m["role"].as_str()), (200, Some("operator")));
    let got = s
        .call(
            Method::POST,
            "/api/users",
            Some(&secret),
            Some(new_user("made2")),
        )
        .await;
    assert_problem(&got, 403, "needs admin");
    assert_eq!(s.get("/api/jobs", &secret).await.0, 200);
    assert_eq!(
        patch(&s, &ada, "eve", json!({ "role": "admin" })).await.0,
        200
    );
    assert_eq!(me(&s, &secret).await.1["role"], "admin");

    // Disabled creator: the token is revoked, and stays so after enable.
    assert_eq!(
        patch(&s, &ada, "eve", json!({ "disabled": true })).await.0,
        200
    );
    assert_eq!(me(&s, &secret).await.0, 401);
    assert_eq!(
        patch(&s, &ada, "eve", json!({ "disabled": false })).await.0,
        200
    );
    assert_eq!(me(&s, &secret).await.0, 401);

    // Deleted creator: the token is revoked; a new user of that name does not revive it.
    let eve = s.token_for("eve").await;
    let (_, t2) = s
        .post(
            "/api/tokens",
            &eve,
            json!({ "name": "eves2", "role": "admin" }),
        )
        .await;
    let secret2 = t2["secret"].as_str().unwrap().to_string();
    assert_eq!(me(&s, &secret2).await.0, 200);
    let (st, _, _) = s
        .call(Method::DELETE, "/api/users/eve", Some(&ada), None)
        .await;
    assert_eq!(st, 204);
    let got = s
        .call(
            Method::POST,
            "/api/users",
            Some(&secret2),
            Some(new_user("made3")),
        )
        .await;
    assert_problem(&got, 401, "creator");
    assert_eq!(s.post("/api/users", &ada, new_user("eve")).await.0, 201);
    assert_eq!(me(&s, &secret2).await.0, 401);
    let (_, listed) = s.get("/api/tokens", &ada).await;
    for t in listed.as_array().unwrap() {
        assert!(t["revoked_at"].is_string(), "not revoked: {t}");
    }
}

async fn the_last_admin_cannot_be_demoted_disabled_or_deleted(s: TestServer) {
    let ada = s.user("ada", Role::Admin).await;
    // Ada may not demote herself anyway (409); the store refuses the last admin's demotion,
    // disable and deletion whoever asks.
    let got = s
        .call(
            Method::PATCH,
            "/api/users/ada",
            Some(&ada),
            Some(json!({ "role": "viewer" })),
        )
        .await;
    assert_problem(&got, 409, "yourself");
    let last = |role: Option<Role>, disabled: Option<bool>| {
        let db = s.t.db.clone();
        async move {
            db.run(move |c| users::update(c, "ada", role, None, disabled, clock::now()))
                .await
                .unwrap()
        }
    };
    assert_eq!(
        last(Some(Role::Viewer), None).await,
        users::Change::LastAdmin
    );
    assert_eq!(last(None, Some(true)).await, users::Change::LastAdmin);
    let got =
        s.t.db
            .run(|c| users::delete(c, "ada", clock::now()))
            .await
            .unwrap();
    assert_eq!(got, users::Change::LastAdmin);
    assert_eq!(me(&s, &ada).await.1["role"], "admin");
    // A disabled admin does not count: with bob disabled, ada is still the last one.
    s.user("bob", Role::Admin).await;
    assert_eq!(
        patch(&s, &ada, "bob", json!({ "disabled": true })).await.0,
        200
    );
    assert_eq!(
        last(Some(Role::Operator), None).await,
        users::Change::LastAdmin
    );
    // Through the API, by another admin: bob, enabled again, demotes ada (fine: bob
    // stays), then ada — an operator now — cannot touch bob; and bob cannot demote
    // himself, the last admin.
    assert_eq!(
        patch(&s, &ada, "bob", json!({ "disabled": false })).await.0,
        200
    );
    let bob = s.token_for("bob").await;
    assert_eq!(
        patch(&s, &bob, "ada", json!({ "role": "operator" }))
            .await
            .0,
        200
    );
    assert_eq!(
        patch(&s, &ada, "bob", json!({ "role": "viewer" })).await.0,
        403
    );
    let got = s
        .call(
            Method::PATCH,
            "/api/users/bob",
            Some(&bob),
            Some(json!({ "disabled": true })),
        )
        .await;
    assert_problem(&got, 409, "yourself");
}

async fn two_admins_demoting_each_other_at_once_leave_one_admin(s: TestServer) {
    for round in 0..5 {
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let ta = s.user(&a, Role::Admin).await;
        let tb = s.user(&b, Role::Admin).await;
        // Everyone else steps down first, so these two are the only admins.
        for prev in 0..round {
            for n in [format!("a{prev}"), format!("b{prev}")] {
                let n2 = n.clone();
                s.t.db
                    .run(move |c| {
                        users::update(c, &n2, Some(Role::Viewer), None, None, clock::now())
                    })
                    .await
                    .unwrap();
            }
        }
        let (x, y) = tokio::join!(
            patch(&s, &ta, &b, json!({ "role": "viewer" })),
            patch(&s, &tb, &a, json!({ "role": "viewer" })),
        );
        let admins =
            s.t.db
                .run(users::list)
                .await
                .unwrap()
                .into_iter()
                .filter(|u| u.role == Role::Admin && !u.disabled)
                .count();
        assert!(admins >= 1, "round {round}: no admin left ({x:?}, {y:?})");
        for (st, body) in [&x, &y] {
            assert!(
                *st == 200 || *st == 409 || *st == 403,
                "round {round}: {st} {body}"
            );
        }
    }
}

async fn deleting_oneself_through_ones_own_api_token_is_refused(s: TestServer) {
    let ada = s.user("ada", Role::Admin).await;
    s.user("bob", Role::Admin).await;
    let (_, t) = s
        .post(
            "/api/tokens",
            &ada,
            json!({ "name": "adas", "role": "admin" }),
        )
        .await;
    let secret = t["secret"].as_str().unwrap().to_string();
    let got = s
        .call(Method::DELETE, "/api/users/ada", Some(&secret), None)
        .await;
    assert_problem(&got, 409, "cannot delete yourself");
    for change in [json!({ "role": "viewer" }), json!({ "disabled": true })] {
        let got = s
            .call(Method::PATCH, "/api/users/ada", Some(&secret), Some(change))
            .await;
        assert_problem(&got, 409, "yourself");
    }
    assert_eq!(me(&s, &ada).await.0, 200);
    assert_eq!(me(&s, &secret).await.1["role"], "admin");
    // A token is not signed out: it is revoked.
    let got = s
        .call(Method::POST, "/api/auth/logout", Some(&secret), None)
        .await;
    assert_problem(&got, 400, "revoke");
}

async fn an_empty_bulk_filter_acts_on_nothing_without_all(s: TestServer) {
    let op = s.user("otto", Role::Operator).await;
    let jobs: Vec<Value> = (0..3)
        .map(|_| json!({ "queue": "q", "kind": "noop", "run_at": "2037-01-01T00:00:00Z" }))
        .collect();
    let (st, body) = s.post("/api/jobs", &op, json!({ "jobs": jobs })).await;
    assert!(st.is_success(), "{body}");
    for body in [
        json!({ "action": "cancel", "filter": {} }),
        json!({ "action": "cancel", "filter": { "max_id": 1000 } }),
        json!({ "action": "cancel", "filter": { "text": "" } }),
        json!({ "action": "cancel", "filter": {}, "dry_run": true }),
    ] {
        let got = s
            .call(Method::POST, "/api/jobs/actions", Some(&op), Some(body))
            .await;
        assert_problem(&got, 400, "\"all\": true");
    }
    let (_, page) = s.get("/api/jobs?state=scheduled", &op).await;
    assert_eq!(page["jobs"].as_array().unwrap().len(), 3, "{page}");
    let (st, dry) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "cancel", "filter": {}, "all": true, "dry_run": true }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), dry["matched"].as_i64()),
        (200, Some(3)),
        "{dry}"
    );
    let (st, done) = s
        .post(
            "/api/jobs/actions",
            &op,
            json!({ "action": "cancel", "all": true }),
        )
        .await;
    assert_eq!(
        (st.as_u16(), done["changed"].as_i64()),
        (200, Some(3)),
        "{done}"
    );
}

async fn a_success_at_one_account_does_not_reset_guesses_at_another(s: TestServer) {
    s.user("bob", Role::Viewer).await;
    let mut limited = 0;
    for i in 0..27 {
        // One guess each at many accounts (no account reaches its own limit) …
        let (st, _) = login(&s, &format!("user{i}"), "guess").await;
        if st == 429 {
            limited += 1;
        }
        // … and between them a good sign-in from the same client, which must not wipe
        // the client's count.
        let _ = login(&s, "bob", PASSWORD).await;
    }
    assert!(limited > 0, "27 guesses from one client, none limited");
}

async fn failed_sign_ins_back_off_instead_of_locking_the_account(s: TestServer) {
    s.user("ada", Role::Admin).await;
    let mut wait = None;
    for _ in 0..12 {
        let got = s
            .call(
                Method::POST,
                "/api/auth/login",
                None,
                Some(json!({ "username": "ada", "password": "wrong" })),
            )
            .await;
        if got.0 == 429 {
            let detail = got.1["detail"].as_str().unwrap().to_string();
            let secs: u64 = detail
                .split("try again in ")
                .nth(1)
                .and_then(|t| t.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no wait in {detail:?}"));
            wait = Some(secs);
        }
    }
    let wait = wait.expect("twelve wrong passwords and never a 429");
    assert!(wait <= 2, "blocked for {wait} s after the first failures");
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    let (st, body) = login(&s, "ada", PASSWORD).await;
    assert_eq!(st, 200, "the right password after the back-off: {body}");
}

async fn the_login_answer_is_never_cached(s: TestServer) {
    s.user("ada", Role::Admin).await;
    let resp = s
        .client
        .post("/api/auth/login")
        .body_json(&json!({ "username": "ada", "password": PASSWORD }))
        .send()
        .await;
    resp.assert_status_is_ok();
    resp.assert_header("cache-control", "no-store");
}
