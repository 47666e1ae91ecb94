//! `SlidingWindowLimiter`: exact rolling windows for many identifiers, with
//! the number of identifiers tracked capped.

use super::admission_ring::{AdmissionRing, WindowState};
use crate::collections::RecencyList;

/// Engine-side bytes per tracked identifier besides its admission times: the
/// ring's deque header and the recency links.
pub const BYTES_PER_IDENTIFIER: usize = std::mem::size_of::<AdmissionRing>() + 9;

/// The limits of one limiter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LimiterConfig {
  /// Admissions allowed per identifier in any window.
  pub max_requests: u32,
  /// The rolling window's length.
  pub window_ms: f64,
  /// Identifiers tracked at once; past it the least recently admitted is forgotten.
  pub max_identifiers: u32,
}

/// Most identifiers tracked by default.
pub const DEFAULT_MAX_IDENTIFIERS: u32 = 100_000;
/// The default cap also keeps the worst case (every identifier holding a
/// full window) within this many bytes of engine memory.
pub const DEFAULT_BUDGET_BYTES: usize = 128 << 20;

impl LimiterConfig {
  /// The default cap for `max_requests`: 100,000 identifiers, fewer when
  /// their full windows would not fit in [`DEFAULT_BUDGET_BYTES`]
  /// (100,000 up to 159 requests per window, 16,691 for 1,000), at least 1.
  pub fn default_max_identifiers(max_requests: u32) -> u32 {
    let worst_bytes = max_requests as usize * std::mem::size_of::<f64>() + BYTES_PER_IDENTIFIER;
    (DEFAULT_BUDGET_BYTES / worst_bytes).clamp(1, DEFAULT_MAX_IDENTIFIERS as usize) as u32
  }
}

/// What [`SlidingWindowLimiter::track`] did to make room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
  /// The new identifier's slot, with an empty window.
  pub slot: u32,
  /// How many idle slots were written to the `dropped` buffer (now free).
  pub dropped: usize,
  /// Whether `slot` belonged to an active identifier that the cap pushed out.
  pub forgot_active: bool,
}

/// Sizes and lifetime counters of one limiter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LimiterStats {
  /// Identifiers tracked now.
  pub tracked: usize,
  /// Identifiers dropped because their window had passed.
  pub dropped_idle: u64,
  /// Active identifiers pushed out by the cap.
  pub forgotten: u64,
  /// Heap bytes the engine holds for the tracked identifiers.
  pub heap_bytes: usize,
}

/// A request the replayed log says was admitted but the window refuses: the
/// front's local decision and the engine disagree.
#[derive(Debug, PartialEq)]
pub struct RefusedReplay {
  /// The slot whose admission was refused.
  pub slot: u32,
  /// The time of the refused admission.
  pub at_ms: f64,
}

/// Rolling windows by slot (the JS front's integer id for an identifier).
///
/// Each slot's [`AdmissionRing`] makes the per-identifier decision exact. The
/// slots are ordered by their last admission: the least recently admitted
/// comes first, so idle identifiers (no admission within the window) are
/// found at that end and dropped in O(1) each, and when the cap is reached
/// the identifier pushed out is the one whose newest admission is oldest.
#[derive(Debug)]
pub struct SlidingWindowLimiter {
  config: LimiterConfig,
  rings: Vec<AdmissionRing>,
  free: Vec<u32>,
  recency: RecencyList,
  dropped_idle: u64,
  forgotten: u64,
}

impl SlidingWindowLimiter {
  /// An empty limiter. A `max_identifiers` of 0 is taken as 1.
  pub fn new(config: LimiterConfig) -> Self {
    SlidingWindowLimiter {
      config: LimiterConfig {
        max_identifiers: config.max_identifiers.max(1),
        ..config
      },
      rings: Vec::new(),
      free: Vec::new(),
      recency: RecencyList::default(),
      dropped_idle: 0,
      forgotten: 0,
    }
  }

  /// The limits this limiter enforces.
  pub fn config(&self) -> LimiterConfig {
    self.config
  }

