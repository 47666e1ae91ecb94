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
// engine's own `Date.now`, which prints its name, counts as unreplaced. Such
// a wrapper (Next.js's) still tells real time, which background work may read
// from the cell; a replacement written in JS (fake timers) may not.
'use strict'

const native = require('./binding.js')

const cell = native.clockCell()
// V8 prints `function now() { [native code] }`; JavaScriptCore adds line breaks.
const isIntrinsicNow = (fn) => /^function now\(\) \{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(fn))
const isNativeCode = (fn) => Function.prototype.toString.call(fn).includes('[native code]')

let seenDateNow = null
/** Anything but the engine's own `Date.now`: every read calls it. */
let dateNowIsFaked = false
/** Faked by JS code (fake timers): its time may be anything, so background work waits. */
let dateNowIsFakeTime = false

/** Milliseconds since the epoch, as `Date.now()` would return them. */
function now() {
  const dateNow = Date.now
  if (dateNow !== seenDateNow) {
    seenDateNow = dateNow
    dateNowIsFaked = !isIntrinsicNow(dateNow)
    dateNowIsFakeTime = dateNowIsFaked && !isNativeCode(dateNow)
  }
  if (dateNowIsFaked) return Date.now()
  const ms = cell[0]
  // 0: the clock thread parked after a second unread; waking it returns the time.
  return ms !== 0 ? ms : native.clockWake()
}

/**
 * How far the cell may lag `Date.now()` before a deadline check can be
 * wrong. The ticker is a thread like any other: under CPU contention it is
 * descheduled and the cell falls behind. With three busy processes on the
 * project's 2 cores (__test__/clock-contention.test.ts) over half the reads
 * were 1 ms or more behind, p99 4-11 ms, worst 12-29 ms; the margin leaves
 * room for ten times that. It costs a `Date.now()` (41 ns) only on hits
 * within the margin of their entry's deadline.
 */
const LAG_MARGIN_MS = 250

/**
 * Whether `Date.now()` is surely before `ms`, decided from the cell alone:
 * true while the cell is more than `LAG_MARGIN_MS` before it. A false answer
 * means "read `Date.now()` to know".
 */
function surelyBefore(ms) {
  return now() + LAG_MARGIN_MS < ms
}

/**
 * Whether `deadlineMs` has passed by `Date.now()`. The cell decides while it
 * is more than `LAG_MARGIN_MS` before the deadline (the usual case: a cache
 * hit stays one memory load); nearer the deadline `Date.now()` does, so a
 * lagging cell cannot keep an entry alive past its deadline unless the lag
 * exceeds the margin.
 */
function hasPassed(deadlineMs) {
  return !surelyBefore(deadlineMs) && Date.now() > deadlineMs
}

/**
 * `Date.now()` itself, for decisions a lagging clock would get wrong: the
 * rate limiter logs admissions at this time, since an admission logged
 * early would leave its window early and let one request too many in.
 * Fake timers replace `Date.now`, so they drive it too.
 */
function exactNow() {
  return Date.now()
}

/**
 * The exact time for background work (the expiry sweep), read without
 * touching `Date`: a timer may fire after a jest environment was torn down,
 * when reading its `Date` warns. NaN while `Date.now` was last seen replaced
 * by JS code (fake timers): background work then waits for the next lookup,
 * which reads the fake clock. A native wrapper (Next.js's) tells real time,
 * so the sweep keeps running inside a Next.js server.
 */
function backgroundNow() {
  return dateNowIsFakeTime ? NaN : native.clockWake()
}

module.exports = { now, surelyBefore, hasPassed, exactNow, backgroundNow }
