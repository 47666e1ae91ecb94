/**
 * How a cache reaches Redis: a `redis://` or `rediss://` URL (user, password
 * and db in the URL: `rediss://user:pass@host:6380/2`), or these options.
 * Caches naming the same `url` and `prefix` share one connection.
 */
export interface RedisOptions {
  url: string
  /** Prepended to every key and channel, so apps can share a server. Default `HOTPATH_REDIS_PREFIX` or `'hotpath:'`. */
  prefix?: string
  /** Longest wait for any command's answer, in ms; past it the command counts as failed. Default 100. */
  commandTimeoutMs?: number
  /** Longest wait for a connection (and for the first one, before writes give up), in ms. Default 1000. */
  connectTimeoutMs?: number
  /** Background writes queued at most; a write past it fails at once (counted) instead of queueing. Default 10000. */
  maxPending?: number
  /** Consecutive failures that open the circuit breaker (no calls to the server until a probe succeeds). Default 5. */
  breakerThreshold?: number
  /** How long an open breaker waits before letting one probe through, in ms. Default 1000. */
  breakerCooldownMs?: number
  /**
   * Keys whose L2 write failed, remembered to be deleted from L2 and
   * invalidated in the fleet once Redis answers again. Past it, a cache with
   * failed writes gets a new namespace generation instead (all of its L2 entries
   * dropped). Default 10000.
   */
  maxRepairKeys?: number
}

/** One connection in `redisStatus()`. */
export interface RedisConnectionStatus {
  /** The URL, password masked. */
  url: string
  prefix: string
  state: 'ready' | 'connecting' | 'down' | 'closed'
  /** Whether the invalidation bus is subscribed now. */
  subscribed: boolean
  /** Commands (or pipelines) sent. */
  commands: number
  /** Commands that failed or timed out. */
  failures: number
  timeouts: number
  /** Calls refused without a round trip: breaker open, not connected, or write queue full. */
  rejected: number
  pendingWrites: number
  /** Keys (or whole caches) waiting to be repaired on L2 after failed writes. */
  pendingRepairs: number
  /** Invalidations received on the bus. */
  busReceived: number
  /** Bus messages dropped as malformed or oversized (over 64 KiB). */
  busMalformed: number
  /** Times the bus inbox overflowed (4096 undelivered messages) and became one drop-all-L1. */
  busOverflows: number
  /** Times the bus was resubscribed after losing its connection. */
  busResubscribes: number
}

export interface RedisStatus {
  /** The worst state among the connections; `'off'` when none was opened. */
  state: 'off' | 'ready' | 'connecting' | 'down' | 'closed'
  connections: RedisConnectionStatus[]
}

/** The state and counters of every Redis connection of this process. */
export declare function redisStatus(): RedisStatus

/**
 * Sends every pending write (each bounded by the command timeout), then
 * closes the connections. Optional: a process that never calls it still exits.
 */
export declare function closeRedis(): Promise<void>
