// SimpleCache: the JS front of the cache. Values, the key → slot table and
// the single-flight table (promises, keyed by the JS string itself) stay
// here; recency, counters and expiry scans live in the Rust engine, fed an
// op log in batches. A hit is a Map lookup, a deadline check against the
// shared clock and two typed-array stores: no napi call (see docs/boundary.md).
//
// Invariants a change here must keep:
// - Every op on a slot (hit, write, delete, expiry, eviction) sets
//   `#touched[slot]` before it is logged. The engine hands back victims
//   (exact LRU as of its last replay) with their flags cleared, so a victim
//   still unflagged is held and unused since: the LRU entry now. A freed
//   slot is therefore never handed out as a victim: it was flagged when it
//   was freed (`#release`), and once the engine has replayed that it is no
//   longer in the recency list that victims come from.
// - A slot is in exactly one place: `#slotOf` (held), `#free`, or past
//   `#nextFresh` (never used). `clear()` empties the victim list with them.
// - A flight is in `#flights` from before its fetcher runs until it lands,
//   is superseded, or its key is written, deleted or cleared; its result is
//   cached only if it is still the key's flight when it lands.
// - `#slotOf` stays within `MAX_ENTRIES`, so no `Map.set` can throw halfway
//   through a write.
// - With `maxBytes`, `#bytes` is the sum of `#sizes` over held slots whose
//   value is still held (a released or swept slot's size is 0), and never
//   exceeds `maxBytes` once a write returns.
'use strict'

const timers = require('node:timers')
const { CacheEngine } = require('./binding.js')
const { now, hasPassed, backgroundNow } = require('./clock.js')
const { keyArg, ttlMsArg, countArg, objectArg, describe } = require('./argument-checks.js')
const { grown } = require('./typed-arrays.js')
const { L2Tier } = require('./two-tier.js')
const { noteCacheHit } = require('./server-timing.js')

// Op log words (kind | slot; a bare slot is a hit) and the largest cache, from src/wire.rs.
const { OP_WRITE, OP_DELETE, OP_EVICT, OP_EXPIRE, OP_MISS, OP_JOIN, MAX_CACHE_ENTRIES: MAX_ENTRIES } = require('./wire.js')

/** Ops buffered before the engine replays them: one call per 1,024 ops. */
const LOG_SIZE = 1024
/** Least recently used slots the engine hands back per replay. */
const VICTIM_BATCH = 64
/** Expired values are released by a sweep at most this often per cache. */
const SWEEP_SPACING_MS = 1000
/** setTimeout's longest delay; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** Default age after which a load stops absorbing new callers. */
const DEFAULT_MAX_FLIGHT_MS = 10_000

/** The internal cache-aside entry point, used by `cacheAside`. */
const kLoad = Symbol('hotpath.load')

/**
 * An in-process LRU cache with per-entry TTL. Drop-in for the reference
 * `SimpleCache`: the same methods and return shapes, LRU eviction, `hitRate`
 * as a percentage of lookups, and single-flight loading through `cacheAside`.
 */
class SimpleCache {
  #maxSize
  #defaultTtlMs
  #maxFlightMs
  #engine = new CacheEngine()

  #slotOf = new Map()
  #keys = []
  #values = []
  #expiresMs = new Float64Array(16)
  #touched = new Uint8Array(16)
  #free = []
  #nextFresh = 0

  #log = new Int32Array(LOG_SIZE)
  #logLength = 0
  #victims = new Int32Array(VICTIM_BATCH)
  #victimAt = 0
  #victimCount = 0

  #sweepTimer = null
  #sweepAt = Infinity
  #lastSweep = -Infinity
  /** Loads in progress by key: `{ promise, startedMs }`. */
  #flights = new Map()
  /** The Redis tier, or null for an in-process cache. */
  #tier = null
  /** The byte budget (`options.maxBytes`), or null for a count-only cache. */
  #maxBytes = null
  #sizeOf = null
  #sizes = null
  #bytes = 0

