// ESM entry of hotpath/cache: the same instances as the CommonJS entry.
import { createRequire } from 'node:module'

const cache = createRequire(import.meta.url)('./cache.js')

export const { SimpleCache, apiCache, dataCache, cacheAside, RateLimiter, apiRateLimiter } = cache
