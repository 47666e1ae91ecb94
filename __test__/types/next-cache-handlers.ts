// The README's Next.js handler setup against Next 16's own handler types:
// the default exports and what the factories make must be what Next loads.
import type { CacheHandler } from 'next/dist/server/lib/cache-handlers/types'
import type { CacheHandler as IncrementalCacheHandler, CacheHandlerContext } from 'next/dist/server/lib/incremental-cache'
import cacheHandler from 'hotpath/next/cache-handler'
import IsrCacheHandler from 'hotpath/next/isr-handler'

const asNext: CacheHandler = cacheHandler
const custom: CacheHandler = cacheHandler.createCacheHandler({ maxBytes: 256 * 1024 * 1024, redis: null })
const Custom = IsrCacheHandler.createIsrCacheHandler({ maxBytes: 256 * 1024 * 1024 })
const ctx: CacheHandlerContext = { revalidatedTags: [], _requestHeaders: {} }
const isr: IncrementalCacheHandler = new IsrCacheHandler(ctx)
const customIsr: IncrementalCacheHandler = new Custom(ctx)
const isrClass: new (ctx: CacheHandlerContext) => IncrementalCacheHandler = IsrCacheHandler
const bytes: number | undefined = cacheHandler.createCacheHandler().stats().bytes

export { asNext, custom, isr, customIsr, isrClass, bytes }