  /// Gives a new identifier a slot. First drops idle identifiers (at most
  /// `dropped.len()`, writing their slots there), then takes a free slot, a
  /// fresh one while under the cap, or the least recently admitted slot.
  pub fn track(&mut self, now_ms: f64, dropped: &mut [u32]) -> Tracked {
    let mut n = 0;
    while n < dropped.len() {
      let oldest = self.recency.iter().next();
      match oldest {
        Some(slot) if self.rings[slot as usize].is_idle(now_ms, self.config.window_ms) => {
          self.release(slot);
          self.dropped_idle += 1;
          dropped[n] = slot;
          n += 1;
        }
        _ => break,
      }
    }
    let mut forgot_active = false;
    let slot = if let Some(slot) = self.free.pop() {
      slot
    } else if self.rings.len() < self.config.max_identifiers as usize {
      self.rings.push(AdmissionRing::default());
      (self.rings.len() - 1) as u32
    } else {
      // At the cap with no idle identifier: the recency list holds every slot.
      let slot = self
        .recency
        .iter()
        .next()
        .expect("a full limiter tracks at least one slot");
      self.rings[slot as usize].clear();
      self.forgotten += 1;
      forgot_active = true;
      slot
    };
    self.recency.touch(slot);
    Tracked {
      slot,
      dropped: n,
      forgot_active,
    }
  }

  /// Admits a request for `slot` at `now_ms` and records it, or refuses it.
  /// `None` if `slot` is not tracked.
  pub fn admit(&mut self, slot: u32, now_ms: f64) -> Option<bool> {
    if !self.recency.contains(slot) {
      return None;
    }
    let LimiterConfig {
      max_requests,
      window_ms,
      ..
    } = self.config;
    let admitted = self.rings[slot as usize].admit(now_ms, max_requests, window_ms);
    if admitted {
      self.recency.touch(slot);
    }
    Some(admitted)
  }

  /// Replays admissions the front decided on its own, as `(slot, time)`
  /// pairs. Each must be one the window admits; the first that is not (or
  /// names an untracked slot) stops the replay and is returned.
  pub fn replay(&mut self, admissions: &[f64]) -> Result<(), RefusedReplay> {
    for pair in admissions.chunks_exact(2) {
      let (slot, at_ms) = (pair[0] as u32, pair[1]);
      if self.admit(slot, at_ms) != Some(true) {
        return Err(RefusedReplay { slot, at_ms });
      }
    }
    Ok(())
  }

  /// What `slot`'s window allows at `now_ms`; `None` if it is not tracked.
  pub fn state(&self, slot: u32, now_ms: f64) -> Option<WindowState> {
    let LimiterConfig {
      max_requests,
      window_ms,
      ..
    } = self.config;
    self
      .recency
      .contains(slot)
      .then(|| self.rings[slot as usize].state(now_ms, max_requests, window_ms))
  }

  /// Forgets `slot` (its identifier was reset) and frees it; false if it was not tracked.
  pub fn forget(&mut self, slot: u32) -> bool {
    let tracked = self.recency.contains(slot);
    if tracked {
      self.release(slot);
    }
    tracked
  }

  /// Sizes and counters.
  pub fn stats(&self) -> LimiterStats {
    let rings_bytes: usize = self.rings.iter().map(AdmissionRing::heap_bytes).sum();
    LimiterStats {
      tracked: self.recency.len(),
      dropped_idle: self.dropped_idle,
      forgotten: self.forgotten,
      heap_bytes: rings_bytes + self.rings.capacity() * BYTES_PER_IDENTIFIER + self.free.capacity() * 4,
    }
  }

