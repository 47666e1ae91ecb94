// hotpath/cache: the drop-in for lib/cache.ts.
'use strict'

const { SimpleCache } = require('../js/simple-cache.js')
const { createCacheAside } = require('../js/cache-aside.js')
const { RateLimiter } = require('../js/rate-limiter.js')
const { defaultFleetOptions } = require('../js/redis.js')

const apiCache = new SimpleCache(1000, 300, defaultFleetOptions('apiCache'))
const dataCache = new SimpleCache(500, 600, defaultFleetOptions('dataCache'))

module.exports = {
  SimpleCache,
  apiCache,
  dataCache,
  cacheAside: createCacheAside(apiCache),
  RateLimiter,
  apiRateLimiter: new RateLimiter(100, 60_000),
}
