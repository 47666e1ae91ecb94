import type { CacheStats } from '../cache'
import type { RedisOptions } from '../redis'

declare namespace cacheHandler {
  /**
   * Options of `createCacheHandler` and `createIsrCacheHandler`. Handlers
   * made with the same options share one store: entries, byte budget and tag
   * state (so do the two modules' default exports).
   */
  interface NextCacheOptions {
    /** The in-process (L1) budget in bytes: entries' bytes plus their keys; least recently used entries go first. Default 64 MiB. */
    maxBytes?: number
    /**
     * A Redis URL or `{ url, prefix, ... }` (see `hotpath/redis`): adds the
     * shared L2, the fleet's tag state, and one render per fleet. Default
     * `HOTPATH_REDIS_URL` when set; `null` turns Redis off even then.
     */
    redis?: string | RedisOptions | null
    /** The handlers' namespace on Redis: 1-100 of `A-Z a-z 0-9 _ . -`. Default `'next'`. */
    name?: string
    /**
     * The longest an entry is kept, whatever its `expire` (default 7 days,
     * at most 1 year). Tag states older than this apply to no entry and
     * are reclaimed.
     */
    maxAgeSeconds?: number
    /**
     * Most tag states kept (default 100,000). Past it the oldest are dropped
     * and every entry written before their time counts as expired: more
     * renders, never stale data.
     */
    maxTags?: number
    /**
     * With Redis, how long the other requests and instances wait for the one
     * render of a missing entry before rendering themselves (default 5000).
     */
    renderLockMs?: number
    /** Largest entry written to Redis; a larger one stays in L1 only. Default 8 MiB. */
    maxEntryBytes?: number
  }

  /** A Next.js 16 cache entry (`next/dist/server/lib/cache-handlers/types`). */
  interface CacheEntry {
    value: ReadableStream<Uint8Array>
    tags: string[]
    /** Seconds, for the client. */
    stale: number
    /** When the entry was created, in ms since the epoch. */
    timestamp: number
    /** Seconds after `timestamp` the entry may be used at all. */
    expire: number
    /** Seconds after `timestamp` the entry should be revalidated; -1 when one of its tags was revalidated with a profile. */
    revalidate: number
  }

  /** What `stats()` returns: the L1's counters (and `l2` with Redis), plus the tag state. */
  interface NextCacheStats extends CacheStats {
    /** Tag states held in this process. */
    tags: number
    /** Tag revalidations Redis has not taken yet (sent again once it answers). */
    unsentTagUpdates: number
  }

  /** Next.js 16's `cacheHandlers` interface, plus `stats()`. */
  interface NextCacheHandler {
    /** The entry, or undefined on a miss, an expired tag or a dead entry; waits for a pending `set` of the key. */
    get(cacheKey: string, softTags: string[]): Promise<CacheEntry | undefined>
    /** Stores the entry once its stream ends; a stream that errors is not stored. */
    set(cacheKey: string, pendingEntry: Promise<CacheEntry>): Promise<void>
    /**
     * Brings the tag state up to date before a request's first read: with
     * Redis, one round trip for what the fleet changed since (and, after a
     * start or a reconnect, the whole state first, waiting at most 500 ms).
     */
    refreshTags(): Promise<void>
    /** The latest expiry among `tags` in ms, 0 if none was revalidated. */
    getExpiration(tags: string[]): Promise<number>
    /** Revalidates `tags` here and in the fleet: with `durations`, stale now and expired after `expire` seconds; without, expired now. */
    updateTags(tags: string[], durations?: { expire?: number }): Promise<void>
    /** Counters of the store behind the handler. */
    stats(): NextCacheStats
    /** Resolves once every Redis write issued so far is acknowledged (or failed and counted); at once without Redis. */
    flush(): Promise<void>
  }
}

/** The handler for `cacheHandlers: { default, remote }`, made with the default options. */
declare const cacheHandler: cacheHandler.NextCacheHandler & {
  /** A handler with other options; throws a TypeError or RangeError naming a bad option. */
  createCacheHandler(options?: cacheHandler.NextCacheOptions): cacheHandler.NextCacheHandler
}

export = cacheHandler
