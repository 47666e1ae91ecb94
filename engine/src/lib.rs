//! The engine behind hotpath: everything that is not a JavaScript value.
//!
//! The JS front keeps values and their lookup table; this crate keeps the
//! bookkeeping around them (recency order, counters, expiry scans, the
//! single-flight table, the shared clock). It never imports napi, so every
//! rule here is tested with plain `cargo test`.

pub mod cache;
pub mod clock;
mod collections;
pub mod fleet;
pub mod limiter;
pub mod metrics;
