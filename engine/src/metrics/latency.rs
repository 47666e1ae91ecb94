//! [`LatencyHistogram`]: one name's durations, as exact moments (count, sum,
//! min, max, errors) beside an HDR histogram for percentiles.

use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

/// Histogram resolution: values are stored in units of 10 µs (0.01 ms, the
/// precision `getStats` rounds to).
pub const UNITS_PER_MS: f64 = 100.0;
/// The longest duration the histogram resolves, in milliseconds (one hour).
/// Longer samples count in the exact moments and land in the top bucket.
pub const MAX_DURATION_MS: f64 = 3_600_000.0;
/// Two significant digits: buckets at most 1/128 of their value wide, so a
/// bucket's midpoint is within 0.4 % of any value in it.
const SIGNIFICANT_DIGITS: u8 = 2;

/// Percentiles reported, in the order of [`LatencyStats::percentiles_ms`].
pub const PERCENTILES: [f64; 3] = [0.50, 0.95, 0.99];

/// Upper bounds (`le`) of the Prometheus histogram buckets, in milliseconds:
/// Prometheus's default ladder (5 ms to 10 s) extended down to 1 ms for cache
/// and in-memory work and up to 60 s for slow upstreams. Fixed, so every
/// instance exposes the same buckets and a Prometheus server can sum them.
pub const BUCKET_BOUNDS_MS: [f64; 14] = [
  1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0, 60_000.0,
];

/// A summary of some samples, in milliseconds. All fields are 0 when `count` is 0.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatencyStats {
  /// Samples recorded.
  pub count: u64,
  /// Samples whose operation failed.
  pub errors: u64,
  /// Sum of every duration.
  pub sum_ms: f64,
  /// Exact smallest duration.
  pub min_ms: f64,
  /// Exact largest duration.
  pub max_ms: f64,
  /// p50, p95, p99: within 0.4 % (or 0.005 ms) of the exact sample at the
  /// reference's rank `min(n - 1, floor(p * n))`, clamped to `[min, max]`.
  pub percentiles_ms: [f64; 3],
}

impl LatencyStats {
  /// The mean duration, or 0 with no samples.
  pub fn avg_ms(&self) -> f64 {
    if self.count == 0 {
      0.0
    } else {
      self.sum_ms / self.count as f64
    }
  }
}

/// When the histogram's total reaches this, every bucket is halved: `u32`
/// buckets cannot overflow (no bucket exceeds the total), percentiles keep
/// their shape, and `count`, `sum`, `min`, `max` stay exact beside it.
const HALVE_AT: u64 = u32::MAX as u64;

/// Durations of one name (or one window slice), with memory fixed at creation:
/// 2,944 `u32` counters (11.8 KB) whatever the number of samples.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
  histogram: Histogram<u32>,
  count: u64,
  errors: u64,
  sum_ms: f64,
  min_ms: f64,
  max_ms: f64,
}

impl Default for LatencyHistogram {
  fn default() -> Self {
    // The bounds are constants that `new_with_bounds` accepts (low >= 1,
    // high >= 2 * low, sigfig <= 5), so this cannot fail.
    let histogram = Histogram::new_with_bounds(1, (MAX_DURATION_MS * UNITS_PER_MS) as u64, SIGNIFICANT_DIGITS)
      .expect("constant histogram bounds are valid");
    let mut fresh = LatencyHistogram {
      histogram,
      count: 0,
      errors: 0,
      sum_ms: 0.0,
      min_ms: 0.0,
      max_ms: 0.0,
    };
    fresh.reset();
    fresh
  }
}

impl LatencyHistogram {
  /// Records one duration. Negative or NaN durations count as 0; the front
  /// rejects them before they get here.
  pub fn record(&mut self, duration_ms: f64, errored: bool) {
    let duration_ms = if duration_ms > 0.0 { duration_ms } else { 0.0 };
    if self.histogram.len() >= HALVE_AT {
      self.halve();
    }
    // `as` saturates: an infinite duration lands in the top bucket.
    self
      .histogram
      .saturating_record((duration_ms * UNITS_PER_MS).round() as u64);
    self.count += 1;
    self.errors += errored as u64;
    self.sum_ms += duration_ms;
    self.min_ms = self.min_ms.min(duration_ms);
    self.max_ms = self.max_ms.max(duration_ms);
  }

