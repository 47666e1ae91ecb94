//! [`MetricRegistry`]: every name's histograms, fed in batches from the
//! sample log the JS front writes.

use super::latency::{LatencyHistogram, LatencyStats};
use super::window::RollingWindow;

/// Numbers per sample in the log: `[code, duration_ms, at_ms]`, where
/// `code` is the metric id, or `-1 - id` when the operation failed.
pub const SAMPLE_WORDS: usize = 3;

/// One named metric: all-time and rolling-window histograms.
#[derive(Clone, Debug)]
pub struct Metric {
  /// The name samples are recorded under.
  pub name: String,
  /// When the name was registered (ms since the epoch): its all-time counts start there.
  pub started_ms: f64,
  all_time: LatencyHistogram,
  window: RollingWindow,
  /// The last stats computed, valid until a sample arrives or the window
  /// moves to another slice: a dashboard polling `getStats` pays the bucket
  /// walk once per change, not once per call.
  cached: Option<CachedStats>,
}

#[derive(Clone, Copy, Debug)]
struct CachedStats {
  window_epoch: i64,
  all_time: LatencyStats,
  window: LatencyStats,
}

impl Metric {
  fn stats(&mut self, now_ms: f64, scratch: &mut LatencyHistogram) -> (LatencyStats, LatencyStats) {
    let window_epoch = self.window.epoch(now_ms);
    let cached = match self.cached {
      Some(c) if c.window_epoch == window_epoch => c,
      _ => {
        let fresh = CachedStats {
          window_epoch,
          all_time: self.all_time.stats(),
          window: self.window.stats(now_ms, scratch),
        };
        self.cached = Some(fresh);
        fresh
      }
    };
    (cached.all_time, cached.window)
  }
}

/// One metric read at one moment ([`MetricRegistry::snapshot`]).
pub struct MetricSnapshot<'a> {
  /// Its name.
  pub name: &'a str,
  /// When it was registered (ms since the epoch).
  pub started_ms: f64,
  /// All-time stats.
  pub all_time: LatencyStats,
  /// Rolling-window stats.
  pub window: LatencyStats,
  /// The all-time histogram, for its buckets.
  pub histogram: &'a LatencyHistogram,
}

/// A logged sample naming an id that is not registered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnknownMetric(pub f64);

/// Metrics by small integer id. Ids of removed names are reused.
#[derive(Debug)]
pub struct MetricRegistry {
  window_ms: f64,
  metrics: Vec<Option<Metric>>,
  scratch: LatencyHistogram,
}

impl MetricRegistry {
  /// An empty registry whose rolling windows span `window_ms`.
  pub fn new(window_ms: f64) -> Self {
    MetricRegistry {
      window_ms,
      metrics: Vec::new(),
      scratch: LatencyHistogram::default(),
    }
  }

  /// Adds `name`, registered at `now_ms`, and returns its id (the lowest free one).
  pub fn register(&mut self, name: String, now_ms: f64) -> u32 {
    let metric = Metric {
      name,
      started_ms: now_ms,
      all_time: LatencyHistogram::default(),
      window: RollingWindow::new(self.window_ms),
      cached: None,
    };
    match self.metrics.iter().position(Option::is_none) {
      Some(free) => {
        self.metrics[free] = Some(metric);
        free as u32
      }
      None => {
        self.metrics.push(Some(metric));
        (self.metrics.len() - 1) as u32
      }
    }
  }

  /// Forgets metric `id` and frees its id.
  pub fn remove(&mut self, id: u32) {
    if let Some(slot) = self.metrics.get_mut(id as usize) {
      *slot = None;
    }
  }

  /// Forgets every metric.
  pub fn clear(&mut self) {
    self.metrics.clear();
  }

  /// Records the logged `samples` (whole triples of [`SAMPLE_WORDS`]).
  /// Stops at the first sample with an unknown id, having recorded the ones before.
  pub fn replay(&mut self, samples: &[f64]) -> Result<(), UnknownMetric> {
    for sample in samples.chunks_exact(SAMPLE_WORDS) {
      let (code, duration_ms, at_ms) = (sample[0], sample[1], sample[2]);
      let (id, errored) = if code < 0.0 { (-1.0 - code, true) } else { (code, false) };
      let metric = (id.fract() == 0.0)
        .then(|| self.metrics.get_mut(id as usize))
        .flatten()
        .and_then(Option::as_mut)
        .ok_or(UnknownMetric(code))?;
      metric.all_time.record(duration_ms, errored);
      metric.window.record(at_ms, duration_ms, errored);
      metric.cached = None;
    }
    Ok(())
  }

  /// All-time and window stats of `id` at `now_ms`, or `None` if unknown.
  pub fn stats(&mut self, id: u32, now_ms: f64) -> Option<(LatencyStats, LatencyStats)> {
    let metric = self.metrics.get_mut(id as usize)?.as_mut()?;
    Some(metric.stats(now_ms, &mut self.scratch))
  }

