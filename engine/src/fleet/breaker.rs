//! A circuit breaker: after `threshold` consecutive failures the server is
//! not called for `cooldown_ms`; then one probe is let through, and its
//! outcome closes the breaker or opens it for another cooldown. Time is
//! passed in (`now_ms`, monotonic), so tests never sleep.

/// Where the breaker stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
  /// Calls go through.
  Closed,
  /// Calls fail at once, without touching the network, until the cooldown ends.
  Open,
  /// One probe is out; other calls fail at once until it reports.
  Probing,
}

/// Consecutive-failure circuit breaker.
#[derive(Debug)]
pub struct CircuitBreaker {
  threshold: u32,
  cooldown_ms: f64,
  failures: u32,
  state: BreakerState,
  opened_at_ms: f64,
  /// Set when the breaker closes after having been open; taken by `take_recovered`.
  recovered: bool,
}

impl CircuitBreaker {
  /// A closed breaker that opens after `threshold` (at least 1) consecutive failures.
  pub fn new(threshold: u32, cooldown_ms: f64) -> Self {
    CircuitBreaker {
      threshold: threshold.max(1),
      cooldown_ms,
      failures: 0,
      state: BreakerState::Closed,
      opened_at_ms: 0.0,
      recovered: false,
    }
  }

  /// The current state (an open breaker whose cooldown ended still reads `Open` until a call probes).
  pub fn state(&self) -> BreakerState {
    self.state
  }

  /// Whether a call may go to the server now. When the cooldown of an open
  /// breaker has ended, this call becomes the probe.
  pub fn allow(&mut self, now_ms: f64) -> bool {
    match self.state {
      BreakerState::Closed => true,
      BreakerState::Probing => false,
      BreakerState::Open if now_ms - self.opened_at_ms >= self.cooldown_ms => {
        self.state = BreakerState::Probing;
        true
      }
      BreakerState::Open => false,
    }
  }

  /// Reports a call that reached the server and got an answer.
  pub fn succeeded(&mut self) {
    if self.state != BreakerState::Closed {
      self.recovered = true;
    }
    self.failures = 0;
    self.state = BreakerState::Closed;
  }

  /// Reports a call that failed (timeout, I/O error, refused connection).
  pub fn failed(&mut self, now_ms: f64) {
    self.failures = self.failures.saturating_add(1);
    if self.state == BreakerState::Probing || self.failures >= self.threshold {
      self.state = BreakerState::Open;
      self.opened_at_ms = now_ms;
    }
  }

  /// True once after the breaker closed again following an outage: the
  /// moment to repair failed writes and drop L1 entries that may be stale.
  pub fn take_recovered(&mut self) -> bool {
    std::mem::take(&mut self.recovered)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn opens_after_threshold_consecutive_failures() {
    let mut b = CircuitBreaker::new(3, 1000.0);
    b.failed(0.0);
    b.failed(1.0);
    assert!(b.allow(2.0));
    b.failed(2.0);
    assert_eq!(b.state(), BreakerState::Open);
    assert!(!b.allow(3.0));
  }

  #[test]
  fn a_success_resets_the_failure_count() {
    let mut b = CircuitBreaker::new(2, 1000.0);
    b.failed(0.0);
    b.succeeded();
    b.failed(1.0);
    assert_eq!(b.state(), BreakerState::Closed);
  }

  #[test]
  fn lets_one_probe_through_after_the_cooldown() {
    let mut b = CircuitBreaker::new(1, 100.0);
    b.failed(0.0);
    assert!(!b.allow(99.0));
    assert!(b.allow(100.0));
    assert_eq!(b.state(), BreakerState::Probing);
    assert!(!b.allow(100.0), "a second caller waits for the probe");
  }

  #[test]
  fn a_failed_probe_reopens_for_another_cooldown() {
    let mut b = CircuitBreaker::new(5, 100.0);
    for t in 0..5 {
      b.failed(t as f64);
    }
    assert!(b.allow(200.0));
    b.failed(200.0);
    assert_eq!(b.state(), BreakerState::Open);
    assert!(!b.allow(250.0));
    assert!(b.allow(300.0));
  }

  #[test]
  fn a_successful_probe_closes_and_reports_recovery_once() {
    let mut b = CircuitBreaker::new(1, 10.0);
    b.failed(0.0);
    assert!(b.allow(10.0));
    b.succeeded();
    assert_eq!(b.state(), BreakerState::Closed);
    assert!(b.take_recovered());
    assert!(!b.take_recovered());
  }

  #[test]
  fn successes_while_closed_report_no_recovery() {
    let mut b = CircuitBreaker::new(3, 10.0);
    b.succeeded();
    assert!(!b.take_recovered());
  }
}
