//! The whole stack in one test process: the real API server on loopback, a real worker
//! (the same wiring as `longjobs-worker`) and the simulators, over a real database.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use longjobs_core::access::{Role, users};
use longjobs_core::clock;
use longjobs_core::testing::TestDb;
use longjobs_server::auth::{AuthConfig, hash_password};
use longjobs_server::{AppState, HttpOptions, app};
use longjobs_sim::{SimConfig, SimHandle};
use longjobs_worker::setup::{ReplicationSettings, full_worker};
use longjobs_worker::{Shutdown, WorkerConfig};
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpListener};
use serde_json::{Value, json};
use tokio::sync::watch;

pub const PASSWORD: &str = "a long enough password";

pub struct Stack {
    pub t: TestDb,
    /// Where the next worker started sends notifications (off by default).
    pub notify: longjobs_notify::NotifyConfig,
    /// The lease of the workers started next (5 s unless a test shortens it).
    pub lease: Duration,
    /// The metrics of the worker started last.
    pub worker_metrics: Option<Arc<longjobs_worker::metrics::WorkerMetrics>>,
    pub sim: SimHandle,
    pub api: String,
    pub token: String,
    http: reqwest::Client,
    worker: Option<(
        watch::Sender<Shutdown>,
        tokio::task::JoinHandle<anyhow::Result<longjobs_worker::Summary>>,
    )>,
}

pub fn settings(sim: &SimHandle) -> ReplicationSettings {
    ReplicationSettings {
        zenodo_url: sim.zenodo_url(),
        zenodo_token: sim.zenodo_token().to_string(),
        merritt_url: sim.merritt_url(),
        merritt_collection: "dryad".into(),
        merritt_user: None,
        merritt_password: None,
        merritt_check_interval: Duration::from_millis(150),
        merritt_check_timeout: Duration::from_secs(30),
        remote_retry_base: Duration::from_millis(150),
        daily_retry_limit: 4,
        daily_retry_at: chrono::NaiveTime::from_hms_opt(3, 0, 0).unwrap(),
        // The simulator's file source is on loopback: allowed here by name, as an operator
        // would allow a private storage network.
        source_hosts: vec![sim.addr().to_string()],
        source_private_networks: vec!["127.0.0.1/32".into()],
        transfer_idle_timeout: Duration::from_secs(60),
    }
}