  /// Adds every sample of `other` to this one.
  pub fn merge(&mut self, other: &LatencyHistogram) {
    // Same bounds on both sides, so `add` cannot fail; counts saturate.
    let _ = self.histogram.add(&other.histogram);
    self.count += other.count;
    self.errors += other.errors;
    self.sum_ms += other.sum_ms;
    self.min_ms = self.min_ms.min(other.min_ms);
    self.max_ms = self.max_ms.max(other.max_ms);
  }

  /// Forgets every sample.
  pub fn reset(&mut self) {
    self.histogram.reset();
    self.count = 0;
    self.errors = 0;
    self.sum_ms = 0.0;
    self.min_ms = f64::INFINITY;
    self.max_ms = 0.0;
  }

  /// Samples recorded.
  pub fn count(&self) -> u64 {
    self.count
  }

  /// Halves every bucket (rounding down), keeping the exact moments.
  fn halve(&mut self) {
    let mut halved = Histogram::new_from(&self.histogram);
    for bucket in self.histogram.iter_recorded() {
      // Same bounds as the source, so a value it holds is always recordable.
      let _ = halved.record_n(bucket.value_iterated_to(), bucket.count_at_value() / 2);
    }
    self.histogram = halved;
  }

  /// The summary of every sample recorded.
  pub fn stats(&self) -> LatencyStats {
    let count = self.count();
    if count == 0 {
      return LatencyStats::default();
    }
    LatencyStats {
      count,
      errors: self.errors,
      sum_ms: self.sum_ms,
      min_ms: self.min_ms,
      max_ms: self.max_ms,
      percentiles_ms: self.percentiles_ms(),
    }
  }

  /// One pass over the recorded buckets for all of [`PERCENTILES`], using the
  /// reference's rank so both agree on small sample counts.
  fn percentiles_ms(&self) -> [f64; 3] {
    let count = self.histogram.len();
    if count == 0 {
      return [self.max_ms; 3];
    }
    let ranks = PERCENTILES.map(|p| ((p * count as f64).floor() as u64).min(count - 1));
    let mut out = [self.max_ms; 3];
    let mut next = 0;
    let mut seen = 0u64;
    for bucket in self.histogram.iter_recorded() {
      seen += bucket.count_since_last_iteration();
      while next < ranks.len() && ranks[next] < seen {
        let units = self.histogram.median_equivalent(bucket.value_iterated_to());
        out[next] = (units as f64 / UNITS_PER_MS).clamp(self.min_ms, self.max_ms);
        next += 1;
      }
      if next == ranks.len() {
        break;
      }
    }
    out
  }

  /// Samples at or below each of [`BUCKET_BOUNDS_MS`] (cumulative, as
  /// Prometheus's `_bucket` series). A sample counts under a bound when its
  /// HDR bucket starts at or below it, so every sample `<= le` is counted and
  /// one at most 1/128 (0.8 %) above `le` may be too. After the histogram was halved
  /// the counts are scaled back up to `count`.
  pub fn cumulative_buckets(&self) -> [u64; BUCKET_BOUNDS_MS.len()] {
    let bounds = BUCKET_BOUNDS_MS.map(|ms| (ms * UNITS_PER_MS) as u64);
    let mut out = [0u64; BUCKET_BOUNDS_MS.len()];
    // Buckets come in ascending order, so the first bound at or above each is found by walking forward.
    let mut b = 0;
    for bucket in self.histogram.iter_recorded() {
      let lowest = self.histogram.lowest_equivalent(bucket.value_iterated_to());
      while b < bounds.len() && bounds[b] < lowest {
        b += 1;
      }
      if b == bounds.len() {
        break;
      }
      out[b] += bucket.count_at_value() as u64;
    }
    for i in 1..out.len() {
      out[i] += out[i - 1];
    }
    let recorded = self.histogram.len();
    if recorded != 0 && recorded != self.count {
      let scale = self.count as f64 / recorded as f64;
      for c in &mut out {
        *c = ((*c as f64 * scale).round() as u64).min(self.count);
      }
    }
    out
  }

