// L2Tier: what a SimpleCache created with `{ redis, name }` adds to its L1:
// values serialized to a Redis namespace in the background, invalidations
// from the other instances applied to L1, and the L2 path of cacheAside
// (run in Rust, which calls back into the fetcher below).
'use strict'

const { linkFor, listen, nameArg } = require('./redis.js')
const { describe } = require('./argument-checks.js')

/** Largest serialized value written to L2 by default; larger ones stay in L1 only. */
const DEFAULT_MAX_ENTRY_BYTES = 1024 * 1024

/** JSON, with `undefined` kept as itself (as L1 keeps it): the empty string, which JSON never produces. */
const jsonSerializer = Object.freeze({
  serialize: (value) => (value === undefined ? '' : JSON.stringify(value)),
  deserialize: (data) => {
    const text = data.toString()
    return text === '' ? undefined : JSON.parse(text)
  },
})

class L2Tier {
  #native
  #link
  #serializer
  #maxEntryBytes
  #lockMs
  /** Serializer refusals and oversized values (Rust counts too-long keys). */
  #skipped = 0
  /** Failures seen on the JS side (an L2 value that does not deserialize). */
  #errors = 0

  /**
   * @param fn the caller's name, for error messages
   * @param options `{ redis, name, serializer, maxEntryBytes }` from the cache's options
   * @param lockMs the fleet lock's expiry (the cache's `maxFlightMs`)
   * @param local `{ drop(key), dropAll() }`: the cache's L1, for invalidations
   */
  constructor(fn, options, lockMs, local) {
    const name = nameArg(fn, options.name)
    const { serializer = jsonSerializer, maxEntryBytes = DEFAULT_MAX_ENTRY_BYTES } = options
    if (serializer === null || typeof serializer !== 'object' || typeof serializer.serialize !== 'function' || typeof serializer.deserialize !== 'function') {
      throw new TypeError(`${fn}: options.serializer must be { serialize(value), deserialize(data) }, got ${describe(serializer)}`)
    }
    if (!Number.isInteger(maxEntryBytes) || maxEntryBytes < 1) {
      const Err = typeof maxEntryBytes === 'number' ? RangeError : TypeError
      throw new Err(`${fn}: options.maxEntryBytes must be a positive integer, got ${describe(maxEntryBytes)}`)
    }
    const link = linkFor(fn, options.redis)
    this.#link = link.native
    this.#native = link.native.tier(name)
    this.#serializer = serializer
    this.#maxEntryBytes = maxEntryBytes
    this.#lockMs = Math.ceil(lockMs)
    const native = this.#native
    listen(link, name, {
      sender: native.sender,
      invalidate: (key) => {
        native.countReceived(1)
        local.drop(key)
      },
      clear: () => {
        native.countReceived(1)
        local.dropAll()
      },
      resync: () => local.dropAll(),
    })
  }

  /** Writes `value` to L2 (or, if it cannot be stored, removes the stale L2 copy), and invalidates `key` in the fleet. */
  set(key, value, ttlMs) {
    const bytes = this.#encode(value)
    if (bytes === null) this.#native.delete(key)
    else this.#native.set(key, bytes, ttlMs)
  }

  delete(key) {
    this.#native.delete(key)
  }

  clear() {
    this.#native.clear()
  }

  /** Resolves once every write issued so far is acknowledged by Redis or failed. */
  flush() {
    return this.#native.flush()
  }

  /**
   * The L2 path of cacheAside. Resolves `{ value, ttlMs }`: the L2 value with
   * the TTL left in Redis (capped at `ttlMs`), or the fetcher's own value;
   * rejects with exactly what the fetcher threw. Redis failures never reject.
   * The fetched value is written to L2 only if `current()` still holds when
   * the fetcher settles: a `set`, `delete` or `clear` of the key meanwhile
   * already sent its own write, which an older value must not follow.
   */
  load(key, fetcher, ttlMs, current) {
    const fetched = { settled: false, failed: false, value: undefined, error: undefined }
    const runFetcher = () => {
      let result
      try {
        result = Promise.resolve(fetcher())
      } catch (err) {
        result = Promise.reject(err)
      }
      return result.then(
        (value) => {
          Object.assign(fetched, { settled: true, value })
          return current() ? this.#encode(value) : null
        },
        (error) => {
          Object.assign(fetched, { settled: true, failed: true, error })
          return null
        },
      )
    }
    const fromFetch = () => {
      if (fetched.failed) throw fetched.error
      return { value: fetched.value, ttlMs }
    }
    return this.#native.load(key, ttlMs, this.#lockMs, runFetcher).then(
      (out) => {
        if (out.value !== null && out.value !== undefined) {
          try {
            const value = this.#serializer.deserialize(out.value)
            return { value, ttlMs: out.ttlMs < 0 ? ttlMs : Math.min(ttlMs, out.ttlMs) }
          } catch {
            this.#errors++
          }
        }
        // Rust ran the fetcher, or could not (then, or after a bad L2 value, it runs here).
        return fetched.settled ? fromFetch() : runFetcher().then(fromFetch)
      },
      () => {
        this.#errors++
        return fetched.settled ? fromFetch() : runFetcher().then(fromFetch)
      },
    )
  }

  /** `stats().l2`; `state` is the connection's (`'ready' | 'connecting' | 'down' | 'closed'`). */
  stats() {
    const s = this.#native.stats()
    return {
      state: this.#link.status().state,
      hits: s.hits,
      misses: s.misses,
      writes: s.writes,
      errors: s.errors + this.#errors,
      skipped: s.skipped + this.#skipped,
      invalidationsSent: s.invalidationsSent,
      invalidationsReceived: s.invalidationsReceived,
      fetches: s.fetches,
    }
  }

  /** The serialized value as bytes, or null (counted) when the serializer refuses it or it is too large. */
  #encode(value) {
    let data
    try {
      data = this.#serializer.serialize(value)
    } catch {
      data = undefined
    }
    const bytes =
      typeof data === 'string' ? Buffer.from(data) : data instanceof Uint8Array ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : null
    if (bytes === null || bytes.length > this.#maxEntryBytes) {
      this.#skipped++
      return null
    }
    return bytes
  }
}

module.exports = { L2Tier }
