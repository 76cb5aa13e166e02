//! The built-in job kinds, for tests, benchmarks and smoke checks.

mod noop;
mod sleep;

pub use noop::noop;
pub use sleep::{SleepPayload, sleep};

use crate::registry::Registry;

/// A registry with every built-in kind (`noop`, `sleep`).
pub fn builtin() -> Registry {
    Registry::new()
        .register("noop", noop)
        .register("sleep", sleep)
}