  /// Samples in each bucket of [`BUCKET_BOUNDS_MS`], not cumulative (as
  /// OpenTelemetry's explicit-bucket histogram counts): bucket `i` holds the
  /// samples above bound `i - 1` and at or below bound `i`, and one more
  /// bucket holds those above the top bound, so the counts sum to `count`.
  /// The differences of [`Self::cumulative_buckets`], so both always agree.
  pub fn bucket_counts(&self) -> [u64; BUCKET_BOUNDS_MS.len() + 1] {
    let cumulative = self.cumulative_buckets();
    let mut out = [0u64; BUCKET_BOUNDS_MS.len() + 1];
    let mut below = 0;
    for (slot, at_or_below) in out.iter_mut().zip(cumulative.into_iter().chain([self.count])) {
      // Cumulative counts never decrease (the scaling keeps them in order), so this cannot underflow.
      *slot = at_or_below - below;
      below = at_or_below;
    }
    out
  }

  /// Appends this histogram to `out`: the exact moments (count, errors,
  /// sum, min, max; little-endian, 40 bytes), then the HDR buckets in the
  /// V2 + DEFLATE format (length-prefixed), which any HdrHistogram library reads.
  pub fn write_to(&self, out: &mut Vec<u8>) {
    out.extend_from_slice(&self.count.to_le_bytes());
    out.extend_from_slice(&self.errors.to_le_bytes());
    for v in [self.sum_ms, self.min_ms, self.max_ms] {
      out.extend_from_slice(&v.to_le_bytes());
    }
    let mut buckets = Vec::new();
    // Writing to a Vec cannot fail, and the histogram's counts are u32: the
    // serializer's only other error (a count over i64::MAX) cannot happen.
    let _ = V2DeflateSerializer::new().serialize(&self.histogram, &mut buckets);
    out.extend_from_slice(&(buckets.len() as u32).to_le_bytes());
    out.extend_from_slice(&buckets);
  }

  /// Reads a histogram `write_to` wrote at the start of `bytes`, advancing
  /// past it; `None` if it is malformed or has other bounds than ours.
  pub fn read_from(bytes: &mut &[u8]) -> Option<LatencyHistogram> {
    let mut fresh = LatencyHistogram::default();
    fresh.count = u64::from_le_bytes(take(bytes)?);
    fresh.errors = u64::from_le_bytes(take(bytes)?);
    fresh.sum_ms = f64::from_le_bytes(take(bytes)?);
    fresh.min_ms = f64::from_le_bytes(take(bytes)?);
    fresh.max_ms = f64::from_le_bytes(take(bytes)?);
    let len = u32::from_le_bytes(take(bytes)?) as usize;
    if bytes.len() < len {
      return None;
    }
    let (encoded, rest) = bytes.split_at(len);
    *bytes = rest;
    let decoded: Histogram<u32> = Deserializer::new().deserialize(&mut &encoded[..]).ok()?;
    // `add` refuses values beyond our bounds: a blob from a foreign histogram is rejected, not clamped.
    fresh.histogram.add(&decoded).ok()?;
    Some(fresh)
  }

  /// Bytes this histogram holds, counters included.
  pub fn footprint_bytes(&self) -> usize {
    std::mem::size_of::<Self>() + self.histogram.distinct_values() * std::mem::size_of::<u32>()
  }
}

/// The next `N` bytes of `bytes`, advancing past them.
fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
  let (head, rest) = bytes.split_first_chunk::<N>()?;
  *bytes = rest;
  Some(*head)
}

#[cfg(test)]
mod tests {
  use super::*;

