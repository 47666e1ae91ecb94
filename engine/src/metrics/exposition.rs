//! Prometheus text exposition (format 0.0.4) of every latency histogram and
//! cache counter.

use super::latency::{LatencyStats, BUCKET_BOUNDS_MS, PERCENTILES};
use std::fmt::Write;

/// One cache at one moment, as `SimpleCache.stats()` reports it: the lifetime
/// counters and the two size gauges, which the exposition and the hit-rate
/// alerts read. (The cache engine's own tally is `cache::CacheCounters`.)
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CacheSnapshot {
  /// Lookups that hit.
  pub hits: f64,
  /// Lookups that missed.
  pub misses: f64,
  /// Entries evicted to make room.
  pub evictions: f64,
  /// Entries removed on expiry.
  pub expired: f64,
  /// Entries held.
  pub size: f64,
  /// Entries held within their TTL.
  pub valid_entries: f64,
}

/// One metric as exposed: all-time count and sum, window quantiles.
pub struct ExposedMetric<'a> {
  /// The metric name, exposed as the `name` label.
  pub name: &'a str,
  /// All-time stats: `_count`, `_sum` and the errors counter.
  pub all_time: LatencyStats,
  /// Rolling-window stats: the quantiles (`NaN` when the window is empty).
  pub window: LatencyStats,
  /// All-time samples at or below each of [`BUCKET_BOUNDS_MS`], cumulative.
  pub buckets: [u64; BUCKET_BOUNDS_MS.len()],
}

