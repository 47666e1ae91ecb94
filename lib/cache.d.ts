/** What `SimpleCache.stats()` returns: the reference's four fields and lifetime counters. */
export interface CacheStats {
  /** Entries held, including expired ones not yet looked up (as in the reference). */
  size: number
  /** Held entries within their TTL. */
  validEntries: number
  /** Hits on the entries held now, since each was last written (the reference's meaning). */
  totalHits: number
  /** Percentage of lookups (`get`, `cacheAside`) that hit, 0-100, two decimals; joining a load in flight counts as a hit. */
  hitRate: number
  /** Lookups that hit (or joined a load in flight), since the cache was created. */
  hits: number
  /** Lookups that missed (absent or expired), since the cache was created. */
  misses: number
  /** Entries evicted to make room, since the cache was created. */
  evictions: number
  /** Entries found expired by a lookup and removed, since the cache was created. */
  expired: number
  /** Bytes held, as `sizeOf` measured them, for a cache created with `maxBytes`. */
  bytes?: number
  /** The Redis tier, for a cache created with `{ redis, name }`. */
  l2?: CacheL2Stats
}

/** `stats().l2` of a two-tier cache; counters are lifetime totals. */
export interface CacheL2Stats {
  /** The connection's state. */
  state: 'ready' | 'connecting' | 'down' | 'closed'
  /** `cacheAside` misses in L1 served from L2. */
  hits: number
  /** `cacheAside` misses in L1 that L2 did not have either. */
  misses: number
  /** `set`, `delete` and `clear` acknowledged by Redis. */
  writes: number
  /** Reads and writes that failed, timed out or were refused (breaker open, queue full); L1 kept serving. */
  errors: number
  /** Values kept in L1 only: refused by the serializer, over `maxEntryBytes`, or keys over 16 KiB. */
  skipped: number
  /** Invalidations this cache published (one per acknowledged write). */
  invalidationsSent: number
  /** Invalidations from other instances applied to this L1. */
  invalidationsReceived: number
  /** `cacheAside` fetcher runs in this instance (as the fleet's lock holder, or on its own when Redis failed). */
  fetches: number
}

/** Options beyond the reference's constructor arguments. */
export interface SimpleCacheOptions {
  /** Age in ms after which a `cacheAside` load stops absorbing new callers, who start a fresh one. Default 10000. */
  maxFlightMs?: number
  /**
   * Makes the cache two-tier: L1 in process, L2 on this Redis, invalidated
   * across instances (see `hotpath/redis`). `HOTPATH_REDIS_URL` does this for
   * `apiCache` and `dataCache`. Also the expiry of the fleet lock of a
   * `cacheAside` load is `maxFlightMs`.
   */
  redis?: string | import('./redis').RedisOptions
  /** The cache's namespace on Redis, required with `redis`: 1-100 of `A-Z a-z 0-9 _ . -`. */
  name?: string
  /** How values cross to Redis. Default JSON (with `undefined` kept). A value it throws on stays in L1 only. */
  serializer?: { serialize(value: unknown): string | Uint8Array; deserialize(data: Buffer): unknown }
  /** Largest serialized value written to Redis; larger ones stay in L1 only (counted as skipped). Default 1 MiB. */
  maxEntryBytes?: number
  /**
   * A byte budget beside `maxSize` (given with `sizeOf`): a write evicts least
   * recently used entries until the sizes held add up to at most `maxBytes`;
   * a value larger than the whole budget is not held (an older value of its
   * key is removed). Costs one `sizeOf` call per write.
   */
  maxBytes?: number
  /** The size of a value in bytes, for `maxBytes`: called once per write with `(value, key)`; must return a finite number >= 0. */
  sizeOf?: (value: any, key: string) => number
}

