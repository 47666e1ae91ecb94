// The options both Next.js handlers take, checked in one place, and the one
// NextStore per set of options in the process, so a `'use cache'` handler
// and an ISR handler made with the same options share entries and tags.
'use strict'

const { processWide } = require('../process-wide.js')
const { countArg, optionalObjectArg, describe } = require('../argument-checks.js')
const { nameArg } = require('../redis.js')
const { NextStore } = require('./next-store.js')

/** Option defaults; each is documented in lib/next/cache-handler.d.ts. */
const DEFAULTS = Object.freeze({
  maxBytes: 64 * 1024 * 1024,
  maxAgeSeconds: 7 * 24 * 60 * 60,
  maxTags: 100_000,
  renderLockMs: 5_000,
  maxEntryBytes: 8 * 1024 * 1024,
  name: 'next',
})
const LIMITS = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeSeconds: 365 * 24 * 60 * 60, maxTags: 10_000_000, renderLockMs: 600_000, maxEntryBytes: 512 * 1024 * 1024 }

/** `options` with defaults applied; `HOTPATH_REDIS_URL` supplies `redis` when it is not given. */
function handlerOptions(fn, options) {
  optionalObjectArg(fn, options, 'options')
  const given = options ?? {}
  const merged = { ...DEFAULTS, ...given }
  for (const [key, max] of Object.entries(LIMITS)) countArg(fn, merged[key], `options.${key}`, max)
  merged.name = nameArg(fn, merged.name)
  if (given.redis === undefined && process.env.HOTPATH_REDIS_URL) merged.redis = process.env.HOTPATH_REDIS_URL
  if (merged.redis !== undefined && merged.redis !== null && typeof merged.redis !== 'string' && typeof merged.redis !== 'object') {
    throw new TypeError(`${fn}: options.redis must be a redis:// URL or { url, ... }, got ${describe(merged.redis)}`)
  }
  if (merged.redis === null) delete merged.redis
  return merged
}

/** The process's NextStore for `options` (made on first use; one per distinct set of options). */
function storeFor(fn, options) {
  const checked = handlerOptions(fn, options)
  const id = JSON.stringify(Object.keys(checked).sort().map((k) => [k, checked[k]]))
  const stores = processWide('next-stores', () => new Map())
  let store = stores.get(id)
  if (store === undefined) stores.set(id, (store = new NextStore(fn, checked)))
  return store
}

module.exports = { storeFor }
