//! How long a failed job waits before its next attempt: exponential backoff with jitter.

use std::time::Duration;

use rand::Rng;

/// Default delay before the second attempt.
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(10);
/// Default longest delay between attempts.
pub const DEFAULT_BACKOFF_MAX: Duration = Duration::from_secs(60 * 60);
/// Default spread: each delay is moved by up to ±20 % so failed batches do not retry together.
pub const DEFAULT_JITTER: f64 = 0.2;

/// A kind's retry policy. The number of attempts is per job (`max_attempts`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Delay after the first failed attempt; doubles with each further one.
    pub base: Duration,
    /// Upper bound of the delay before jitter.
    pub max: Duration,
    /// Fraction (0 to 1) by which a delay may randomly move either way.
    pub jitter: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: DEFAULT_BACKOFF_BASE,
            max: DEFAULT_BACKOFF_MAX,
            jitter: DEFAULT_JITTER,
        }
    }
}

impl RetryPolicy {
    /// Fixed delays, no jitter: for tests and for kinds that must retry on a beat.
    pub fn fixed(delay: Duration) -> Self {
        RetryPolicy {
            base: delay,
            max: delay,
            jitter: 0.0,
        }
    }

    /// The delay after failed attempt number `attempt` (1 for the first).
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exp = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let raw = self.base.saturating_mul(1u32 << exp).min(self.max);
        let jitter = self.jitter.clamp(0.0, 1.0);
        if jitter == 0.0 {
            return raw;
        }
        let factor = rand::rng().random_range(1.0 - jitter..=1.0 + jitter);
        raw.mul_f64(factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_secs(1),
            max: Duration::from_secs(10),
            jitter: 0.0,
        };
        let d: Vec<u64> = (1..=6).map(|a| p.backoff(a).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_varies() {
        let p = RetryPolicy {
            base: Duration::from_secs(100),
            max: Duration::from_secs(100),
            jitter: 0.2,
        };
        let d: Vec<Duration> = (0..200).map(|_| p.backoff(1)).collect();
        assert!(
            d.iter()
                .all(|x| *x >= Duration::from_secs(80) && *x <= Duration::from_secs(120))
        );
        assert!(d.iter().any(|x| *x != d[0]), "jitter never moved a delay");
    }
}
