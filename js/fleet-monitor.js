// FleetLink: what a PerformanceMonitor created with `{ redis }` adds: its
// histograms published to Redis every `fleetIntervalMs` (an unref'd timer)
// under one hash per instance that expires after three intervals, and the
// fleet's blobs read back for merging (src/redis/histograms.rs; the merge is
// the engine's, so percentiles come from merged histograms).
'use strict'

const { randomBytes } = require('node:crypto')
const { linkFor, nameArg } = require('./redis.js')
const { countArg } = require('./argument-checks.js')

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
   * @param snapshot returns `{ names, blobs }`: the monitor's histograms now
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

  /** Publishes the histograms now; resolves false if Redis did not take them. */
  publish() {
    const { names, blobs } = this.#snapshot()
    return this.#store.publish(this.#instance, names, blobs, this.#ttlMs)
  }

  /** Claims `claim` for the fleet for `ttlMs`: `'claimed'`, `'taken'` (by another instance) or `'unavailable'`. */
  claim(claim, ttlMs) {
    return this.#store.claim(claim, Math.min(ttlMs, 2 ** 32 - 1))
  }

  /** `{ instances, names, blobs }` of every live instance (`name`'s blobs only, if given); rejects if Redis cannot be read. */
  collect(name) {
    return this.#store.collect(name ?? null)
  }
}

module.exports = { FleetLink }
