//! The fleet view: each instance publishes one blob per name (its all-time
//! and rolling-window histograms, [`LatencyHistogram::write_to`]); a reader
//! merges the blobs of every live instance by name. Percentiles come from
//! the merged histogram, never from averaging the instances' percentiles;
//! each instance's own stats are kept beside the merge when asked for
//! ([`FleetMerge::keeping_instances`]), for a per-instance breakdown.

use super::latency::{LatencyHistogram, LatencyStats};
use std::collections::HashMap;

/// One name's publication: its all-time histogram, then its window's.
pub fn encode_metric(all_time: &LatencyHistogram, window: &LatencyHistogram) -> Vec<u8> {
  let mut out = Vec::with_capacity(256);
  all_time.write_to(&mut out);
  window.write_to(&mut out);
  out
}

/// One instance's own stats of one name, as decoded from its blob.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceStats {
  /// The instance, as the caller numbered it in [`FleetMerge::add`].
  pub instance: u32,
  /// Its all-time stats.
  pub all_time: LatencyStats,
  /// Its rolling window's stats when it published.
  pub window: LatencyStats,
}

/// One name merged over the instances that published it.
pub struct FleetMetric {
  /// Instances whose blob for this name was merged.
  pub instances: u32,
  all_time: LatencyHistogram,
  window: LatencyHistogram,
  /// Each instance's own stats, in the order their blobs were added; empty
  /// unless the merge was made with [`FleetMerge::keeping_instances`].
  pub per_instance: Vec<InstanceStats>,
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
  /// Whether each instance's own stats are kept (one bucket walk per blob).
  keep_instances: bool,
  /// Blobs that did not decode (another version, damage): skipped, counted.
  pub rejected: u32,
}

impl FleetMerge {
  /// A merge that also keeps each instance's own stats of each name
  /// ([`FleetMetric::per_instance`]); the default merge (alert checks) does not pay for them.
  pub fn keeping_instances() -> Self {
    FleetMerge {
      keep_instances: true,
      ..FleetMerge::default()
    }
  }

  /// Merges `instance`'s blob for `name`; false (and counted) if it does not decode.
  pub fn add(&mut self, instance: u32, name: &str, blob: &[u8]) -> bool {
    let mut rest = blob;
    let decoded = LatencyHistogram::read_from(&mut rest).zip(LatencyHistogram::read_from(&mut rest));
    let Some((all_time, window)) = decoded.filter(|_| rest.is_empty()) else {
      self.rejected += 1;
      return false;
    };
    let own = self.keep_instances.then(|| InstanceStats {
      instance,
      all_time: all_time.stats(),
      window: window.stats(),
    });
    match self.names.get(name) {
      Some(&i) => {
        let m = &mut self.metrics[i].1;
        m.instances += 1;
        m.all_time.merge(&all_time);
        m.window.merge(&window);
        m.per_instance.extend(own);
      }
      None => {
        self.names.insert(name.to_owned(), self.metrics.len());
        let metric = FleetMetric {
          instances: 1,
          all_time,
          window,
          per_instance: own.into_iter().collect(),
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
    for (i, part) in parts.iter().enumerate() {
      let h = histogram(part.iter().copied());
      assert!(merge.add(i as u32, "db", &encode_metric(&h, &LatencyHistogram::default())));
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
    assert!(metric.per_instance.is_empty(), "not kept unless asked for");
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
    assert!(!merge.add(0, "x", &blob[..blob.len() - 1]));
    blob.push(0);
    assert!(!merge.add(0, "x", &blob));
    assert_eq!(merge.rejected, 2);
    assert!(merge.metrics().is_empty());
  }

  #[test]
  fn kept_instances_report_their_own_stats_beside_the_merge() {
    // Instance 7 is fast and has two names; instance 3 is slow; both publish "db".
    let fast = histogram((0..1_000).map(|i| 1.0 + (i % 10) as f64));
    let slow = histogram((0..200).map(|i| 400.0 + i as f64));
    let recent = histogram([2.0, 3.0].into_iter());
    let mut merge = FleetMerge::keeping_instances();
    assert!(merge.add(7, "db", &encode_metric(&fast, &recent)));
    assert!(merge.add(7, "cache", &encode_metric(&recent, &recent)));
    assert!(merge.add(3, "db", &encode_metric(&slow, &LatencyHistogram::default())));
    let [(db, merged), (cache, only)] = merge.metrics() else {
      panic!("two names")
    };
    assert_eq!((db.as_str(), cache.as_str()), ("db", "cache"));
    let own: Vec<(u32, u64, u64)> = merged
      .per_instance
      .iter()
      .map(|s| (s.instance, s.all_time.count, s.window.count))
      .collect();
    assert_eq!(own, [(7, 1_000, 2), (3, 200, 0)]);
    assert_eq!(merged.per_instance[0].all_time, fast.stats());
    assert_eq!(merged.per_instance[1].all_time, slow.stats());
    assert_eq!(merged.stats().0.count, 1_200, "the merge still sums them");
    // The merged p95 lies between the instances' own: it is the union's, not either one's.
    let p95 = |s: &LatencyStats| s.percentiles_ms[1];
    assert!(p95(&fast.stats()) < p95(&merged.stats().0) && p95(&merged.stats().0) < p95(&slow.stats()));
    assert_eq!(only.per_instance.len(), 1);
    assert_eq!(only.per_instance[0].instance, 7);
  }
}