  /// The reference's percentile: the sample at rank `min(n - 1, floor(p * n))`.
  fn exact(sorted: &[f64], p: f64) -> f64 {
    sorted[((p * sorted.len() as f64).floor() as usize).min(sorted.len() - 1)]
  }

  #[test]
  fn an_empty_histogram_reports_zeros() {
    let h = LatencyHistogram::default();
    assert_eq!(h.stats(), LatencyStats::default());
    assert_eq!(h.stats().avg_ms(), 0.0);
  }

  #[test]
  fn moments_are_exact_and_errors_are_counted() {
    let mut h = LatencyHistogram::default();
    for (d, e) in [(1.25, false), (3.5, true), (0.001, false)] {
      h.record(d, e);
    }
    let s = h.stats();
    assert_eq!((s.count, s.errors), (3, 1));
    assert_eq!((s.min_ms, s.max_ms), (0.001, 3.5));
    assert!((s.avg_ms() - 4.751 / 3.0).abs() < 1e-12);
  }

  #[test]
  fn percentiles_of_100_000_skewed_samples_are_within_half_a_percent() {
    // Log-normal-ish latencies from a fixed LCG: a body near 10 ms, a tail to seconds.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
      state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
      (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut samples: Vec<f64> = (0..100_000)
      .map(|_| 10.0 * (-(1.0 - next()).ln() * 1.5).exp())
      .collect();
    let mut h = LatencyHistogram::default();
    samples.iter().for_each(|&d| h.record(d, false));
    samples.sort_by(f64::total_cmp);
    let s = h.stats();
    for (i, p) in PERCENTILES.iter().enumerate() {
      let want = exact(&samples, *p);
      let err = (s.percentiles_ms[i] - want).abs() / want;
      assert!(err < 0.005, "p{p}: got {} want {want} ({err})", s.percentiles_ms[i]);
    }
    assert_eq!(s.count, 100_000);
  }

  #[test]
  fn small_samples_use_the_references_rank() {
    let mut h = LatencyHistogram::default();
    (1..=10).for_each(|ms| h.record(ms as f64, false));
    // floor(0.5 * 10) = rank 5 -> 6 ms; floor(0.95 * 10) = 9 -> 10 ms (the max, exact).
    let [p50, p95, p99] = h.stats().percentiles_ms;
    assert!((p50 - 6.0).abs() <= 6.0 * 0.004, "{p50}");
    assert_eq!((p95, p99), (10.0, 10.0));
  }

  #[test]
  fn durations_beyond_an_hour_saturate_the_top_bucket_but_keep_an_exact_max() {
    let mut h = LatencyHistogram::default();
    h.record(5.0 * MAX_DURATION_MS, false);
    let s = h.stats();
    assert_eq!(s.max_ms, 5.0 * MAX_DURATION_MS);
    assert_eq!(s.percentiles_ms, [s.max_ms; 3]);
  }

  #[test]
  fn merge_and_reset() {
    let (mut a, mut b) = (LatencyHistogram::default(), LatencyHistogram::default());
    a.record(1.0, false);
    b.record(9.0, true);
    a.merge(&b);
    assert_eq!(
      (a.count(), a.stats().errors, a.stats().min_ms, a.stats().max_ms),
      (2, 1, 1.0, 9.0)
    );
    a.reset();
    assert_eq!(a.stats(), LatencyStats::default());
  }

  #[test]
  fn memory_is_fixed_whatever_the_sample_count() {
    let mut h = LatencyHistogram::default();
    let before = h.footprint_bytes();
    (0..200_000).for_each(|i| h.record(i as f64 * 17.0, false));
    assert_eq!(h.footprint_bytes(), before);
    assert!(before < 12 * 1024, "{before}");
  }

  #[test]
  fn a_histogram_round_trips_through_its_bytes_and_rejects_damaged_ones() {
    let mut h = LatencyHistogram::default();
    for i in 0..10_000 {
      h.record((i % 997) as f64 * 1.37, i % 10 == 0);
    }
    let mut bytes = Vec::new();
    h.write_to(&mut bytes);
    h.write_to(&mut bytes);
    let mut rest = &bytes[..];
    let first = LatencyHistogram::read_from(&mut rest).unwrap();
    let second = LatencyHistogram::read_from(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(first.stats(), h.stats());
    assert_eq!(second.stats(), h.stats());
    assert!(bytes.len() < 4_000, "{} bytes", bytes.len());
    for cut in [0, 10, 44, bytes.len() / 2 - 1] {
      assert!(
        LatencyHistogram::read_from(&mut &bytes[..cut]).is_none(),
        "cut at {cut}"
      );
    }
    let mut garbled = bytes.clone();
    garbled[44] ^= 0xff; // the V2 cookie
    assert!(LatencyHistogram::read_from(&mut &garbled[..]).is_none());
  }

  #[test]
  fn cumulative_buckets_count_every_sample_at_or_below_each_bound() {
    let mut h = LatencyHistogram::default();
    let samples = [
      0.0,
      0.99,
      1.0,
      1.01,
      4.2,
      9.99,
      10.0,
      77.0,
      999.0,
      59_000.0,
      61_000.0,
      3_600_000.0,
    ];
    for d in samples {
      h.record(d, false);
    }
    let got = h.cumulative_buckets();
    for (bound, count) in BUCKET_BOUNDS_MS.iter().zip(got) {
      let exact = samples.iter().filter(|&&d| d <= *bound).count() as u64;
      assert_eq!(count, exact, "le {bound}");
    }
  }

  #[test]
  fn bucket_counts_are_the_differences_of_the_cumulative_ones_and_sum_to_the_count() {
    let mut h = LatencyHistogram::default();
    for d in [0.5, 1.0, 2.0, 2.5, 7.0, 7.0, 40.0, 59_999.0, 90_000.0, 3_600_000.0] {
      h.record(d, false);
    }
    let counts = h.bucket_counts();
    // <=1, <=2.5, <=5, <=10, <=25, <=50, ..., <=60000, above.
    assert_eq!(counts, [2, 2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
    assert_eq!(counts.iter().sum::<u64>(), h.count());
    let mut running = 0;
    for (i, c) in h.cumulative_buckets().into_iter().enumerate() {
      running += counts[i];
      assert_eq!(running, c, "le {}", BUCKET_BOUNDS_MS[i]);
    }
    assert_eq!(
      LatencyHistogram::default().bucket_counts(),
      [0; BUCKET_BOUNDS_MS.len() + 1]
    );
  }

  #[test]
  fn cumulative_buckets_are_scaled_to_the_count_after_halving() {
    let mut h = LatencyHistogram::default();
    h.record(1.0, false);
    h.record(50.0, false);
    // As after a halving, the buckets hold another total than `count` (here twice it).
    h.histogram.record_n(100, 1).unwrap();
    h.histogram.record_n(5_000, 1).unwrap();
    let got = h.cumulative_buckets();
    assert_eq!(got[0], 1, "le 1 ms");
    assert_eq!(got[5], 2, "le 50 ms");
    assert_eq!(got[13], 2, "le 60 s");
  }

  #[test]
  fn buckets_are_halved_before_they_could_overflow_and_keep_their_shape() {
    let mut h = LatencyHistogram::default();
    for d in [1.0, 2.0, 3.0, 50.0] {
      h.record(d, false);
    }
    // Pump the buckets to the edge of u32 without 4 billion calls.
    for (d, n) in [(1.0, 2_000_000_000), (2.0, 1_000_000_000), (50.0, 1_294_967_291u32)] {
      h.histogram.record_n((d * UNITS_PER_MS) as u64, n).unwrap();
    }
    assert!(h.histogram.len() >= HALVE_AT);
    let before = h.stats().percentiles_ms;
    h.record(3.0, false);
    assert!(h.histogram.len() < HALVE_AT / 2 + 2);
    assert_eq!(h.stats().percentiles_ms, before);
    assert_eq!(h.count(), 5, "count stays exact: only record() counts");
  }
}
