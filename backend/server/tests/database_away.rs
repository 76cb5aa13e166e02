//! With PostgreSQL out of reach — a loopback relay in front of the test server is cut, so
//! open connections die and new ones are refused — every operation that needs the database
//! answers 503 problem+json at once (not 500, not a hang), the probes say so, and when the
//! relay is back the same server answers again without a restart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]
#![recursion_limit = "256"]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use longjobs_core::access::{Role, users};
use longjobs_core::testing::TestDb;
use longjobs_core::{Db, clock};
use longjobs_server::auth::{AuthConfig, hash_password, issue};
use longjobs_server::{AppState, HttpOptions, app};
use poem::EndpointExt;
use poem::http::Method;
use poem::test::TestClient;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

mod common;
use common::SECRET;

/// A TCP relay that can be cut (live connections dropped, new ones closed at once).
struct Relay {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let live: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (o, l) = (open.clone(), live.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !o.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay { addr, open, live }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for task in self.live.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

/// `url` split around its host and port: (`scheme://user@`, `host:port`, `/db?…`).
fn split_authority(url: &str) -> (String, String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    (format!("{scheme}://{userinfo}"), hostport, tail.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_database_the_api_answers_503_problems_and_recovers_by_itself() {
    let t = TestDb::postgres().await.expect("test PostgreSQL");
    let hash = hash_password("a long enough password").unwrap();
    let otto =
        t.db.run(move |c| users::create(c, "otto", &hash, Role::Operator, clock::now()))
            .await
            .unwrap();
    let (head, hostport, tail) = split_authority(&t.url);
    let upstream = tokio::net::lookup_host(&hostport)
        .await
        .unwrap()
        .next()
        .unwrap();
    let relay = Relay::start(upstream).await;
    let url = format!("{head}{}{tail}", relay.addr);
    let db = Db::connect(&url).await.unwrap();
    let state = AppState::new(
        db.clone(),
        AuthConfig::new(SECRET.to_vec(), Duration::from_secs(600)),
        Default::default(),
    );
    let client = TestClient::new(app(state, &HttpOptions::default()).map_to_response());
    let token = issue(SECRET, otto.id, "otto", 0, Duration::from_secs(600))
        .unwrap()
        .0;
    let call = |method: Method, path: &'static str, body: Option<Value>, authed: bool| {
        let mut req = client.request(method, path);
        if authed {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(b) = body {
            req = req.body_json(&b);
        }
        async move {
            let resp = req.send().await;
            let status = resp.0.status().as_u16();
            let ctype = resp
                .0
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = resp.0.into_body().into_string().await.unwrap();
            (
                status,
                ctype,
                serde_json::from_str::<Value>(&text).unwrap_or_default(),
            )
        }
    };
    let needs_the_database: Vec<(Method, &'static str, Option<Value>, bool)> = vec![
        (Method::GET, "/api/jobs", None, true),
        (Method::GET, "/api/jobs/1", None, true),
        (Method::GET, "/api/jobs/count", None, true),
        (
            Method::POST,
            "/api/jobs",
            Some(json!({ "jobs": [{ "queue": "q", "kind": "noop" }] })),
            true,
        ),
        (Method::POST, "/api/jobs/1/retry", None, true),
        (Method::GET, "/api/queues", None, true),
        (Method::POST, "/api/queues/q/pause", None, true),
        (Method::GET, "/api/workers", None, true),
        (Method::GET, "/api/stats", None, true),
        (Method::GET, "/api/stats/timeseries", None, true),
        (Method::GET, "/api/stats/history?range=7d", None, true),
        (Method::GET, "/api/audit", None, true),
        (Method::GET, "/api/auth/me", None, true),
        (Method::GET, "/api/zenodo/copies", None, true),
        (Method::GET, "/api/merritt/status", None, true),
        (Method::GET, "/api/maintenance", None, true),
        (
            Method::POST,
            "/api/maintenance/drain",
            Some(json!({})),
            true,
        ),
        (
            Method::POST,
            "/api/auth/login",
            Some(json!({ "username": "otto", "password": "a long enough password" })),
            false,
        ),
    ];
    for (method, path, body, authed) in &needs_the_database {
        let (st, _, v) = call(method.clone(), path, body.clone(), *authed).await;
        assert!(st < 500, "{method} {path} with the database up: {st} {v}");
    }

    relay.cut();
    for (method, path, body, authed) in &needs_the_database {
        let (st, ctype, v) = call(method.clone(), path, body.clone(), *authed).await;
        assert_eq!(st, 503, "{method} {path} without the database: {v}");
        assert_eq!(ctype, "application/problem+json", "{method} {path}");
        assert_eq!(v["status"], 503, "{v}");
        assert_eq!(v["type"], "/problems/unavailable", "{v}");
        assert!(
            v["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("not reachable"),
            "{method} {path}: {v}"
        );
    }
    let (st, _, v) = call(Method::GET, "/readyz", None, false).await;
    assert_eq!((st, &v["database_reachable"]), (503, &json!(false)), "{v}");
    let (st, _, _) = call(Method::GET, "/healthz", None, false).await;
    assert_eq!(st, 200, "liveness does not depend on the database");

    relay.restore();
    let (st, _, v) = call(Method::GET, "/api/jobs", None, true).await;
    assert_eq!(
        st, 200,
        "the first request after the database returned: {v}"
    );

    // With eight pooled connections open when the database goes: the first request to
    // find its connection lost answers 503, and the pool drops the other seven with it
    // instead of handing each out for one more failure.
    let hold = (0..8).map(|_| {
        db.run(|_| {
            std::thread::sleep(Duration::from_millis(200));
            Ok(())
        })
    });
    for r in futures_util::future::join_all(hold).await {
        r.unwrap();
    }
    relay.cut();
    let (st, _, v) = call(Method::GET, "/api/jobs", None, true).await;
    assert_eq!(st, 503, "{v}");
    relay.restore();
    let (st, _, v) = call(Method::GET, "/api/jobs", None, true).await;
    assert_eq!(
        st, 200,
        "a dead pooled connection was handed out again: {v}"
    );
    for (method, path, body, authed) in &needs_the_database {
        let (st, _, v) = call(method.clone(), path, body.clone(), *authed).await;
        assert!(st < 500, "{method} {path} after recovery: {st} {v}");
    }
}
