//! [`RollingWindow`]: the samples of the last `window_ms`, for "now" beside
//! the all-time view.

use super::latency::{LatencyHistogram, LatencyStats};

/// Slices a window is cut into. A sample stays in the window for between
/// `(SLICES - 1) / SLICES` and all of `window_ms` (40 to 60 s for 60 s), as
/// a Prometheus summary with `ageBuckets` does. Three keeps memory per name
/// within 64 KiB with the all-time histogram (4 × 11.8 KB of `u32` counters).
pub const SLICES: usize = 3;

#[derive(Clone, Debug)]
struct Slice {
  /// `floor(at_ms / slice_ms)` of the samples held; `i64::MIN` when empty.
  epoch: i64,
  latency: LatencyHistogram,
}

/// A ring of [`SLICES`] histograms, each covering `window_ms / SLICES`,
/// merged on read.
#[derive(Clone, Debug)]
pub struct RollingWindow {
  slice_ms: f64,
  slices: [Slice; SLICES],
}

impl RollingWindow {
  /// An empty window of `window_ms` (positive, finite).
  pub fn new(window_ms: f64) -> Self {
    let empty = Slice {
      epoch: i64::MIN,
      latency: LatencyHistogram::default(),
    };
    RollingWindow {
      slice_ms: window_ms / SLICES as f64,
      slices: [empty.clone(), empty.clone(), empty],
    }
  }

  /// The slice number of `at_ms`: window stats change only when it does or a sample arrives.
  pub fn epoch(&self, at_ms: f64) -> i64 {
    (at_ms / self.slice_ms).floor() as i64
  }

  /// Records a sample taken at `at_ms` (epoch milliseconds).
  ///
  /// Samples arrive in the order they were taken, so one older than the
  /// whole window (behind the newest slice by [`SLICES`] or more) means the
  /// wall clock stepped back: the slices "from the future" are dropped (they
  /// could only hide new samples until the clock caught up with them) and
  /// the window restarts at `at_ms`. A sample only slightly out of order
  /// still lands in its own slice.
  pub fn record(&mut self, at_ms: f64, duration_ms: f64, errored: bool) {
    let epoch = self.epoch(at_ms);
    let newest = self.slices.iter().map(|s| s.epoch).max().unwrap_or(i64::MIN);
    if newest != i64::MIN && epoch <= newest.saturating_sub(SLICES as i64) {
      self.reset();
    }
    let slice = &mut self.slices[epoch.rem_euclid(SLICES as i64) as usize];
    if slice.epoch < epoch {
      slice.latency.reset();
      slice.epoch = epoch;
    }
    if slice.epoch == epoch {
      slice.latency.record(duration_ms, errored);
    }
  }

  /// The samples of the window ending at `now_ms`, merged into `scratch`.
  pub fn stats(&self, now_ms: f64, scratch: &mut LatencyHistogram) -> LatencyStats {
    let now = self.epoch(now_ms);
    scratch.reset();
    for slice in &self.slices {
      if slice.epoch <= now && slice.epoch > now.saturating_sub(SLICES as i64) {
        scratch.merge(&slice.latency);
      }
    }
    scratch.stats()
  }

  /// Forgets every sample.
  pub fn reset(&mut self) {
    for slice in &mut self.slices {
      slice.latency.reset();
      slice.epoch = i64::MIN;
    }
  }

  /// Bytes held, counters included.
  pub fn footprint_bytes(&self) -> usize {
    std::mem::size_of::<Self>()
      + self
        .slices
        .iter()
        .map(|s| s.latency.footprint_bytes() - std::mem::size_of_val(&s.latency))
        .sum::<usize>()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn count_at(w: &RollingWindow, now_ms: f64) -> u64 {
    w.stats(now_ms, &mut LatencyHistogram::default()).count
  }

  #[test]
  fn a_sample_counts_until_its_slice_leaves_the_window() {
    let mut w = RollingWindow::new(60_000.0);
    w.record(1_000.0, 5.0, false); // slice [0, 20 s)
    assert_eq!(count_at(&w, 1_000.0), 1);
    assert_eq!(count_at(&w, 59_999.0), 1);
    assert_eq!(count_at(&w, 60_000.0), 0);
  }

  #[test]
  fn a_new_slice_replaces_the_one_that_left_the_window() {
    let mut w = RollingWindow::new(60_000.0);
    w.record(1_000.0, 5.0, true);
    w.record(61_000.0, 7.0, false); // same ring position, newer epoch
    let s = w.stats(61_000.0, &mut LatencyHistogram::default());
    assert_eq!((s.count, s.errors, s.max_ms), (1, 0, 7.0));
  }

  #[test]
  fn a_clock_stepped_back_past_the_window_restarts_it_at_the_new_time() {
    let mut w = RollingWindow::new(60_000.0);
    w.record(181_000.0, 7.0, false);
    w.record(61_000.0, 5.0, false); // the clock went back two minutes
    let s = w.stats(61_000.0, &mut LatencyHistogram::default());
    assert_eq!((s.count, s.max_ms), (1, 5.0));
    w.record(62_000.0, 9.0, false);
    assert_eq!(count_at(&w, 62_000.0), 2);
  }

  #[test]
  fn a_sample_slightly_out_of_order_lands_in_its_own_slice() {
    let mut w = RollingWindow::new(60_000.0);
    w.record(41_000.0, 7.0, false);
    w.record(19_000.0, 5.0, false);
    assert_eq!(count_at(&w, 41_000.0), 2);
    assert_eq!(count_at(&w, 60_500.0), 1);
  }

  #[test]
  fn a_clock_set_back_does_not_show_future_slices() {
    let mut w = RollingWindow::new(60_000.0);
    w.record(100_000.0, 5.0, false);
    assert_eq!(count_at(&w, 10_000.0), 0);
    assert_eq!(count_at(&w, 100_000.0), 1);
  }

  #[test]
  fn slices_are_merged_on_read() {
    let mut w = RollingWindow::new(60_000.0);
    for (at, d) in [(0.0, 1.0), (25_000.0, 2.0), (45_000.0, 3.0)] {
      w.record(at, d, false);
    }
    let s = w.stats(45_000.0, &mut LatencyHistogram::default());
    assert_eq!((s.count, s.min_ms, s.max_ms, s.sum_ms), (3, 1.0, 3.0, 6.0));
  }
}
