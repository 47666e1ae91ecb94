// The clock every TTL and window reads: `Date.now()` semantics at the cost of
// one memory load.
//
// `Date.now()` costs ~41 ns, more than a whole cache hit, so by default the
// time comes from a cell that a Rust thread refreshes every millisecond
// (1 ms resolution, like `Date.now()`). When anything replaces `Date.now`,
// every read calls the replacement instead, as the reference's reads do:
//  - jest/vitest fake timers and `vi.setSystemTime`, so fake time drives
//    expiry exactly as it drives the reference;
//  - Next.js, whose server swaps in a `Date` whose `now` is a bound wrapper
//    that reports each read as I/O, so that under `cacheComponents` a route
//    that reads the time is rendered per request, not frozen at build time.
// A bound function or a Proxy also prints as `[native code]`, so only the
// engine's own `Date.now`, which prints its name, counts as unreplaced.
'use strict'

const native = require('./binding.js')

const cell = native.clockCell()
// V8 prints `function now() { [native code] }`; JavaScriptCore adds line breaks.
const isIntrinsicNow = (fn) => /^function now\(\) \{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn))

let seenDateNow = null
let dateNowIsFaked = false

/** Milliseconds since the epoch, as `Date.now()` would return them. */
function now() {
  const dateNow = Date.now
  if (dateNow !== seenDateNow) {
    seenDateNow = dateNow
    dateNowIsFaked = !isIntrinsicNow(dateNow)
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
