//! Exposes the engine's shared clock cell to JS as a `Float64Array`.

use hotpath_engine::clock;
use napi::bindgen_prelude::{Env, Float64ArraySlice, Result};
use napi_derive::napi;

/// A one-element `Float64Array` that the clock thread keeps at the current
/// epoch milliseconds; it reads 0 while the thread is parked (call `clockWake`).
#[napi(catch_unwind, ts_return_type = "Float64Array")]
pub fn clock_cell(env: &Env) -> Result<Float64ArraySlice<'_>> {
  let cell = clock::register();
  let ptr = cell.as_ptr();
  // SAFETY: the cell is kept alive by the `Arc` moved into the finalizer, which
  // runs only once the ArrayBuffer is unreachable; it holds one aligned f64.
  unsafe { Float64ArraySlice::from_external(env, ptr, 1, cell, |_, cell| clock::unregister(&cell)) }
}

/// Writes the current time into every clock cell, restarts the clock thread
/// for another second, and returns the time written (epoch milliseconds).
#[napi(catch_unwind)]
pub fn clock_wake() -> f64 {
  clock::wake()
}
