//! Command-line flags of `longjobs-sim` and their translation into a [`SimConfig`].

use std::fs;
use std::net::SocketAddr;

use anyhow::{Context, bail};
use clap::Parser;
use longjobs_sim::config::{
    DEFAULT_MAX_FILES, DEFAULT_MAX_TOTAL_BYTES, DEFAULT_MERRITT_DELAY, DEFAULT_SEED,
    DEFAULT_ZENODO_TOKEN,
};
use longjobs_sim::{BasicAuth, FaultPlan, RouteFaults, SimConfig, ZenodoLimits};

/// Simulated Zenodo (/zenodo), Merritt (/merritt) and file source (/files) with fault knobs
/// (/admin), on one port.
#[derive(Debug, Parser)]
#[command(name = "longjobs-sim", version)]
pub struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "LONGJOBS_SIM_LISTEN", default_value = longjobs_sim::config::DEFAULT_LISTEN)]
    pub listen: SocketAddr,
    /// Base of the absolute URLs in answers, when clients reach the simulator by another name.
    #[arg(long, env = "LONGJOBS_SIM_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The Zenodo access token to accept.
    #[arg(long, env = "LONGJOBS_SIM_ZENODO_TOKEN", default_value = DEFAULT_ZENODO_TOKEN)]
    pub zenodo_token: String,
    /// How long a Merritt submission takes to become visible (e.g. 200ms, 2s, 1m).
    #[arg(long, default_value_t = humantime::Duration::from(DEFAULT_MERRITT_DELAY))]
    pub merritt_delay: humantime::Duration,
    /// Demand HTTP basic auth on Merritt with this user (needs --merritt-password).
    #[arg(long, requires = "merritt_password")]
    pub merritt_user: Option<String>,
    /// Password for --merritt-user.
    #[arg(long, env = "LONGJOBS_SIM_MERRITT_PASSWORD", requires = "merritt_user")]
    pub merritt_password: Option<String>,
    /// Seed of the fault RNGs.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Initial fault plan: the JSON that PUT /admin/faults takes, or @FILE holding it.
    /// The flags below add to it.
    #[arg(long, value_name = "JSON|@FILE")]
    pub faults: Option<String>,
    /// Answer a fraction of a route's requests with an error status (default 500).
    #[arg(long = "error-rate", value_name = "ROUTE=RATE[:STATUS]")]
    pub error_rates: Vec<String>,
    /// Add latency to every request of a route.
    #[arg(long = "latency", value_name = "ROUTE=MS")]
    pub latencies: Vec<String>,
    /// Pause the body of every answer of a route for MS milliseconds, after BYTES bytes
    /// (default 0: right after the headers).
    #[arg(long = "stall", value_name = "ROUTE=MS[@BYTES]")]
    pub stalls: Vec<String>,
    /// Answer the next N requests of a route with 504.
    #[arg(long = "storm", value_name = "ROUTE=N")]
    pub storms: Vec<String>,
    /// Close the connection of the next N requests of a route without answering.
    #[arg(long = "drop", value_name = "ROUTE=N")]
    pub drops: Vec<String>,
    /// Answer the next N requests of a route with 429 and `Retry-After: SECS` (Zenodo's
    /// rate limit; no header when SECS is absent).
    #[arg(long = "rate-limit", value_name = "ROUTE=N[:SECS]")]
    pub rate_limits: Vec<String>,
    /// Give the next N Zenodo uploads a wrong md5.
    #[arg(long, default_value_t = 0)]
    pub corrupt_checksums: u32,
    /// Let the next N Merritt ingests fail after being accepted.
    #[arg(long, default_value_t = 0)]
    pub merritt_fail_next: u32,
    /// Zenodo's limit on files per deposition.
    #[arg(long, default_value_t = DEFAULT_MAX_FILES)]
    pub max_files: usize,
    /// Zenodo's limit on the bytes of a deposition.
    #[arg(long, default_value_t = DEFAULT_MAX_TOTAL_BYTES)]
    pub max_total_bytes: u64,
}

/// The faults of the route named in `spec` (`ROUTE=VALUE`), created if absent, and `VALUE`.
fn route_faults<'p, 's>(
    plan: &'p mut FaultPlan,
    flag: &str,
    spec: &'s str,
) -> anyhow::Result<(&'p mut RouteFaults, &'s str)> {
    let (route, value) = spec
        .split_once('=')
        .with_context(|| format!("--{flag} {spec:?}: expected ROUTE=VALUE"))?;
    Ok((plan.routes.entry(route.to_owned()).or_default(), value))
}

