//! [`AlertBook`]: threshold rules over the rolling-window stats and cache hit
//! rates, reporting each change of state once.

use super::latency::LatencyStats;
use ahash::AHashSet;

/// The number a rule watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertMetric {
  /// Mean duration in the window, ms.
  Avg,
  /// Window p50, ms.
  P50,
  /// Window p95, ms.
  P95,
  /// Window p99, ms.
  P99,
  /// Percentage of the window's samples that failed, 0-100.
  ErrorRate,
  /// A cache's percentage of lookups that hit, 0-100.
  HitRate,
}

impl AlertMetric {
  /// Parses the name used in rule options (`"avg"`, `"p95"`, `"hitRate"`...).
  pub fn parse(name: &str) -> Option<AlertMetric> {
    Some(match name {
      "avg" => AlertMetric::Avg,
      "p50" => AlertMetric::P50,
      "p95" => AlertMetric::P95,
      "p99" => AlertMetric::P99,
      "errorRate" => AlertMetric::ErrorRate,
      "hitRate" => AlertMetric::HitRate,
      _ => return None,
    })
  }
}

/// One rule: `metric` of every subject whose name starts with `prefix` must
/// not be above (or below) `threshold` once it has `min_samples` samples.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRule {
  /// What is watched.
  pub metric: AlertMetric,
  /// Fails when the value is above the threshold (else when below).
  pub above: bool,
  /// The limit, in the metric's unit.
  pub threshold: f64,
  /// Fewer samples (window samples, or cache lookups) than this are not judged.
  pub min_samples: u64,
  /// Subjects (metric or cache names) the rule applies to; `""` for all.
  pub prefix: String,
}

/// What a rule is judged on.
#[derive(Clone, Copy, Debug)]
pub enum Observation<'a> {
  /// A metric's rolling-window stats.
  Latency { name: &'a str, window: LatencyStats },
  /// A cache's lifetime hit rate (percent) and lookup count.
  Cache { name: &'a str, hit_rate: f64, lookups: u64 },
}

/// A rule that started failing (`failing`) or recovered for one subject.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertTransition {
  /// Index of the rule in [`AlertBook::set_rules`]'s list.
  pub rule: usize,
  /// The metric or cache name.
  pub subject: String,
  /// True when it starts failing, false when it recovers.
  pub failing: bool,
  /// The value that decided it.
  pub value: f64,
}

/// Rules and which (rule, subject) pairs are failing now.
#[derive(Debug, Default)]
pub struct AlertBook {
  rules: Vec<AlertRule>,
  failing: AHashSet<(usize, String)>,
}

impl AlertBook {
  /// Replaces the rules; nothing is failing afterwards.
  pub fn set_rules(&mut self, rules: Vec<AlertRule>) {
    self.rules = rules;
    self.failing.clear();
  }

  /// The rules in force.
  pub fn rules(&self) -> &[AlertRule] {
    &self.rules
  }

  /// Judges every rule against `observations`; returns the changes of state.
  /// A subject without enough samples keeps its state.
  pub fn evaluate(&mut self, observations: &[Observation<'_>]) -> Vec<AlertTransition> {
    let mut changes = Vec::new();
    for (index, rule) in self.rules.iter().enumerate() {
      for observation in observations {
        let Some((subject, value)) = judged_value(rule, observation) else {
          continue;
        };
        let failing = if rule.above {
          value > rule.threshold
        } else {
          value < rule.threshold
        };
        let key = (index, subject.to_owned());
        let changed = if failing {
          self.failing.insert(key)
        } else {
          self.failing.remove(&key)
        };
        if changed {
          changes.push(AlertTransition {
            rule: index,
            subject: subject.to_owned(),
            failing,
            value,
          });
        }
      }
    }
    changes
  }
}

/// The subject and value `rule` judges in `observation`, if it applies and has enough samples.
fn judged_value<'a>(rule: &AlertRule, observation: &Observation<'a>) -> Option<(&'a str, f64)> {
  let (name, value, samples) = match *observation {
    Observation::Cache {
      name,
      hit_rate,
      lookups,
    } if rule.metric == AlertMetric::HitRate => (name, hit_rate, lookups),
    Observation::Cache { .. } => return None,
    Observation::Latency { name, window } => (name, window_value(rule.metric, &window)?, window.count),
  };
  (name.starts_with(&rule.prefix) && samples >= rule.min_samples.max(1)).then_some((name, value))
}

