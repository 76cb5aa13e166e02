//! `GET /api/live` on a real server over loopback: refused without a token, a `change`
//! arrives when a job changes state in the database (written as a worker on another host
//! would, not through this server), a client that falls behind is resynced rather than cut
//! off, a gone client's stream is dropped, and closing the hub ends every stream.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests and their helpers unwrap: the panic is the failure report"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use longjobs_core::access::Role;
use longjobs_core::queue::{self, EnqueueRequest};
use longjobs_core::testing::TestDb;
use longjobs_core::{clock, maintenance};
use longjobs_openapi::{LiveEvent, LiveKind, LiveTopic};
use longjobs_server::serve::{ServeOptions, serve};
use longjobs_server::service::live::{BACKLOG, Live};
use longjobs_server::{AppState, HttpOptions, app};

mod common;
use common::TestServer;

/// How long a test waits for an event it expects.
const PATIENCE: Duration = Duration::from_secs(15);

struct Stack {
    server: TestServer,
    addr: SocketAddr,
    live: Arc<Live>,
    http: reqwest::Client,
}

impl Stack {
    /// A server on a loopback port whose hub reads the database every 200 ms.
    async fn start(t: TestDb) -> Stack {
        let mut server = TestServer::new(t).await;
        let live = Live::with_tick(
            server.t.db.clone(),
            server.state.counts.clone(),
            Duration::from_millis(200),
        );
        server.state.live = live.clone();
        let state: AppState = server.state.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let ep = app(state, &HttpOptions::default());
        tokio::spawn(serve(
            listener,
            ep,
            ServeOptions::default(),
            std::future::pending(),
        ));
        Stack {
            server,
            addr,
            live,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/api/live", self.addr)
    }

    async fn open(&self, token: &str) -> Events {
        let resp = self
            .http
            .get(self.url())
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Events {
            body: Box::pin(resp.bytes_stream()),
            buf: String::new(),
        }
    }
}

/// The events of one open stream, parsed as a browser would (blank-line separated blocks
/// of `event:` and `data:` lines; comment lines skipped).
struct Events {
    body: futures_util::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buf: String,
}

impl Events {
    /// The next event; `None` when the stream ended or nothing came within `wait`.
    async fn next_within(&mut self, wait: Duration) -> Option<(String, LiveEvent)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut name = None;
                let mut data = None;
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        name = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        data = Some(v.to_string());
                    }
                }
                if let (Some(name), Some(data)) = (name, data) {
                    let ev: LiveEvent = serde_json::from_str(&data)
                        .unwrap_or_else(|e| panic!("event data {data:?}: {e}"));
                    assert_eq!(ev.kind.as_str(), name, "event field and kind agree");
                    return Some((name, ev));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .ok()??;
            self.buf
                .push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }

    /// Waits for a `change` naming `topic`, skipping others; the event found.
    async fn change_of(&mut self, topic: LiveTopic) -> LiveEvent {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let (_, ev) = self
                .next_within(left)
                .await
                .unwrap_or_else(|| panic!("no change of {topic:?} within {PATIENCE:?}"));
            if ev.kind == LiveKind::Change && ev.topics.contains(&topic) {
                return ev;
            }
        }
    }
}

