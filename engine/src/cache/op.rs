//! The operation log format shared with the JS front.

/// Bits of an encoded op that carry the slot; the rest carry the kind.
pub const SLOT_BITS: u32 = 28;
/// Slots the op word could address (more than any cache may hold).
pub const MAX_SLOTS: u32 = 1 << SLOT_BITS;
/// The largest cache: `maxSize` runs from 1 to this (8,388,608); the JS
/// front reads it as `MAX_CACHE_ENTRIES` (src/wire.rs). The bound is V8's, not ours: a
/// `Map` holds at most 2²⁴ entries *including deleted ones*, and it clears
/// deleted entries in place only while at least half of them are deleted;
/// past 2²³ live keys, churn makes it try to double and throw
/// "Map maximum size exceeded". A slot at or above it decodes as no op.
pub const MAX_ENTRIES: u32 = 1 << 23;
const _: () = assert!(MAX_ENTRIES <= MAX_SLOTS);

/// One thing that happened to a slot, as the JS front logs it:
/// `(kind << SLOT_BITS) | slot` in an `i32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
  /// A `get` found a live entry.
  Hit(u32),
  /// A `set` wrote the slot (a new entry, or a new value for its key).
  Write(u32),
  /// `delete` removed the entry.
  Delete(u32),
  /// The entry was evicted to make room.
  Evict(u32),
  /// A lookup found the entry expired and removed it.
  Expire(u32),
  /// A `get` found nothing.
  Miss,
  /// A `cacheAside` caller found nothing but joined a load in flight: served
  /// without a fetch of its own, so it counts as a hit (as Caffeine counts it).
  Join,
}

impl Op {
  /// Decodes one log word; `None` for a kind the front never writes.
  pub fn decode(word: i32) -> Option<Op> {
    let word = word as u32;
    let slot = word & (MAX_SLOTS - 1);
    if slot >= MAX_ENTRIES {
      return None;
    }
    Some(match word >> SLOT_BITS {
      0 => Op::Hit(slot),
      1 => Op::Write(slot),
      2 => Op::Delete(slot),
      3 => Op::Evict(slot),
      4 => Op::Expire(slot),
      5 => Op::Miss,
      6 => Op::Join,
      _ => return None,
    })
  }

  /// Encodes the op as the front writes it; the binding exports the kinds'
  /// words from here, so the front never spells them out itself.
  pub const fn encode(self) -> i32 {
    let (kind, slot) = match self {
      Op::Hit(s) => (0, s),
      Op::Write(s) => (1, s),
      Op::Delete(s) => (2, s),
      Op::Evict(s) => (3, s),
      Op::Expire(s) => (4, s),
      Op::Miss => (5, 0),
      Op::Join => (6, 0),
    };
    ((kind << SLOT_BITS) | slot) as i32
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_op_survives_a_round_trip_through_its_word() {
    let last = MAX_ENTRIES - 1;
    for op in [
      Op::Hit(0),
      Op::Write(last),
      Op::Delete(7),
      Op::Evict(9),
      Op::Expire(3),
      Op::Miss,
      Op::Join,
    ] {
      assert_eq!(Op::decode(op.encode()), Some(op));
    }
  }

  #[test]
  fn an_unknown_kind_decodes_to_none() {
    assert_eq!(Op::decode((7u32 << SLOT_BITS) as i32), None);
  }

  #[test]
  fn a_slot_beyond_the_largest_cache_decodes_to_none() {
    assert_eq!(Op::decode(Op::Write(MAX_ENTRIES).encode()), None);
  }
}
