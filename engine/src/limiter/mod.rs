//! Rate limiting with exact rolling windows.
//!
//! The JS front maps identifiers to slots (small integers) and admits
//! requests on its own while the engine's last answer guarantees them (see
//! `js/rate-limiter.js`), logging them as `(slot, time)` pairs that
//! [`SlidingWindowLimiter::replay`] checks and records in batches. Every other
//! decision, the windows themselves and the drop and cap policy live here.

mod admission_ring;
mod sliding_window;

pub use admission_ring::WindowState;
pub use sliding_window::{LimiterConfig, LimiterStats, RefusedReplay, SlidingWindowLimiter, Tracked};