fn number<T: std::str::FromStr>(flag: &str, spec: &str, text: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    text.parse()
        .with_context(|| format!("--{flag} {spec:?}: {text:?} is not a number"))
}

impl Args {
    /// The initial fault plan: `--faults` plus the per-route flags.
    fn fault_plan(&self) -> anyhow::Result<FaultPlan> {
        let mut plan: FaultPlan = match &self.faults {
            None => FaultPlan::default(),
            Some(text) => {
                let json = match text.strip_prefix('@') {
                    Some(path) => fs::read_to_string(path)
                        .with_context(|| format!("reading the fault plan {path}"))?,
                    None => text.clone(),
                };
                serde_json::from_str(&json).context("parsing the --faults JSON")?
            }
        };
        for spec in &self.error_rates {
            let (faults, value) = route_faults(&mut plan, "error-rate", spec)?;
            let (rate, status) = match value.split_once(':') {
                Some((rate, status)) => (rate, Some(number("error-rate", spec, status)?)),
                None => (value, None),
            };
            faults.error_rate = number("error-rate", spec, rate)?;
            if let Some(status) = status {
                faults.status = status;
            }
        }
        for spec in &self.latencies {
            let (faults, value) = route_faults(&mut plan, "latency", spec)?;
            faults.latency_ms = number("latency", spec, value)?;
        }
        for spec in &self.stalls {
            let (faults, value) = route_faults(&mut plan, "stall", spec)?;
            let (ms, after) = match value.split_once('@') {
                Some((ms, after)) => (ms, number("stall", spec, after)?),
                None => (value, 0),
            };
            faults.stall_ms = number("stall", spec, ms)?;
            faults.stall_after_bytes = after;
        }
        for spec in &self.storms {
            let (faults, value) = route_faults(&mut plan, "storm", spec)?;
            faults.storm_next = number("storm", spec, value)?;
        }
        for spec in &self.drops {
            let (faults, value) = route_faults(&mut plan, "drop", spec)?;
            faults.drop_next = number("drop", spec, value)?;
        }
        for spec in &self.rate_limits {
            let (faults, value) = route_faults(&mut plan, "rate-limit", spec)?;
            let (n, secs) = match value.split_once(':') {
                Some((n, secs)) => (n, number("rate-limit", spec, secs)?),
                None => (value, 0),
            };
            faults.rate_limit_next = number("rate-limit", spec, n)?;
            faults.retry_after_s = secs;
        }
        plan.corrupt_checksums += self.corrupt_checksums;
        plan.merritt_fail_next += self.merritt_fail_next;
        plan.validate()?;
        Ok(plan)
    }

    /// The simulator configuration these flags describe.
    pub fn config(&self) -> anyhow::Result<SimConfig> {
        let merritt_auth = match (&self.merritt_user, &self.merritt_password) {
            (Some(user), Some(password)) => Some(BasicAuth {
                user: user.clone(),
                password: password.clone(),
            }),
            (None, None) => None,
            _ => bail!("--merritt-user and --merritt-password go together"),
        };
        Ok(SimConfig {
            listen: self.listen,
            public_url: self.public_url.clone(),
            zenodo_token: self.zenodo_token.clone(),
            merritt_delay: self.merritt_delay.into(),
            merritt_auth,
            seed: self.seed,
            faults: self.fault_plan()?,
            zenodo_limits: ZenodoLimits {
                max_files: self.max_files,
                max_total_bytes: self.max_total_bytes,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn route_flags_build_a_fault_plan() {
        let args = Args::parse_from([
            "longjobs-sim",
            "--error-rate",
            "zenodo.upload=0.3:503",
            "--storm",
            "zenodo.publish=2",
            "--latency",
            "zenodo.upload=50",
            "--stall",
            "files.get=3000@1024",
            "--merritt-delay",
            "250ms",
        ]);
        let config = args.config().unwrap();
        let upload = &config.faults.routes["zenodo.upload"];
        assert_eq!(
            (upload.error_rate, upload.status, upload.latency_ms),
            (0.3, 503, 50)
        );
        assert_eq!(config.faults.routes["zenodo.publish"].storm_next, 2);
        let files = &config.faults.routes["files.get"];
        assert_eq!((files.stall_ms, files.stall_after_bytes), (3000, 1024));
        assert_eq!(config.merritt_delay, Duration::from_millis(250));
    }

    #[test]
    fn an_unknown_route_is_refused() {
        let args = Args::parse_from(["longjobs-sim", "--storm", "zenodo.nope=1"]);
        assert!(args.config().is_err());
    }
}