  /// Every metric as it is at `now_ms`, by id.
  pub fn snapshot(&mut self, now_ms: f64) -> Vec<MetricSnapshot<'_>> {
    let scratch = &mut self.scratch;
    self
      .metrics
      .iter_mut()
      .flatten()
      .map(|m| {
        let (all_time, window) = m.stats(now_ms, scratch);
        MetricSnapshot {
          name: m.name.as_str(),
          started_ms: m.started_ms,
          all_time,
          window,
          histogram: &m.all_time,
        }
      })
      .collect()
  }

  /// Every metric with samples, as its name and the blob the fleet view
  /// publishes ([`super::fleet::encode_metric`]): all-time and window at `now_ms`.
  pub fn fleet_snapshot(&mut self, now_ms: f64) -> Vec<(&str, Vec<u8>)> {
    let scratch = &mut self.scratch;
    self
      .metrics
      .iter()
      .flatten()
      .filter(|m| m.all_time.count() > 0)
      .map(|m| {
        // `stats` leaves the window's slices merged in `scratch`.
        m.window.stats(now_ms, scratch);
        (m.name.as_str(), super::fleet::encode_metric(&m.all_time, scratch))
      })
      .collect()
  }

  /// Bytes held for metric `id` (histograms, window and name), or 0 if unknown.
  pub fn footprint_bytes(&self, id: u32) -> usize {
    self.metrics.get(id as usize).and_then(Option::as_ref).map_or(0, |m| {
      std::mem::size_of::<Metric>() + m.name.capacity() + m.all_time.footprint_bytes()
        - std::mem::size_of_val(&m.all_time)
        + m.window.footprint_bytes()
        - std::mem::size_of_val(&m.window)
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn replayed_samples_reach_their_metric_with_errors_flagged() {
    let mut r = MetricRegistry::new(60_000.0);
    let a = r.register("a".into(), 0.0);
    let b = r.register("b".into(), 0.0);
    r.replay(&[a as f64, 2.0, 0.0, -1.0 - b as f64, 4.0, 0.0, b as f64, 6.0, 0.0])
      .unwrap();
    let (all, window) = r.stats(b, 0.0).unwrap();
    assert_eq!((all.count, all.errors, all.sum_ms), (2, 1, 10.0));
    assert_eq!(window, all);
    assert_eq!(r.stats(a, 0.0).unwrap().0.count, 1);
  }

  #[test]
  fn an_unknown_id_is_an_error_not_a_panic() {
    let mut r = MetricRegistry::new(60_000.0);
    assert_eq!(r.replay(&[7.0, 1.0, 0.0]), Err(UnknownMetric(7.0)));
    r.register("a".into(), 0.0);
    assert!(r.replay(&[f64::NAN, 1.0, 0.0]).is_err());
    assert!(r.replay(&[0.5, 1.0, 0.0]).is_err());
  }

  #[test]
  fn cached_stats_follow_new_samples_and_the_window_moving_on() {
    let mut r = MetricRegistry::new(60_000.0);
    let a = r.register("a".into(), 0.0);
    r.replay(&[a as f64, 2.0, 0.0]).unwrap();
    assert_eq!(r.stats(a, 0.0).unwrap().0.count, 1);
    assert_eq!(r.stats(a, 1.0).unwrap().1.count, 1);
    r.replay(&[a as f64, 4.0, 1.0]).unwrap();
    assert_eq!(r.stats(a, 1.0).unwrap().0.count, 2);
    let (all, window) = r.stats(a, 60_000.0).unwrap();
    assert_eq!((all.count, window.count), (2, 0));
  }

  #[test]
  fn removed_ids_are_reused_empty_and_counted_from_their_new_registration() {
    let mut r = MetricRegistry::new(60_000.0);
    let a = r.register("a".into(), 1_000.0);
    r.replay(&[a as f64, 1.0, 0.0]).unwrap();
    assert_eq!(r.snapshot(2_000.0)[0].started_ms, 1_000.0);
    r.remove(a);
    assert!(r.stats(a, 0.0).is_none());
    assert_eq!(r.register("c".into(), 5_000.0), a);
    assert_eq!(r.stats(a, 0.0).unwrap().0.count, 0);
    let c = &r.snapshot(6_000.0)[0];
    assert_eq!((c.name, c.started_ms, c.histogram.count()), ("c", 5_000.0, 0));
  }

  #[test]
  fn a_metric_holds_at_most_64_kib_whatever_the_sample_count() {
    let mut r = MetricRegistry::new(60_000.0);
    let id = r.register("api.models.get".into(), 0.0);
    let log: Vec<f64> = (0..300_000)
      .flat_map(|i| [id as f64, (i % 5000) as f64 * 0.37, i as f64])
      .collect();
    r.replay(&log).unwrap();
    let bytes = r.footprint_bytes(id);
    assert!(bytes <= 64 * 1024, "{bytes} bytes");
    println!("one metric holds {bytes} bytes");
    assert_eq!(r.stats(id, 300_000.0).unwrap().0.count, 300_000);
  }
}
