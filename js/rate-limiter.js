// RateLimiter: the JS front of the rolling-window limiter. Identifiers map
// to slots in a JS Map; the windows, the drop and cap policy and every
// decision the front cannot prove on its own live in the Rust engine.
//
// The hot path needs no napi call: each answer from the engine comes with
// a `credit` (admissions certainly allowed from now on: the window's
// remaining count can only grow as time passes) and, when that is 0, the
// time before which every request is refused. Within those, `isAllowed` is
// a Map lookup and two typed-array reads; admissions are logged as
// (slot, time) pairs that the engine replays and re-checks in batches.
//
// The window hand-off: `#sync` is the only place that learns a window from
// the engine. It writes `#window` ([remaining, nextAdmitAtMs, resetAtMs] after
// the request it decided or inspected) and, from it, the slot's `#credit` and
// `#refusedUntil`; `#decision` reads `#window` right after, before anything
// else can call the engine (`#inspect` of an untracked identifier writes the
// empty window itself). Credits are valid from the sync time on, so the hot
// path spends them only while the clock has not gone back past `#latestMs`.
//
// Admissions are logged at `Date.now()` itself (`exactNow`), not the shared
// cell: an admission logged even 1 ms early leaves its window 1 ms early, and
// under CPU contention the cell lags by tens of ms. A refusal needs no exact
// time while the cell is surely before the window's next admission.
//
// With `{ redis, name }` (js/fleet-limiter.js) the instances share one limit:
// `consume` decides on Redis; the synchronous methods decide from the local
// engine, into which `#share` feeds the others' admissions every
// `syncIntervalMs` (and from which it pushes this instance's). The hot path
// only adds a count to `#unsynced` and a slot to `#touchedSlots`.
'use strict'

const { createHash } = require('node:crypto')
const { LimiterEngine } = require('./binding.js')
const { exactNow, surelyBefore } = require('./clock.js')
const { keyArg, countArg, objectArg } = require('./argument-checks.js')
const { grown } = require('./typed-arrays.js')
const { rateLimitHeaders } = require('./rate-limit-headers.js')
const { FleetLimiter, MAX_EXCHANGE_KEYS } = require('./fleet-limiter.js')
/** Numbers the engine writes per answer, `[remaining, nextAdmitAtMs, resetAtMs]` (src/wire.rs). */
const { LIMITER_WINDOW_WORDS, MAX_CACHE_ENTRIES } = require('./wire.js')

/** Admissions buffered before the engine replays them: one call per 512. */
const LOG_PAIRS = 512
/** Idle identifiers the engine may drop per new identifier. */
const DROP_BATCH = 256
/** Largest `maxRequests`: a full window is 8 bytes per request. */
const MAX_REQUESTS = 1_000_000
/** Largest `maxIdentifiers`: V8's bound on a `Map` under churn, the same as the largest cache (engine/src/cache/op.rs). */
const MAX_IDENTIFIERS = MAX_CACHE_ENTRIES
/** Longest `windowMs`: one year, so that every header stays a plain integer. */
const MAX_WINDOW_MS = 365 * 24 * 3600 * 1000
/**
 * Longest identifier kept as it is. Tracked identifiers are held as Map
 * keys, so longer ones are held as their SHA-256 instead (44 characters).
 */
const MAX_IDENTIFIER_LENGTH = 256

/**
 * The identifier as the limiter keys it: itself up to `MAX_IDENTIFIER_LENGTH`
 * characters, else the SHA-256 of its UTF-16 code units (lone surrogates
 * included, so distinct strings stay distinct). Any string an attacker can
 * send is a valid identifier. A hash may collide with a short identifier
 * only by chance (2⁻²⁵⁶ per pair); one chosen to collide gains nothing the
 * sender could not get by sending that identifier itself.
 */
function identifierKey(fn, value) {
  const identifier = keyArg(fn, value, 'identifier')
  if (identifier.length <= MAX_IDENTIFIER_LENGTH) return identifier
  return createHash('sha256').update(identifier, 'utf16le').digest('base64')
}

/**
 * Allows at most `maxRequests` per identifier in any rolling window of
 * `windowMs` (exact, as the reference's promise). Drop-in for the reference
 * `RateLimiter`, plus `check`, `headers`, `retryAfterMs` and `stats`.
 */
class RateLimiter {
  #maxRequests
  #windowMs
  #engine

