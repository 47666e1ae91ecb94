// One app instance for the multi-instance tests: a Node process with a
// two-tier SimpleCache on the test's Redis and, when given limiter options,
// a fleet RateLimiter, driven over IPC by the test.
// argv: <redis url> <cache name> [redis options as JSON] [other cache options as JSON]
//       [limiter options as JSON: { maxRequests, windowMs, clockShiftMs, ...RateLimiter options }]
'use strict'

const { serveOps } = require('./serve-ops.cjs')

const limiterJson = process.argv[6] ?? 'null'
const limiterOptions = JSON.parse(limiterJson)
// An instance whose wall clock is off: every Date.now() (hence exactNow) is shifted.
if (limiterOptions?.clockShiftMs) {
  const realNow = Date.now
  Date.now = () => realNow() + limiterOptions.clockShiftMs
}

const path = require('node:path')
const root = path.join(__dirname, '..', '..')
const { SimpleCache, cacheAside, RateLimiter } = require(path.join(root, 'lib', 'cache.js'))
const { redisStatus, closeRedis } = require(path.join(root, 'lib', 'redis.js'))
const { PerformanceMonitor } = require(path.join(root, 'lib', 'performance.js'))

const [url, name, redisJson = '{}', cacheJson = '{}'] = process.argv.slice(2)
const cache = new SimpleCache(10_000, 300, { ...JSON.parse(cacheJson), redis: { url, ...JSON.parse(redisJson) }, name })
const nowMs = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let unhandled = 0
process.on('unhandledRejection', () => unhandled++)

let limiter = null
if (limiterOptions) {
  const { maxRequests, windowMs, clockShiftMs, ...options } = limiterOptions
  limiter = new RateLimiter(maxRequests, windowMs, { ...options, redis: { url, ...JSON.parse(redisJson) }, name })
}
const randomPause = (maxMs) => (Math.random() < 0.5 ? new Promise((r) => setImmediate(r)) : sleep(Math.random() * maxMs))

let fetches = 0
/** The fleet-view tests' monitor on the same Redis, made by the `monitor` op. */
let monitor
const ops = {
  monitor: (monitorName, fleetIntervalMs) => {
    monitor = new PerformanceMonitor({ redis: { url, ...JSON.parse(redisJson) }, name: monitorName, fleetIntervalMs, caches: { [name]: cache } })
  },
  record: (metric, durations) => durations.forEach((d) => monitor.record(metric, d)),
  /** `count` timed runs of `metric` that throw. */
  fail: (metric, count) => Promise.all(Array.from({ length: count }, () => monitor.time(metric, () => Promise.reject(new Error('x'))).catch(() => {}))),
  publish: () => monitor.publish(),
  set: (key, value) => cache.set(key, value),
  delete: (key) => cache.delete(key),
  clear: () => cache.clear(),
  get: (key) => cache.get(key),
  getMany: (keys) => keys.map((k) => cache.get(k)),
  flush: () => cache.flush(),
  /** cacheAside with a fetcher that resolves `fetched` (a marker the tests recognise). */
  aside: (key, fetched = 'fetched') => cacheAside(key, async () => fetched, cache),
  stats: () => cache.stats(),
  status: () => redisStatus(),
  unhandled: () => unhandled,
  fetches: () => fetches,
  /** Runs `op` now and returns the time it ran (epoch ms, sub-ms precision). */
  timed: (op, ...args) => {
    const at = nowMs()
    ops[op](...args)
    return at
  },
  /** Resolves the time L1's value for `key` first differs from `before` (polled every turn of the loop). */
  watch: async (key, before, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      const v = cache.get(key)
      if (JSON.stringify(v) !== JSON.stringify(before)) return nowMs()
      await new Promise((r) => setImmediate(r))
    }
    return null
  },
  /** `callers` concurrent cacheAside calls for `key`, with a fetcher taking `fetchMs`. */
  herd: async (key, callers, fetchMs) => {
    const fetcher = async () => {
      fetches++
      await sleep(fetchMs)
      return { from: process.pid }
    }
    const values = await Promise.all(Array.from({ length: callers }, () => cacheAside(key, fetcher, cache)))
    return values.map((v) => v.from)
  },
  /** `count` cacheAside calls over `keySpace` keys (TTL `ttlSeconds`), paced by a 1 ms pause every 10; each one timed. */
  load: async (count, keySpace, ttlSeconds) => {
    const latencies = []
    let failures = 0
    for (let i = 0; i < count; i++) {
      const key = `load:${i % keySpace}`
      const t = performance.now()
      try {
        await cacheAside(key, async () => ({ key, at: Date.now() }), cache, ttlSeconds)
      } catch {
        failures++
      }
      latencies.push(performance.now() - t)
      if (i % 10 === 0) await sleep(1)
    }
    latencies.sort((a, b) => a - b)
    return { failures, p50: latencies[Math.floor(count / 2)], max: latencies[count - 1] }
  },
  close: () => closeRedis(),
  /**
   * `count` limiter.consume calls, each for a random one of `ids`, after a
   * random pause up to `maxPauseMs`. Returns each decision with the time it
   * took to settle (ms) and the local time it was asked (epoch ms).
   */
  consumeRun: async (ids, count, maxPauseMs) => {
    const log = []
    for (let i = 0; i < count; i++) {
      const id = ids[Math.floor(Math.random() * ids.length)]
      const askedMs = nowMs()
      const t = performance.now()
      const d = await limiter.consume(id)
      log.push({ id, allowed: d.allowed, remaining: d.remaining, retryAfterMs: d.retryAfterMs, atMs: d.atMs ?? null, reason: d.reason ?? null, askedMs, tookMs: performance.now() - t })
      await randomPause(maxPauseMs)
    }
    return log
  },
  limiterStats: () => limiter.stats(),
  /** limiter.isAllowed for a random one of `ids` every ~`everyMs` for `durationMs`; returns the admissions `[id, epoch ms]`. */
  allowRun: async (ids, durationMs, everyMs) => {
    const admitted = []
    const end = performance.now() + durationMs
    while (performance.now() < end) {
      const id = ids[Math.floor(Math.random() * ids.length)]
      if (limiter.isAllowed(id)) admitted.push([id, nowMs()])
      await sleep(everyMs)
    }
    return admitted
  },
}

serveOps(ops)
