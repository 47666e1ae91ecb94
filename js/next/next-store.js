// NextStore: what the two Next.js cache handlers share. Entries live in a
// SimpleCache with a byte budget (the L1: exact LRU by the engine), two-tier
// when Redis is configured (L2 values, invalidation of the other instances'
// L1, one render per fleet); tag state lives in a TagState, shared through
// Redis by FleetTags.
//
// One render per fleet: with Redis, a read that misses L1 goes through the
// cache's single-flight load. The instance that takes the fleet's lock for
// the key answers "miss" to Next at once, and its load then waits for the
// `set` Next makes after rendering (`#owed`); the other instances, and the
// other requests of this one, wait in the load for that value. A render
// that never sets (it failed, or its entry is not cacheable) releases the
// waiters after `renderLockMs`, and they render themselves. Without Redis
// Next.js already joins concurrent renders within the process.
'use strict'

const timers = require('node:timers')
const { SimpleCache } = require('../simple-cache.js')
const { createCacheAside } = require('../cache-aside.js')
const { TagState } = require('./tag-state.js')
const { FleetTags } = require('./fleet-tags.js')
const { MAX_CACHE_ENTRIES } = require('../wire.js')

/** What a render the fleet waited for ended with, when it ended without a value. */
class NoEntry extends Error {}

/** Per-entry bytes counted beside the value and key (metadata, table slots). */
const ENTRY_OVERHEAD_BYTES = 256

/**
 * A record crosses to Redis as `[u32 LE header length][header JSON][value bytes]`.
 * @type {{ serialize(record: { meta: object, bytes: Uint8Array }): Buffer, deserialize(data: Buffer): { meta: object, bytes: Buffer } }}
 */
const recordSerializer = Object.freeze({
  serialize({ meta, bytes }) {
    const header = Buffer.from(JSON.stringify(meta))
    const out = Buffer.allocUnsafe(4 + header.length + bytes.byteLength)
    out.writeUInt32LE(header.length, 0)
    header.copy(out, 4)
    out.set(bytes, 4 + header.length)
    return out
  },
  deserialize(data) {
    const length = data.readUInt32LE(0)
    return {
      meta: JSON.parse(data.subarray(4, 4 + length).toString()),
      bytes: data.subarray(4 + length),
    }
  },
})

class NextStore {
  #entries
  #load
  #tags
  #fleetTags = null
  #maxAgeMs
  #renderLockMs
  /** key → { resolve, reject, timer }: renders this process owes the fleet. */
  #owed = new Map()

  /**
   * @param fn the caller's name, for error messages
   * @param options checked options (see js/next/handler-options.js)
   */
  constructor(fn, options) {
    const { maxBytes, maxAgeSeconds, maxTags, renderLockMs, maxEntryBytes, redis, name } = options
    this.#maxAgeMs = maxAgeSeconds * 1000
    this.#renderLockMs = renderLockMs
    this.#entries = new SimpleCache(MAX_CACHE_ENTRIES, maxAgeSeconds, {
      maxBytes,
      sizeOf: (record, key) => record.bytes.byteLength + 2 * key.length + ENTRY_OVERHEAD_BYTES,
      maxFlightMs: renderLockMs,
      ...(redis !== undefined && { redis, name, serializer: recordSerializer, maxEntryBytes }),
    })
    this.#load = createCacheAside(this.#entries)
    this.#tags = new TagState(maxTags, this.#maxAgeMs)
    if (redis !== undefined) this.#fleetTags = new FleetTags(fn, redis, name, this.#tags, { maxAgeMs: this.#maxAgeMs, maxTags })
  }

  /** The tag state the handlers check entries against. */
  get tags() {
    return this.#tags
  }

  /**
   * Brings the tag state up to date for a request: waits for the fleet's
   * state after a start or reconnect, then applies what changed since (one
   * round trip); at once without Redis. Never rejects.
   */
  async refresh() {
    if (this.#fleetTags === null) return
    await this.#fleetTags.ready()
    await this.#fleetTags.sync()
  }

  /** Resolves once the fleet's tag state is known (at start and after a reconnect); at once without Redis. */
  ready() {
    return this.#fleetTags === null ? Promise.resolve() : this.#fleetTags.ready()
  }

  /**
   * The record `{ meta, bytes }` for `key`, or undefined. `single` (with
   * Redis) makes a miss a promise to render: the caller must `write` the
   * key, or the fleet's waiters wait `renderLockMs` for it.
   */
  read(key, { single }) {
    const held = this.#entries.get(key)
    if (held !== null || this.#fleetTags === null) return Promise.resolve(held ?? undefined)
    return new Promise((resolve) => {
      const renderHere = () => {
        resolve(undefined)
        return single ? this.#owe(key) : Promise.reject(new NoEntry())
      }
      this.#load(key, renderHere, this.#entries).then(resolve, () => resolve(undefined))
    })
  }

  /** Stores `record` for `ttlMs` (capped at the store's longest lifetime), in L1 and, with Redis, L2. */
  write(key, record, ttlMs) {
    const ttlSeconds = Math.max(1, Math.min(ttlMs, this.#maxAgeMs)) / 1000
    this.#entries.set(key, record, ttlSeconds)
    this.#settle(key, record)
  }

  /** Ends a render of `key` that produced nothing to store: the fleet's waiters render themselves. */
  abandon(key) {
    this.#settle(key, undefined)
  }

  /** Removes `key` everywhere (an entry found dead by its tags). */
  drop(key) {
    this.#entries.delete(key)
  }

  /** Revalidates `tags` (Next's semantics) here and, with Redis, in the fleet. */
  async updateTags(tags, durations) {
    const nowMs = Date.now()
    const updates = tags.map((tag) => {
      // With durations: stale now, and expired once `expire` seconds pass (if given); without: expired now.
      const staleMs = durations ? nowMs : undefined
      const expiredMs = durations ? (durations.expire === undefined ? undefined : nowMs + durations.expire * 1000) : nowMs
      this.#tags.set(tag, staleMs, expiredMs, nowMs)
      return { tag, staleMs, expiredMs }
    })
    if (this.#fleetTags !== null && updates.length > 0) await this.#fleetTags.update(updates, nowMs)
  }

  /** L1 and L2 counters, tag states held, and fleet updates waiting for Redis. */
  stats() {
    return { ...this.#entries.stats(), tags: this.#tags.size, unsentTagUpdates: this.#fleetTags?.unsent ?? 0 }
  }

  /** Resolves once every Redis write issued so far was acknowledged or failed. */
  flush() {
    return this.#entries.flush()
  }

  /** A promise of the record this process's render of `key` will `write`. */
  #owe(key) {
    this.#settle(key, undefined)
    return new Promise((resolve, reject) => {
      const timer = timers.setTimeout(() => this.#settle(key, undefined), this.#renderLockMs)
      timer.unref()
      this.#owed.set(key, { resolve, reject, timer })
    })
  }

  #settle(key, record) {
    const owed = this.#owed.get(key)
    if (owed === undefined) return
    this.#owed.delete(key)
    timers.clearTimeout(owed.timer)
    if (record === undefined) owed.reject(new NoEntry())
    else owed.resolve(record)
  }
}

module.exports = { NextStore }