  #slotOf = new Map()
  #identifiers = []
  #credit = new Int32Array(16)
  #refusedUntil = new Float64Array(16)
  /** Requests refused since construction, for `stats()` (the dashboard charts it). */
  #refused = 0
  #latestMs = -Infinity

  #log = new Float64Array(2 * LOG_PAIRS)
  /** One `(slot, time)` pair for `#absorbOwn`. */
  #ownAdmission = new Float64Array(2)
  #logLength = 0
  #dropped = new Uint32Array(DROP_BATCH)
  #window = new Float64Array(LIMITER_WINDOW_WORDS)

  /** The Redis side, or null without `options.redis`. */
  #fleet = null
  /** Per slot: admissions not yet pushed to Redis; whether the slot is in `#touchedSlots`; the newest Redis score seen (µs). */
  #unsynced = new Int32Array(16)
  #touched = new Uint8Array(16)
  #cursor = new Float64Array(16)
  #touchedSlots = []
  #sharing = false

  /**
   * @param maxRequests admissions per identifier per window, 1 to 1,000,000 (default 100)
   * @param windowMs the rolling window, a whole number of milliseconds from 1 to 31,536,000,000 (one year; default 60000)
   * @param options.maxIdentifiers identifiers tracked at once (default 100,000, fewer for
   *   large `maxRequests` so full windows fit 128 MiB); past it the least recently admitted is forgotten
   * @param options.redis, options.name, options.failMode, options.syncIntervalMs one limit for
   *   the fleet (lib/cache.d.ts, `RateLimiterOptions`)
   */
  constructor(maxRequests = 100, windowMs = 60_000, options = {}) {
    this.#maxRequests = countArg('new RateLimiter', maxRequests, 'maxRequests', MAX_REQUESTS)
    this.#windowMs = countArg('new RateLimiter', windowMs, 'windowMs', MAX_WINDOW_MS)
    objectArg('new RateLimiter', options, 'options')
    const { maxIdentifiers } = options
    if (maxIdentifiers !== undefined) countArg('new RateLimiter', maxIdentifiers, 'options.maxIdentifiers', MAX_IDENTIFIERS)
    this.#engine = new LimiterEngine(this.#maxRequests, this.#windowMs, maxIdentifiers)
    if (options.redis !== undefined) {
      this.#fleet = new FleetLimiter('new RateLimiter', options, this.#maxRequests, this.#windowMs)
      // Unref'd: a limiter never keeps the process alive.
      setInterval(() => this.#share(), this.#fleet.syncIntervalMs).unref()
    }
  }

  /**
   * Decides a request from `identifier` on Redis, exactly for the whole
   * fleet, and resolves what `check` returns (plus `atMs`, Redis's time of
   * the decision). Without Redis, resolves `check(identifier)`.
   */
  async consume(identifier) {
    identifier = identifierKey('RateLimiter.consume', identifier)
    if (this.#fleet === null) return this.check(identifier)
    const decision = await this.#fleet.consume(identifier, () => this.#inspect('RateLimiter.consume', identifier))
    if (decision === null) return { ...this.check(identifier), reason: 'redis-unavailable' }
    if (decision.allowed && decision.atMs !== undefined) this.#absorbOwn(identifier)
    return decision
  }

  /** Whether a request from `identifier` is allowed now; an allowed request is counted. */
  isAllowed(identifier) {
    if (typeof identifier !== 'string' || identifier === '' || identifier.length > MAX_IDENTIFIER_LENGTH) {
      identifier = identifierKey('RateLimiter.isAllowed', identifier)
    }
    let slot = this.#slotOf.get(identifier)
    if (slot !== undefined && this.#credit[slot] === 0 && surelyBefore(this.#refusedUntil[slot])) {
      this.#refused++
      return false
    }
    const t = exactNow()
    if (slot === undefined) slot = this.#track(identifier, t)
    // A clock that stepped back voids the credits: the engine decides.
    if (t >= this.#latestMs) {
      this.#latestMs = t
      if (this.#credit[slot] > 0) {
        this.#credit[slot]--
        this.#logAdmission(slot, t)
        return true
      }
      if (t < this.#refusedUntil[slot]) {
        this.#refused++
        return false
      }
    }
    return this.#sync(slot, t, true)
  }

  /** Requests `identifier` may still make in the current window; counts nothing. */
  remaining(identifier) {
    return this.#inspect('RateLimiter.remaining', identifier).remaining
  }

  /** Milliseconds until a request from `identifier` would be allowed: 0 if it would be now. */
  retryAfterMs(identifier) {
    return this.#inspect('RateLimiter.retryAfterMs', identifier).retryAfterMs
  }

  /** Forgets `identifier`'s window: its next request starts a fresh one. */
  reset(identifier) {
    identifier = identifierKey('RateLimiter.reset', identifier)
    const slot = this.#slotOf.get(identifier)
    if (slot === undefined) return
    this.#flush()
    this.#engine.forget(slot)
    this.#untrack(slot)
  }

  /**
   * Decides a request from `identifier` (counting it if allowed) and returns
   * the decision with the window after it, and the response headers:
   * `{ allowed, limit, remaining, resetMs, retryAfterMs, headers }`.
   */
  check(identifier) {
    identifier = identifierKey('RateLimiter.check', identifier)
    const t = exactNow()
    let slot = this.#slotOf.get(identifier)
    if (slot === undefined) slot = this.#track(identifier, t)
    return this.#decision(this.#sync(slot, t, true), t)
  }

  /**
   * The headers for the next request from `identifier`, counting nothing:
   * `X-RateLimit-Limit`, `-Remaining`, `-Reset` and, if it would be refused, `Retry-After`.
   */
  headers(identifier) {
    return this.#inspect('RateLimiter.headers', identifier).headers
  }

  /** Identifiers tracked, the cap, how many were dropped idle or forgotten at the cap, and requests refused; with Redis, `fleet`. */
  stats() {
    this.#flush()
    const s = this.#engine.stats()
    const stats = {
      tracked: s.tracked,
      maxIdentifiers: s.maxIdentifiers,
      droppedIdle: s.droppedIdle,
      forgotten: s.forgotten,
      refused: this.#refused,
      engineBytes: s.heapBytes,
    }
    if (this.#fleet !== null) stats.fleet = this.#fleet.stats()
    return stats
  }

  /** The window of `identifier` now, as `check` reports it, without counting a request. */
  #inspect(fn, identifier) {
    identifier = identifierKey(fn, identifier)
    const t = exactNow()
    const slot = this.#slotOf.get(identifier)
    if (slot === undefined) {
      this.#window.set([this.#maxRequests, -Infinity, t])
      return this.#decision(true, t)
    }
    return this.#decision(this.#sync(slot, t, false), t)
  }

  /** A decision object from the window the last sync wrote. */
  #decision(allowed, t) {
    const [remaining, nextAdmitAtMs, resetAtMs] = this.#window
    const decision = {
      allowed,
      limit: this.#maxRequests,
      remaining,
      resetMs: resetAtMs,
      retryAfterMs: remaining > 0 ? 0 : nextAdmitAtMs - t,
    }
    decision.headers = rateLimitHeaders(decision)
    return decision
  }

  /** Asks the engine about `slot` at `t` (deciding a request if `consume`) and takes its new credit. */
  #sync(slot, t, consume) {
    // Credits hold from their sync time on; `isAllowed` spends them only at or after `#latestMs`.
    if (t > this.#latestMs) this.#latestMs = t
    const allowed = this.#engine.sync(this.#log, this.#logLength, slot, t, consume, this.#window)
    this.#logLength = 0
    if (consume && !allowed) this.#refused++
    if (consume && this.#fleet !== null) this.#unshared(slot, allowed ? 1 : 0)
    const remaining = this.#window[0]
    this.#credit[slot] = remaining
    this.#refusedUntil[slot] = remaining > 0 ? -Infinity : this.#window[1]
    return allowed
  }

  /** Gives a new identifier a slot; forgets identifiers the engine dropped or pushed out. */
  #track(identifier, t) {
    const { slot, dropped } = this.#engine.track(this.#log, this.#logLength, t, this.#dropped)
    this.#logLength = 0
    for (let i = 0; i < dropped; i++) this.#untrack(this.#dropped[i])
    if (this.#identifiers[slot] !== undefined) this.#untrack(slot)
    if (slot >= this.#credit.length) this.#grow(slot)
    this.#identifiers[slot] = identifier
    this.#slotOf.set(identifier, slot)
    this.#credit[slot] = this.#maxRequests
    this.#refusedUntil[slot] = -Infinity
    this.#unsynced[slot] = 0
    this.#cursor[slot] = 0
    return slot
  }

  #untrack(slot) {
    this.#slotOf.delete(this.#identifiers[slot])
    this.#identifiers[slot] = undefined
  }

  #grow(slot) {
    const size = Math.max(slot + 1, this.#credit.length * 2)
    this.#credit = grown(this.#credit, size)
    this.#refusedUntil = grown(this.#refusedUntil, size)
    this.#unsynced = grown(this.#unsynced, size)
    this.#touched = grown(this.#touched, size)
    this.#cursor = grown(this.#cursor, size)
  }

  /** Notes `admitted` admissions of `slot` for the next exchange (a refused request still pulls the others'). */
  #unshared(slot, admitted) {
    this.#unsynced[slot] += admitted
    if (this.#touched[slot] === 0) {
      this.#touched[slot] = 1
      this.#touchedSlots.push(slot)
    }
  }

  /** Counts locally an admission `consume` made on Redis (Redis has it already: not pushed). */
  #absorbOwn(identifier) {
    const t = exactNow()
    let slot = this.#slotOf.get(identifier)
    if (slot === undefined) slot = this.#track(identifier, t)
    this.#flush()
    this.#ownAdmission[0] = slot
    this.#ownAdmission[1] = t
    this.#engine.absorb(this.#ownAdmission, 2)
    this.#sync(slot, t, false)
  }

