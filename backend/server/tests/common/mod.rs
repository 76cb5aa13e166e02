//! A server over a real test database, driven through poem's test client.

#![allow(dead_code)]

use std::time::Duration;

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_core::testing::TestDb;
use longjobs_server::auth::{AuthConfig, hash_password, issue};
use longjobs_server::policy::ApiPolicy;
use longjobs_server::{AppState, HttpOptions, app};
use poem::http::{Method, StatusCode};
use poem::test::TestClient;
use poem::{EndpointExt, Response};
use serde_json::Value;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestServer {
    pub t: TestDb,
    pub state: AppState,
    pub client: TestClient<poem::endpoint::BoxEndpoint<'static, Response>>,
}

impl TestServer {
    pub async fn new(t: TestDb) -> Self {
        Self::with_options(t, HttpOptions::default()).await
    }

    pub async fn with_options(t: TestDb, opts: HttpOptions) -> Self {
        Self::with_policy(t, opts, ApiPolicy::default()).await
    }

    /// A server with these acceptance rules (job kinds, source hosts).
    pub async fn with_policy(t: TestDb, opts: HttpOptions, policy: ApiPolicy) -> Self {
        let state = AppState::new(
            t.db.clone(),
            AuthConfig::new(SECRET.to_vec(), Duration::from_secs(3600)),
            policy,
        );
        let ep = app(state.clone(), &opts).map_to_response().boxed();
        TestServer {
            t,
            state,
            client: TestClient::new(ep),
        }
    }

    /// Creates a user with [`PASSWORD`] and returns a login token for them.
    pub async fn user(&self, name: &str, role: Role) -> String {
        let hash = hash_password(PASSWORD).unwrap();
        let n = name.to_string();
        let u = self
            .t
            .db
            .run(move |c| users::create(c, &n, &hash, role, clock::now()))
            .await
            .unwrap();
        login_token(&u)
    }

    /// A login token for the user named, as they are now (current id and token version).
    pub async fn token_for(&self, name: &str) -> String {
        let n = name.to_string();
        let u = self
            .t
            .db
            .run(move |c| users::find(c, &n))
            .await
            .unwrap()
            .unwrap();
        login_token(&u)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value, Option<String>) {
        let mut req = self.client.request(method, path);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req.body_json(&b);
        }
        let resp = req.send().await;
        let status = resp.0.status();
        let ctype = resp
            .0
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = resp.0.into_body().into_string().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value, ctype)
    }

    /// The status of an answer whose body is not read (a stream that stays open).
    pub async fn status_of(&self, method: Method, path: &str, token: &str) -> StatusCode {
        let resp = self
            .client
            .request(method, path)
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await;
        resp.0.status()
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::GET, path, Some(token), None).await;
        (s, v)
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        let (s, v, _) = self.call(Method::POST, path, Some(token), Some(body)).await;
        (s, v)
    }
}

/// A login token for this user, signed with [`SECRET`].
pub fn login_token(u: &users::User) -> String {
    issue(
        SECRET,
        u.id,
        &u.username,
        u.token_version,
        Duration::from_secs(600),
    )
    .unwrap()
    .0
}

/// Asserts a problem+json answer with `status` whose detail contains `needle`.
pub fn assert_problem(got: &(StatusCode, Value, Option<String>), status: u16, needle: &str) {
    let (s, v, ctype) = got;
    assert_eq!(s.as_u16(), status, "body: {v}");
    assert_eq!(
        ctype.as_deref(),
        Some("application/problem+json"),
        "content type for {v}"
    );
    assert_eq!(v["status"].as_u64(), Some(u64::from(status)), "{v}");
    assert!(
        v["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{v}"
    );
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(needle),
        "detail {detail:?} lacks {needle:?}"
    );
}
