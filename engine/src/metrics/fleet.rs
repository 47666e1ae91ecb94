//! The fleet view: each instance publishes one blob per name (its all-time
//! and rolling-window histograms, [`LatencyHistogram::write_to`]); a reader
//! merges the blobs of every live instance by name. Percentiles come from
//! the merged histogram, never from averaging the instances' percentiles.

use super::latency::{LatencyHistogram, LatencyStats};
use std::collections::HashMap;

/// One name's publication: its all-time histogram, then its window's.
pub fn encode_metric(all_time: &LatencyHistogram, window: &LatencyHistogram) -> Vec<u8> {
  let mut out = Vec::with_capacity(256);
  all_time.write_to(&mut out);
  window.write_to(&mut out);
  out
}

/// One name merged over the instances that published it.
pub struct FleetMetric {
  /// Instances whose blob for this name was merged.
  pub instances: u32,
  all_time: LatencyHistogram,
  window: LatencyHistogram,
}

impl FleetMetric {
  /// All-time and window stats of the merged histograms.
  pub fn stats(&self) -> (LatencyStats, LatencyStats) {
    (self.all_time.stats(), self.window.stats())
  }
}

/// Blobs merged by name, in first-seen order.
#[derive(Default)]
pub struct FleetMerge {
  names: HashMap<String, usize>,
  metrics: Vec<(String, FleetMetric)>,
  /// Blobs that did not decode (another version, damage): skipped, counted.
  pub rejected: u32,
}

impl FleetMerge {
  /// Merges one instance's blob for `name`; false (and counted) if it does not decode.
  pub fn add(&mut self, name: &str, blob: &[u8]) -> bool {
    let mut rest = blob;
    let decoded = LatencyHistogram::read_from(&mut rest).zip(LatencyHistogram::read_from(&mut rest));
    let Some((all_time, window)) = decoded.filter(|_| rest.is_empty()) else {
      self.rejected += 1;
      return false;
    };
    match self.names.get(name) {
      Some(&i) => {
        let m = &mut self.metrics[i].1;
        m.instances += 1;
        m.all_time.merge(&all_time);
        m.window.merge(&window);
      }
      None => {
        self.names.insert(name.to_owned(), self.metrics.len());
        let metric = FleetMetric {
          instances: 1,
          all_time,
          window,
        };
        self.metrics.push((name.to_owned(), metric));
      }
    }
    true
  }

  /// Every merged name with its metric.
  pub fn metrics(&self) -> &[(String, FleetMetric)] {
    &self.metrics
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn histogram(samples: impl Iterator<Item = f64>) -> LatencyHistogram {
    let mut h = LatencyHistogram::default();
    for d in samples {
      h.record(d, d > 900.0);
    }
    h
  }

  #[test]
  fn merged_percentiles_are_those_of_the_union_not_an_average() {
    // Three instances: fast, medium and slow, of different sizes.
    let parts: [Vec<f64>; 3] = [
      (0..9_000).map(|i| 1.0 + (i % 100) as f64 * 0.1).collect(),
      (0..900).map(|i| 50.0 + (i % 50) as f64).collect(),
      (0..100).map(|i| 500.0 + i as f64 * 5.0).collect(),
    ];
    let mut merge = FleetMerge::default();
    for part in &parts {
      let h = histogram(part.iter().copied());
      assert!(merge.add("db", &encode_metric(&h, &LatencyHistogram::default())));
    }
    let mut union: Vec<f64> = parts.concat();
    union.sort_by(f64::total_cmp);
    let [(name, metric)] = merge.metrics() else {
      panic!("one name")
    };
    assert_eq!((name.as_str(), metric.instances), ("db", 3));
    let (all_time, window) = metric.stats();
    assert_eq!(all_time.count, 10_000);
    assert_eq!(all_time.errors, 19);
    assert_eq!(window.count, 0);
    assert_eq!((all_time.min_ms, all_time.max_ms), (1.0, 995.0));
    for (p, got) in [0.5, 0.95, 0.99].iter().zip(all_time.percentiles_ms) {
      let exact = union[((p * union.len() as f64) as usize).min(union.len() - 1)];
      assert!((got - exact).abs() <= exact * 0.01, "p{p}: {got} vs {exact}");
    }
  }

  #[test]
  fn a_damaged_blob_is_skipped_and_counted() {
    let mut merge = FleetMerge::default();
    let h = histogram([1.0, 2.0].into_iter());
    let mut blob = encode_metric(&h, &h);
    assert!(!merge.add("x", &blob[..blob.len() - 1]));
    blob.push(0);
    assert!(!merge.add("x", &blob));
    assert_eq!(merge.rejected, 2);
    assert!(merge.metrics().is_empty());
  }
}
