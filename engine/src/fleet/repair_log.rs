//! Writes that may not have reached Redis. A `set` or `delete` whose L2
//! command failed leaves Redis with an older value that other instances would
//! read after the outage; once the server answers again, each logged key is
//! deleted from L2 and invalidated on the bus. The log is bounded: past
//! `max_keys` a cache's keys give way to one repair of the whole cache (a new
//! namespace generation), which is O(1) on Redis.

use std::collections::{BTreeMap, BTreeSet};

/// One repair to run against Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Repair {
  /// Delete `key` of cache `name` from L2 and invalidate it on the bus.
  Key { name: String, key: String },
  /// Start a new generation of cache `name` (drops all of its L2 entries).
  Clear { name: String },
}

/// Bounded set of pending repairs.
#[derive(Debug)]
pub struct RepairLog {
  max_keys: usize,
  keys: BTreeMap<String, BTreeSet<String>>,
  key_count: usize,
  clears: BTreeSet<String>,
}

impl RepairLog {
  /// An empty log holding at most `max_keys` keys across all caches.
  pub fn new(max_keys: usize) -> Self {
    RepairLog {
      max_keys,
      keys: BTreeMap::new(),
      key_count: 0,
      clears: BTreeSet::new(),
    }
  }

  /// Pending repairs (keys plus whole-cache clears).
  pub fn len(&self) -> usize {
    self.key_count + self.clears.len()
  }

  /// Whether nothing is pending.
  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  /// Logs that `key` of cache `name` may be stale in L2.
  pub fn add_key(&mut self, name: &str, key: &str) {
    if self.clears.contains(name) {
      return; // a whole-cache repair covers it
    }
    if self.key_count >= self.max_keys {
      self.add_clear(name);
      return;
    }
    if self.keys.entry(name.to_owned()).or_default().insert(key.to_owned()) {
      self.key_count += 1;
    }
  }

  /// Logs that every L2 entry of cache `name` may be stale (a failed `clear`, or overflow).
  pub fn add_clear(&mut self, name: &str) {
    if let Some(keys) = self.keys.remove(name) {
      self.key_count -= keys.len();
    }
    self.clears.insert(name.to_owned());
  }

  /// Takes up to `max` repairs out of the log, whole-cache ones first. A
  /// repair that fails again is put back with `add_key` / `add_clear`.
  pub fn take(&mut self, max: usize) -> Vec<Repair> {
    let mut out = Vec::new();
    while out.len() < max {
      let Some(name) = self.clears.pop_first() else { break };
      out.push(Repair::Clear { name });
    }
    while out.len() < max {
      let Some(mut entry) = self.keys.first_entry() else {
        break;
      };
      let Some(key) = entry.get_mut().pop_first() else {
        entry.remove();
        continue;
      };
      self.key_count -= 1;
      out.push(Repair::Key {
        name: entry.key().clone(),
        key,
      });
    }
    out
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn logs_each_key_once() {
    let mut log = RepairLog::new(10);
    log.add_key("a", "k");
    log.add_key("a", "k");
    assert_eq!(log.len(), 1);
    assert_eq!(
      log.take(10),
      vec![Repair::Key {
        name: "a".into(),
        key: "k".into()
      }]
    );
    assert!(log.is_empty());
  }

  #[test]
  fn overflow_turns_into_one_clear_of_the_cache() {
    let mut log = RepairLog::new(2);
    log.add_key("a", "1");
    log.add_key("a", "2");
    log.add_key("a", "3");
    assert_eq!(log.len(), 1);
    assert_eq!(log.take(10), vec![Repair::Clear { name: "a".into() }]);
  }

  #[test]
  fn a_pending_clear_absorbs_later_keys() {
    let mut log = RepairLog::new(10);
    log.add_clear("a");
    log.add_key("a", "k");
    log.add_key("b", "k");
    assert_eq!(
      log.take(10),
      vec![
        Repair::Clear { name: "a".into() },
        Repair::Key {
          name: "b".into(),
          key: "k".into()
        }
      ]
    );
  }

  #[test]
  fn take_returns_at_most_max() {
    let mut log = RepairLog::new(10);
    for k in ["1", "2", "3"] {
      log.add_key("a", k);
    }
    assert_eq!(log.take(2).len(), 2);
    assert_eq!(log.len(), 1);
  }
}
