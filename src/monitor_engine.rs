//! `MonitorEngine`: the histograms behind one `PerformanceMonitor`. Called on
//! cold paths only (a full sample log, stats, exposition, alert checks); the
//! hot path (`time`, `record`) stays in `js/performance-monitor.js`.

use crate::errors::invalid;
use crate::out_slice::OutSlice;
use crate::wire::{self, CACHE_SNAPSHOT_WORDS};
use hotpath_engine::metrics::{
  write_exposition, AlertBook, AlertMetric, AlertRule, CacheSnapshot, ExposedMetric, FleetMerge, LatencyStats,
  MetricRegistry, Observation, SAMPLE_WORDS,
};
use napi::bindgen_prelude::Buffer;
use napi::Result;
use napi_derive::napi;

/// Numbers per stats block, as a length.
const STATS_WORDS: usize = wire::STATS_WORDS as usize;

/// The engine behind one `PerformanceMonitor`.
#[napi]
pub struct MonitorEngine {
  registry: MetricRegistry,
  alerts: AlertBook,
}

/// An alert rule as the JS front passes it (already validated there).
#[napi(object)]
pub struct AlertRuleSpec {
  /// `avg`, `p50`, `p95`, `p99`, `errorRate` or `hitRate`.
  pub metric: String,
  /// Fails above the threshold (else below).
  pub above: bool,
  pub threshold: f64,
  pub min_samples: u32,
  /// Subject names the rule applies to start with this.
  pub prefix: String,
}

/// A rule that started failing or recovered for one subject.
#[napi(object)]
pub struct AlertChange {
  /// Index into the rules last set.
  pub rule: u32,
  pub subject: String,
  pub failing: bool,
  pub value: f64,
}

/// This instance's histograms as the fleet view publishes them: `blobs[i]` is `names[i]`'s.
#[napi(object)]
pub struct FleetSnapshot {
  pub names: Vec<String>,
  pub blobs: Vec<Buffer>,
}

/// One name merged over the fleet: `stats` is all-time then window stats
/// (8 numbers each, as `MonitorEngine.stats` writes them).
#[napi(object)]
pub struct FleetMetricStats {
  pub name: String,
  /// Instances whose blob for the name was merged.
  pub instances: u32,
  pub stats: Vec<f64>,
  /// With `perInstance`, the instances (their `owners` numbers) that published the name, in order...
  pub owners: Vec<u32>,
  /// ...and each one's own stats, 16 numbers each as in `stats`; both empty without `perInstance`.
  pub owner_stats: Vec<f64>,
}

/// One metric's all-time histogram in the fixed buckets of `crate::wire::latency_bucket_bounds_ms`.
#[napi(object)]
pub struct MetricHistogram {
  pub name: String,
  /// When the name was registered (ms since the epoch): the counts start there.
  pub started_ms: f64,
  /// All-time stats, 8 numbers as `MonitorEngine.stats` writes them.
  pub stats: Vec<f64>,
  /// Samples per bucket, not cumulative: one per bound, then one above the top bound.
  pub bucket_counts: Vec<f64>,
}

/// Merges fleet blobs (`blobs[i]` published for `names[i]` by instance
/// `owners[i]`) by name, in first-seen order; blobs that do not decode are
/// skipped. With `perInstance`, each instance's own stats come too.
#[napi(catch_unwind)]
pub fn merge_fleet(
  names: Vec<String>,
  blobs: Vec<Buffer>,
  owners: Vec<u32>,
  per_instance: bool,
) -> Result<Vec<FleetMetricStats>> {
  let merge = fleet_merge("mergeFleet", &names, &blobs, &owners, per_instance)?;
  Ok(
    merge
      .metrics()
      .iter()
      .map(|(name, metric)| {
        let (all_time, window) = metric.stats();
        let mut owner_stats = vec![0.0; 2 * STATS_WORDS * metric.per_instance.len()];
        for (own, out) in metric
          .per_instance
          .iter()
          .zip(owner_stats.chunks_exact_mut(2 * STATS_WORDS))
        {
          write_stats_pair(out, &own.all_time, &own.window);
        }
        FleetMetricStats {
          name: name.clone(),
          instances: metric.instances,
          stats: stats_pair(&all_time, &window),
          owners: metric.per_instance.iter().map(|own| own.instance).collect(),
          owner_stats,
        }
      })
      .collect(),
  )
}

#[napi]
impl MonitorEngine {
  /// Every metric with samples as the fleet view publishes it, at `nowMs`.
  #[napi(catch_unwind)]
  pub fn fleet_snapshot(&mut self, now_ms: f64) -> FleetSnapshot {
    let (names, blobs) = self
      .registry
      .fleet_snapshot(now_ms)
      .into_iter()
      .map(|(name, blob)| (name.to_owned(), Buffer::from(blob)))
      .unzip();
    FleetSnapshot { names, blobs }
  }