  /**
   * One exchange with the fleet: pushes the admissions of the slots used
   * since the last one and takes in the others' (after the newest Redis
   * score each slot saw), then refreshes those slots' credits. On failure
   * the admissions stay counted for the next exchange. One at a time.
   */
  async #share() {
    if (this.#sharing) return
    this.#fleet.tick()
    if (this.#touchedSlots.length === 0) return
    this.#sharing = true
    const slots = this.#touchedSlots.splice(0, MAX_EXCHANGE_KEYS)
    const keys = []
    const pushes = []
    const cursors = []
    const used = []
    for (const slot of slots) {
      this.#touched[slot] = 0
      const key = this.#identifiers[slot]
      if (key === undefined) continue
      keys.push(key)
      pushes.push(this.#unsynced[slot])
      cursors.push(this.#cursor[slot])
      this.#unsynced[slot] = 0
      used.push(slot)
    }
    try {
      const sentMs = exactNow()
      const sent = performance.now()
      const answer = keys.length === 0 ? null : await this.#fleet.exchange(keys, pushes, cursors)
      const still = (i) => this.#identifiers[used[i]] === keys[i]
      if (answer === null) {
        for (let i = 0; i < used.length; i++) if (still(i)) this.#unshared(used[i], pushes[i])
        return
      }
      // Redis's clock minus ours, at the middle of the round trip.
      const offsetMs = answer.nowMs - (sentMs + (performance.now() - sent) / 2)
      const t = exactNow()
      const pairs = []
      const absorbed = []
      const { entries } = answer
      for (let i = 0, at = 0; i < used.length; i++) {
        const n = entries[at + 1]
        if (still(i)) {
          this.#cursor[used[i]] = entries[at]
          if (n > 0) absorbed.push(used[i])
          for (let j = 0; j < n; j++) pairs.push(used[i], Math.min(t, entries[at + 2 + j] / 1000 - offsetMs))
        }
        at += 2 + n
      }
      if (pairs.length > 0) {
        // Own admissions first: a replay must never meet a window the others filled.
        this.#flush()
        this.#engine.absorb(Float64Array.from(pairs), pairs.length)
        for (const slot of absorbed) this.#sync(slot, t, false)
      }
    } catch (err) {
      // A timer callback must not throw: this would be an uncaught exception.
      process.emitWarning(`hotpath: RateLimiter dropped a fleet exchange after an internal error: ${err?.message}`)
    } finally {
      this.#sharing = false
    }
  }

  #logAdmission(slot, t) {
    if (this.#fleet !== null) this.#unshared(slot, 1)
    const i = this.#logLength
    this.#log[i] = slot
    this.#log[i + 1] = t
    this.#logLength = i + 2
    if (this.#logLength === this.#log.length) this.#flush()
  }

  #flush() {
    if (this.#logLength === 0) return
    this.#engine.replay(this.#log, this.#logLength)
    this.#logLength = 0
  }
}

module.exports = { RateLimiter }