/// `metric` read from a window's stats; `None` for cache metrics.
fn window_value(metric: AlertMetric, window: &LatencyStats) -> Option<f64> {
  Some(match metric {
    AlertMetric::Avg => window.avg_ms(),
    AlertMetric::P50 => window.percentiles_ms[0],
    AlertMetric::P95 => window.percentiles_ms[1],
    AlertMetric::P99 => window.percentiles_ms[2],
    AlertMetric::ErrorRate => 100.0 * window.errors as f64 / window.count.max(1) as f64,
    AlertMetric::HitRate => return None,
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  fn avg_rule() -> AlertRule {
    AlertRule {
      metric: AlertMetric::Avg,
      above: true,
      threshold: 500.0,
      min_samples: 2,
      prefix: "api.".into(),
    }
  }

  fn latency(name: &str, count: u64, avg_ms: f64) -> Observation<'_> {
    let window = LatencyStats {
      count,
      sum_ms: avg_ms * count as f64,
      ..Default::default()
    };
    Observation::Latency { name, window }
  }

  #[test]
  fn a_rule_fires_once_when_it_starts_failing_and_once_when_it_recovers() {
    let mut book = AlertBook::default();
    book.set_rules(vec![avg_rule()]);
    assert!(book.evaluate(&[latency("api.a", 10, 100.0)]).is_empty());
    let fired = book.evaluate(&[latency("api.a", 10, 600.0)]);
    assert_eq!(
      fired,
      vec![AlertTransition {
        rule: 0,
        subject: "api.a".into(),
        failing: true,
        value: 600.0
      }]
    );
    assert!(book.evaluate(&[latency("api.a", 10, 700.0)]).is_empty());
    let recovered = book.evaluate(&[latency("api.a", 10, 400.0)]);
    assert_eq!(recovered.len(), 1);
    assert!(!recovered[0].failing);
  }

  #[test]
  fn subjects_outside_the_prefix_or_without_enough_samples_are_not_judged() {
    let mut book = AlertBook::default();
    book.set_rules(vec![avg_rule()]);
    assert!(book
      .evaluate(&[latency("db.q", 10, 900.0), latency("api.a", 1, 900.0)])
      .is_empty());
  }

  #[test]
  fn hit_rate_rules_judge_caches_only() {
    let mut book = AlertBook::default();
    let rule = AlertRule {
      metric: AlertMetric::HitRate,
      above: false,
      threshold: 20.0,
      min_samples: 1,
      prefix: String::new(),
    };
    book.set_rules(vec![rule]);
    let obs = [
      Observation::Cache {
        name: "apiCache",
        hit_rate: 10.0,
        lookups: 50,
      },
      latency("api.a", 10, 1.0),
    ];
    let fired = book.evaluate(&obs);
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].subject, "apiCache");
  }

  #[test]
  fn error_rate_is_a_percentage_of_window_samples() {
    let mut book = AlertBook::default();
    let rule = AlertRule {
      metric: AlertMetric::ErrorRate,
      above: true,
      threshold: 5.0,
      min_samples: 1,
      prefix: String::new(),
    };
    book.set_rules(vec![rule]);
    let window = LatencyStats {
      count: 10,
      errors: 1,
      ..Default::default()
    };
    assert_eq!(
      book.evaluate(&[Observation::Latency { name: "x", window }])[0].value,
      10.0
    );
  }

  #[test]
  fn metric_names_parse() {
    assert_eq!(AlertMetric::parse("p95"), Some(AlertMetric::P95));
    assert_eq!(AlertMetric::parse("p90"), None);
  }
}
