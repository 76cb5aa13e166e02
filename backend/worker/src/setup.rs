//! A worker with everything longjobs runs: the built-in kinds, Zenodo and Merritt jobs,
//! the periodic tasks that keep copies honest (reconcile) and probe Zenodo and Merritt,
//! the daily retry as a periodic job run at a configured time of day, and notifications.

use std::sync::Arc;
use std::time::Duration;

use longjobs_core::Db;
use longjobs_core::clock::parse_duration;
use longjobs_core::periodic::parse_time_of_day;
use longjobs_notify::{Notifier, NotifyConfig};
use longjobs_replication::merritt::{MerrittConfig, MerrittContext};
use longjobs_replication::source::{SourceFetcher, SourcePolicy};
use longjobs_replication::zenodo::{ZenodoConfig, ZenodoContext};
use longjobs_replication::{DEFAULT_DAILY_RETRY_LIMIT, daily, remotes, zenodo};

use crate::config::{WorkerConfig, hostname};
use crate::{Worker, kinds};

/// How often copies left `replicating` by a stopped or lost job are put right.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(10);

/// Where the remote services are, and the replication timings.
#[derive(clap::Args, Debug, Clone)]
pub struct ReplicationSettings {
    /// Zenodo's base URL (the API is under /api); the default is the local simulator.
    #[arg(
        long,
        env = "LONGJOBS_ZENODO_URL",
        default_value = "http://127.0.0.1:8089/zenodo"
    )]
    pub zenodo_url: String,
    /// Zenodo access token.
    #[arg(
        long,
        env = "LONGJOBS_ZENODO_TOKEN",
        default_value = "sim-token",
        hide_env_values = true
    )]
    pub zenodo_token: String,
    /// Merritt's base URL; the default is the local simulator.
    #[arg(
        long,
        env = "LONGJOBS_MERRITT_URL",
        default_value = "http://127.0.0.1:8089/merritt"
    )]
    pub merritt_url: String,
    /// Merritt collection searched for deposited objects.
    #[arg(long, env = "LONGJOBS_MERRITT_COLLECTION", default_value = "dryad")]
    pub merritt_collection: String,
    #[arg(long, env = "LONGJOBS_MERRITT_USER")]
    pub merritt_user: Option<String>,
    #[arg(long, env = "LONGJOBS_MERRITT_PASSWORD", hide_env_values = true)]
    pub merritt_password: Option<String>,
    /// How often the completion checker looks for a deposited object.
    #[arg(long, env = "LONGJOBS_MERRITT_CHECK_INTERVAL", value_parser = parse_duration, default_value = "10s")]
    pub merritt_check_interval: Duration,
    /// How long an object may take to appear before the submission is an error.
    #[arg(long, env = "LONGJOBS_MERRITT_CHECK_TIMEOUT", value_parser = parse_duration, default_value = "1d")]
    pub merritt_check_timeout: Duration,
    /// First retry delay after a Zenodo or Merritt failure (doubles after).
    #[arg(long, env = "LONGJOBS_REMOTE_RETRY_BASE", value_parser = parse_duration, default_value = "15s")]
    pub remote_retry_base: Duration,
    /// The daily retry resends a copy in error at most this many times (its own resends,
    /// not attempts; copies an operator excluded are skipped).
    #[arg(long, env = "LONGJOBS_DAILY_RETRY_LIMIT", default_value_t = DEFAULT_DAILY_RETRY_LIMIT)]
    pub daily_retry_limit: i32,
    /// Time of day (UTC, `HH:MM`) the daily retry of copies in error runs.
    #[arg(long, env = "LONGJOBS_DAILY_RETRY_AT", value_parser = parse_time_of_day, default_value = "03:00")]
    pub daily_retry_at: chrono::NaiveTime,
    /// Hosts file URLs may name (comma-separated: host, *.domain, host:port); none by
    /// default, so every copy and submission is refused until it is set.
    #[arg(long, env = "LONGJOBS_SOURCE_HOSTS", value_delimiter = ',')]
    pub source_hosts: Vec<String>,
    /// Non-public networks a source host may resolve to all the same (comma-separated
    /// CIDRs, e.g. 127.0.0.1/32 for a local simulator); loopback, private, link-local and
    /// other non-public addresses are refused otherwise.
    #[arg(long, env = "LONGJOBS_SOURCE_PRIVATE_NETWORKS", value_delimiter = ',')]
    pub source_private_networks: Vec<String>,
    /// A file transfer fails (and retries) when no byte moves for this long: a source that
    /// stops sending, or Zenodo taking no bytes and giving no answer.
    #[arg(long, env = "LONGJOBS_TRANSFER_IDLE_TIMEOUT", value_parser = parse_duration, default_value = "60s")]
    pub transfer_idle_timeout: Duration,
}

