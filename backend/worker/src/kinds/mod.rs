//! The built-in job kinds, for tests, benchmarks and smoke checks.

mod noop;
mod record;
mod sleep;

pub use noop::noop;
pub use record::{EXECUTION_LOG_ENV, RecordPayload, record};
pub use sleep::{SleepPayload, sleep};

use crate::registry::Registry;

/// A registry with every built-in kind (`noop`, `record`, `sleep`).
pub fn builtin() -> Registry {
    Registry::new()
        .register("noop", noop)
        .register("record", record)
        .register("sleep", sleep)
}
