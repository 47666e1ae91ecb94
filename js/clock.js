// The clock every TTL and window reads: `Date.now()` semantics at the cost of
// one memory load.
//
// `Date.now()` costs ~41 ns, more than a whole cache hit, so by default the
// time comes from a cell that a Rust thread refreshes every millisecond
// (1 ms resolution, like `Date.now()`). When a test framework replaces
// `Date.now` (jest/vitest fake timers, `vi.setSystemTime`), the replacement
// is no longer a native function, and every read calls it instead, so fake
// timers drive expiry exactly as they drive the reference.
'use strict'

const native = require('./binding.js')

const cell = native.clockCell()
const isNative = (fn) => Function.prototype.toString.call(fn).includes('[native code]')

let seenDateNow = null
let dateNowIsFaked = false

/** Milliseconds since the epoch, as `Date.now()` would return them. */
function now() {
  const dateNow = Date.now
  if (dateNow !== seenDateNow) {
    seenDateNow = dateNow
    dateNowIsFaked = !isNative(dateNow)
  }
  if (dateNowIsFaked) return Date.now()
  const ms = cell[0]
  // 0: the clock thread parked after a second unread; waking it returns the time.
  return ms !== 0 ? ms : native.clockWake()
}

/**
 * The exact time for background work (the expiry sweep), read without
 * touching `Date`: a timer may fire after a jest environment was torn down,
 * when reading its `Date` warns. NaN while `Date.now` was last seen faked:
 * background work then waits for the next lookup, which reads the fake clock.
 */
function backgroundNow() {
  return dateNowIsFaked ? NaN : native.clockWake()
}

module.exports = { now, backgroundNow }
