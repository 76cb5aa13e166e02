//! Start-up configuration of the simulator, with its defaults as named constants.

use std::net::SocketAddr;
use std::time::Duration;

use crate::faults::FaultPlan;

/// Where the binary listens when `--listen` is not given.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8089";
/// The only `access_token` the simulated Zenodo accepts unless told otherwise.
pub const DEFAULT_ZENODO_TOKEN: &str = "sim-token";
/// How long a Merritt submission takes before `local_id_search` finds it.
pub const DEFAULT_MERRITT_DELAY: Duration = Duration::from_secs(2);
/// The delay [`SimConfig::for_tests`] uses: short, but long enough to observe "not yet".
pub const TEST_MERRITT_DELAY: Duration = Duration::from_millis(200);
/// Seed of the fault RNG when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 0;
/// Zenodo refuses to publish a deposition with more files than this.
pub const DEFAULT_MAX_FILES: usize = 100;
/// Zenodo refuses to publish a deposition whose files add up to more than this (50 GB).
pub const DEFAULT_MAX_TOTAL_BYTES: u64 = 50_000_000_000;
/// How long a shutdown waits for open connections (a long download, say) before closing them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// User name and password that the simulated Merritt demands with HTTP basic auth.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

/// The limits the simulated Zenodo enforces at publish time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZenodoLimits {
    /// At most this many files per deposition ([`DEFAULT_MAX_FILES`]).
    pub max_files: usize,
    /// At most this many bytes in all files of a deposition ([`DEFAULT_MAX_TOTAL_BYTES`]).
    pub max_total_bytes: u64,
}

impl Default for ZenodoLimits {
    fn default() -> Self {
        Self {
            max_files: DEFAULT_MAX_FILES,
            max_total_bytes: DEFAULT_MAX_TOTAL_BYTES,
        }
    }
}

/// Everything [`crate::serve`] needs to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; port 0 picks a free port ([`DEFAULT_LISTEN`]).
    pub listen: SocketAddr,
    /// Base of the absolute URLs put into responses (Zenodo links); `None` means
    /// `http://<bound address>`.
    pub public_url: Option<String>,
    /// The accepted Zenodo `access_token` ([`DEFAULT_ZENODO_TOKEN`]).
    pub zenodo_token: String,
    /// Delay between a Merritt submission and its object being visible ([`DEFAULT_MERRITT_DELAY`]).
    pub merritt_delay: Duration,
    /// Basic auth demanded by Merritt; `None` accepts any or no credentials.
    pub merritt_auth: Option<BasicAuth>,
    /// Seed of the fault RNG ([`DEFAULT_SEED`]); `POST /admin/reset` goes back to it.
    pub seed: u64,
    /// Faults in force from the start (and again after `POST /admin/reset`).
    pub faults: FaultPlan,
    /// Zenodo's publish limits.
    pub zenodo_limits: ZenodoLimits,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8089)),
            public_url: None,
            zenodo_token: DEFAULT_ZENODO_TOKEN.to_owned(),
            merritt_delay: DEFAULT_MERRITT_DELAY,
            merritt_auth: None,
            seed: DEFAULT_SEED,
            faults: FaultPlan::default(),
            zenodo_limits: ZenodoLimits::default(),
        }
    }
}

impl SimConfig {
    /// The configuration for in-process tests: a free port on 127.0.0.1 and a
    /// [`TEST_MERRITT_DELAY`] Merritt delay; everything else as [`Default`].
    pub fn for_tests() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            merritt_delay: TEST_MERRITT_DELAY,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_listen_constant_matches_the_default_config() {
        let parsed: SocketAddr = DEFAULT_LISTEN.parse().unwrap();
        assert_eq!(parsed, SimConfig::default().listen);
    }
}
