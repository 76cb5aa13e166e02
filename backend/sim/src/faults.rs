//! Fault knobs: the plan a test or operator sets, and the per-request decisions drawn from it.
//!
//! A [`FaultPlan`] is what `PUT /admin/faults` takes and `GET /admin/faults` shows. For each
//! request of a route with faults, [`Faults::decide`] is asked once, in this order:
//! 1. `latency_ms` is added (always, before anything else);
//! 2. `drop_next` (exact counter), then `drop_rate` (seeded RNG): close the connection unanswered;
//! 3. `storm_next` (exact counter), then `storm_for_ms` (wall-clock window): answer 504;
//! 4. `error_rate` (seeded RNG): answer `status`.
//!
//! `stall_ms` (always, on answers that are not faults) pauses the answer's body for that long
//! after its first `stall_after_bytes` bytes: a source that stops sending mid-file.
//!
//! Each route draws from its own RNG seeded from the plan's seed and the route name, so a
//! route's faults depend only on its own requests, not on traffic elsewhere.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::routes;

/// Status answered by `error_rate` faults when the plan gives none.
pub const DEFAULT_ERROR_STATUS: u16 = 500;
/// Status of a "504 storm".
pub const STORM_STATUS: u16 = 504;
/// Status of a rate-limit fault (Too Many Requests).
pub const RATE_LIMIT_STATUS: u16 = 429;

fn default_error_status() -> u16 {
    DEFAULT_ERROR_STATUS
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

fn is_zero_f64(n: &f64) -> bool {
    *n == 0.0
}

/// Faults of one route. Every field is optional in JSON; absent means "no such fault".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteFaults {
    /// Fraction (0.0–1.0) of requests answered with `status`.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub error_rate: f64,
    /// Status of `error_rate` faults ([`DEFAULT_ERROR_STATUS`]).
    #[serde(default = "default_error_status")]
    pub status: u16,
    /// The next N requests answer 504 (exact).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub storm_next: u32,
    /// Every request answers 504 for this many milliseconds from the moment the plan is set.
    /// `GET /admin/faults` shows what is left of the window.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub storm_for_ms: u64,
    /// Milliseconds added before every request is handled.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub latency_ms: u64,
    /// The next N requests get their connection closed without an answer (exact).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub drop_next: u32,
    /// Fraction (0.0–1.0) of requests whose connection is closed without an answer.
    #[serde(default, skip_serializing_if = "is_zero_f64")]
    pub drop_rate: f64,
    /// When true, a faulted request is still carried out and only its answer is replaced (a
    /// gateway timing out after the backend finished); when false, it is never carried out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub commit_then_fail: bool,
    /// Milliseconds the answer's body pauses (after `stall_after_bytes` bytes), every request.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub stall_ms: u64,
    /// Bytes of the body sent before the pause (0: right after the headers).
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub stall_after_bytes: u64,
    /// The next N requests answer 429 Too Many Requests (exact), as Zenodo does past its
    /// rate limits (Zenodo REST API documentation, "Rate limiting":
    /// https://developers.zenodo.org/#rate-limiting).
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub rate_limit_next: u32,
    /// Seconds a 429 answer (from `rate_limit_next`, or `error_rate` with status 429) asks
    /// the client to wait, in its `Retry-After` header; 0 sends no header.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub retry_after_s: u64,
}

impl Default for RouteFaults {
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            status: DEFAULT_ERROR_STATUS,
            storm_next: 0,
            storm_for_ms: 0,
            latency_ms: 0,
            drop_next: 0,
            drop_rate: 0.0,
            commit_then_fail: false,
            stall_ms: 0,
            stall_after_bytes: 0,
            rate_limit_next: 0,
            retry_after_s: 0,
        }
    }
}

/// The whole set of faults in force; `PUT /admin/faults` replaces it as a whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Faults per route name (see [`crate::routes`]).
    #[serde(default)]
    pub routes: BTreeMap<String, RouteFaults>,
    /// The next N Zenodo uploads store and answer a wrong md5 (exact).
    #[serde(default)]
    pub corrupt_checksums: u32,
    /// The next N Merritt submissions are accepted (200) but their ingest fails: the object
    /// never shows up in `local_id_search` (exact).
    #[serde(default)]
    pub merritt_fail_next: u32,
    /// Milliseconds every Merritt ingest accepted while this plan is in force takes to
    /// complete, instead of the configured delay (a slow ingest queue; 0 keeps the delay).
    /// The deposit is still answered at once with a `QUEUED` batch; the object shows in
    /// `local_id_search` only once its ingest completed.
    #[serde(default, skip_serializing_if = "is_zero_u64")]
    pub merritt_ingest_ms: u64,
    /// Reseeds the route RNGs; absent keeps the seed in force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// Why a fault plan was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultPlanError {
    #[error("unknown route {0:?}; known routes: {known}", known = routes::ALL.join(", "))]
    UnknownRoute(String),
    #[error("route {route}: {field} must be between 0.0 and 1.0, got {value}")]
    RateOutOfRange {
        route: String,
        field: &'static str,
        value: f64,
    },
    #[error("route {route}: status {status} is not an HTTP status between 100 and 599")]
    BadStatus { route: String, status: u16 },
}

