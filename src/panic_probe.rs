//! Proof that the boundary turns a Rust panic into a JS exception instead of
//! aborting Node; `__test__/boundary.test.ts` calls it.

use napi_derive::napi;

/// Panics on purpose. Exists only so tests can show a panic is caught.
#[napi(catch_unwind, js_name = "__panicForTest")]
pub fn panic_for_test() {
  panic!("hotpath: deliberate panic to test the boundary");
}
