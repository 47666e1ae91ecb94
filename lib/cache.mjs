// ESM entry of hotpath/cache: the same instances as the CommonJS entry.
// webpack never reads this file: package.json's `webpack` export condition
// sends it to cache.js, because webpack would bake `import.meta.url` in as the
// build machine's absolute path (README, "Use with Next.js").
import { createRequire } from 'node:module'

const cache = createRequire(import.meta.url)('./cache.js')

export const { SimpleCache, apiCache, dataCache, cacheAside, RateLimiter, apiRateLimiter } = cache
