// The `'use cache'` handler (Next.js 16 `cacheHandlers`): Next's interface
// over a NextStore. Entries are stored as their bytes with their metadata;
// a `get` returns a new stream over the bytes every time, as Next requires.
'use strict'

const { buffer: bytesOf } = require('node:stream/consumers')
const { storeFor } = require('./handler-options.js')

/** Keys of this handler in the store, apart from the ISR handler's. */
const keyOf = (cacheKey) => `c|${cacheKey}`

/** A new stream over `bytes`. */
function streamOf(bytes) {
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes)
      controller.close()
    },
  })
}

/**
 * A Next.js 16 cache handler (`get`, `set`, `refreshTags`, `getExpiration`,
 * `updateTags`, plus `stats()`); options in lib/next/cache-handler.d.ts.
 */
function createCacheHandler(options) {
  const store = storeFor('createCacheHandler', options)
  /** key → a `set` in progress: a `get` of the key waits for it. */
  const setting = new Map()

  return {
    async get(cacheKey, _softTags) {
      const key = keyOf(cacheKey)
      const pending = setting.get(key)
      if (pending !== undefined) await pending
      const record = await store.read(key, { single: true })
      if (record === undefined) return undefined
      const { meta, bytes } = record
      // A negative `expire` is Next's eviction mark (its dev-only tiered handler).
      if (meta.expire < 0 || store.tags.isExpired(meta.tags, meta.timestamp, Date.now())) {
        store.drop(key)
        return undefined
      }
      const revalidate = store.tags.isStale(meta.tags, meta.timestamp) ? -1 : meta.revalidate
      return { ...meta, revalidate, value: streamOf(bytes) }
    },

    async set(cacheKey, pendingEntry) {
      const key = keyOf(cacheKey)
      let done
      const pending = new Promise((resolve) => (done = resolve))
      setting.set(key, pending)
      try {
        const entry = await pendingEntry
        // In production an `expire: 0` entry is rendered on every read: storing it is waste (as Next's own handler).
        if (entry.expire === 0 && !process.env.__NEXT_DEV_SERVER) {
          store.abandon(key)
          return
        }
        // Node's stream consumer: all the bytes, or a rejection if the stream errors part way.
        const bytes = await bytesOf(entry.value)
        const { value: _stream, ...meta } = entry
        store.write(key, { meta, bytes }, entry.expire * 1000)
      } catch {
        // A stream that errors part way (or an entry that never resolves to one) is not cached.
        store.abandon(key)
      } finally {
        if (setting.get(key) === pending) setting.delete(key)
        done()
      }
    },

    /** Called once per request before its first read: brings the fleet's tag state up to date. */
    async refreshTags() {
      await store.refresh()
    },

    async getExpiration(tags) {
      return store.tags.expiration(tags)
    },

    async updateTags(tags, durations) {
      await store.updateTags(tags, durations)
    },

    /** The store's counters (not part of Next's interface). */
    stats() {
      return store.stats()
    },

    /** Resolves once every Redis write issued so far was acknowledged or failed (not part of Next's interface). */
    flush() {
      return store.flush()
    },
  }
}

module.exports = { createCacheHandler }