  /// An empty engine whose rolling windows span `windowMs`.
  #[napi(constructor, catch_unwind)]
  pub fn new(window_ms: f64) -> Result<Self> {
    if !(window_ms.is_finite() && window_ms > 0.0) {
      return Err(invalid("MonitorEngine: windowMs must be a positive finite number"));
    }
    Ok(MonitorEngine {
      registry: MetricRegistry::new(window_ms),
      alerts: AlertBook::default(),
    })
  }

  /// Adds a metric name at `nowMs`; returns its id.
  #[napi(catch_unwind)]
  pub fn register(&mut self, name: String, now_ms: f64) -> u32 {
    self.registry.register(name, now_ms)
  }

  /// Forgets metric `id`; its id may be handed out again.
  #[napi(catch_unwind)]
  pub fn remove(&mut self, id: u32) {
    self.registry.remove(id);
  }

  /// Forgets every metric.
  #[napi(catch_unwind)]
  pub fn clear(&mut self) {
    self.registry.clear();
  }

  /// Records the first `count` samples of `log` (`[code, durationMs, atMs]` each).
  #[napi(catch_unwind)]
  pub fn replay(&mut self, log: &[f64], count: u32) -> Result<()> {
    let samples = log
      .get(..count as usize * SAMPLE_WORDS)
      .ok_or_else(|| invalid("MonitorEngine.replay: count exceeds the sample log"))?;
    self
      .registry
      .replay(samples)
      .map_err(|bad| invalid(&format!("MonitorEngine.replay: unknown metric code {}", bad.0)))
  }

  /// Writes all-time then window stats of `id` at `nowMs` into `out` (8 numbers
  /// each); false if `id` is unknown.
  #[napi(catch_unwind)]
  pub fn stats(
    &mut self,
    id: u32,
    now_ms: f64,
    #[napi(ts_arg_type = "Float64Array")] out: OutSlice<f64>,
  ) -> Result<bool> {
    let out = out
      .get_mut(..2 * STATS_WORDS)
      .ok_or_else(|| invalid("MonitorEngine.stats: out holds fewer than 16 numbers"))?;
    let Some((all_time, window)) = self.registry.stats(id, now_ms) else {
      return Ok(false);
    };
    write_stats_pair(out, &all_time, &window);
    Ok(true)
  }

  /// Bytes held for metric `id` (0 if unknown).
  #[napi(catch_unwind)]
  pub fn footprint_bytes(&self, id: u32) -> u32 {
    self.registry.footprint_bytes(id) as u32
  }

  /// The Prometheus text exposition of every metric and of the caches named
  /// `cacheNames`, whose counters are `cacheCounters` (6 numbers each).
  #[napi(catch_unwind)]
  pub fn exposition(&mut self, now_ms: f64, cache_names: Vec<String>, cache_counters: &[f64]) -> Result<String> {
    let caches = caches(&cache_names, cache_counters)?;
    let exposed: Vec<ExposedMetric> = self
      .registry
      .snapshot(now_ms)
      .into_iter()
      .map(|m| ExposedMetric {
        name: m.name,
        all_time: m.all_time,
        window: m.window,
        buckets: m.histogram.cumulative_buckets(),
      })
      .collect();
    let mut out = String::with_capacity(512 + 1600 * exposed.len());
    write_exposition(&mut out, &exposed, &caches);
    Ok(out)
  }

  /// Every metric with samples, at `nowMs`, as its all-time histogram in the fixed buckets.
  #[napi(catch_unwind)]
  pub fn histograms(&mut self, now_ms: f64) -> Vec<MetricHistogram> {
    self
      .registry
      .snapshot(now_ms)
      .into_iter()
      .filter(|m| m.all_time.count > 0)
      .map(|m| {
        let mut stats = vec![0.0; STATS_WORDS];
        write_stats(&mut stats, &m.all_time);
        MetricHistogram {
          name: m.name.to_owned(),
          started_ms: m.started_ms,
          stats,
          bucket_counts: m.histogram.bucket_counts().iter().map(|&c| c as f64).collect(),
        }
      })
      .collect()
  }

  /// Replaces the alert rules; nothing is failing afterwards.
  #[napi(catch_unwind)]
  pub fn set_alert_rules(&mut self, rules: Vec<AlertRuleSpec>) -> Result<()> {
    let rules = rules
      .into_iter()
      .map(|r| {
        let metric = AlertMetric::parse(&r.metric)
          .ok_or_else(|| invalid(&format!("MonitorEngine.setAlertRules: unknown metric {:?}", r.metric)))?;
        Ok(AlertRule {
          metric,
          above: r.above,
          threshold: r.threshold,
          min_samples: r.min_samples.into(),
          prefix: r.prefix,
        })
      })
      .collect::<Result<Vec<_>>>()?;
    self.alerts.set_rules(rules);
    Ok(())
  }

