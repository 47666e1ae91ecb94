// ESM entry of hotpath/cache: the same instances as the CommonJS entry.
// A static import of the CommonJS file (not `createRequire(import.meta.url)`):
// webpack bakes `import.meta.url` in as the build machine's absolute path, so
// a Next.js build moved to another directory or machine could not start.
import cache from './cache.js'

export const { SimpleCache, apiCache, dataCache, cacheAside, RateLimiter, apiRateLimiter } = cache