impl Stack {
    pub async fn start(t: TestDb) -> Stack {
        let sim = longjobs_sim::serve(SimConfig::for_tests())
            .await
            .expect("simulator");
        let state = AppState::new(
            t.db.clone(),
            AuthConfig::new(
                b"stack-test-secret-stack-test-secret".to_vec(),
                Duration::from_secs(3600),
            ),
            Default::default(),
        );
        let hash = hash_password(PASSWORD).unwrap();
        t.db.run(move |c| users::create(c, "ops", &hash, Role::Operator, clock::now()))
            .await
            .unwrap();
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app(state, &HttpOptions::default())));
        let api = format!("http://{addr}");
        let http = reqwest::Client::new();
        let login = sign_in(&http, &api).await;
        let token = login["token"].as_str().unwrap().to_string();
        let notify = longjobs_notify::NotifyConfig::from_settings(&notify_off()).unwrap();
        let mut s = Stack {
            t,
            notify,
            lease: Duration::from_secs(5),
            worker_metrics: None,
            sim,
            api,
            token,
            http,
            worker: None,
        };
        s.start_worker();
        s
    }

    /// Another server instance on the same database (as on a second host), signed in.
    pub async fn second_server(first: &Stack) -> Remote {
        let state = AppState::new(
            longjobs_core::Db::connect(&first.t.url).await.unwrap(),
            AuthConfig::new(
                b"another-secret-another-secret-xxxx".to_vec(),
                Duration::from_secs(3600),
            ),
            Default::default(),
        );
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .unwrap();
        let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app(state, &HttpOptions::default())));
        let api = format!("http://{addr}");
        let http = reqwest::Client::new();
        let login = sign_in(&http, &api).await;
        Remote {
            api,
            token: login["token"].as_str().unwrap().to_string(),
            http,
        }
    }

    pub fn start_worker(&mut self) {
        let settings = settings(&self.sim);
        self.start_worker_with(&settings);
    }

    /// Starts a worker with these replication settings instead of [`settings`].
    pub fn start_worker_with(&mut self, replication: &ReplicationSettings) {
        let mut cfg = WorkerConfig::new(vec![("zenodo".into(), 3), ("merritt".into(), 2)]);
        cfg.poll_interval = Duration::from_millis(50);
        cfg.heartbeat = Duration::from_millis(200);
        cfg.lease = self.lease;
        cfg.rescue_interval = Duration::from_millis(200);
        cfg.grace = Duration::from_secs(5);
        let worker = full_worker(self.t.db.clone(), cfg, replication, &self.notify).unwrap();
        self.worker_metrics = Some(worker.metrics());
        let (tx, rx) = watch::channel(Shutdown::Running);
        self.worker = Some((tx, tokio::spawn(worker.run(rx))));
    }

    pub async fn stop_worker(&mut self) -> longjobs_worker::Summary {
        let (tx, handle) = self.worker.take().expect("a running worker");
        tx.send(Shutdown::Graceful).unwrap();
        handle.await.unwrap().unwrap()
    }

    /// Whether a worker runs (started and not stopped or killed since).
    pub fn has_worker(&self) -> bool {
        self.worker.is_some()
    }

    /// Kills the worker: its task is aborted with its jobs mid-flight, without a word to the
    /// database (no hand-back, no stop mark), as `kill -9` would leave it. Its jobs come back
    /// once their leases expire, through the next worker's rescuer.
    pub async fn kill_worker(&mut self) {
        let (_tx, handle) = self.worker.take().expect("a running worker");
        handle.abort();
        let _ = handle.await;
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.api))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str) -> Value {
        let (st, v) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(st, 200, "GET {path}: {v}");
        v
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub fn file(&self, name: &str, size: u64, seed: u64) -> Value {
        json!({ "name": name, "size": size, "md5": longjobs_sim::expected_md5(size, seed), "url": self.sim.file_url(name, size, seed) })
    }

    /// Requests a copy; returns its id.
    pub async fn request_copy(
        &self,
        identifier: &str,
        resource_id: i64,
        copy_type: &str,
        files: Vec<Value>,
    ) -> i64 {
        let (st, v) = self
            .post("/api/zenodo/copies", json!({ "identifier": identifier, "resource_id": resource_id, "copy_type": copy_type, "metadata": metadata(), "files": files }))
            .await;
        assert_eq!(st, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn copy(&self, id: i64) -> Value {
        self.get(&format!("/api/zenodo/copies/{id}")).await
    }

    /// Polls until `pred` holds for the copy, failing with its state and log after `within`.
    pub async fn wait_copy(
        &self,
        id: i64,
        within: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        self.wait_view(id, within, what, |c| pred(&c["copy"])).await
    }

    /// Polls the whole view of copy `id` (copy, job, log) until `pred` holds.
    pub async fn wait_view(
        &self,
        id: i64,
        within: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let c = self.copy(id).await;
            if pred(&c) {
                return c;
            }
            if Instant::now() > deadline {
                panic!(
                    "copy {id} never became {what}: {}\njob: {}\nlog: {}",
                    c["copy"], c["job"], c["log"]
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Requests a Merritt submission of one file (`data.csv`); returns its id.
    pub async fn request_submission(&self, identifier: &str, resource_id: i64) -> i64 {
        let f = self.file("data.csv", 1_234, 5);
        let (st, sub) = self
            .post(
                "/api/merritt/submissions",
                json!({ "resource_id": resource_id, "identifier": identifier, "profile": "dryad_ingest", "submitter": "ops",
                        "files": [{ "url": f["url"], "size": f["size"], "md5": f["md5"], "name": "data.csv" }] }),
            )
            .await;
        assert_eq!(st, 201, "{sub}");
        sub["id"].as_i64().unwrap()
    }

    /// Polls submission `id` until it is in `state`; returns it with its history.
    pub async fn wait_submission(&self, id: i64, state: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let me = self.get(&format!("/api/merritt/submissions/{id}")).await;
            if me["state"] == state {
                return me;
            }
            assert!(Instant::now() < deadline, "submission never {state}: {me}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `GET /api/events` until it lists events and every one is stamped delivered
    /// (written just after the host answered); returns the page.
    pub async fn wait_events_delivered(&self) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let page = self.get("/api/events").await;
            let events = page["events"].as_array().unwrap();
            if !events.is_empty() && events.iter().all(|e| e["delivered_at"].is_string()) {
                return page;
            }
            assert!(Instant::now() < deadline, "never all delivered: {page}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn wait_state(&self, id: i64, state: &str) -> Value {
        self.wait_copy(id, Duration::from_secs(30), state, |c| c["state"] == state)
            .await
    }
}

/// Notification settings with no channel, whatever the environment says.
pub fn notify_off() -> longjobs_notify::NotifySettings {
    let mut s = longjobs_notify::NotifyConfig::defaults();
    s.smtp_host = None;
    s.smtp_user = None;
    s.smtp_password = None;
    s.notify_email_to = vec![];
    s.notify_webhook_url = None;
    s
}

pub fn metadata() -> Value {
    json!({
        "title": "Data from: a study of long jobs",
        "upload_type": "dataset",
        "description": "Measurements.",
        "creators": [{ "name": "Doe, Jane" }],
        "license": "cc-zero",
        "keywords": ["queues"]
    })
}

/// A second server instance.
pub struct Remote {
    pub api: String,
    pub token: String,
    http: reqwest::Client,
}

impl Remote {
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.api))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// Signs in as the operator the stack creates.
async fn sign_in(http: &reqwest::Client, api: &str) -> Value {
    http.post(format!("{api}/api/auth/login"))
        .json(&json!({ "username": "ops", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
