// FleetLimiter: what a RateLimiter created with `{ redis, name }` adds to
// its local engine: `consume` decided on Redis (src/redis/limiter.rs), the
// fail mode, the local memory of identifiers Redis reported exhausted, and
// the background exchange that feeds the others' admissions to the
// synchronous path. The RateLimiter owns the slots; this file owns Redis.
'use strict'

const { RedisLimiter } = require('./binding.js')
const { linkFor, nameArg } = require('./redis.js')
const { describe, countArg } = require('./argument-checks.js')
const { rateLimitHeaders } = require('./rate-limit-headers.js')

const FAIL_MODES = ['local', 'open', 'closed']
/** Default pause between two exchanges of the synchronous path's admissions. */
const DEFAULT_SYNC_INTERVAL_MS = 100
/** Longest `syncIntervalMs`: a minute; the over-admission bound grows with it. */
const MAX_SYNC_INTERVAL_MS = 60_000
/** Identifiers remembered as exhausted at once; past it the oldest is forgotten (it costs a round trip, never a wrong answer). */
const MAX_EXHAUSTED = 10_000
/** What `'closed'` asks a refused client to wait when Redis cannot decide. */
const CLOSED_RETRY_AFTER_MS = 1000
/** Identifiers per exchange script; the rest wait for the next exchange. */
const MAX_EXCHANGE_KEYS = 1000

class FleetLimiter {
  #native
  #maxRequests
  #windowMs
  /** key → [refused until (performance.now() ms), resetMs (Redis's clock)] */
  #exhausted = new Map()
  failMode
  syncIntervalMs
  /** For `stats().fleet`: exchanges answered and failed, the longest gap between two sync ticks, the slowest exchange (ms). */
  #exchanges = 0
  #failedExchanges = 0
  #longestSyncGapMs = 0
  #slowestExchangeMs = 0
  #lastTickMs = performance.now()

  /**
   * @param fn the caller's name, for error messages
   * @param options `{ redis, name, failMode, syncIntervalMs }` from the limiter's options
   */
  constructor(fn, options, maxRequests, windowMs) {
    const name = nameArg(fn, options.name)
    const { failMode = 'local', syncIntervalMs = DEFAULT_SYNC_INTERVAL_MS } = options
    if (!FAIL_MODES.includes(failMode)) {
      throw new TypeError(`${fn}: options.failMode must be 'local', 'open' or 'closed', got ${describe(failMode)}`)
    }
    this.syncIntervalMs = countArg(fn, syncIntervalMs, 'options.syncIntervalMs', MAX_SYNC_INTERVAL_MS)
    this.failMode = failMode
    this.#maxRequests = maxRequests
    this.#windowMs = windowMs
    this.#native = new RedisLimiter(linkFor(fn, options.redis).native, name, maxRequests, windowMs)
  }

  /**
   * Decides a request of `key` on Redis. Resolves the decision (with `atMs`,
   * Redis's time of it), or, when Redis cannot decide, `null` for the
   * caller's local decision (`'local'`) or this mode's answer, built on
   * `view` (the local window, not counting anything) with `reason` set.
   */
  async consume(key, view) {
    const known = this.#exhausted.get(key)
    if (known !== undefined) {
      const wait = known[0] - performance.now()
      if (wait > 0) return this.#decision(false, 0, known[1], wait, undefined)
      this.#exhausted.delete(key)
    }
    const d = await this.#native.consume(key)
    if (!d.available) {
      if (this.failMode === 'local') return null
      const open = this.failMode === 'open'
      const local = view()
      const decision = {
        allowed: open,
        limit: this.#maxRequests,
        remaining: local.remaining,
        resetMs: local.resetMs,
        retryAfterMs: open ? 0 : CLOSED_RETRY_AFTER_MS,
        reason: 'redis-unavailable',
      }
      decision.headers = rateLimitHeaders(decision)
      return decision
    }
    const remaining = this.#maxRequests - d.count
    // The oldest admission leaves the window at `oldest + windowMs` (Redis's clock).
    const retryAfterMs = remaining > 0 ? 0 : d.oldestMs + this.#windowMs - d.atMs
    if (remaining === 0) this.#remember(key, performance.now() + retryAfterMs, d.newestMs + this.#windowMs)
    return this.#decision(d.allowed, remaining, d.newestMs + this.#windowMs, retryAfterMs, d.atMs)
  }

  /**
   * One exchange: pushes `pushes[i]` admissions of `keys[i]`, pulls the
   * others' after `cursors[i]`. Resolves `{ nowMs, entries }` (see
   * `FleetExchange` in src/redis/limiter.rs) or null when Redis could not answer.
   */
  async exchange(keys, pushes, cursors) {
    const started = performance.now()
    const answer = await this.#native.exchange(keys, pushes, cursors)
    this.#slowestExchangeMs = Math.max(this.#slowestExchangeMs, performance.now() - started)
    if (answer === null) this.#failedExchanges++
    else this.#exchanges++
    return answer
  }

  /**
   * Notes a sync tick that could start an exchange. The longest gap between
   * two, plus the slowest exchange, is how late this instance may push an
   * admission or pull the others': the over-admission bound's interval.
   */
  tick() {
    const now = performance.now()
    this.#longestSyncGapMs = Math.max(this.#longestSyncGapMs, now - this.#lastTickMs)
    this.#lastTickMs = now
  }

  /** `stats().fleet`. */
  stats() {
    return {
      failMode: this.failMode,
      syncIntervalMs: this.syncIntervalMs,
      exchanges: this.#exchanges,
      failedExchanges: this.#failedExchanges,
      longestSyncGapMs: this.#longestSyncGapMs,
      slowestExchangeMs: this.#slowestExchangeMs,
    }
  }

  #remember(key, untilMs, resetMs) {
    if (this.#exhausted.size >= MAX_EXHAUSTED) this.#exhausted.delete(this.#exhausted.keys().next().value)
    this.#exhausted.set(key, [untilMs, resetMs])
  }

  #decision(allowed, remaining, resetMs, retryAfterMs, atMs) {
    const decision = { allowed, limit: this.#maxRequests, remaining, resetMs, retryAfterMs }
    if (atMs !== undefined) decision.atMs = atMs
    decision.headers = rateLimitHeaders(decision)
    return decision
  }
}

module.exports = { FleetLimiter, MAX_EXCHANGE_KEYS }
