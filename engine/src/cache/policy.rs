//! Replays the JS front's operation log: recency order, counters, victims
//! and expiry scans.

use super::op::Op;
use crate::collections::RecencyList;

/// Lifetime counters of one cache, plus the reference's per-entry hit total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounters {
  /// Lookups that found a live entry, and `cacheAside` callers served by a
  /// load already in flight.
  pub hits: u64,
  /// Lookups that found nothing, or an expired entry.
  pub misses: u64,
  /// Entries removed to make room for new ones.
  pub evictions: u64,
  /// Entries removed because a lookup found them past their TTL.
  pub expired: u64,
  /// Hits on the entries held now, counted since each was last written
  /// (the reference's `totalHits`).
  pub held_entry_hits: u64,
}

/// What [`CachePolicy::scan_expiry`] found among the held entries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpiryScan {
  /// Held entries still within their TTL.
  pub valid: usize,
  /// Expired entries written to the output slice.
  pub expired: usize,
  /// The earliest deadline among valid entries, `f64::INFINITY` if none.
  pub next_deadline_ms: f64,
}

/// The bookkeeping of one cache. Slots are the JS front's entry indices.
#[derive(Debug, Default)]
pub struct CachePolicy {
  recency: RecencyList,
  slot_hits: Vec<u32>,
  counters: CacheCounters,
}

/// An op log word that no version of the front writes.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownOp(pub i32);

impl CachePolicy {
  /// How many entries are held.
  pub fn len(&self) -> usize {
    self.recency.len()
  }

  /// Whether no entry is held.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Replays `ops` in order. Stops at the first word it cannot decode, having
  /// applied everything before it.
  pub fn replay(&mut self, ops: &[i32]) -> Result<(), UnknownOp> {
    for &word in ops {
      match Op::decode(word).ok_or(UnknownOp(word))? {
        Op::Hit(slot) => {
          if self.recency.contains(slot) {
            self.recency.touch(slot);
            self.slot_hits[slot as usize] = self.slot_hits[slot as usize].saturating_add(1);
            self.counters.held_entry_hits += 1;
          }
          self.counters.hits += 1;
        }
        Op::Write(slot) => {
          self.unlink(slot);
          self.recency.touch(slot);
          if self.slot_hits.len() <= slot as usize {
            self.slot_hits.resize(slot as usize + 1, 0);
          }
        }
        Op::Delete(slot) => self.unlink(slot),
        Op::Evict(slot) => {
          self.unlink(slot);
          self.counters.evictions += 1;
        }
        Op::Expire(slot) => {
          self.unlink(slot);
          self.counters.expired += 1;
        }
        Op::Miss => self.counters.misses += 1,
        Op::Join => self.counters.hits += 1,
      }
    }
    Ok(())
  }

  /// Writes the least recently used slots into `victims`, oldest first, and
  /// clears their `touched` flags: the front evicts `victims[i]` without a
  /// call as long as its flag is still clear. Returns how many were written.
  pub fn refill_victims(&self, victims: &mut [i32], touched: &mut [u8]) -> usize {
    let mut written = 0;
    for (out, slot) in victims.iter_mut().zip(self.recency.iter()) {
      *out = slot as i32;
      if let Some(flag) = touched.get_mut(slot as usize) {
        *flag = 0;
      }
      written += 1;
    }
    written
  }

  /// Classifies the held entries by their deadline in `expires_ms` (an entry is
  /// valid while `now_ms <= deadline`, as in the reference) and writes the
  /// expired slots into `expired_out` as far as it reaches.
  pub fn scan_expiry(&self, expires_ms: &[f64], now_ms: f64, expired_out: &mut [i32]) -> ExpiryScan {
    let mut scan = ExpiryScan {
      valid: 0,
      expired: 0,
      next_deadline_ms: f64::INFINITY,
    };
    for slot in self.recency.iter() {
      let deadline = expires_ms.get(slot as usize).copied().unwrap_or(f64::NEG_INFINITY);
      if now_ms <= deadline {
        scan.valid += 1;
        scan.next_deadline_ms = scan.next_deadline_ms.min(deadline);
      } else if let Some(out) = expired_out.get_mut(scan.expired) {
        *out = slot as i32;
        scan.expired += 1;
      }
    }
    scan
  }

  /// The lifetime counters.
  pub fn counters(&self) -> CacheCounters {
    self.counters
  }

  /// Forgets every entry; lifetime counters are kept.
  pub fn clear(&mut self) {
    self.recency.clear();
    self.slot_hits.iter_mut().for_each(|h| *h = 0);
    self.counters.held_entry_hits = 0;
  }

