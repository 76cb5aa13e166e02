//! longjobs notifications: e-mail (SMTP) and webhook digests of the events in the outbox
//! (`longjobs_core::outbox`): copies and submissions that ended in error, and alert
//! conditions (a maintenance switch on too long, too many jobs in flight, a worker gone).
//!
//! Every worker runs [`Notifier::tick`] periodically: it records alert conditions that
//! began and, once the oldest waiting event is a window old, enqueues the `notify.send`
//! job under a unique key — so one digest goes out per window, from one worker, and events
//! recorded while every worker was down are sent when one comes back.

pub mod conditions; // alert conditions: found, recorded once, forgotten when they end
pub mod config; // notification settings and the alert limits
pub mod digest; // the text of a digest
pub mod email; // sending by SMTP
pub mod hooks; // delivering host events to a signed webhook
pub mod send; // sending what waits in the outbox
#[cfg(feature = "testing")]
pub mod testing; // a recording SMTP and webhook for tests
pub mod webhook; // sending digests to a webhook

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::handler::{BackgroundJob, JobContext, JobError, Registry};
use longjobs_core::host_events;
use longjobs_core::outbox;
use longjobs_core::queue::{self, RetryPolicy};
use longjobs_core::{Db, clock};
use serde::{Deserialize, Serialize};

pub use config::{NotifyConfig, NotifySettings};
pub use send::{Sent, send_pending};

/// The job kind that sends digests.
pub const KIND_NOTIFY_SEND: &str = "notify.send";
/// Held by the one live `notify.send` job, so two workers never send at once.
pub const SEND_UNIQUE_KEY: &str = "notify.send";
/// Time limit of one sending attempt.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Sends notifications for a worker.
pub struct Notifier {
    pub db: Db,
    pub config: NotifyConfig,
    pub http: reqwest::Client,
}

/// What one [`Notifier::tick`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tick {
    /// Alert conditions that began.
    pub began: Vec<conditions::Holding>,
    /// Whether a new `notify.send` job was enqueued.
    pub scheduled: bool,
    /// Events deleted after their retention.
    pub pruned: usize,
    /// Whether a new `events.deliver` job was enqueued for the host's webhook.
    pub hooks_scheduled: bool,
}

impl Notifier {
    pub fn new(db: Db, config: NotifyConfig) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("longjobs/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Notifier { db, config, http })
    }

    /// Checks the alert conditions, enqueues a digest when one is due, prunes old events.
    pub async fn tick(&self) -> anyhow::Result<Tick> {
        let mut tick = Tick::default();
        let before = clock::now() - clock::delta(config::EVENT_RETENTION);
        tick.pruned = self.db.run(move |c| outbox::prune(c, before)).await?;
        tick.pruned += self.db.run(move |c| host_events::prune(c, before)).await?;
        if self.config.host_hook.is_some()
            && self
                .db
                .run(|c| host_events::delivery_due(c, clock::now()))
                .await?
        {
            let request = DeliverJob {}
                .request_in(&self.config.queue)
                .unique_key(hooks::DELIVER_UNIQUE_KEY)
                .priority(100);
            tick.hooks_scheduled = self
                .db
                .run(move |c| queue::enqueue(c, &request))
                .await?
                .inserted;
        }
        if !self.config.enabled() {
            return Ok(tick);
        }
        let limits = self.config.alerts.clone();
        tick.began = self.db.run(move |c| conditions::check(c, &limits)).await?;
        for h in &tick.began {
            tracing::warn!(alert = %h.kind, key = %h.key, "{}", h.subject);
        }
        let oldest = self.db.run(outbox::oldest_pending).await?;
        let due = clock::now() - clock::delta(self.config.window);
        if oldest.is_some_and(|t| t <= due) {
            let request = SendJob {}
                .request_in(&self.config.queue)
                .unique_key(SEND_UNIQUE_KEY)
                .priority(100);
            tick.scheduled = self
                .db
                .run(move |c| queue::enqueue(c, &request))
                .await?
                .inserted;
        }
        Ok(tick)
    }