/// A cache metric family: name, type, help, and how to read it from the counters.
type CacheFamily = (&'static str, &'static str, &'static str, fn(&CacheSnapshot) -> f64);

/// Writes the exposition of `metrics` and `caches` (name, counters).
pub fn write_exposition(out: &mut String, metrics: &[ExposedMetric<'_>], caches: &[(&str, CacheSnapshot)]) {
  family(
    out,
    "hotpath_duration_seconds",
    "summary",
    "Duration of timed operations; quantiles over the rolling window, sum and count since start.",
  );
  for m in metrics {
    for (p, q) in PERCENTILES.iter().zip(m.window.percentiles_ms) {
      let value = if m.window.count == 0 { f64::NAN } else { q / 1000.0 };
      sample(
        out,
        "hotpath_duration_seconds",
        &[("name", m.name), ("quantile", &p.to_string())],
        value,
      );
    }
    sum_and_count(out, "hotpath_duration_seconds", m);
  }
  // A summary's quantiles cannot be aggregated across instances; these
  // buckets can (`histogram_quantile(0.95, sum by (le, name) (rate(...)))`).
  family(
    out,
    "hotpath_latency_seconds",
    "histogram",
    "Duration of timed operations since start, in fixed buckets that a Prometheus server can sum across instances.",
  );
  for m in metrics {
    for (bound_ms, count) in BUCKET_BOUNDS_MS.iter().zip(m.buckets) {
      let le = (bound_ms / 1000.0).to_string();
      sample(
        out,
        "hotpath_latency_seconds_bucket",
        &[("name", m.name), ("le", &le)],
        count as f64,
      );
    }
    sample(
      out,
      "hotpath_latency_seconds_bucket",
      &[("name", m.name), ("le", "+Inf")],
      m.all_time.count as f64,
    );
    sum_and_count(out, "hotpath_latency_seconds", m);
  }
  family(
    out,
    "hotpath_errors_total",
    "counter",
    "Timed operations that threw or rejected.",
  );
  for m in metrics {
    sample(
      out,
      "hotpath_errors_total",
      &[("name", m.name)],
      m.all_time.errors as f64,
    );
  }
  let cache_families: [CacheFamily; 6] = [
    ("hotpath_cache_hits_total", "counter", "Cache lookups that hit.", |c| {
      c.hits
    }),
    (
      "hotpath_cache_misses_total",
      "counter",
      "Cache lookups that missed.",
      |c| c.misses,
    ),
    (
      "hotpath_cache_evictions_total",
      "counter",
      "Entries evicted to make room.",
      |c| c.evictions,
    ),
    (
      "hotpath_cache_expired_total",
      "counter",
      "Entries removed on expiry.",
      |c| c.expired,
    ),
    (
      "hotpath_cache_entries",
      "gauge",
      "Entries held, expired ones included.",
      |c| c.size,
    ),
    (
      "hotpath_cache_valid_entries",
      "gauge",
      "Entries held within their TTL.",
      |c| c.valid_entries,
    ),
  ];
  for (metric, kind, help, read) in cache_families {
    family(out, metric, kind, help);
    for (name, counters) in caches {
      sample(out, metric, &[("cache", name)], read(counters));
    }
  }
}

/// The `_sum` (seconds) and `_count` samples of `m` since start, which the summary and the histogram share.
fn sum_and_count(out: &mut String, metric: &str, m: &ExposedMetric<'_>) {
  let labels = [("name", m.name)];
  sample(out, &format!("{metric}_sum"), &labels, m.all_time.sum_ms / 1000.0);
  sample(out, &format!("{metric}_count"), &labels, m.all_time.count as f64);
}

fn family(out: &mut String, metric: &str, kind: &str, help: &str) {
  // Writing to a String cannot fail.
  let _ = write!(out, "# HELP {metric} {help}\n# TYPE {metric} {kind}\n");
}

fn sample(out: &mut String, metric: &str, labels: &[(&str, &str)], value: f64) {
  out.push_str(metric);
  out.push('{');
  for (i, (label, text)) in labels.iter().enumerate() {
    if i > 0 {
      out.push(',');
    }
    out.push_str(label);
    out.push_str("=\"");
    escape_label_value(out, text);
    out.push('"');
  }
  out.push_str("} ");
  push_value(out, value);
  out.push('\n');
}

/// Label values escape `\`, `"` and newline, as the format requires.
fn escape_label_value(out: &mut String, text: &str) {
  for c in text.chars() {
    match c {
      '\\' => out.push_str("\\\\"),
      '"' => out.push_str("\\\""),
      '\n' => out.push_str("\\n"),
      c => out.push(c),
    }
  }
}

/// Floats as Go's `ParseFloat` reads them, with `NaN`, `+Inf` and `-Inf` spelled as the format wants.
fn push_value(out: &mut String, value: f64) {
  if value.is_nan() {
    out.push_str("NaN");
  } else if value.is_infinite() {
    out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
  } else {
    let _ = write!(out, "{value}");
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn exposition(metrics: &[ExposedMetric<'_>], caches: &[(&str, CacheSnapshot)]) -> String {
    let mut out = String::new();
    write_exposition(&mut out, metrics, caches);
    out
  }

  #[test]
  fn a_metric_is_a_summary_in_seconds_with_escaped_labels() {
    let all_time = LatencyStats {
      count: 4,
      errors: 1,
      sum_ms: 2500.0,
      min_ms: 1.0,
      max_ms: 2.0,
      percentiles_ms: [10.0, 20.0, 30.0],
    };
    let text = exposition(
      &[ExposedMetric {
        name: "a\"b\\c\nd",
        all_time,
        window: all_time,
        buckets: [0; BUCKET_BOUNDS_MS.len()],
      }],
      &[],
    );
    assert!(
      text.contains("hotpath_duration_seconds{name=\"a\\\"b\\\\c\\nd\",quantile=\"0.95\"} 0.02\n"),
      "{text}"
    );
    assert!(text.contains("hotpath_duration_seconds_sum{name=\"a\\\"b\\\\c\\nd\"} 2.5\n"));
    assert!(text.contains("hotpath_duration_seconds_count{name=\"a\\\"b\\\\c\\nd\"} 4\n"));
    assert!(text.contains("hotpath_errors_total{name=\"a\\\"b\\\\c\\nd\"} 1\n"));
  }

  #[test]
  fn an_empty_window_exposes_nan_quantiles() {
    let all_time = LatencyStats {
      count: 1,
      ..Default::default()
    };
    let text = exposition(
      &[ExposedMetric {
        name: "x",
        all_time,
        window: LatencyStats::default(),
        buckets: [0; BUCKET_BOUNDS_MS.len()],
      }],
      &[],
    );
    assert!(
      text.contains("hotpath_duration_seconds{name=\"x\",quantile=\"0.5\"} NaN\n"),
      "{text}"
    );
  }

  #[test]
  fn a_metric_is_also_a_histogram_with_cumulative_buckets_in_seconds() {
    let mut h = super::super::latency::LatencyHistogram::default();
    for ms in [0.5, 1.0, 3.0, 7.0, 7.0, 40.0, 90_000.0] {
      h.record(ms, false);
    }
    let all_time = h.stats();
    let text = exposition(
      &[ExposedMetric {
        name: "db",
        all_time,
        window: all_time,
        buckets: h.cumulative_buckets(),
      }],
      &[],
    );
    assert!(text.contains("# TYPE hotpath_latency_seconds histogram\n"), "{text}");
    for (le, count) in [
      ("0.001", 2),
      ("0.0025", 2),
      ("0.005", 3),
      ("0.01", 5),
      ("0.025", 5),
      ("0.05", 6),
      ("60", 6),
      ("+Inf", 7),
    ] {
      assert!(
        text.contains(&format!(
          "hotpath_latency_seconds_bucket{{name=\"db\",le=\"{le}\"}} {count}\n"
        )),
        "{le}: {text}"
      );
    }
    assert!(
      text.contains("hotpath_latency_seconds_sum{name=\"db\"} 90.0585\n"),
      "{text}"
    );
    assert!(text.contains("hotpath_latency_seconds_count{name=\"db\"} 7\n"));
  }

  #[test]
  fn cache_counters_are_exposed_per_cache() {
    let c = CacheSnapshot {
      hits: 432.0,
      misses: 68.0,
      evictions: 0.0,
      expired: 2.0,
      size: 25.0,
      valid_entries: 23.0,
    };
    let text = exposition(&[], &[("apiCache", c)]);
    assert!(
      text.contains("# TYPE hotpath_cache_hits_total counter\nhotpath_cache_hits_total{cache=\"apiCache\"} 432\n")
    );
    assert!(text.contains("hotpath_cache_valid_entries{cache=\"apiCache\"} 23\n"));
  }
}
