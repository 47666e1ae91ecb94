import type { NextCacheOptions } from './cache-handler'

declare namespace IsrCacheHandler {
  /** What `get` returns: Next's `CacheHandlerValue`, with the value's types (Buffers, Maps) intact. */
  interface IsrCacheValue {
    lastModified: number
    /** Next's `IncrementalCacheValue` (typed loosely so hotpath's types need no `next`). */
    value: any
    cacheControl?: { revalidate: number | false; expire: number | undefined }
  }
}

/** The class for `cacheHandler` in next.config (ISR, route handlers, the fetch cache, images). */
declare class IsrCacheHandler {
  /** @param ctx Next's `CacheHandlerContext`; its `revalidatedTags` are honoured (typed loosely so hotpath's types need no `next`) */
  constructor(ctx?: any)
  /** The entry, or null on a miss or when one of its tags expired; `ctx` is Next's get context (`kind`, `tags`, `softTags` are read). */
  get(cacheKey: string, ctx?: any): Promise<IsrCacheHandler.IsrCacheValue | null>
  /** Stores `data` (Next's `IncrementalCacheValue`) for `ctx.cacheControl.expire` seconds, at most `maxAgeSeconds`. */
  set(cacheKey: string, data: any, ctx?: any): Promise<void>
  /** Revalidates `tags` here and in the fleet, as `updateTags` of hotpath/next/cache-handler. */
  revalidateTag(tags: string | string[], durations?: { expire?: number }): Promise<void>
  /** Nothing to reset: there is no per-request state. */
  resetRequestCache(): void
  /** A class with other options, sharing its store with handlers made with the same options; throws a TypeError or RangeError naming a bad option. */
  static createIsrCacheHandler(options?: NextCacheOptions): typeof IsrCacheHandler
}

export = IsrCacheHandler
