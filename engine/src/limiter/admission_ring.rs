//! One identifier's window: the times of its last admissions, oldest first.

use std::collections::VecDeque;

/// The admission times of one identifier, ascending, at most `max_requests`
/// of them. This is all an exact rolling window needs: a request at `now` is
/// admitted iff fewer than `max_requests` admissions lie in
/// `(now - window_ms, now]`, and because the times are sorted that is true
/// iff the ring is not full or its oldest time has left the window.
///
/// Memory: 8 bytes per time held plus 32 for the deque; the buffer grows on
/// demand (never past `max_requests`) and times that left the window are
/// dropped on each admission, so a slow client holds a small ring.
#[derive(Debug, Default)]
pub struct AdmissionRing {
  times_ms: VecDeque<f64>,
}

/// What a ring allows at a given time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowState {
  /// Requests that would be admitted now, one after another.
  pub remaining: u32,
  /// When the next request is admitted if `remaining` is 0 (the oldest time
  /// in the window plus the window); `-inf` while `remaining > 0`.
  pub next_admit_at_ms: f64,
  /// When every admission in the window has left it (`now_ms` if none).
  pub reset_at_ms: f64,
}

impl AdmissionRing {
  /// Admits a request at `now_ms` and records it, or refuses it.
  ///
  /// Times are kept ascending even if the clock steps back: the time
  /// recorded is at least the newest one held. That only ever keeps an
  /// admission in the window longer, so a clock step never admits more.
  pub fn admit(&mut self, now_ms: f64, max_requests: u32, window_ms: f64) -> bool {
    let max = max_requests as usize;
    while self.times_ms.front().is_some_and(|&t| now_ms - t >= window_ms) {
      self.times_ms.pop_front();
    }
    if self.times_ms.len() >= max {
      return false;
    }
    if self.times_ms.len() == self.times_ms.capacity() {
      // Double up to the cap instead of letting VecDeque overshoot it.
      let len = self.times_ms.len();
      self.times_ms.reserve_exact(len.max(4).min(max - len));
    }
    let newest = self.times_ms.back().copied().unwrap_or(f64::NEG_INFINITY);
    self.times_ms.push_back(now_ms.max(newest));
    true
  }

  /// What the ring allows at `now_ms`, without recording anything.
  pub fn state(&self, now_ms: f64, max_requests: u32, window_ms: f64) -> WindowState {
    let gone = self.times_ms.partition_point(|&t| now_ms - t >= window_ms);
    let held = (self.times_ms.len() - gone) as u32;
    let remaining = max_requests.saturating_sub(held);
    let next_admit_at_ms = match self.times_ms.get(gone) {
      Some(&oldest) if remaining == 0 => oldest + window_ms,
      _ => f64::NEG_INFINITY,
    };
    let reset_at_ms = match self.times_ms.back() {
      Some(&newest) if held > 0 => newest + window_ms,
      _ => now_ms,
    };
    WindowState {
      remaining,
      next_admit_at_ms,
      reset_at_ms,
    }
  }

  /// Whether no admission is left in the window at `now_ms`: forgetting the
  /// ring then changes no future decision.
  pub fn is_idle(&self, now_ms: f64, window_ms: f64) -> bool {
    self.times_ms.back().is_none_or(|&newest| now_ms - newest >= window_ms)
  }

  /// Empties the ring and frees its buffer.
  pub fn clear(&mut self) {
    self.times_ms = VecDeque::new();
  }

  /// Heap bytes held by the ring's buffer.
  pub fn heap_bytes(&self) -> usize {
    self.times_ms.capacity() * std::mem::size_of::<f64>()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn admits_up_to_the_max_then_refuses_until_the_oldest_leaves_the_window() {
    let mut ring = AdmissionRing::default();
    assert!(ring.admit(0.0, 3, 1000.0));
    assert!(ring.admit(10.0, 3, 1000.0));
    assert!(ring.admit(20.0, 3, 1000.0));
    assert!(!ring.admit(999.0, 3, 1000.0));
    assert!(ring.admit(1000.0, 3, 1000.0));
    assert!(!ring.admit(1009.0, 3, 1000.0));
    assert!(ring.admit(1010.0, 3, 1000.0));
  }

  #[test]
  fn state_reports_remaining_next_admission_and_reset() {
    let mut ring = AdmissionRing::default();
    ring.admit(100.0, 2, 1000.0);
    assert_eq!(
      ring.state(500.0, 2, 1000.0),
      WindowState {
        remaining: 1,
        next_admit_at_ms: f64::NEG_INFINITY,
        reset_at_ms: 1100.0
      }
    );
    ring.admit(600.0, 2, 1000.0);
    assert_eq!(
      ring.state(700.0, 2, 1000.0),
      WindowState {
        remaining: 0,
        next_admit_at_ms: 1100.0,
        reset_at_ms: 1600.0
      }
    );
    assert_eq!(ring.state(1100.0, 2, 1000.0).remaining, 1);
    assert_eq!(
      ring.state(1600.0, 2, 1000.0),
      WindowState {
        remaining: 2,
        next_admit_at_ms: f64::NEG_INFINITY,
        reset_at_ms: 1600.0
      }
    );
  }

  #[test]
  fn a_clock_step_back_never_admits_more() {
    let mut ring = AdmissionRing::default();
    assert!(ring.admit(5000.0, 2, 1000.0));
    assert!(ring.admit(3000.0, 2, 1000.0)); // recorded as 5000
    assert!(!ring.admit(4500.0, 2, 1000.0));
    assert!(!ring.admit(5999.0, 2, 1000.0));
    assert!(ring.admit(6000.0, 2, 1000.0));
  }

  #[test]
  fn the_buffer_never_grows_past_the_max() {
    let mut ring = AdmissionRing::default();
    for i in 0..100 {
      assert!(ring.admit(f64::from(i), 100, 1e9));
    }
    assert_eq!(ring.heap_bytes(), 100 * 8);
    assert!(!ring.admit(100.0, 100, 1e9));
  }

  #[test]
  fn times_that_left_the_window_are_dropped_on_admission() {
    let mut ring = AdmissionRing::default();
    for i in 0..10 {
      ring.admit(f64::from(i) * 1000.0, 100, 500.0);
    }
    assert_eq!(ring.times_ms.len(), 1);
    assert!(ring.is_idle(9500.0, 500.0));
    assert!(!ring.is_idle(9499.0, 500.0));
  }
}
