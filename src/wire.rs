//! The wire between the JS front and the engine, defined once: the words of
//! the cache's op log, the layouts of the buffers the two sides share, and
//! the limits both must enforce alike. `js/wire.js` reads every one of these
//! at load and refuses a binary whose [`WIRE_VERSION`] is not the one it was
//! written for, so a stale binary fails at import instead of mid-request.

use hotpath_engine::cache::{Op, MAX_ENTRIES};
use hotpath_engine::metrics;
use napi_derive::napi;

/// Bumped whenever anything below changes meaning or layout (a new op kind,
/// a reordered stats block), so a JS front and a binary from different
/// builds refuse each other at load.
#[napi]
pub const WIRE_VERSION: u32 = 3;

/// Op log word: a `set` wrote slot `word & (2^28 - 1)`. A bare slot is a hit.
#[napi]
pub const OP_WRITE: i32 = Op::Write(0).encode();
/// Op log word: `delete` removed the slot.
#[napi]
pub const OP_DELETE: i32 = Op::Delete(0).encode();
/// Op log word: the slot was evicted to make room.
#[napi]
pub const OP_EVICT: i32 = Op::Evict(0).encode();
/// Op log word: a lookup found the slot expired and removed it.
#[napi]
pub const OP_EXPIRE: i32 = Op::Expire(0).encode();
/// Op log word (no slot): a lookup found nothing.
#[napi]
pub const OP_MISS: i32 = Op::Miss.encode();
/// Op log word (no slot): a `cacheAside` caller joined a load in flight.
#[napi]
pub const OP_JOIN: i32 = Op::Join.encode();
/// The largest `SimpleCache` `maxSize`, in entries.
#[napi]
pub const MAX_CACHE_ENTRIES: u32 = MAX_ENTRIES;

/// Numbers per sample in the monitor's ring: `[code, durationMs, atMs]`,
/// where code is the metric id, or `-1 - id` for a failed run.
#[napi]
pub const SAMPLE_WORDS: u32 = metrics::SAMPLE_WORDS as u32;
/// Numbers per stats block `MonitorEngine.stats` writes (all-time, then the
/// window): `[count, errors, sumMs, minMs, maxMs, p50Ms, p95Ms, p99Ms]`.
#[napi]
pub const STATS_WORDS: u32 = 8;
/// The `SimpleCache.stats()` fields the monitor passes per cache, in order,
/// comma-separated; see `crate::monitor_engine` for how they are read.
#[napi]
pub const CACHE_SNAPSHOT_FIELDS: &str = "hits,misses,evictions,expired,size,validEntries";
/// The longest duration a histogram holds, in ms; `record` refuses longer ones.
#[napi]
pub const MAX_DURATION_MS: f64 = metrics::MAX_DURATION_MS;

/// Upper bounds (ms) of the fixed latency buckets: the Prometheus `_bucket`
/// lines' `le` (in seconds there) and `MonitorEngine.histograms`' buckets.
/// A function, as napi constants cannot be arrays.
#[napi(catch_unwind)]
pub fn latency_bucket_bounds_ms() -> Vec<f64> {
  metrics::BUCKET_BOUNDS_MS.to_vec()
}

/// Numbers `LimiterEngine.sync` writes: `[remaining, nextAdmitAtMs, resetAtMs]`.
#[napi]
pub const LIMITER_WINDOW_WORDS: u32 = 3;

/// Numbers per cache in [`CACHE_SNAPSHOT_FIELDS`].
pub(crate) const CACHE_SNAPSHOT_WORDS: usize = 6;
const _: () = {
  // One field name per word: the list and the decoder cannot drift apart.
  let bytes = CACHE_SNAPSHOT_FIELDS.as_bytes();
  let mut commas = 0;
  let mut i = 0;
  while i < bytes.len() {
    if bytes[i] == b',' {
      commas += 1;
    }
    i += 1;
  }
  assert!(commas + 1 == CACHE_SNAPSHOT_WORDS);
};