/// The worker `longjobs-worker` runs; `notify` says where notifications go (none when no
/// channel is configured: then only old outbox events are pruned).
pub fn full_worker(
    db: Db,
    cfg: WorkerConfig,
    s: &ReplicationSettings,
    notify: &NotifyConfig,
) -> anyhow::Result<Worker> {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(30))
        .user_agent(concat!("longjobs/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let sources = SourcePolicy::from_settings(&s.source_hosts, &s.source_private_networks)
        .map_err(anyhow::Error::msg)?;
    if sources.hosts.is_empty() {
        tracing::warn!(
            "LONGJOBS_SOURCE_HOSTS is empty: every Zenodo copy and Merritt submission will be refused"
        );
    }
    anyhow::ensure!(
        !s.transfer_idle_timeout.is_zero(),
        "LONGJOBS_TRANSFER_IDLE_TIMEOUT must be longer than 0s"
    );
    let zen = Arc::new(ZenodoContext {
        db: db.clone(),
        http: http.clone(),
        config: ZenodoConfig {
            base_url: s.zenodo_url.clone(),
            token: s.zenodo_token.clone(),
            sources: SourceFetcher::new(sources.clone(), s.transfer_idle_timeout)?,
        },
    });
    let mer = Arc::new(MerrittContext {
        db: db.clone(),
        http,
        config: MerrittConfig {
            base_url: s.merritt_url.clone(),
            collection: s.merritt_collection.clone(),
            user: s.merritt_user.clone(),
            password: s.merritt_password.clone(),
            sources,
        },
        check_interval: s.merritt_check_interval,
        check_timeout: s.merritt_check_timeout,
        host: hostname(),
    });
    let probes = (
        zen.http.clone(),
        zen.config.clone(),
        mer.config.clone(),
        mer.host.clone(),
    );
    let notifier = Arc::new(Notifier::new(db.clone(), notify.clone())?);
    let registry = longjobs_replication::register(
        kinds::builtin(),
        zen,
        mer,
        s.remote_retry_base,
        s.daily_retry_limit,
    );
    let registry = longjobs_notify::register(registry, notifier.clone());
    let tick_every = notify.check_interval;
    Ok(Worker::new(db, cfg, registry)
        .with_periodic(
            "notifications",
            tick_every,
            Arc::new(move |_db: Db| {
                let n = notifier.clone();
                Box::pin(async move {
                    n.tick().await?;
                    Ok(())
                })
            }),
        )
        .with_periodic(
            "reconcile zenodo copies",
            RECONCILE_EVERY,
            Arc::new(|db: Db| {
                Box::pin(async move {
                    let n = db.run(zenodo::store::reconcile).await?;
                    if n > 0 {
                        tracing::warn!(
                            copies = n,
                            "put right copies left replicating by a stopped job"
                        );
                    }
                    Ok(())
                })
            }),
        )
        .with_periodic_from_start(
            "probe zenodo and merritt",
            remotes::PROBE_EVERY,
            Arc::new(move |db: Db| {
                let (http, zenodo, merritt, host) = probes.clone();
                Box::pin(async move {
                    let (z, m) = tokio::join!(
                        remotes::probe_zenodo(&http, &zenodo, &host),
                        remotes::probe_merritt(&http, &merritt, &host)
                    );
                    db.run(move |c| {
                        remotes::record(c, &z)?;
                        remotes::record(c, &m)
                    })
                    .await?;
                    Ok(())
                })
            }),
        )
        .with_periodic_jobs(vec![daily::definition(s.daily_retry_at)]))
}