    /// Delivers the host's due events (the `events.deliver` job's work); nothing when no
    /// event webhook is configured.
    /// What the server does every check interval, so alerts do not die with the workers
    /// they watch: the conditions are recorded (with every worker stopped, `no_worker`
    /// begins), and while no worker is alive to run `notify.send`, a due digest is sent from
    /// here. Returns the conditions that began and whether a digest went out.
    pub async fn watch(&self) -> anyhow::Result<(Vec<conditions::Holding>, Option<Sent>)> {
        if !self.config.enabled() {
            return Ok((Vec::new(), None));
        }
        let limits = self.config.alerts.clone();
        let began = self.db.run(move |c| conditions::check(c, &limits)).await?;
        for h in &began {
            tracing::warn!(alert = %h.kind, key = %h.key, "{}", h.subject);
        }
        let workers_alive = self
            .db
            .run(|c| queue::list_workers(c, Duration::from_secs(60)))
            .await?
            .iter()
            .any(|w| w.alive);
        if workers_alive {
            return Ok((began, None));
        }
        let oldest = self.db.run(outbox::oldest_pending).await?;
        let due = clock::now() - clock::delta(self.config.window);
        if oldest.is_none_or(|t| t > due) {
            return Ok((began, None));
        }
        Ok((began, Some(self.send_pending().await?)))
    }

    /// Runs [`Notifier::watch`] every check interval until the process ends; an error is
    /// logged and the next round tries again.
    pub async fn watch_forever(self) {
        let mut every = tokio::time::interval(self.config.check_interval);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = self.watch().await {
                tracing::warn!(error = %e, "checking the alert conditions failed");
            }
        }
    }

    pub async fn deliver_events(&self) -> anyhow::Result<hooks::Delivered> {
        match &self.config.host_hook {
            Some(cfg) => hooks::deliver_pending(&self.db, cfg, &self.http).await,
            None => Ok(hooks::Delivered::default()),
        }
    }

    /// Sends what waits now (the `notify.send` job's work).
    pub async fn send_pending(&self) -> anyhow::Result<Sent> {
        send_pending(&self.db, &self.config, &self.http).await
    }
}

/// The `notify.send` job: sends the waiting events as one digest. A failed delivery is
/// retried with backoff; the events wait.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SendJob {}

impl BackgroundJob for SendJob {
    const KIND: &'static str = KIND_NOTIFY_SEND;
    const QUEUE: &'static str = config::DEFAULT_QUEUE;
    const TIMEOUT: Duration = SEND_TIMEOUT;
    type Context = Arc<Notifier>;

    async fn run(self, notifier: Arc<Notifier>, _job: JobContext) -> Result<(), JobError> {
        notifier.send_pending().await.map_err(JobError::from)?;
        Ok(())
    }
}

/// The `events.deliver` job: an event the host does not take waits with its own backoff,
/// recorded on the event, and the next tick after it sends it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeliverJob {}

impl BackgroundJob for DeliverJob {
    const KIND: &'static str = hooks::KIND_EVENTS_DELIVER;
    const QUEUE: &'static str = config::DEFAULT_QUEUE;
    const TIMEOUT: Duration = SEND_TIMEOUT;
    type Context = Arc<Notifier>;

    async fn run(self, notifier: Arc<Notifier>, _job: JobContext) -> Result<(), JobError> {
        notifier.deliver_events().await.map_err(JobError::from)?;
        Ok(())
    }
}

/// Registers `notify.send` and `events.deliver`.
pub fn register(registry: Registry, notifier: Arc<Notifier>) -> Registry {
    let retry = RetryPolicy {
        base: Duration::from_secs(30),
        max: Duration::from_secs(30 * 60),
        jitter: 0.1,
    };
    registry
        .register_job::<DeliverJob>(notifier.clone(), retry)
        .register_job::<SendJob>(notifier, retry)
}