  fn unlink(&mut self, slot: u32) {
    if self.recency.remove(slot) {
      let hits = std::mem::take(&mut self.slot_hits[slot as usize]);
      self.counters.held_entry_hits -= u64::from(hits);
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use Op::*;

  fn log(ops: &[Op]) -> Vec<i32> {
    ops.iter().map(|op| op.encode()).collect()
  }

  fn victims(policy: &CachePolicy, n: usize) -> Vec<i32> {
    let mut out = vec![-1; n];
    let mut touched = vec![1u8; 16];
    let written = policy.refill_victims(&mut out, &mut touched);
    out.truncate(written);
    out
  }

  #[test]
  fn victims_come_least_recently_used_first() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Write(0), Write(1), Write(2), Hit(0)])).unwrap();
    assert_eq!(victims(&policy, 8), vec![1, 2, 0]);
    assert_eq!(victims(&policy, 2), vec![1, 2]);
  }

  #[test]
  fn refilling_clears_the_touched_flag_of_each_victim_only() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Write(0), Write(1), Write(2)])).unwrap();
    let mut touched = vec![1u8; 3];
    let mut out = [0; 2];
    assert_eq!(policy.refill_victims(&mut out, &mut touched), 2);
    assert_eq!(touched, vec![0, 0, 1]);
  }

  #[test]
  fn hits_misses_evictions_and_expiries_are_counted() {
    let mut policy = CachePolicy::default();
    policy
      .replay(&log(&[
        Write(0),
        Write(1),
        Hit(0),
        Hit(0),
        Hit(1),
        Miss,
        Evict(0),
        Write(0),
        Expire(1),
        Miss,
      ]))
      .unwrap();
    let c = policy.counters();
    assert_eq!((c.hits, c.misses, c.evictions, c.expired), (3, 2, 1, 1));
    assert_eq!(policy.len(), 1);
  }

  #[test]
  fn a_caller_that_joins_a_load_counts_as_a_hit_but_credits_no_entry() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Miss, Join, Join, Write(0)])).unwrap();
    let c = policy.counters();
    assert_eq!((c.hits, c.misses, c.held_entry_hits), (2, 1, 0));
  }

  #[test]
  fn held_entry_hits_follow_the_reference_and_reset_when_an_entry_is_rewritten() {
    let mut policy = CachePolicy::default();
    policy
      .replay(&log(&[Write(0), Write(1), Hit(0), Hit(0), Hit(1)]))
      .unwrap();
    assert_eq!(policy.counters().held_entry_hits, 3);
    policy.replay(&log(&[Write(0)])).unwrap();
    assert_eq!(policy.counters().held_entry_hits, 1);
    policy.replay(&log(&[Delete(1)])).unwrap();
    assert_eq!(policy.counters().held_entry_hits, 0);
    assert_eq!(policy.counters().hits, 3);
  }

  #[test]
  fn a_hit_logged_before_its_slot_was_reused_is_not_credited_to_the_new_entry() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Write(0), Hit(0), Evict(0), Write(0)])).unwrap();
    assert_eq!(policy.counters().held_entry_hits, 0);
  }

  #[test]
  fn clear_forgets_entries_but_keeps_lifetime_counters() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Write(0), Hit(0), Miss])).unwrap();
    policy.clear();
    assert!(policy.is_empty());
    let c = policy.counters();
    assert_eq!((c.hits, c.misses, c.held_entry_hits), (1, 1, 0));
    assert_eq!(victims(&policy, 4), Vec::<i32>::new());
  }

  #[test]
  fn an_unknown_word_stops_the_replay_after_the_words_before_it() {
    let mut policy = CachePolicy::default();
    let mut words = log(&[Write(0)]);
    words.push(0x7000_0000);
    words.extend(log(&[Write(1)]));
    assert_eq!(policy.replay(&words), Err(UnknownOp(0x7000_0000)));
    assert_eq!(policy.len(), 1);
  }

  #[test]
  fn expiry_scan_separates_valid_from_expired_and_finds_the_next_deadline() {
    let mut policy = CachePolicy::default();
    policy.replay(&log(&[Write(0), Write(1), Write(2), Write(3)])).unwrap();
    let expires = [100.0, 250.0, 200.0, 99.0];
    let mut out = [0; 4];
    let scan = policy.scan_expiry(&expires, 100.0, &mut out);
    assert_eq!(
      scan,
      ExpiryScan {
        valid: 3,
        expired: 1,
        next_deadline_ms: 100.0
      }
    );
    assert_eq!(out[0], 3);
    let scan = policy.scan_expiry(&expires, 300.0, &mut []);
    assert_eq!((scan.valid, scan.expired, scan.next_deadline_ms), (0, 0, f64::INFINITY));
  }

  #[test]
  fn matches_an_exact_lru_model_under_random_traffic() {
    const CAPACITY: usize = 16;
    let mut policy = CachePolicy::default();
    let mut model: Vec<u32> = Vec::new(); // least recent first
    let mut seed = 0x9e37_79b9_u64;
    for _ in 0..50_000 {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      let slot = (seed % 24) as u32 % CAPACITY as u32;
      let op = match seed % 5 {
        0 | 1 if model.contains(&slot) => Hit(slot),
        2 if model.contains(&slot) => Delete(slot),
        _ => Write(slot),
      };
      match op {
        Hit(s) | Write(s) => {
          model.retain(|&m| m != s);
          model.push(s);
        }
        Delete(s) => model.retain(|&m| m != s),
        _ => unreachable!(),
      }
      policy.replay(&log(&[op])).unwrap();
      let lru = victims(&policy, 1);
      assert_eq!(lru, model.first().map(|&s| vec![s as i32]).unwrap_or_default());
    }
  }
}