  /**
   * @param maxSize most entries held (default 1000); the least recently used is evicted
   * @param defaultTtlSeconds TTL of a `set` without one (default 300)
   * @param options.maxFlightMs age after which a `cacheAside` load stops absorbing new callers (default 10000)
   * @param options.redis a Redis URL or `{ url, ... }`: makes the cache two-tier (see redis.d.ts)
   * @param options.name the cache's namespace on Redis (required with `redis`)
   * @param options.maxBytes a byte budget beside `maxSize`, with `options.sizeOf`
   */
  constructor(maxSize = 1000, defaultTtlSeconds = 300, options = {}) {
    this.#maxSize = countArg('new SimpleCache', maxSize, 'maxSize', MAX_ENTRIES)
    this.#defaultTtlMs = ttlMsArg('new SimpleCache', defaultTtlSeconds, 'defaultTtlSeconds')
    objectArg('new SimpleCache', options, 'options')
    const { maxFlightMs = DEFAULT_MAX_FLIGHT_MS } = options
    if (typeof maxFlightMs !== 'number' || !(maxFlightMs > 0)) {
      const Err = typeof maxFlightMs === 'number' ? RangeError : TypeError
      throw new Err(`new SimpleCache: options.maxFlightMs must be a positive number, got ${describe(maxFlightMs)}`)
    }
    this.#maxFlightMs = maxFlightMs
    if (options.maxBytes !== undefined || options.sizeOf !== undefined) this.#budget(options)
    if (options.redis !== undefined) {
      this.#tier = new L2Tier('new SimpleCache', options, maxFlightMs, {
        drop: (key) => this.#deleteLocal(key),
        dropAll: () => this.#clearLocal(),
      })
    }
  }

  /** The value for `key`, or `null` on a miss or once its TTL has passed. */
  get(key) {
    if (typeof key !== 'string' || key === '') key = keyArg('SimpleCache.get', key)
    const slot = this.#slotOf.get(key)
    if (slot === undefined) {
      this.#record(OP_MISS)
      return null
    }
    if (hasPassed(this.#expiresMs[slot])) {
      this.#expire(key, slot)
      this.#record(OP_MISS)
      return null
    }
    this.#touched[slot] = 1
    this.#record(slot) // a hit is op kind 0
    return this.#values[slot]
  }

  /** Stores `data` under `key` for `ttlSeconds` (default: the cache's), evicting the LRU entry when full. */
  set(key, data, ttlSeconds) {
    if (typeof key !== 'string' || key === '') key = keyArg('SimpleCache.set', key)
    const ttlMs = ttlSeconds === undefined ? this.#defaultTtlMs : ttlMsArg('SimpleCache.set', ttlSeconds)
    const size = this.#maxBytes === null ? 0 : this.#measure(key, data)
    if (this.#flights.size > 0) this.#flights.delete(key)
    this.#write(key, data, ttlMs, size)
    if (this.#tier !== null) this.#tier.set(key, data, ttlMs)
  }

  /** Whether `key` holds an entry within its TTL. Does not count as a lookup or a use. */
  has(key) {
    if (typeof key !== 'string' || key === '') key = keyArg('SimpleCache.has', key)
    const slot = this.#slotOf.get(key)
    return slot !== undefined && !hasPassed(this.#expiresMs[slot])
  }

  /** Removes `key`; true if it was held (expired or not). A load in flight for it is not cached. */
  delete(key) {
    if (typeof key !== 'string' || key === '') key = keyArg('SimpleCache.delete', key)
    if (this.#tier !== null) this.#tier.delete(key)
    return this.#deleteLocal(key)
  }

  #deleteLocal(key) {
    if (this.#flights.size > 0) this.#flights.delete(key)
    const slot = this.#slotOf.get(key)
    if (slot === undefined) return false
    this.#release(key, slot, OP_DELETE)
    this.#free.push(slot)
    return true
  }

  /** Removes every entry; loads in flight are not cached. Lifetime counters are kept. */
  clear() {
    if (this.#tier !== null) this.#tier.clear()
    this.#clearLocal()
  }

  #clearLocal() {
    this.#flush()
    this.#engine.clear()
    this.#flights.clear()
    this.#slotOf.clear()
    this.#keys = []
    this.#values = []
    this.#free = []
    this.#nextFresh = 0
    this.#victimCount = 0
    if (this.#maxBytes !== null) {
      this.#sizes.fill(0)
      this.#bytes = 0
    }
  }

  /**
   * The reference's four fields (`hitRate` as the percentage of lookups that
   * hit, 0-100 with two decimals) plus lifetime `hits`, `misses`,
   * `evictions` and `expired`. A `cacheAside` caller that joins a load in
   * flight counts as a hit: it was served without a fetch of its own.
   */
  stats() {
    this.#flush()
    const e = this.#engine.stats(this.#expiresMs, now())
    return {
      size: this.#slotOf.size,
      validEntries: e.validEntries,
      totalHits: e.heldEntryHits,
      hitRate: hitRatePercent(e.hits, e.misses),
      hits: e.hits,
      misses: e.misses,
      evictions: e.evictions,
      expired: e.expired,
      ...(this.#maxBytes !== null && { bytes: this.#bytes }),
      ...(this.#tier !== null && { l2: this.#tier.stats() }),
    }
  }

  /**
   * Resolves once every L2 write this cache's connection issued so far is
   * acknowledged by Redis (or failed and counted); at once without Redis.
   */
  flush() {
    return this.#tier === null ? Promise.resolve() : this.#tier.flush()
  }

  /**
   * Cache-aside with single flight; arguments already checked by `cacheAside`.
   * The flight is registered before `fetcher` runs, so a fetcher that writes
   * or deletes its own key, or asks for it again, already sees it.
   */
  [kLoad](key, fetcher, ttlMs) {
    const slot = this.#slotOf.get(key)
    if (slot !== undefined && !hasPassed(this.#expiresMs[slot])) {
      this.#touched[slot] = 1
      this.#record(slot)
      noteCacheHit()
      return Promise.resolve(this.#values[slot])
    }
    if (slot !== undefined) this.#expire(key, slot)

    const t = now()
    const running = this.#flights.get(key)
    if (running !== undefined && t - running.startedMs < this.#maxFlightMs) {
      this.#record(OP_JOIN)
      return running.promise
    }
    // A flight past the age bound is replaced: its waiters keep it, but it
    // absorbs no new callers and, no longer the key's flight, caches nothing.
    this.#record(OP_MISS)
    let landTtlMs = ttlMs ?? this.#defaultTtlMs
    let resolveLoad
    const loaded = new Promise((resolve) => {
      resolveLoad = resolve
    })
    const flight = { promise: undefined, startedMs: t }
    flight.promise = loaded.then(
      (value) => {
        if (this.#land(key, flight)) this.#write(key, value, landTtlMs, this.#maxBytes === null ? 0 : this.#measure(key, value))
        return value
      },
      (err) => {
        this.#land(key, flight)
        throw err
      },
    )
    this.#flights.set(key, flight)
    if (this.#tier !== null) {
      // L2, or one fetch per fleet; an L2 value keeps no more TTL than Redis has left.
      // A fetched value goes to L2 only while this is still the key's flight.
      const current = () => this.#flights.get(key) === flight
      resolveLoad(
        this.#tier.load(key, fetcher, landTtlMs, current).then((l2) => {
          landTtlMs = l2.ttlMs
          return l2.value
        }),
      )
      return flight.promise
    }
    try {
      resolveLoad(fetcher()) // adopts a promise or thenable, rejecting if its `then` throws
    } catch (err) {
      resolveLoad(Promise.reject(err))
    }
    return flight.promise
  }

  /** Ends `flight`; true when it was still its key's flight, so its result may be cached. */
  #land(key, flight) {
    if (this.#flights.get(key) !== flight) return false
    this.#flights.delete(key)
    return true
  }

  /** Holds `data` under `key`; `size` is `sizeOf(data, key)` with a byte budget, else 0. */
  #write(key, data, ttlMs, size) {
    if (this.#maxBytes !== null && size > this.#maxBytes) {
      // Larger than the whole budget: not held, and no older value outlives the write.
      this.#deleteLocal(key)
      return
    }
    const t = now()
    const deadline = t + ttlMs
    let slot = this.#slotOf.get(key)
    if (slot === undefined) {
      slot = this.#slotOf.size >= this.#maxSize ? this.#evictOne() : this.#allocate()
      this.#slotOf.set(key, slot)
      this.#keys[slot] = key
    }
    this.#values[slot] = data
    this.#expiresMs[slot] = deadline
    this.#touched[slot] = 1
    this.#record(OP_WRITE | slot)
    if (this.#maxBytes !== null) this.#charge(slot, size)
    if (deadline < this.#sweepAt) this.#scheduleSweep(deadline, t)
  }

  /** Checks and applies `maxBytes` and `sizeOf`. */
  #budget({ maxBytes, sizeOf }) {
    if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 1) {
      const Err = typeof maxBytes === 'number' ? RangeError : TypeError
      throw new Err(`new SimpleCache: options.maxBytes must be a positive integer (with options.sizeOf), got ${describe(maxBytes)}`)
    }
    if (typeof sizeOf !== 'function') {
      throw new TypeError(`new SimpleCache: options.sizeOf must be a function (value, key) => bytes (with options.maxBytes), got ${describe(sizeOf)}`)
    }
    this.#maxBytes = maxBytes
    this.#sizeOf = sizeOf
    this.#sizes = new Float64Array(this.#expiresMs.length)
  }

  /** `sizeOf(data, key)`, checked before anything changes. */
  #measure(key, data) {
    const size = this.#sizeOf(data, key)
    if (typeof size !== 'number' || !(size >= 0) || size === Infinity) {
      throw new TypeError(`SimpleCache.set: options.sizeOf must return a finite number of bytes >= 0, got ${describe(size)} for key ${describe(key)}`)
    }
    return size
  }

  /** Records `slot`'s new size, then evicts least recently used entries until the budget holds. */
  #charge(slot, size) {
    this.#bytes += size - this.#sizes[slot]
    this.#sizes[slot] = size
    // `slot` was just touched, so it is never its own victim; it alone fits the budget.
    while (this.#bytes > this.#maxBytes) this.#free.push(this.#evictOne())
  }

  #expire(key, slot) {
    this.#release(key, slot, OP_EXPIRE)
    this.#free.push(slot)
  }

  /** Forgets the entry in `slot` and logs why; the caller decides the slot's fate. */
  #release(key, slot, op) {
    this.#slotOf.delete(key)
    this.#keys[slot] = undefined
    this.#values[slot] = undefined
    this.#touched[slot] = 1
    this.#record(op | slot)
    if (this.#maxBytes !== null) this.#uncharge(slot)
  }

  #uncharge(slot) {
    this.#bytes -= this.#sizes[slot]
    this.#sizes[slot] = 0
  }

  /**
   * Frees the least recently used slot without a call: the engine's victim
   * list is exact LRU as of the last replay, and any slot used since then is
   * flagged in `#touched`, so the first unflagged victim is the LRU entry now.
   */
  #evictOne() {
    for (let replays = 0; replays < 2; replays++) {
      while (this.#victimAt < this.#victimCount) {
        const slot = this.#victims[this.#victimAt++]
        if (this.#touched[slot] === 0) {
          this.#release(this.#keys[slot], slot, OP_EVICT)
          return slot
        }
      }
      this.#flush()
    }
    throw new Error('hotpath: SimpleCache is full but its engine holds no entry (internal error)')
  }

  #allocate() {
    if (this.#free.length > 0) return this.#free.pop()
    const slot = this.#nextFresh++
    if (slot === this.#expiresMs.length) {
      const size = Math.min(this.#maxSize, slot * 2)
      this.#expiresMs = grown(this.#expiresMs, size)
      this.#touched = grown(this.#touched, size)
      if (this.#sizes !== null) this.#sizes = grown(this.#sizes, size)
    }
    return slot
  }

  #record(word) {
    this.#log[this.#logLength++] = word
    if (this.#logLength === LOG_SIZE) this.#flush()
  }

  /** Replays the op log in the engine and takes a fresh victim list. */
  #flush() {
    this.#victimCount = this.#engine.replay(this.#log, this.#logLength, this.#touched, this.#victims)
    this.#victimAt = 0
    this.#logLength = 0
  }

  /**
   * One unref'd timer per cache, aimed at the earliest deadline, releases
   * expired values to the garbage collector. It uses node:timers, which fake
   * timers leave alone, so `runAllTimers()` in an app's tests never sees it.
   * Expired keys stay counted in `size` until looked up, as in the reference.
   */
  #scheduleSweep(deadline, t) {
    if (this.#sweepTimer !== null) timers.clearTimeout(this.#sweepTimer)
    const at = Math.max(deadline + 1, this.#lastSweep + SWEEP_SPACING_MS)
    this.#sweepAt = deadline
    this.#sweepTimer = timers.setTimeout(this.#sweep, Math.min(Math.max(at - t, 0), MAX_TIMER_MS))
    this.#sweepTimer.unref()
  }

  #sweep = () => {
    this.#sweepTimer = null
    this.#sweepAt = Infinity
    const t = backgroundNow()
    if (Number.isNaN(t)) return
    this.#flush()
    this.#lastSweep = t
    const expired = new Int32Array(this.#slotOf.size)
    const result = this.#engine.sweep(this.#expiresMs, t, expired)
    for (let i = 0; i < result.expired; i++) {
      this.#values[expired[i]] = undefined
      if (this.#maxBytes !== null) this.#uncharge(expired[i])
    }
    if (result.nextDeadlineMs !== Infinity) this.#scheduleSweep(result.nextDeadlineMs, t)
  }
}

/** `stats().hitRate`: the percentage of lookups that hit, 0-100 with two decimals (0 before any lookup). */
function hitRatePercent(hits, misses) {
  const lookups = hits + misses
  return lookups === 0 ? 0 : Math.round((hits / lookups) * 10000) / 100
}

module.exports = { SimpleCache, kLoad, hitRatePercent }
