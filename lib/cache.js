// hotpath/cache: the drop-in for lib/cache.ts. Its exports are one per
// process (js/process-wide.js): every bundle that imports hotpath/cache sees
// the same apiCache, dataCache and apiRateLimiter.
'use strict'

const { processWide } = require('../js/process-wide.js')

module.exports = processWide('cache', () => {
  const { SimpleCache } = require('../js/simple-cache.js')
  const { createCacheAside } = require('../js/cache-aside.js')
  const { RateLimiter } = require('../js/rate-limiter.js')
  const { defaultFleetOptions } = require('../js/redis.js')

  // With HOTPATH_REDIS_URL set, the default caches are two-tier and the
  // default limiter is one limit for the fleet (js/redis.js).
  const apiCache = new SimpleCache(1000, 300, defaultFleetOptions('apiCache'))
  const dataCache = new SimpleCache(500, 600, defaultFleetOptions('dataCache'))
  return {
    SimpleCache,
    apiCache,
    dataCache,
    cacheAside: createCacheAside(apiCache),
    RateLimiter,
    apiRateLimiter: new RateLimiter(100, 60_000, defaultFleetOptions('apiRateLimiter')),
  }
})
