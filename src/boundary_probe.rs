//! Probes of the boundary itself, for tests and the benchmark floor.

use napi_derive::napi;

/// Panics on purpose, so tests can show a panic reaches JS as an Error
/// (`__test__/boundary.test.ts`).
#[napi(catch_unwind, js_name = "__panicForTest")]
pub fn panic_for_test() {
  panic!("hotpath: deliberate panic to test the boundary");
}

/// Does nothing: the cost of one napi call, the floor every benchmark figure
/// is read against (`bench/groups/boundary.mjs`).
#[napi(catch_unwind, js_name = "__noop")]
pub fn noop() {}
