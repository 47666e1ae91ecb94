/** What `SimpleCache.stats()` returns: the reference's four fields and lifetime counters. */
export interface CacheStats {
  /** Entries held, including expired ones not yet looked up (as in the reference). */
  size: number
  /** Held entries within their TTL. */
  validEntries: number
  /** Hits on the entries held now, since each was last written (the reference's meaning). */
  totalHits: number
  /** Percentage of lookups (`get`, `cacheAside`) that hit, 0-100, two decimals. */
  hitRate: number
  /** Lookups that hit, since the cache was created. */
  hits: number
  /** Lookups that missed (absent or expired), since the cache was created. */
  misses: number
  /** Entries evicted to make room, since the cache was created. */
  evictions: number
  /** Entries found expired by a lookup and removed, since the cache was created. */
  expired: number
}

/** Options beyond the reference's constructor arguments. */
export interface SimpleCacheOptions {
  /** Age in ms after which a `cacheAside` load stops absorbing new callers, who start a fresh one. Default 10000. */
  maxFlightMs?: number
}

/** An in-process LRU cache with per-entry TTL; values are kept as the very JS values set. */
export declare class SimpleCache<T = any> {
  /**
   * @param maxSize most entries held, 1 to 16777216 (default 1000); the least recently used is evicted
   * @param defaultTtlSeconds TTL of a `set` without one (default 300)
   */
  constructor(maxSize?: number, defaultTtlSeconds?: number, options?: SimpleCacheOptions)
  /** The value for `key`, or `null` on a miss or once its TTL has passed. */
  get(key: string): T | null
  /** Stores `data` under `key` for `ttlSeconds` (default: the cache's). */
  set(key: string, data: T, ttlSeconds?: number): void
  /** Whether `key` holds an entry within its TTL; not counted as a lookup. */
  has(key: string): boolean
  /** Removes `key`; true if it was held. */
  delete(key: string): boolean
  /** Removes every entry; lifetime counters are kept. */
  clear(): void
  /** Size, valid entries, hit rate and lifetime counters. */
  stats(): CacheStats
}

/** 1000 entries, 300 s TTL. */
export declare const apiCache: SimpleCache
/** 500 entries, 600 s TTL. */
export declare const dataCache: SimpleCache

/**
 * The cached value for `key`, or the result of one `fetcher()` call shared by
 * every concurrent caller (single flight), cached for `ttlSeconds` (default:
 * the cache's). Rejections reach every waiter and are not cached.
 */
export declare function cacheAside<T>(
  key: string,
  fetcher: () => Promise<T> | T,
  cache?: SimpleCache,
  ttlSeconds?: number,
): Promise<T>
