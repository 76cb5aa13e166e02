//! longjobs-sim: simulators of Zenodo's deposit API, Merritt's ingest and a file source on one
//! loopback port, with fault knobs, for longjobs' tests and local runs.
//!
//! Start one in-process with [`serve`]`(`[`SimConfig::for_tests`]`())` and use the URLs of the
//! returned [`SimHandle`]; the `longjobs-sim` binary serves the same thing from the command line.

pub mod admin;
pub mod config;
pub mod connections;
pub mod fault_injection;
pub mod faults;
pub mod files;
pub mod merritt;
pub mod routes;
pub mod server;
pub mod state;
pub mod zenodo;

pub use config::{BasicAuth, SimConfig, ZenodoLimits};
pub use faults::{FaultPlan, FaultPlanError, RouteFaults};
pub use files::pattern::expected_md5;
pub use server::{SimError, SimHandle, serve};
pub use state::StateSnapshot;
