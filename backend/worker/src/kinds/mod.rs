//! The built-in job kinds, for tests, benchmarks and smoke checks.

mod noop;
mod record;
mod sleep;

pub use noop::noop;
pub use record::{EXECUTION_LOG_ENV, RecordJob};
pub use sleep::SleepJob;

use longjobs_core::queue::RetryPolicy;

use crate::registry::Registry;

/// The queue built-in jobs go to unless their request names another.
pub const BUILTIN_QUEUE: &str = "default";

/// A registry with every built-in kind: `noop` (takes any payload, parses none: the
/// benchmarks measure the queue, not serde), `record` and `sleep`.
pub fn builtin() -> Registry {
    Registry::new()
        .register("noop", noop)
        .register_job::<RecordJob>((), RetryPolicy::default())
        .register_job::<SleepJob>((), RetryPolicy::default())
}
