//! The engine behind hotpath: everything that is not a JavaScript value.
//!
//! The JS front keeps values and their lookup table; this crate keeps the
//! bookkeeping around them (recency order, counters, expiry scans, limiter
//! windows, histograms, the shared clock). The single-flight table holds
//! promises and keys compared as JS strings, so it lives in the JS front. It never imports napi, so every
//! rule here is tested with plain `cargo test`.

pub mod cache;
pub mod clock;
mod collections;
pub mod fleet;
pub mod limiter;
pub mod metrics;