  fn release(&mut self, slot: u32) {
    self.recency.remove(slot);
    self.rings[slot as usize].clear();
    self.free.push(slot);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// xorshift64*: deterministic arrivals without a dependency.
  struct Rng(u64);
  impl Rng {
    fn below(&mut self, n: u64) -> u64 {
      self.0 ^= self.0 >> 12;
      self.0 ^= self.0 << 25;
      self.0 ^= self.0 >> 27;
      self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
  }

  fn limiter(max_requests: u32, window_ms: f64, max_identifiers: u32) -> SlidingWindowLimiter {
    SlidingWindowLimiter::new(LimiterConfig {
      max_requests,
      window_ms,
      max_identifiers,
    })
  }

  /// The reference's rule, by brute force: admit iff fewer than `max` of the
  /// identifier's admissions satisfy `now - t < window`.
  fn model_recent(times: &[f64], now: f64, window: f64) -> usize {
    times.iter().filter(|&&t| now - t < window).count()
  }

  #[test]
  fn admissions_match_a_brute_force_model_and_never_exceed_the_max_in_any_window() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut idle_drops, mut denied) = (0, 0);
    for round in 0..200 {
      let max = 1 + rng.below(6) as u32;
      let window = 1.0 + rng.below(200) as f64 + if round % 2 == 0 { 0.5 } else { 0.0 };
      let ids = 1 + rng.below(40) as usize;
      let mut lim = limiter(max, window, ids as u32);
      let mut slot_of: Vec<Option<u32>> = vec![None; ids];
      let mut admitted: Vec<Vec<f64>> = vec![Vec::new(); ids];
      let mut dropped = [0u32; 8];
      let mut now = rng.below(1_000) as f64;
      for _ in 0..2_000 {
        now += [0.0, 0.0, 0.25, 1.0, 7.0, 40.0][rng.below(6) as usize] * rng.below(3) as f64;
        let id = rng.below(ids as u64) as usize;
        let slot = match slot_of[id] {
          Some(s) => s,
          None => {
            let t = lim.track(now, &mut dropped);
            assert!(
              !t.forgot_active,
              "the cap equals the identifier count, so nothing active is pushed out"
            );
            idle_drops += t.dropped;
            for &d in &dropped[..t.dropped] {
              let owner = slot_of
                .iter()
                .position(|&s| s == Some(d))
                .expect("a dropped slot had an owner");
              assert_eq!(
                model_recent(&admitted[owner], now, window),
                0,
                "dropped an identifier that was not idle"
              );
              slot_of[owner] = None;
            }
            slot_of[id] = Some(t.slot);
            t.slot
          }
        };
        match rng.below(10) {
          0 => {
            assert!(lim.forget(slot));
            slot_of[id] = None;
            admitted[id].clear();
          }
          1 | 2 => {
            let state = lim.state(slot, now).unwrap();
            assert_eq!(
              state.remaining as usize,
              max as usize - model_recent(&admitted[id], now, window)
            );
          }
          _ => {
            let expected = model_recent(&admitted[id], now, window) < max as usize;
            assert_eq!(lim.admit(slot, now), Some(expected), "round {round} id {id} at {now}");
            if expected {
              admitted[id].push(now);
            } else {
              denied += 1;
            }
          }
        }
      }
      for times in &admitted {
        for &a in times {
          let in_window = times.iter().filter(|&&t| t <= a && a - t < window).count();
          assert!(
            in_window <= max as usize,
            "{in_window} admissions in the window ending at {a}"
          );
        }
      }
    }
    assert!(
      idle_drops > 1_000 && denied > 10_000,
      "too few drops ({idle_drops}) or denials ({denied}) to test them"
    );
  }

  #[test]
  fn the_default_cap_fits_full_windows_in_the_budget() {
    assert_eq!(LimiterConfig::default_max_identifiers(1), DEFAULT_MAX_IDENTIFIERS);
    assert_eq!(LimiterConfig::default_max_identifiers(100), DEFAULT_MAX_IDENTIFIERS);
    let cap = LimiterConfig::default_max_identifiers(1_000);
    assert!(cap as usize * (8_000 + BYTES_PER_IDENTIFIER) <= DEFAULT_BUDGET_BYTES);
    assert!((cap as usize + 1) * (8_000 + BYTES_PER_IDENTIFIER) > DEFAULT_BUDGET_BYTES);
    assert_eq!(LimiterConfig::default_max_identifiers(u32::MAX), 1);
  }

