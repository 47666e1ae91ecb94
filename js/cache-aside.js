// cacheAside: the reference's signature over SimpleCache's single-flight load.
'use strict'

const { SimpleCache, kLoad } = require('./simple-cache.js')
const { keyArg, ttlMsArg, functionArg, describe } = require('./argument-checks.js')

/**
 * Returns a `cacheAside(key, fetcher, cache = defaultCache, ttlSeconds?)`:
 * the cached value for `key`, or the result of one `fetcher()` call shared by
 * every concurrent caller, cached for `ttlSeconds`. A rejection (or a
 * synchronous throw) reaches every waiter and is not cached; `null` and
 * `undefined` results are cached. Bad arguments reject with a TypeError or
 * RangeError, like every other failure of this async function.
 */
function createCacheAside(defaultCache) {
  return function cacheAside(key, fetcher, cache = defaultCache, ttlSeconds = undefined) {
    let ttlMs
    try {
      key = keyArg('cacheAside', key)
      functionArg('cacheAside', fetcher, 'fetcher')
      if (!(cache instanceof SimpleCache)) {
        throw new TypeError(`cacheAside: cache must be a SimpleCache, got ${describe(cache)}`)
      }
      if (ttlSeconds !== undefined) ttlMs = ttlMsArg('cacheAside', ttlSeconds)
    } catch (err) {
      return Promise.reject(err)
    }
    return cache[kLoad](key, fetcher, ttlMs)
  }
}

module.exports = { createCacheAside }