impl FaultPlan {
    /// Checks route names, rates and statuses.
    pub fn validate(&self) -> Result<(), FaultPlanError> {
        for (route, faults) in &self.routes {
            if !routes::is_known(route) {
                return Err(FaultPlanError::UnknownRoute(route.clone()));
            }
            for (field, value) in [
                ("error_rate", faults.error_rate),
                ("drop_rate", faults.drop_rate),
            ] {
                if !(0.0..=1.0).contains(&value) {
                    return Err(FaultPlanError::RateOutOfRange {
                        route: route.clone(),
                        field,
                        value,
                    });
                }
            }
            if !(100..=599).contains(&faults.status) {
                return Err(FaultPlanError::BadStatus {
                    route: route.clone(),
                    status: faults.status,
                });
            }
        }
        Ok(())
    }
}

/// What to do to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Close the connection without answering.
    Drop,
    /// Answer with this status instead of the real answer.
    Respond(u16),
}

/// The outcome of [`Faults::decide`] for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Decision {
    /// Wait this long first.
    pub latency: Duration,
    /// The fault to inject, if any.
    pub fault: Option<Fault>,
    /// Carry the request out before injecting the fault.
    pub commit_first: bool,
    /// Pause the answer's body this long after this many bytes.
    pub stall: Option<(u64, Duration)>,
    /// Seconds for the `Retry-After` header of a 429 fault.
    pub retry_after: Option<u64>,
}

/// The fault plan in force plus what it has consumed: counters, storm windows, RNGs.
#[derive(Debug)]
pub struct Faults {
    plan: FaultPlan,
    seed: u64,
    storm_until: HashMap<String, Instant>,
    rngs: HashMap<String, StdRng>,
    injected: BTreeMap<String, u64>,
}

impl Faults {
    /// Faults following `plan`, with RNGs seeded from `seed` unless the plan brings its own.
    pub fn new(plan: FaultPlan, seed: u64) -> Self {
        let mut faults = Self {
            plan: FaultPlan::default(),
            seed,
            storm_until: HashMap::new(),
            rngs: HashMap::new(),
            injected: BTreeMap::new(),
        };
        faults.replace(plan);
        faults
    }

    /// Puts `plan` in force: counters restart from its values, storm windows from now, and the
    /// RNGs from its seed (or the seed in force).
    pub fn replace(&mut self, plan: FaultPlan) {
        if let Some(seed) = plan.seed {
            self.seed = seed;
        }
        let now = Instant::now();
        self.storm_until = plan
            .routes
            .iter()
            .filter(|(_, f)| f.storm_for_ms > 0)
            .map(|(route, f)| (route.clone(), now + Duration::from_millis(f.storm_for_ms)))
            .collect();
        self.rngs.clear();
        self.plan = plan;
    }

    /// The plan as it stands now: counters show what is left, `storm_for_ms` the rest of the
    /// window, `seed` the seed in force. Putting it back with `PUT /admin/faults` continues
    /// the counters and the window; the RNGs start over from the seed.
    pub fn current(&self) -> FaultPlan {
        let now = Instant::now();
        let mut plan = self.plan.clone();
        for (route, faults) in &mut plan.routes {
            faults.storm_for_ms = self.storm_until.get(route).map_or(0, |until| {
                u64::try_from(until.saturating_duration_since(now).as_millis()).unwrap_or(u64::MAX)
            });
        }
        plan.seed = Some(self.seed);
        plan
    }

    /// How many faults were injected per route since the plan was last reset.
    pub fn injected(&self) -> &BTreeMap<String, u64> {
        &self.injected
    }

    /// Decides the fate of one request of `route`, consuming counters and RNG draws.
    pub fn decide(&mut self, route: &str) -> Decision {
        let Some(faults) = self.plan.routes.get_mut(route) else {
            return Decision::default();
        };
        let seed = self.seed;
        let rng = self
            .rngs
            .entry(route.to_owned())
            .or_insert_with(|| StdRng::seed_from_u64(seed ^ fnv1a(route)));
        let fault = if faults.drop_next > 0 {
            faults.drop_next -= 1;
            Some(Fault::Drop)
        } else if faults.drop_rate > 0.0 && rng.random::<f64>() < faults.drop_rate {
            Some(Fault::Drop)
        } else if faults.rate_limit_next > 0 {
            faults.rate_limit_next -= 1;
            Some(Fault::Respond(RATE_LIMIT_STATUS))
        } else if faults.storm_next > 0 {
            faults.storm_next -= 1;
            Some(Fault::Respond(STORM_STATUS))
        } else if self
            .storm_until
            .get(route)
            .is_some_and(|until| Instant::now() < *until)
        {
            Some(Fault::Respond(STORM_STATUS))
        } else if faults.error_rate > 0.0 && rng.random::<f64>() < faults.error_rate {
            Some(Fault::Respond(faults.status))
        } else {
            None
        };
        if fault.is_some() {
            *self.injected.entry(route.to_owned()).or_default() += 1;
        }
        Decision {
            latency: Duration::from_millis(faults.latency_ms),
            fault,
            commit_first: faults.commit_then_fail,
            retry_after: (fault == Some(Fault::Respond(RATE_LIMIT_STATUS))
                && faults.retry_after_s > 0)
                .then_some(faults.retry_after_s),
            stall: (faults.stall_ms > 0).then(|| {
                (
                    faults.stall_after_bytes,
                    Duration::from_millis(faults.stall_ms),
                )
            }),
        }
    }

