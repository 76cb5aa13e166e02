//! Durations as fixed logarithmic histograms: eight buckets per doubling, so any number of
//! them merge exactly (minutes into hours, queues into a total) and a percentile read from
//! one is at most 9 % (2^(1/8)) above the true value, never below it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Buckets per doubling of the duration.
pub const PER_DOUBLING: f64 = 8.0;

/// Lower bound (inclusive, milliseconds) of bucket `i`: 0 for bucket 0, else 2^((i-1)/8).
fn lower(i: u16) -> f64 {
    if i == 0 {
        0.0
    } else {
        ((f64::from(i) - 1.0) / PER_DOUBLING).exp2()
    }
}

/// The bucket holding `ms`: 0 for 0 ms (and less), else `1 + floor(8 · log2 ms)`.
pub fn bucket_of(ms: i64) -> u16 {
    if ms <= 0 {
        return 0;
    }
    let v = ms as f64;
    let mut i =
        (1.0 + (PER_DOUBLING * v.log2()).floor()).clamp(1.0, f64::from(u16::MAX - 1)) as u16;
    // The float estimate can be one off at the edges; the bounds decide.
    while i > 1 && lower(i) > v {
        i -= 1;
    }
    while i < u16::MAX - 1 && lower(i + 1) <= v {
        i += 1;
    }
    i
}

/// The largest whole number of milliseconds in bucket `i`.
pub fn bucket_top(i: u16) -> i64 {
    if i == 0 {
        return 0;
    }
    (lower(i + 1).ceil() as i64 - 1).max(lower(i).ceil() as i64)
}

/// Durations in milliseconds: how many, their sum and maximum, and the histogram.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    pub count: i64,
    pub sum_ms: i64,
    pub max_ms: i64,
    /// Bucket index → how many durations fell in it (only non-empty buckets).
    pub buckets: BTreeMap<u16, i64>,
}

impl Histogram {
    /// Counts one duration (negative ones count as 0).
    pub fn record(&mut self, ms: i64) {
        let ms = ms.max(0);
        self.count += 1;
        self.sum_ms = self.sum_ms.saturating_add(ms);
        self.max_ms = self.max_ms.max(ms);
        *self.buckets.entry(bucket_of(ms)).or_default() += 1;
    }

    /// Adds `other`'s durations to these.
    pub fn merge(&mut self, other: &Histogram) {
        self.count += other.count;
        self.sum_ms = self.sum_ms.saturating_add(other.sum_ms);
        self.max_ms = self.max_ms.max(other.max_ms);
        for (&i, &n) in &other.buckets {
            *self.buckets.entry(i).or_default() += n;
        }
    }

    /// The `q` quantile (0 < q ≤ 1) by nearest rank: the top of the bucket holding the
    /// ⌈q·n⌉-th smallest duration, capped at the maximum. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as i64).clamp(1, self.count);
        let mut seen = 0;
        for (&i, &n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(bucket_top(i).min(self.max_ms));
            }
        }
        Some(self.max_ms)
    }

    /// The mean in milliseconds, `None` when empty.
    pub fn mean_ms(&self) -> Option<i64> {
        (self.count > 0).then(|| self.sum_ms / self.count)
    }

    /// The buckets as stored: `index:count` pairs joined by commas.
    pub fn encode_buckets(&self) -> String {
        let mut s = String::new();
        for (i, (b, n)) in self.buckets.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "{b}:{n}");
        }
        s
    }

    /// Reads what [`Self::encode_buckets`] wrote, with the stored count, sum and maximum.
    pub fn decode(count: i64, sum_ms: i64, max_ms: i64, buckets: &str) -> Result<Self, String> {
        let mut h = Histogram {
            count,
            sum_ms,
            max_ms,
            buckets: BTreeMap::new(),
        };
        for pair in buckets.split(',').filter(|p| !p.is_empty()) {
            let (b, n) = pair
                .split_once(':')
                .ok_or_else(|| format!("histogram entry {pair:?} is not index:count"))?;
            let b: u16 = b.parse().map_err(|_| format!("bad bucket index {b:?}"))?;
            let n: i64 = n.parse().map_err(|_| format!("bad bucket count {n:?}"))?;
            *h.buckets.entry(b).or_default() += n;
        }
        let total: i64 = h.buckets.values().sum();
        if total != count {
            return Err(format!(
                "histogram holds {total} durations, its row says {count}"
            ));
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_duration_lies_within_its_bucket() {
        for ms in (0..5_000).chain([65_535, 1 << 20, 86_400_000, 30 * 86_400_000]) {
            let b = bucket_of(ms);
            assert!(ms <= bucket_top(b), "{ms} above the top of bucket {b}");
            if b > 0 {
                assert!(lower(b) <= ms as f64, "{ms} below bucket {b}");
                assert!(ms as f64 <= lower(b) * 2f64.powf(1.0 / 8.0) + 1.0);
            }
        }
        assert!(bucket_of(2) > bucket_of(1));
        assert_eq!(bucket_of(0), 0);
    }

    #[test]
    fn quantiles_are_never_below_and_at_most_a_bucket_above_the_true_value() {
        let mut h = Histogram::default();
        let values: Vec<i64> = (1..=1000).map(|i| i * 37 % 10_007).collect();
        for &v in &values {
            h.record(v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        for q in [0.5, 0.95, 0.99] {
            let truth = sorted[((q * 1000.0_f64).ceil() as usize) - 1];
            let got = h.quantile(q).unwrap();
            assert!(got >= truth, "q{q}: {got} < {truth}");
            assert!(
                got as f64 <= truth as f64 * 2f64.powf(1.0 / 8.0) + 1.0,
                "q{q}: {got} vs {truth}"
            );
        }
    }

    #[test]
    fn stored_form_reads_back_and_refuses_what_does_not_add_up() {
        let mut h = Histogram::default();
        for v in [0, 3, 3, 900, 12_345] {
            h.record(v);
        }
        let s = h.encode_buckets();
        assert_eq!(
            Histogram::decode(h.count, h.sum_ms, h.max_ms, &s).unwrap(),
            h
        );
        assert!(Histogram::decode(4, 0, 0, &s).is_err());
        assert!(Histogram::decode(1, 0, 0, "x").is_err());
    }
}
