//! `LimiterEngine`: one `RateLimiter`'s windows behind a JS class. Called on
//! cold paths only (a new identifier, a window the front cannot decide on its
//! own, a full admission log, `remaining`, `reset`, stats); the hot path stays
//! in `js/rate-limiter.js`.

use crate::errors::invalid;
use crate::out_slice::OutSlice;
use crate::wire::LIMITER_WINDOW_WORDS;
use hotpath_engine::limiter::{LimiterConfig, SlidingWindowLimiter};
use napi::Result;
use napi_derive::napi;

/// The engine behind one `RateLimiter`.
#[napi]
pub struct LimiterEngine {
  limiter: SlidingWindowLimiter,
}

/// A new identifier's slot, and how many idle slots were freed into `dropped`.
#[napi(object)]
pub struct TrackResult {
  pub slot: u32,
  pub dropped: u32,
}

/// Sizes and lifetime counters of one limiter.
#[napi(object)]
pub struct LimiterEngineStats {
  pub tracked: u32,
  pub max_identifiers: u32,
  pub dropped_idle: f64,
  pub forgotten: f64,
  pub heap_bytes: f64,
}

#[napi]
impl LimiterEngine {
  /// An empty limiter; `max_identifiers` defaults to the engine's budget-based cap.
  #[napi(constructor, catch_unwind)]
  pub fn new(max_requests: u32, window_ms: f64, max_identifiers: Option<u32>) -> Self {
    let max_identifiers = max_identifiers.unwrap_or_else(|| LimiterConfig::default_max_identifiers(max_requests));
    LimiterEngine {
      limiter: SlidingWindowLimiter::new(LimiterConfig {
        max_requests,
        window_ms,
        max_identifiers,
      }),
    }
  }

  /// Records the admissions in `log[0..len]`, `(slot, time)` pairs the front decided.
  #[napi(catch_unwind)]
  pub fn replay(&mut self, log: &[f64], len: u32) -> Result<()> {
    self.replay_log(log, len)
  }

  /// Counts admissions other instances made (`(slot, time)` pairs in
  /// `log[0..len]`, times in this process's clock). Unlike `replay`, a pair
  /// the window has no room for is skipped: the window is full already, and
  /// the fleet's count is not this instance's to refuse. Untracked slots too.
  #[napi(catch_unwind)]
  pub fn absorb(&mut self, log: &[f64], len: u32) -> Result<()> {
    let pairs = log
      .get(..len as usize)
      .ok_or_else(|| invalid("LimiterEngine.absorb: len exceeds the log"))?;
    for pair in pairs.chunks_exact(2) {
      self.limiter.admit(pair[0] as u32, pair[1]);
    }
    Ok(())
  }

  /// Replays `log[0..len]`, then gives a new identifier a slot at `now_ms`;
  /// idle slots freed on the way are written to `dropped`. One call, because
  /// a flood of new identifiers takes this path on every request.
  #[napi(catch_unwind)]
  pub fn track(
    &mut self,
    log: &[f64],
    len: u32,
    now_ms: f64,
    #[napi(ts_arg_type = "Uint32Array")] dropped: OutSlice<u32>,
  ) -> Result<TrackResult> {
    self.replay_log(log, len)?;
    let t = self.limiter.track(now_ms, dropped);
    Ok(TrackResult {
      slot: t.slot,
      dropped: t.dropped as u32,
    })
  }

  /// Decides (when `consume`) or inspects a request for `slot` at `now_ms`, and
  /// writes the window after it to `out`: `[remaining, nextAdmitAtMs, resetAtMs]`.
  /// Returns whether the request is admitted (would be, when not `consume`).
  /// `log[0..len]` is replayed first, in the same call.
  #[napi(catch_unwind)]
  pub fn sync(
    &mut self,
    log: &[f64],
    len: u32,
    slot: u32,
    now_ms: f64,
    consume: bool,
    #[napi(ts_arg_type = "Float64Array")] out: OutSlice<f64>,
  ) -> Result<bool> {
    self.replay_log(log, len)?;
    let untracked = || invalid("LimiterEngine.sync: slot is not tracked (internal error)");
    let decided = if consume {
      Some(self.limiter.admit(slot, now_ms).ok_or_else(untracked)?)
    } else {
      None
    };
    let state = self.limiter.state(slot, now_ms).ok_or_else(untracked)?;
    let out = out
      .get_mut(..LIMITER_WINDOW_WORDS as usize)
      .ok_or_else(|| invalid("LimiterEngine.sync: out is shorter than LIMITER_WINDOW_WORDS"))?;
    out.copy_from_slice(&[f64::from(state.remaining), state.next_admit_at_ms, state.reset_at_ms]);
    Ok(decided.unwrap_or(state.remaining > 0))
  }

  /// Forgets `slot` and frees it.
  #[napi(catch_unwind)]
  pub fn forget(&mut self, slot: u32) -> bool {
    self.limiter.forget(slot)
  }

  /// Sizes and counters.
  #[napi(catch_unwind)]
  pub fn stats(&self) -> LimiterEngineStats {
    let s = self.limiter.stats();
    LimiterEngineStats {
      tracked: s.tracked as u32,
      max_identifiers: self.limiter.config().max_identifiers,
      dropped_idle: s.dropped_idle as f64,
      forgotten: s.forgotten as f64,
      heap_bytes: s.heap_bytes as f64,
    }
  }
}

impl LimiterEngine {
  fn replay_log(&mut self, log: &[f64], len: u32) -> Result<()> {
    let pairs = log
      .get(..len as usize)
      .ok_or_else(|| invalid("LimiterEngine: len exceeds the log"))?;
    self.limiter.replay(pairs).map_err(|r| {
      invalid(&format!(
        "LimiterEngine: the window refused slot {} at {} (internal error)",
        r.slot, r.at_ms
      ))
    })
  }
}
