//! `CacheEngine`: one cache's engine state behind a JS class. Called on cold
//! paths only (a full op log, eviction victims used up, stats, sweeps); the
//! hot path and the single-flight table stay in `js/simple-cache.js`.

use crate::errors::invalid;
use crate::out_slice::OutSlice;
use hotpath_engine::cache::CachePolicy;
use napi::Result;
use napi_derive::napi;

/// The engine behind one `SimpleCache`.
#[napi]
pub struct CacheEngine {
  policy: CachePolicy,
}

/// Counters for `SimpleCache.stats()`.
#[napi(object)]
pub struct EngineStats {
  pub hits: f64,
  pub misses: f64,
  pub evictions: f64,
  pub expired: f64,
  /// The reference's `totalHits`: hits on the entries held now.
  pub held_entry_hits: f64,
  /// Held entries within their TTL at `now`.
  pub valid_entries: u32,
}

/// The result of a sweep: how many expired slots were written, and when the
/// next valid entry expires (`Infinity` if none).
#[napi(object)]
pub struct SweepResult {
  pub expired: u32,
  pub next_deadline_ms: f64,
}

#[napi]
impl CacheEngine {
  /// An empty engine.
  #[napi(constructor, catch_unwind)]
  pub fn new() -> Self {
    CacheEngine {
      policy: CachePolicy::default(),
    }
  }

  /// Replays `ops[0..len]`, then refills `victims` with the least recently
  /// used slots (clearing their `touched` flags). Returns the victim count.
  #[napi(catch_unwind)]
  pub fn replay(
    &mut self,
    ops: &[i32],
    len: u32,
    #[napi(ts_arg_type = "Uint8Array")] touched: OutSlice<u8>,
    #[napi(ts_arg_type = "Int32Array")] victims: OutSlice<i32>,
  ) -> Result<u32> {
    let ops = ops
      .get(..len as usize)
      .ok_or_else(|| invalid("CacheEngine.replay: len exceeds the op log"))?;
    self
      .policy
      .replay(ops)
      .map_err(|bad| invalid(&format!("CacheEngine.replay: unknown op word {}", bad.0)))?;
    Ok(self.policy.refill_victims(victims, touched) as u32)
  }

  /// Writes the slots expired at `now_ms` into `out`.
  #[napi(catch_unwind)]
  pub fn sweep(
    &self,
    expires_ms: &[f64],
    now_ms: f64,
    #[napi(ts_arg_type = "Int32Array")] out: OutSlice<i32>,
  ) -> SweepResult {
    let scan = self.policy.scan_expiry(expires_ms, now_ms, out);
    SweepResult {
      expired: scan.expired as u32,
      next_deadline_ms: scan.next_deadline_ms,
    }
  }

  /// Counters, with entries valid at `now_ms` counted from `expires_ms`.
  #[napi(catch_unwind)]
  pub fn stats(&self, expires_ms: &[f64], now_ms: f64) -> EngineStats {
    let c = self.policy.counters();
    let scan = self.policy.scan_expiry(expires_ms, now_ms, &mut []);
    EngineStats {
      hits: c.hits as f64,
      misses: c.misses as f64,
      evictions: c.evictions as f64,
      expired: c.expired as f64,
      held_entry_hits: c.held_entry_hits as f64,
      valid_entries: scan.valid as u32,
    }
  }

  /// Forgets every entry; counters are kept.
  #[napi(catch_unwind)]
  pub fn clear(&mut self) {
    self.policy.clear();
  }
}