/** An in-process LRU cache with per-entry TTL; values are kept as the very JS values set. */
export declare class SimpleCache<T = any> {
  /**
   * @param maxSize most entries held, 1 to 8388608 (default 1000); the least recently used is evicted
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
  /** Resolves once every Redis write issued so far is acknowledged (or failed and counted); at once without Redis. */
  flush(): Promise<void>
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

/** Options beyond the reference's constructor arguments. */
export interface RateLimiterOptions {
  /**
   * Identifiers tracked at once, 1 to 8388608. Default 100,000, or fewer when
   * `maxRequests` is large, so that full windows fit in 128 MiB (100,000 for 100).
   * Past it the least recently admitted identifier is forgotten and starts a fresh window.
   */
  maxIdentifiers?: number
  /**
   * One limit for the fleet: admissions are counted on this Redis (same shape
   * as `SimpleCache`'s option). `consume` is then exact across instances;
   * the synchronous methods decide from a local view that the instances
   * exchange every `syncIntervalMs` (README, "One limit for the fleet", states
   * the over-admission bound). `HOTPATH_REDIS_URL` does this for `apiRateLimiter`.
   */
  redis?: string | import('./redis').RedisOptions
  /** The limiter's namespace on Redis, required with `redis`: 1-100 of `A-Z a-z 0-9 _ . -`. */
  name?: string
  /**
   * What `consume` does when Redis cannot decide (down, timed out, breaker open):
   * `'local'` (default) decides with this instance's limiter, `'open'` allows,
   * `'closed'` refuses. Either way the result has `reason: 'redis-unavailable'`.
   */
  failMode?: 'local' | 'open' | 'closed'
  /** Ms between two exchanges of the synchronous path's admissions, 1 to 60000. Default 100. */
  syncIntervalMs?: number
}

/**
 * The standard rate-limit response headers for a decision, plus `Retry-After`
 * (whole seconds, rounded up, at least 1, until a request would be allowed)
 * only when the request is or would be refused. Assignable to `HeadersInit`.
 */
export interface RateLimitHeaders {
  /** `maxRequests`. */
  'X-RateLimit-Limit': string
  /** Requests left in the window after this decision. */
  'X-RateLimit-Remaining': string
  /** Unix epoch seconds (rounded up) when every counted request has left the window. */
  'X-RateLimit-Reset': string
  [name: string]: string
}

/** What `RateLimiter.check()` decided, with the window after the decision. */
export interface RateLimitDecision {
  /** Whether the request is allowed (and was counted). */
  allowed: boolean
  /** `maxRequests`. */
  limit: number
  /** Requests left in the window now. */
  remaining: number
  /** Epoch ms when every counted request has left the window (now, if none). */
  resetMs: number
  /** Ms until the next request would be allowed; 0 if it would be now. */
  retryAfterMs: number
  /** The response headers for this decision. */
  headers: RateLimitHeaders
  /** `consume` only: Redis's clock (epoch ms, µs precision) when Redis decided; absent when decided without Redis. */
  atMs?: number
  /** `consume` only: `'redis-unavailable'` when Redis could not decide and `failMode` did. */
  reason?: 'redis-unavailable'
}

/** What `RateLimiter.stats()` reports. */
export interface RateLimiterStats {
  /** Identifiers tracked now. */
  tracked: number
  /** The cap on `tracked`. */
  maxIdentifiers: number
  /** Identifiers dropped because no request of theirs was left in the window. */
  droppedIdle: number
  /** Identifiers with requests in the window that the cap pushed out. */
  forgotten: number
  /** Requests refused (by `isAllowed` or `check`) since the limiter was made. */
  refused: number
  /** Bytes the native engine holds for the windows. */
  engineBytes: number
  /** With `redis` only: how the synchronous path's exchanges with the fleet went. */
  fleet?: RateLimiterFleetStats
}

/** `RateLimiter.stats().fleet`: the synchronous path's exchanges since the limiter was made. */
export interface RateLimiterFleetStats {
  failMode: 'local' | 'open' | 'closed'
  syncIntervalMs: number
  /** Exchanges Redis answered. */
  exchanges: number
  /** Exchanges that failed (Redis down, timed out, breaker open); their admissions went with the next one. */
  failedExchanges: number
  /**
   * The longest time between two sync ticks that could start an exchange
   * (`syncIntervalMs` plus event-loop delay). With `slowestExchangeMs`, the
   * interval in the README's over-admission bound: the others see an
   * admission at most 2 × (longestSyncGapMs + slowestExchangeMs) after it.
   */
  longestSyncGapMs: number
  /** The slowest exchange's round trip, ms. */
  slowestExchangeMs: number
}

/** At most `maxRequests` per identifier in any rolling window of `windowMs` (exact). */
export declare class RateLimiter {
  /**
   * @param maxRequests admissions per identifier per window, an integer 1 to 1,000,000 (default 100)
   * @param windowMs the rolling window, a whole number of ms from 1 to 31536000000 (a year; default 60000)
   */
  constructor(maxRequests?: number, windowMs?: number, options?: RateLimiterOptions)
  /** Whether a request from `identifier` is allowed now; an allowed request is counted. */
  isAllowed(identifier: string): boolean
  /**
   * Decides a request from `identifier` on Redis in one round trip, exactly
   * for the fleet (never more than `maxRequests` in any rolling window,
   * whichever instances they hit; Redis's clock). An identifier Redis
   * reported exhausted is refused without a round trip until its window
   * allows again. Never rejects for Redis: see `failMode`. Without `redis`,
   * resolves `check(identifier)`.
   */
  consume(identifier: string): Promise<RateLimitDecision>
  /** Requests `identifier` may still make in the window; counts nothing. */
  remaining(identifier: string): number
  /** Forgets `identifier`'s window. */
  reset(identifier: string): void
  /** Ms until a request from `identifier` would be allowed; 0 if it would be now. Counts nothing. */
  retryAfterMs(identifier: string): number
  /** Decides a request (counting it if allowed) and returns the decision, the window after it and the headers. */
  check(identifier: string): RateLimitDecision
  /** The headers for the next request from `identifier` (with `Retry-After` if it would be refused); counts nothing. */
  headers(identifier: string): RateLimitHeaders
  /** Identifiers tracked, the cap, and how many were dropped idle or forgotten. */
  stats(): RateLimiterStats
}

/** 100 requests per 60 s per identifier. */
export declare const apiRateLimiter: RateLimiter
