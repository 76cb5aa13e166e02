//! The name this process goes by in worker lists, submission histories, alerts and audit
//! entries: `--host-name` / `LONGJOBS_HOST_NAME` when given (containers and cloned VMs often
//! share a meaningless machine name), else the machine's own.

use std::sync::OnceLock;

/// The variable that names this process's host.
pub const HOST_NAME_ENV: &str = "LONGJOBS_HOST_NAME";
/// The longest host name accepted by setting.
pub const MAX_LEN: usize = 64;

static GIVEN: OnceLock<String> = OnceLock::new();

/// Checks a host name given by setting: 1 to [`MAX_LEN`] characters, no spaces or control
/// characters (it is printed in tables and joined into worker ids).
pub fn parse(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("a host name must not be empty".into());
    }
    if s.chars().count() > MAX_LEN {
        return Err(format!("a host name has at most {MAX_LEN} characters"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a host name has no spaces or control characters".into());
    }
    Ok(s.to_string())
}

/// Sets this process's host name from its settings, once at start-up (`None`: the
/// machine's). A second call keeps the first name.
pub fn set(given: Option<String>) {
    if let Some(name) = given {
        let _ = GIVEN.set(name);
    }
}

/// This process's host name: the one given by setting, else the machine's.
pub fn name() -> String {
    GIVEN.get().cloned().unwrap_or_else(machine)
}

/// The machine's own host name.
pub fn machine() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_name_by_setting_is_checked() {
        assert_eq!(parse("worker-a.example").as_deref(), Ok("worker-a.example"));
        assert!(parse("").is_err());
        assert!(parse("two words").is_err());
        assert!(parse("tab\there").is_err());
        assert!(parse(&"x".repeat(MAX_LEN + 1)).is_err());
        assert!(parse(&"x".repeat(MAX_LEN)).is_ok());
    }

    #[test]
    fn without_a_setting_the_machine_names_the_host() {
        assert_eq!(name(), machine());
        assert!(!name().is_empty());
    }
}
