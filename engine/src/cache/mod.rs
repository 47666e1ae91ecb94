//! Bookkeeping for a cache whose values live in JavaScript.
//!
//! The JS front gives every entry a slot (a small integer) and logs what
//! happens to slots as [`Op`]s in an `Int32Array`; [`CachePolicy::apply`]
//! replays the log in batches. Keys never cross on a hit, and the policy
//! answers with the next eviction victims so that a `set` into a full cache
//! evicts without a call.

mod op;
mod policy;

pub use op::{Op, MAX_ENTRIES};
pub use policy::{CacheCounters, CachePolicy, ExpiryScan};
