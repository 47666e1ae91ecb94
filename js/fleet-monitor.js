// FleetLink: what a PerformanceMonitor created with `{ redis }` adds: its
// histograms published to Redis every `fleetIntervalMs` (an unref'd timer)
// under one hash per instance that expires after three intervals, and the
// fleet's blobs read back for merging (src/redis/histograms.rs; the merge is
// the engine's, so percentiles come from merged histograms).
'use strict'

const { randomBytes } = require('node:crypto')
const { linkFor, nameArg } = require('./redis.js')
const { countArg } = require('./argument-checks.js')
const { hitRatePercent } = require('./simple-cache.js')

const DEFAULT_FLEET_INTERVAL_MS = 10_000
/** Intervals an instance's hash outlives its last publish: one missed publish never drops it. */
const EXPIRY_INTERVALS = 3
/** The fleet namespace of a monitor given `redis` without `name`. */
const DEFAULT_NAME = 'perfMonitor'

class FleetLink {
  #store
  #instance = randomBytes(8).toString('hex')
  #ttlMs
  #snapshot
  #timer

  /**
   * @param fn the caller's name, for error messages
   * @param options the monitor's `{ redis, name, fleetIntervalMs }`
   * @param snapshot returns `{ names, blobs, caches }`: the monitor's histograms and cache stats now
   */
  constructor(fn, options, snapshot) {
    const { redis, name = DEFAULT_NAME, fleetIntervalMs = DEFAULT_FLEET_INTERVAL_MS } = options
    const intervalMs = countArg(fn, fleetIntervalMs, 'options.fleetIntervalMs', 2 ** 31 - 1)
    // Every option checked before the link opens: a refused monitor leaves no connection behind.
    const fleetName = nameArg(fn, name)
    this.#store = linkFor(fn, redis).native.fleet(fleetName)
    this.#ttlMs = Math.min(EXPIRY_INTERVALS * intervalMs, 2 ** 32 - 1)
    this.#snapshot = snapshot
    // A failed publish is counted by the link; the next interval tries again.
    this.#timer = setInterval(() => this.publish().catch(() => {}), intervalMs)
    this.#timer.unref()
  }

  /** This instance's id in the fleet (16 hex digits). */
  get instance() {
    return this.#instance
  }

  /** Publishes the histograms and cache stats now; resolves false if Redis did not take them. */
  publish() {
    const { names, blobs, caches } = this.#snapshot()
    return this.#store.publish(this.#instance, names, blobs, Buffer.from(JSON.stringify(caches)), this.#ttlMs)
  }

  /** Claims `claim` for the fleet for `ttlMs`: `'claimed'`, `'taken'` (by another instance) or `'unavailable'`. */
  claim(claim, ttlMs) {
    return this.#store.claim(claim, Math.min(ttlMs, 2 ** 32 - 1))
  }

  /**
   * `{ instances, members, names, blobs, owners, caches }` of every live
   * instance (`name`'s blobs only, and no caches, if given); rejects if
   * Redis cannot be read.
   */
  collect(name) {
    return this.#store.collect(name ?? null)
  }
}

/** Worst first: the state a merged `l2` reports when instances disagree. */
const L2_STATES = ['closed', 'down', 'connecting', 'ready']

/**
 * Each cache's `stats()` summed over the instances' published JSON
 * (`buffers`, one per instance; unreadable ones are skipped): counters add
 * up, `hitRate` is recomputed from the summed hits and misses, and `l2.state`
 * is the worst any instance reported.
 */
function mergeCacheStats(buffers) {
  const merged = {}
  for (const buffer of buffers) {
    let caches
    try {
      caches = JSON.parse(buffer.toString() || '{}')
    } catch {
      continue
    }
    for (const [name, stats] of Object.entries(caches)) merged[name] = addCounters(merged[name] ?? {}, stats)
  }
  for (const stats of Object.values(merged)) stats.hitRate = hitRatePercent(stats.hits, stats.misses)
  return merged
}

/** `into` plus `stats`, field by field (numbers add, `state` keeps the worse, objects recurse). */
function addCounters(into, stats) {
  for (const [field, value] of Object.entries(stats)) {
    if (typeof value === 'number') into[field] = (into[field] ?? 0) + value
    else if (field === 'state') into.state = into.state === undefined || L2_STATES.indexOf(value) < L2_STATES.indexOf(into.state) ? value : into.state
    else if (value !== null && typeof value === 'object') into[field] = addCounters(into[field] ?? {}, value)
  }
  return into
}

module.exports = { FleetLink, mergeCacheStats }