async fn refused_without_a_token_and_a_job_changing_state_is_pushed(t: TestDb) {
    let s = Stack::start(t).await;

    // No token, a garbage token: 401 problem+json, no stream.
    let resp = s.http.get(s.url()).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let resp = s
        .http
        .get(s.url())
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(s.live.streams(), 0, "a refused request opened no stream");

    let viewer = s.server.user("vera", Role::Viewer).await;
    let mut events = s.open(&viewer).await;
    let (name, hello) = events.next_within(PATIENCE).await.expect("hello");
    assert_eq!(name, "hello");
    assert_eq!(hello.topics, LiveTopic::ALL.to_vec());
    assert_eq!(s.live.streams(), 1);

    // A job enqueued, claimed and completed straight in the database, as by a worker on
    // another host: each step is pushed as a change of `jobs`.
    let db = s.server.t.db.clone();
    let job = db
        .run(|c| queue::enqueue(c, &EnqueueRequest::new("live", "noop")))
        .await
        .unwrap();
    let ev = events.change_of(LiveTopic::Jobs).await;
    assert!(
        !ev.topics.contains(&LiveTopic::Maintenance),
        "only what changed: {:?}",
        ev.topics
    );
    let claimed = db
        .run(|c| {
            let now = clock::now();
            queue::claim(
                c,
                "live",
                1,
                "w-elsewhere",
                now,
                now + clock::delta(Duration::from_secs(60)),
            )
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, job.job.id);
    events.change_of(LiveTopic::Jobs).await;
    let id = job.job.id;
    let done = db
        .run(move |c| queue::complete_many(c, "w-elsewhere", &[id], clock::now()))
        .await
        .unwrap();
    assert_eq!(done, 1);
    events.change_of(LiveTopic::Jobs).await;

    // A maintenance switch set in the database: a change of `maintenance`, not of `jobs`.
    db.run(|c| maintenance::set(c, "defer_zenodo", "someone", clock::now()))
        .await
        .unwrap();
    let ev = events.change_of(LiveTopic::Maintenance).await;
    assert!(!ev.topics.contains(&LiveTopic::Jobs), "{:?}", ev.topics);

    // A queue limit and a paused kind, set while workers run: a change of `queues`.
    db.run(|c| {
        let limits = queue::QueueLimits {
            concurrency: Some(2),
            rate: None,
        };
        queue::set_limits(c, "live", limits, clock::now())
    })
    .await
    .unwrap();
    let ev = events.change_of(LiveTopic::Queues).await;
    assert!(!ev.topics.contains(&LiveTopic::Jobs), "{:?}", ev.topics);
    // The queue's row exists now: a new limit alone is a change too.
    db.run(|c| {
        let limits = queue::QueueLimits {
            concurrency: Some(3),
            rate: Some((30, 60)),
        };
        queue::set_limits(c, "live", limits, clock::now())
    })
    .await
    .unwrap();
    events.change_of(LiveTopic::Queues).await;
    db.run(|c| queue::set_kind_paused(c, "noop", true, "someone", clock::now()))
        .await
        .unwrap();
    events.change_of(LiveTopic::Queues).await;

    // Nothing changes: nothing is sent (heartbeats are comments, not events).
    assert!(
        events.next_within(Duration::from_secs(2)).await.is_none(),
        "no event without a change"
    );

    // Closing the hub (server shutdown) ends the stream.
    s.live.close();
    assert!(events.next_within(PATIENCE).await.is_none());
}

async fn a_client_that_falls_behind_is_resynced_and_a_gone_one_is_dropped(t: TestDb) {
    let s = Stack::start(t).await;
    let viewer = s.server.user("vera", Role::Viewer).await;
    let mut events = s.open(&viewer).await;
    assert_eq!(
        events.next_within(PATIENCE).await.expect("hello").0,
        "hello"
    );

    // Far more changes than a stream may lag behind, sent faster than any client reads:
    // the stream drops the excess and says `resync` instead of failing or buffering them.
    let burst = 10_000;
    for _ in 0..burst {
        s.live.publish(vec![LiveTopic::Zenodo].into());
    }
    let mut changes = 0;
    let mut resyncs = 0;
    while let Some((_, ev)) = events.next_within(Duration::from_secs(2)).await {
        match ev.kind {
            LiveKind::Change => changes += 1,
            LiveKind::Resync => {
                assert_eq!(ev.topics, LiveTopic::ALL.to_vec());
                resyncs += 1
            }
            LiveKind::Hello => panic!("a second hello"),
        }
    }
    assert!(resyncs >= 1, "the lagging stream was told to resync");
    assert!(
        changes < burst / 10,
        "the excess was dropped, not queued: {changes} changes arrived (backlog {BACKLOG})"
    );

    // The stream goes on: a real change after the burst still arrives.
    s.server
        .t
        .db
        .run(|c| queue::enqueue(c, &EnqueueRequest::new("live", "noop")))
        .await
        .unwrap();
    events.change_of(LiveTopic::Jobs).await;

    // A client that goes away: its stream is dropped at the next event or heartbeat.
    drop(events);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while s.live.streams() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gone client's stream was not dropped"
        );
        s.live.publish(vec![LiveTopic::Jobs].into());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

longjobs_core::on_every_database! { threads = 2;
    refused_without_a_token_and_a_job_changing_state_is_pushed,
    a_client_that_falls_behind_is_resynced_and_a_gone_one_is_dropped,
}