  /// Judges the rules on the window stats at `nowMs` and the caches' hit
  /// rates; returns the changes of state since the last call.
  #[napi(catch_unwind)]
  pub fn evaluate_alerts(
    &mut self,
    now_ms: f64,
    cache_names: Vec<String>,
    cache_counters: &[f64],
  ) -> Result<Vec<AlertChange>> {
    let caches = caches(&cache_names, cache_counters)?;
    let windows: Vec<(&str, LatencyStats)> = self
      .registry
      .snapshot(now_ms)
      .into_iter()
      .map(|m| (m.name, m.window))
      .collect();
    Ok(evaluate(&mut self.alerts, &windows, &caches))
  }

  /// `evaluateAlerts` on the fleet's windows: fleet blobs (`blobs[i]` for
  /// `names[i]` from instance `owners[i]`, as `FleetStore.collect` reads
  /// them) merged by name, with this instance's caches.
  #[napi(catch_unwind)]
  pub fn evaluate_fleet_alerts(
    &mut self,
    names: Vec<String>,
    blobs: Vec<Buffer>,
    owners: Vec<u32>,
    cache_names: Vec<String>,
    cache_counters: &[f64],
  ) -> Result<Vec<AlertChange>> {
    let caches = caches(&cache_names, cache_counters)?;
    let merge = fleet_merge("MonitorEngine.evaluateFleetAlerts", &names, &blobs, &owners, false)?;
    let windows: Vec<(&str, LatencyStats)> = merge
      .metrics()
      .iter()
      .map(|(name, metric)| (name.as_str(), metric.stats().1))
      .collect();
    Ok(evaluate(&mut self.alerts, &windows, &caches))
  }
}

/// Blobs merged by name (keeping each owner's own stats if `per_instance`);
/// `fn_name` names the caller in the error for mismatched lengths.
fn fleet_merge(
  fn_name: &str,
  names: &[String],
  blobs: &[Buffer],
  owners: &[u32],
  per_instance: bool,
) -> Result<FleetMerge> {
  if names.len() != blobs.len() || names.len() != owners.len() {
    return Err(invalid(&format!("{fn_name}: names, blobs and owners differ in length")));
  }
  let mut merge = if per_instance {
    FleetMerge::keeping_instances()
  } else {
    FleetMerge::default()
  };
  for ((name, blob), &owner) in names.iter().zip(blobs).zip(owners) {
    merge.add(owner, name, blob);
  }
  Ok(merge)
}

/// Runs the rules on latency windows by name and on the caches' hit rates.
fn evaluate(
  alerts: &mut AlertBook,
  windows: &[(&str, LatencyStats)],
  caches: &[(&str, CacheSnapshot)],
) -> Vec<AlertChange> {
  let mut observations: Vec<Observation> = windows
    .iter()
    .map(|(name, window)| Observation::Latency { name, window: *window })
    .collect();
  observations.extend(caches.iter().map(|(name, c)| {
    let lookups = c.hits + c.misses;
    let hit_rate = if lookups > 0.0 { 100.0 * c.hits / lookups } else { 0.0 };
    Observation::Cache {
      name,
      hit_rate,
      lookups: lookups as u64,
    }
  }));
  alerts
    .evaluate(&observations)
    .into_iter()
    .map(|t| AlertChange {
      rule: t.rule as u32,
      subject: t.subject,
      failing: t.failing,
      value: t.value,
    })
    .collect()
}

/// All-time then window stats, 16 numbers.
fn stats_pair(all_time: &LatencyStats, window: &LatencyStats) -> Vec<f64> {
  let mut out = vec![0.0; 2 * STATS_WORDS];
  write_stats_pair(&mut out, all_time, window);
  out
}

fn write_stats_pair(out: &mut [f64], all_time: &LatencyStats, window: &LatencyStats) {
  write_stats(&mut out[..STATS_WORDS], all_time);
  write_stats(&mut out[STATS_WORDS..], window);
}

fn write_stats(out: &mut [f64], s: &LatencyStats) {
  let [p50, p95, p99] = s.percentiles_ms;
  out.copy_from_slice(&[
    s.count as f64,
    s.errors as f64,
    s.sum_ms,
    s.min_ms,
    s.max_ms,
    p50,
    p95,
    p99,
  ]);
}

/// Pairs each cache name with its snapshot, read in the order of
/// [`wire::CACHE_SNAPSHOT_FIELDS`].
fn caches<'a>(names: &'a [String], counters: &[f64]) -> Result<Vec<(&'a str, CacheSnapshot)>> {
  if counters.len() != names.len() * CACHE_SNAPSHOT_WORDS {
    return Err(invalid(
      "MonitorEngine: cacheCounters must hold 6 numbers per cache name",
    ));
  }
  Ok(
    names
      .iter()
      .zip(counters.chunks_exact(CACHE_SNAPSHOT_WORDS))
      .map(|(name, c)| {
        let counters = CacheSnapshot {
          hits: c[0],
          misses: c[1],
          evictions: c[2],
          expired: c[3],
          size: c[4],
          valid_entries: c[5],
        };
        (name.as_str(), counters)
      })
      .collect(),
  )
}
