//! The jobs a producer holds ahead of free slots, oldest first, each with the time it was
//! claimed: a held job that waits [`HELD_AHEAD_MAX`](super::producer::HELD_AHEAD_MAX)
//! for a slot tells that slots stopped freeing, and the held jobs go back to the queue.
//! The age is the oldest held job's, not the time since the producer last held none: a
//! queue of short jobs tops up what it holds long before it runs out, and must not give
//! back, every second, jobs it is starting as fast as it claims them.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Held jobs (`T`: a claimed job), oldest first.
pub(super) struct Held<T> {
    jobs: VecDeque<(Instant, T)>,
}

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held {
            jobs: VecDeque::new(),
        }
    }
}

impl<T> Held<T> {
    /// Holds the jobs of a claim that came back at `at`, after those held already.
    pub fn extend(&mut self, jobs: Vec<T>, at: Instant) {
        self.jobs.extend(jobs.into_iter().map(|j| (at, j)));
    }

    /// The oldest held job, to start.
    pub fn pop(&mut self) -> Option<T> {
        self.jobs.pop_front().map(|(_, j)| j)
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// How much longer the oldest held job may wait for a slot at `now` (`None`: none is
    /// held).
    pub fn time_left(&self, now: Instant, max: Duration) -> Option<Duration> {
        self.jobs
            .front()
            .map(|(at, _)| max.saturating_sub(now.saturating_duration_since(*at)))
    }

    /// Whether the oldest held job has waited `max` for a slot at `now`.
    pub fn overdue(&self, now: Instant, max: Duration) -> bool {
        self.time_left(now, max).is_some_and(|left| left.is_zero())
    }

    /// Every held job, to give back.
    pub fn take(&mut self) -> Vec<T> {
        self.jobs.drain(..).map(|(_, j)| j).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(1);

    #[test]
    fn a_held_job_is_overdue_by_its_own_age_not_the_buffers() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut held: Held<u32> = Held::default();
        assert!(!held.overdue(ms(5_000), MAX));
        assert_eq!(held.time_left(t0, MAX), None);
        // Short jobs: every 400 ms half of what is held starts and a claim tops it up, so
        // the producer never holds none — and never holds a job for long.
        held.extend((0..10).collect(), t0);
        let mut next = 10;
        for step in 1..=10 {
            for _ in 0..5 {
                held.pop().unwrap();
            }
            held.extend((next..next + 5).collect(), ms(400 * step));
            next += 5;
            assert_eq!(held.len(), 10);
            assert!(
                !held.overdue(ms(400 * step + 399), MAX),
                "step {step}: the oldest held job waited under 800 ms"
            );
        }
        // Started in the order claimed.
        assert_eq!(held.pop(), Some(next - 10));
        // Slots stop freeing: once the oldest held job has waited the max, it is overdue.
        let oldest = ms(400 * 9);
        assert_eq!(
            held.time_left(oldest + Duration::from_millis(600), MAX),
            Some(Duration::from_millis(400))
        );
        assert!(!held.overdue(oldest + Duration::from_millis(999), MAX));
        assert!(held.overdue(oldest + MAX, MAX));
        assert_eq!(held.take().len(), 9);
        assert!(held.is_empty() && !held.overdue(oldest + MAX * 2, MAX));
    }
}
