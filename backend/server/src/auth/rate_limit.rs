//! Login attempt limits: back-off per account and per client address, kept apart.
//!
//! Each key (an account or a client address) has a few free failures; every failure after
//! them blocks the key for twice as long as the one before, up to a ceiling (30 s for an
//! account, 5 minutes for an address). An attempt while a key is blocked answers 429 with
//! the wait and is not counted, so no one can lock an account out for longer than the
//! ceiling at a time. A successful sign-in clears only its own account's count: guesses
//! at other accounts from the same address keep counting. Keys forget their failures
//! after 15 minutes without one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How failures of one kind of key are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Failures allowed before the first block.
    pub free: u32,
    /// The first block; each further failure doubles it.
    pub first: Duration,
    /// The longest block.
    pub ceiling: Duration,
}

/// Per account: 5 free failures, then 1 s, 2 s, 4 s … up to 30 s.
pub const ACCOUNT_BACKOFF: Backoff = Backoff {
    free: 5,
    first: Duration::from_secs(1),
    ceiling: Duration::from_secs(30),
};
/// Per client address: 20 free failures, then 1 s, 2 s, 4 s … up to 5 minutes.
pub const CLIENT_BACKOFF: Backoff = Backoff {
    free: 20,
    first: Duration::from_secs(1),
    ceiling: Duration::from_secs(5 * 60),
};
/// A key with no failure for this long starts again from zero.
pub const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Keys kept before forgotten ones are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// Counts failed logins per account and per client address.
pub struct LoginLimiter {
    account: Backoff,
    client: Backoff,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(ACCOUNT_BACKOFF, CLIENT_BACKOFF)
    }
}

fn account_key(account: &str) -> String {
    format!("user:{account}")
}

fn client_key(client: &str) -> String {
    format!("client:{client}")
}

impl LoginLimiter {
    pub fn new(account: Backoff, client: Backoff) -> Self {
        LoginLimiter {
            account,
            client,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` while the account or the client is blocked.
    pub fn check(&self, account: &str, client: &str) -> Result<(), u64> {
        self.check_at(account, client, Instant::now())
    }

    pub fn check_at(&self, account: &str, client: &str, now: Instant) -> Result<(), u64> {
        let map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let wait = [account_key(account), client_key(client)]
            .iter()
            .filter_map(|k| map.get(k))
            .filter(|e| now.duration_since(e.last) < FORGET_AFTER)
            .filter_map(|e| e.blocked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            // Round up: "wait 0 s" would invite an immediate retry that is refused again.
            Some(w) => Err(w.as_millis().div_ceil(1000).max(1) as u64),
            None => Ok(()),
        }
    }

    /// Counts a failure against the account and the client.
    pub fn failed(&self, account: &str, client: &str) {
        self.failed_at(account, client, Instant::now());
    }

    pub fn failed_at(&self, account: &str, client: &str, now: Instant) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, e| now.duration_since(e.last) < FORGET_AFTER);
        }
        for (key, policy) in [
            (account_key(account), self.account),
            (client_key(client), self.client),
        ] {
            let e = map.entry(key).or_insert(Entry {
                failures: 0,
                last: now,
                blocked_until: None,
            });
            if now.duration_since(e.last) >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            if e.failures > policy.free {
                let doublings = (e.failures - policy.free - 1).min(20);
                let block = policy
                    .first
                    .saturating_mul(1u32 << doublings)
                    .min(policy.ceiling);
                e.blocked_until = Some(now + block);
            }
        }
    }

    /// A successful sign-in clears its account's count only: the client's count of guesses
    /// at other accounts stays.
    pub fn succeeded(&self, account: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&account_key(account));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_doubling_up_to_the_ceiling_and_never_lock() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..5 {
            l.failed_at("ada", &format!("10.0.0.{i}"), t0);
        }
        assert_eq!(l.check_at("ada", "10.0.1.1", t0), Ok(()));
        let mut now = t0;
        let mut waits = Vec::new();
        for i in 0..8 {
            l.failed_at("ada", &format!("10.0.2.{i}"), now);
            let wait = l.check_at("ada", "10.0.3.1", now).unwrap_err();
            waits.push(wait);
            now += Duration::from_secs(wait);
            assert_eq!(l.check_at("ada", "10.0.3.1", now), Ok(()));
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn a_success_clears_its_account_only_and_never_the_client() {
        let l = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..20 {
            l.failed_at("ada", "10.0.0.1", now);
            l.succeeded("bob");
        }
        assert!(l.check_at("bob", "10.0.0.2", now).is_ok());
        l.failed_at("carol", "10.0.0.1", now);
        assert!(
            l.check_at("dave", "10.0.0.1", now).is_err(),
            "the client count was reset"
        );
        l.succeeded("ada");
        assert!(l.check_at("ada", "10.0.0.2", now).is_ok());
    }

    #[test]
    fn failures_are_forgotten_after_a_quiet_while() {
        let l = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..6 {
            l.failed_at("ada", "10.0.0.1", now);
        }
        assert!(l.check_at("ada", "x", now).is_err());
        let later = now + FORGET_AFTER;
        l.failed_at("ada", "10.0.0.1", later);
        assert!(l.check_at("ada", "x", later).is_ok());
    }
}