  #[test]
  fn the_next_admission_time_is_exactly_when_the_window_admits_again() {
    let mut rng = Rng(42);
    let mut lim = limiter(3, 100.0, 1);
    let slot = lim.track(0.0, &mut []).slot;
    let mut now = 0.0;
    for _ in 0..5_000 {
      now += rng.below(30) as f64;
      let state = lim.state(slot, now).unwrap();
      if state.remaining == 0 {
        assert!(state.next_admit_at_ms > now);
        assert_eq!(lim.admit(slot, state.next_admit_at_ms - 0.5), Some(false));
        now = state.next_admit_at_ms;
        assert_eq!(lim.admit(slot, now), Some(true));
      } else {
        assert_eq!(lim.admit(slot, now), Some(true));
      }
    }
  }

  #[test]
  fn idle_identifiers_are_dropped_once_their_window_has_passed() {
    let mut lim = limiter(5, 1000.0, 100);
    let a = lim.track(0.0, &mut []).slot;
    lim.admit(a, 0.0);
    let b = lim.track(500.0, &mut []).slot;
    lim.admit(b, 500.0);
    let mut dropped = [0u32; 4];
    let t = lim.track(999.0, &mut dropped);
    assert_eq!(t.dropped, 0);
    lim.admit(t.slot, 999.0);
    let t = lim.track(1000.0, &mut dropped);
    assert_eq!(&dropped[..t.dropped], &[a]);
    assert_eq!(t.slot, a, "the dropped slot is reused");
    assert_eq!(lim.stats().dropped_idle, 1);
    assert_eq!(lim.stats().tracked, 3);
  }

  #[test]
  fn at_the_cap_the_least_recently_admitted_identifier_is_forgotten_and_starts_fresh() {
    let mut lim = limiter(2, 60_000.0, 2);
    let a = lim.track(0.0, &mut []).slot;
    let b = lim.track(0.0, &mut []).slot;
    lim.admit(b, 1.0);
    lim.admit(a, 2.0);
    lim.admit(a, 3.0);
    assert_eq!(lim.admit(a, 4.0), Some(false));
    let c = lim.track(5.0, &mut []);
    assert_eq!(
      c,
      Tracked {
        slot: b,
        dropped: 0,
        forgot_active: true
      }
    );
    assert_eq!(lim.state(c.slot, 5.0).unwrap().remaining, 2);
    assert_eq!(lim.stats().forgotten, 1);
  }

  #[test]
  fn a_million_new_identifiers_stay_within_the_cap() {
    let cap = 10_000;
    let mut lim = limiter(100, 60_000.0, cap);
    let mut dropped = [0u32; 256];
    for i in 0..1_000_000u32 {
      let now = f64::from(i / 100); // 100 new identifiers per ms: none idle yet
      let slot = lim.track(now, &mut dropped).slot;
      assert_eq!(lim.admit(slot, now), Some(true));
    }
    let stats = lim.stats();
    assert_eq!(stats.tracked, cap as usize);
    assert_eq!(stats.forgotten, 1_000_000 - u64::from(cap));
    // Each holds one time in a 4-slot buffer.
    assert!(
      stats.heap_bytes <= cap as usize * (BYTES_PER_IDENTIFIER + 4 * 8 + 4) * 2,
      "{} bytes",
      stats.heap_bytes
    );
  }

  #[test]
  fn a_replayed_admission_the_window_refuses_stops_the_replay() {
    let mut lim = limiter(1, 1000.0, 4);
    let s = lim.track(0.0, &mut []).slot;
    assert_eq!(
      lim.replay(&[f64::from(s), 0.0, f64::from(s), 10.0]),
      Err(RefusedReplay { slot: s, at_ms: 10.0 })
    );
    assert_eq!(lim.replay(&[3.0, 0.0]), Err(RefusedReplay { slot: 3, at_ms: 0.0 }));
    assert_eq!(lim.replay(&[f64::from(s), 1000.0]), Ok(()));
  }

  #[test]
  fn an_untracked_slot_has_no_state_and_cannot_be_forgotten() {
    let mut lim = limiter(1, 1000.0, 4);
    assert_eq!(lim.state(0, 0.0), None);
    assert_eq!(lim.admit(0, 0.0), None);
    assert!(!lim.forget(0));
  }
}
