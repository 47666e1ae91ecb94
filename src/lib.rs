//! The napi binding: converts numbers, typed arrays and errors between the
//! JS front (`js/`) and the engine crate, and holds no rules of its own.
//! Every export is `catch_unwind`, so a Rust panic reaches Node as an Error.

mod boundary_probe;
mod cache_engine;
mod clock;
mod errors;
mod limiter_engine;
mod monitor_engine;
mod out_slice;
mod redis;
mod runtime;
mod wire;
