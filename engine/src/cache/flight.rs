//! The single-flight table: which key has a load in progress, and whether a
//! new caller joins it or starts its own.

use ahash::AHashMap;

/// What [`FlightTable::begin`] decided for a caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlightTicket {
  /// Wait for the flight already loading this key.
  Join(u32),
  /// Start a load under this id. `superseded` names a flight that had run
  /// past the age bound: it stops absorbing callers (its own waiters keep it).
  Lead { id: u32, superseded: Option<u32> },
}

#[derive(Clone, Copy, Debug)]
struct Flight {
  id: u32,
  started_ms: f64,
}

/// In-progress loads by key. Ids are never 0 and are unique per table until
/// they wrap after 2³² flights.
#[derive(Debug, Default)]
pub struct FlightTable {
  by_key: AHashMap<String, Flight>,
  last_id: u32,
}

impl FlightTable {
  /// How many keys have a flight that still absorbs callers.
  pub fn len(&self) -> usize {
    self.by_key.len()
  }

  /// Whether no flight is in progress.
  pub fn is_empty(&self) -> bool {
    self.by_key.is_empty()
  }

  /// Joins the flight for `key` if one started within `max_age_ms` of
  /// `now_ms`, otherwise starts a new one.
  pub fn begin(&mut self, key: &str, now_ms: f64, max_age_ms: f64) -> FlightTicket {
    let superseded = match self.by_key.get(key) {
      Some(f) if now_ms - f.started_ms < max_age_ms => return FlightTicket::Join(f.id),
      Some(f) => Some(f.id),
      None => None,
    };
    self.last_id = self.last_id.checked_add(1).unwrap_or(1);
    let id = self.last_id;
    self.by_key.insert(key.to_owned(), Flight { id, started_ms: now_ms });
    FlightTicket::Lead { id, superseded }
  }

  /// Ends flight `id` for `key`. True when it still owned the key, meaning
  /// nothing invalidated or superseded it and its result may be cached.
  pub fn finish(&mut self, key: &str, id: u32) -> bool {
    match self.by_key.get(key) {
      Some(f) if f.id == id => {
        self.by_key.remove(key);
        true
      }
      _ => false,
    }
  }

  /// Detaches the flight for `key` (its key was deleted or rewritten): its
  /// waiters still get its result, but it will not be cached and new callers
  /// start a fresh load. Returns the detached id.
  pub fn invalidate(&mut self, key: &str) -> Option<u32> {
    self.by_key.remove(key).map(|f| f.id)
  }

  /// Detaches every flight, returning their ids.
  pub fn clear(&mut self) -> Vec<u32> {
    self.by_key.drain().map(|(_, f)| f.id).collect()
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_first_caller_leads_and_later_callers_join() {
    let mut t = FlightTable::default();
    let FlightTicket::Lead { id, superseded: None } = t.begin("k", 0.0, 10_000.0) else {
      panic!()
    };
    assert_eq!(t.begin("k", 5.0, 10_000.0), FlightTicket::Join(id));
    assert!(matches!(t.begin("other", 5.0, 10_000.0), FlightTicket::Lead { .. }));
    assert_eq!(t.len(), 2);
  }

  #[test]
  fn finishing_frees_the_key_for_a_new_flight() {
    let mut t = FlightTable::default();
    let FlightTicket::Lead { id, .. } = t.begin("k", 0.0, 10_000.0) else {
      panic!()
    };
    assert!(t.finish("k", id));
    assert!(!t.finish("k", id));
    assert!(matches!(t.begin("k", 1.0, 10_000.0), FlightTicket::Lead { .. }));
  }

  #[test]
  fn a_flight_past_the_age_bound_is_superseded_and_cannot_cache_its_result() {
    let mut t = FlightTable::default();
    let FlightTicket::Lead { id: old, .. } = t.begin("k", 0.0, 1_000.0) else {
      panic!()
    };
    assert_eq!(t.begin("k", 999.0, 1_000.0), FlightTicket::Join(old));
    let FlightTicket::Lead { id: new, superseded } = t.begin("k", 1_000.0, 1_000.0) else {
      panic!()
    };
    assert_eq!(superseded, Some(old));
    assert!(!t.finish("k", old));
    assert!(t.finish("k", new));
  }

  #[test]
  fn an_invalidated_flight_does_not_cache_and_new_callers_lead() {
    let mut t = FlightTable::default();
    let FlightTicket::Lead { id, .. } = t.begin("k", 0.0, 10_000.0) else {
      panic!()
    };
    assert_eq!(t.invalidate("k"), Some(id));
    assert!(matches!(
      t.begin("k", 1.0, 10_000.0),
      FlightTicket::Lead { superseded: None, .. }
    ));
    assert!(!t.finish("k", id));
  }

  #[test]
  fn clear_detaches_every_flight() {
    let mut t = FlightTable::default();
    t.begin("a", 0.0, 10.0);
    t.begin("b", 0.0, 10.0);
    let mut ids = t.clear();
    ids.sort();
    assert_eq!(ids, vec![1, 2]);
    assert!(t.is_empty());
  }
}