    /// Consumes one `corrupt_checksums` credit; true when this upload must get a wrong md5.
    pub fn take_checksum_corruption(&mut self) -> bool {
        take_one(&mut self.plan.corrupt_checksums)
    }

    /// How long an ingest accepted now takes, when the plan slows them down.
    pub fn merritt_ingest_delay(&self) -> Option<Duration> {
        (self.plan.merritt_ingest_ms > 0)
            .then(|| Duration::from_millis(self.plan.merritt_ingest_ms))
    }

    /// Consumes one `merritt_fail_next` credit; true when this submission's ingest must fail.
    pub fn take_merritt_failure(&mut self) -> bool {
        take_one(&mut self.plan.merritt_fail_next)
    }
}

fn take_one(counter: &mut u32) -> bool {
    if *counter > 0 {
        *counter -= 1;
        true
    } else {
        false
    }
}

/// FNV-1a: a stable hash of the route name (std's hasher is randomly keyed per process).
fn fnv1a(text: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    text.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_for(route: &str, faults: RouteFaults) -> FaultPlan {
        FaultPlan {
            routes: BTreeMap::from([(route.to_owned(), faults)]),
            ..FaultPlan::default()
        }
    }

    #[test]
    fn a_storm_of_three_faults_exactly_three_requests() {
        let mut faults = Faults::new(
            plan_for(
                routes::ZENODO_PUBLISH,
                RouteFaults {
                    storm_next: 3,
                    ..RouteFaults::default()
                },
            ),
            7,
        );
        let statuses: Vec<_> = (0..5)
            .map(|_| faults.decide(routes::ZENODO_PUBLISH).fault)
            .collect();
        assert_eq!(
            statuses,
            [
                Some(Fault::Respond(504)),
                Some(Fault::Respond(504)),
                Some(Fault::Respond(504)),
                None,
                None
            ]
        );
        assert_eq!(faults.injected()[routes::ZENODO_PUBLISH], 3);
    }

    #[test]
    fn the_same_seed_gives_the_same_error_sequence() {
        let plan = plan_for(
            routes::ZENODO_UPLOAD,
            RouteFaults {
                error_rate: 0.5,
                status: 503,
                ..RouteFaults::default()
            },
        );
        let run = |seed| {
            let mut faults = Faults::new(plan.clone(), seed);
            (0..32)
                .map(|_| faults.decide(routes::ZENODO_UPLOAD).fault.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert!(run(42).contains(&true) && run(42).contains(&false));
    }

    #[test]
    fn other_routes_are_untouched() {
        let mut faults = Faults::new(
            plan_for(
                routes::ZENODO_UPLOAD,
                RouteFaults {
                    error_rate: 1.0,
                    ..RouteFaults::default()
                },
            ),
            0,
        );
        assert_eq!(faults.decide(routes::ZENODO_GET), Decision::default());
    }

    #[test]
    fn unknown_routes_and_bad_rates_are_refused() {
        let unknown = plan_for("zenodo.nope", RouteFaults::default());
        assert!(matches!(
            unknown.validate(),
            Err(FaultPlanError::UnknownRoute(_))
        ));
        let bad_rate = plan_for(
            routes::FILES_GET,
            RouteFaults {
                error_rate: 1.5,
                ..RouteFaults::default()
            },
        );
        assert!(matches!(
            bad_rate.validate(),
            Err(FaultPlanError::RateOutOfRange { .. })
        ));
    }

    #[test]
    fn the_current_plan_shows_what_is_left_of_the_counters() {
        let mut faults = Faults::new(
            FaultPlan {
                corrupt_checksums: 2,
                ..plan_for(
                    routes::ZENODO_GET,
                    RouteFaults {
                        drop_next: 2,
                        ..RouteFaults::default()
                    },
                )
            },
            0,
        );
        faults.decide(routes::ZENODO_GET);
        assert!(faults.take_checksum_corruption());
        let current = faults.current();
        assert_eq!(current.routes[routes::ZENODO_GET].drop_next, 1);
        assert_eq!(current.corrupt_checksums, 1);
    }
}
