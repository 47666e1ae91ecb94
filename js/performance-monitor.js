// PerformanceMonitor: the JS front of the latency monitor. `time` and
// `record` never cross into Rust: they look the name up in a Map and append
// (id, duration, time) to a Float64Array sample log that the engine replays once per
// 1,024 samples or when stats are read (see docs/boundary.md). Histograms, windows,
// alert rules and the Prometheus text live in the engine; exemplars keep JS
// metadata objects, so they stay here.
//
// Invariants a change here must keep:
// - Per-name state in the front (`#exemplars`, `#exemplarFloor`,
//   `#registeredAs`) is indexed by the engine's id for the name. The engine
//   hands out the lowest free id, so ids stay below `maxNames` and these fit
//   arrays sized once; the hot path's exemplar check is then one typed-array
//   load, not a Map lookup. Clearing a name resets its entries before the
//   engine can hand its id to another name.
// - The sample log only ever holds ids the engine has registered: `time` notes
//   which registration of its id it started under (`#registeredAs`), and a
//   sample whose name was cleared meanwhile is dropped, not pushed, so a late
//   sample can neither fail the request it measures nor land under the name
//   that took its id.
// - A name is tracked from its first `time` or `record`, but it has stats
//   (in `getStats`, `getSummary`, `getMetricNames`) only once a sample landed.
'use strict'

const { MonitorEngine, mergeFleet } = require('./binding.js')
const { now } = require('./clock.js')
const { describe, shortKeyArg, durationMsArg, objectArg, optionalObjectArg, functionArg, countArg } = require('./argument-checks.js')
const { DEFAULT_ALERT_RULES, alertRulesArg } = require('./alert-rules.js')
const { noteTiming } = require('./server-timing.js')
const { AlertWebhook, alertWebhookArg } = require('./alert-webhook.js')
const { FleetLink, mergeCacheStats } = require('./fleet-monitor.js')

/** Samples buffered before the engine records them: one call per 1,024. */
const LOG_SAMPLES = 1024
// Sample and stats block layouts, the cache fields the engine reads, and
// the histogram's range (`record` refuses longer durations; `time` clamps them
// into the top bucket), from src/wire.rs.
const { SAMPLE_WORDS, STATS_WORDS, CACHE_SNAPSHOT_FIELDS, MAX_DURATION_MS, LATENCY_BUCKET_BOUNDS_MS } = require('./wire.js')
const MAX_NAME_LENGTH = 256
const DEFAULT_MAX_NAMES = 1000
const DEFAULT_WINDOW_MS = 60_000
const DEFAULT_ALERT_INTERVAL_MS = 10_000
/** Slowest samples kept per name, with their metadata. */
const EXEMPLARS = 5

const round2 = (n) => Math.round(n * 100) / 100
/** A UTF-16 code unit that is half of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/**
 * `name` as the engine stores it (the Prometheus `name` label, alert
 * subjects): the engine's strings are UTF-8, where every lone surrogate
 * would become U+FFFD and distinct names one series. Each is written as
 * `\uD800`-style text instead; valid names pass unchanged.
 */
function engineName(name) {
  return name.replace(LONE_SURROGATE, (unit) => `\\u${unit.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Runs `fn` as `time` does, without timing it. */
function untimed(fn) {
  try {
    return Promise.resolve(fn())
  } catch (err) {
    return Promise.reject(err)
  }
}

/**
 * Latency monitor, drop-in for the reference `PerformanceMonitor`: the same
 * methods and shapes, with all-time counts, HDR percentiles in bounded memory,
 * errors, a rolling window, exemplars, a metrics payload, Prometheus text and
 * alert rules.
 */
class PerformanceMonitor {
  #engine
  #windowMs
  #maxNames
  #caches
  #ids = new Map()

  #samples = new Float64Array(LOG_SAMPLES * SAMPLE_WORDS)
  #sampleCount = 0
  #out = new Float64Array(2 * STATS_WORDS)

  #exemplars = []
  #exemplarFloor

  #alertRules
  #alertIntervalMs
  #listeners = new Set()
  #alertTimer = null
  #warnedFull = false
  #warnedBadName = false
  /** Per id, the registration it holds now (0: none); see the invariants above. */
  #registeredAs
  #registrations = 0
  #alertWebhook = null
  #fleet = null
  #fleetAlerts = false

  /**
   * @param options.windowMs span of the rolling-window stats (default 60000)
   * @param options.maxNames most metric names tracked at once (default 1000)
   * @param options.caches caches (`{ name: SimpleCache }`) in `metricsPayload`, Prometheus text and hit-rate alerts (default none)
   * @param options.alertRules alert rules (default: the guide's thresholds)
   * @param options.alertIntervalMs how often rules are checked while `onAlert` has listeners (default 10000)
   * @param options.alertWebhook a URL (or `{ url, timeoutMs, retries, backoffMs }`) each alert transition is POSTed to (default none)
   * @param options.redis a Redis URL or `{ url, prefix, ... }`: publish to and read the fleet view (default none)
   * @param options.name the fleet's namespace on Redis (default `perfMonitor`)
   * @param options.fleetIntervalMs how often the histograms are published (default 10000)
   * @param options.alertsOn `'instance'` (default) or `'fleet'`: what the timer's alert checks judge
   */
  constructor(options = {}) {
    const fn = 'new PerformanceMonitor'
    objectArg(fn, options, 'options')
    const {
      windowMs = DEFAULT_WINDOW_MS,
      maxNames = DEFAULT_MAX_NAMES,
      caches = {},
      alertRules = DEFAULT_ALERT_RULES,
      alertIntervalMs = DEFAULT_ALERT_INTERVAL_MS,
      alertWebhook,
      redis,
      alertsOn = 'instance',
    } = options
    this.#windowMs = countArg(fn, windowMs, 'options.windowMs', 2 ** 31 - 1)
    this.#maxNames = countArg(fn, maxNames, 'options.maxNames', 1_000_000)
    this.#alertIntervalMs = countArg(fn, alertIntervalMs, 'options.alertIntervalMs', 2 ** 31 - 1)
    if (caches === null || typeof caches !== 'object') throw new TypeError(`${fn}: options.caches must be an object, got ${describe(caches)}`)
    for (const [name, cache] of Object.entries(caches)) {
      if (typeof cache?.stats !== 'function') {
        throw new TypeError(`${fn}: options.caches.${name} must be a cache with stats(), got ${describe(cache)}`)
      }
    }
    const { rules, specs } = alertRulesArg(fn, alertRules)
    const webhook = alertWebhookArg(fn, alertWebhook)
    this.#caches = Object.entries(caches)
    this.#engine = new MonitorEngine(this.#windowMs)
    this.#engine.setAlertRules(specs)
    this.#alertRules = rules
    this.#exemplarFloor = new Float64Array(this.#maxNames).fill(-1)
    this.#registeredAs = new Float64Array(this.#maxNames)
    if (alertsOn !== 'instance' && alertsOn !== 'fleet') {
      throw new RangeError(`${fn}: options.alertsOn must be 'instance' or 'fleet', got ${describe(alertsOn)}`)
    }
    if (alertsOn === 'fleet' && redis === undefined) {
      throw new TypeError(`${fn}: options.alertsOn 'fleet' needs options.redis`)
    }
    this.#fleetAlerts = alertsOn === 'fleet'
    if (redis !== undefined) {
      this.#fleet = new FleetLink(fn, options, () => {
        this.#flush()
        return { ...this.#engine.fleetSnapshot(now()), caches: this.#cacheStats() }
      })
    }
    if (webhook !== undefined) {
      // A listener like any other: the rules are then checked every alertIntervalMs.
      const delivery = new AlertWebhook(webhook)
      this.#alertWebhook = delivery
      const fleet = this.#fleet
      // With Redis, one instance of the fleet delivers each transition: the
      // first to claim it for this rule, subject, status and alert interval.
      const claim =
        fleet === null
          ? undefined
          : (event) => {
              const interval = Math.floor(Date.parse(event.at) / this.#alertIntervalMs)
              return fleet.claim(`${event.rule}|${event.subject}|${event.status}|${interval}`, 2 * this.#alertIntervalMs)
            }
      this.onAlert((event) => {
        delivery.deliver(event, claim)
      })
    }
  }

  /**
   * What `options.alertWebhook` did so far: `{ delivered, retried, failed, dropped, skipped }`
   * (transitions posted, attempts repeated, transitions given up after the
   * retries, transitions dropped while 100 were pending, transitions another
   * instance of the fleet claimed); `null` without a webhook.
   */
  get alertDeliveries() {
    return this.#alertWebhook === null ? null : this.#alertWebhook.counts
  }

  /**
   * Runs `fn`, records its duration (and an error if it throws or rejects),
   * and resolves to what it returns or rejects with exactly what it threw.
   * The sample is recorded before the promise settles. A metric problem
   * never fails the request: a bad name (empty, not a string, over 256
   * characters) or one past `maxNames` runs `fn` untimed, with one process
   * warning; a sample whose name was cleared while `fn` ran is dropped.
   * Only a non-function `fn` or non-object `metadata` rejects.
   */
  time(name, fn, metadata) {
    let id = this.#ids.get(name)
    if (id === undefined || typeof fn !== 'function' || (metadata !== undefined && typeof metadata !== 'object')) {
      try {
        functionArg('PerformanceMonitor.time', fn, 'fn')
        optionalObjectArg('PerformanceMonitor.time', metadata, 'metadata')
      } catch (err) {
        return Promise.reject(err)
      }
      id ??= this.#timedIdFor(name)
      if (id === -1) return untimed(fn)
    }
    const registration = this.#registeredAs[id]
    const start = performance.now()
    let result
    try {
      result = fn()
      // Inside the try: a `then` getter that throws rejects, as a throwing `fn` does.
      if (result !== null && (typeof result === 'object' || typeof result === 'function') && typeof result.then === 'function') {
        return Promise.resolve(result).then(
          (value) => {
            this.#pushTimed(name, id, registration, start, metadata, false)
            return value
          },
          (err) => {
            this.#pushTimed(name, id, registration, start, metadata, true)
            throw err
          },
        )
      }
    } catch (err) {
      this.#pushTimed(name, id, registration, start, metadata, true)
      return Promise.reject(err)
    }
    this.#pushTimed(name, id, registration, start, metadata, false)
    return Promise.resolve(result)
  }

  /** Records one duration in milliseconds (0 to 3,600,000) under `name`. */
  record(name, durationMs, metadata) {
    const label = 'PerformanceMonitor.record'
    let id = this.#ids.get(name)
    const checkedName = id === undefined ? shortKeyArg(label, name, 'name', MAX_NAME_LENGTH) : name
    if (typeof durationMs !== 'number' || !(durationMs >= 0 && durationMs <= MAX_DURATION_MS)) {
      durationMsArg(label, durationMs, MAX_DURATION_MS)
    }
    if (metadata !== undefined && typeof metadata !== 'object') optionalObjectArg(label, metadata, 'metadata')
    if (id === undefined) id = this.#idFor(checkedName)
    if (id !== -1) this.#push(id, durationMs, metadata, false)
  }

  /**
   * `{ count, avg, min, max, p50, p95, p99 }` in ms (two decimals) over every
   * sample ever recorded, plus `errors`, `errorRate` (%) and `window` (the same
   * over the last `windowMs`, or `null` if it is empty); `null` for a name
   * with no samples (as the reference), even while its first `time` runs.
   */
  getStats(name) {
    const id = this.#ids.get(shortKeyArg('PerformanceMonitor.getStats', name, 'name', MAX_NAME_LENGTH))
    if (id === undefined) return null
    this.#flush()
    return this.#statsOf(id, now())
  }

  /** `getStats` of every name with samples, by name. */
  getSummary() {
    this.#flush()
    const at = now()
    const summary = {}
    for (const [name, id] of this.#ids) {
      const stats = this.#statsOf(id, at)
      if (stats !== null) summary[name] = stats
    }
    return summary
  }

  /** Every name with samples recorded since it was last cleared, in first-tracked order. */
  getMetricNames() {
    return Object.keys(this.getSummary())
  }

  /** Forgets `name`, or every name when called without one. */
  clear(name) {
    if (name === undefined) {
      this.#sampleCount = 0
      this.#engine.clear()
      this.#ids.clear()
      this.#exemplars = []
      this.#exemplarFloor.fill(-1)
      this.#registeredAs.fill(0)
      return
    }
    const checkedName = shortKeyArg('PerformanceMonitor.clear', name, 'name', MAX_NAME_LENGTH)
    const id = this.#ids.get(checkedName)
    if (id === undefined) return
    this.#flush() // its pending samples must land before its id is reused
    this.#engine.remove(id)
    this.#ids.delete(checkedName)
    this.#exemplars[id] = undefined
    this.#exemplarFloor[id] = -1
    this.#registeredAs[id] = 0
  }

  /**
   * The slowest samples of `name` (up to 5, slowest first) with their
   * metadata: `{ durationMs, timestamp, error, metadata }`; `null` for an unknown name.
   */
  getExemplars(name) {
    const id = this.#ids.get(shortKeyArg('PerformanceMonitor.getExemplars', name, 'name', MAX_NAME_LENGTH))
    if (id === undefined) return null
    return (this.#exemplars[id] ?? []).map((e) => ({ ...e, timestamp: new Date(e.timestamp).toISOString() }))
  }

  /** The guide's `/api/metrics` body: `{ summary, cache: { [cacheName]: stats() }, timestamp }`. */
  metricsPayload() {
    return { summary: this.getSummary(), cache: this.#cacheStats(), timestamp: new Date(now()).toISOString() }
  }

  /** `{ [cacheName]: stats() }` of the caches this monitor reports. */
  #cacheStats() {
    const cache = {}
    for (const [name, c] of this.#caches) cache[name] = c.stats()
    return cache
  }

  /** Prometheus text exposition (format 0.0.4) of every metric and cache counter. */
  prometheus() {
    this.#flush()
    const [names, counters] = this.#cacheCounters()
    return this.#engine.exposition(now(), names, counters)
  }

  /** The rules in force (frozen copies). */
  get alertRules() {
    return this.#alertRules
  }

  /** Replaces the alert rules (see `options.alertRules`); nothing is failing afterwards. */
  setAlertRules(rules) {
    const checked = alertRulesArg('PerformanceMonitor.setAlertRules', rules)
    this.#engine.setAlertRules(checked.specs)
    this.#alertRules = checked.rules
  }

  /**
   * Calls `callback(event)` once when a rule starts failing for a subject and
   * once when it recovers. Rules are checked every `alertIntervalMs` (an
   * unref'd timer, running while there are listeners) and on `checkAlerts()`.
   * Returns a function that removes the listener.
   */
  onAlert(callback) {
    functionArg('PerformanceMonitor.onAlert', callback, 'callback')
    this.#listeners.add(callback)
    if (this.#alertTimer === null) {
      // On the fleet, a round Redis cannot answer is skipped: the next one judges the same windows.
      const check = this.#fleetAlerts ? () => this.#checkFleetAlerts().catch(() => {}) : () => this.checkAlerts()
      this.#alertTimer = setInterval(check, this.#alertIntervalMs)
      this.#alertTimer.unref?.()
    }
    return () => {
      this.#listeners.delete(callback)
      if (this.#listeners.size === 0 && this.#alertTimer !== null) {
        clearInterval(this.#alertTimer)
        this.#alertTimer = null
      }
    }
  }

  /**
   * Checks every rule now against the rolling window and the caches' hit
   * rates, calls the listeners with each change and returns the changes:
   * `{ rule, metric, subject, status: 'failing' | 'recovered', value, threshold, at }`.
   * A listener that throws is reported as a process warning; the rest still run.
   * With `{ fleet: true }` the rules judge the fleet's merged windows instead,
   * and the result is a promise (rejecting without `options.redis` or when
   * Redis cannot be read).
   */
  checkAlerts(options) {
    if (options !== undefined) {
      objectArg('PerformanceMonitor.checkAlerts', options, 'options')
      if (options.fleet === true) return this.#checkFleetAlerts()
    }
    this.#flush()
    const at = now()
    const [names, counters] = this.#cacheCounters()
    return this.#dispatch(this.#engine.evaluateAlerts(at, names, counters), at)
  }

  /** `checkAlerts({ fleet: true })`: the rules on the fleet's merged windows. */
  async #checkFleetAlerts() {
    const { names, blobs, owners } = await this.#fleetLink('PerformanceMonitor.checkAlerts').collect()
    const [cacheNames, counters] = this.#cacheCounters()
    return this.#dispatch(this.#engine.evaluateFleetAlerts(names, blobs, owners, cacheNames, counters), now())
  }

  /** The engine's alert changes as events, passed to every listener. */
  #dispatch(changes, at) {
    const events = changes.map((change) => {
      const rule = this.#alertRules[change.rule]
      return {
        rule: rule.name,
        metric: rule.metric,
        subject: change.subject,
        status: change.failing ? 'failing' : 'recovered',
        value: round2(change.value),
        threshold: rule.above ?? rule.below,
        at: new Date(at).toISOString(),
      }
    })
    for (const event of events) {
      for (const listener of this.#listeners) {
        try {
          listener(event)
        } catch (err) {
          process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'HotpathAlertListenerError')
        }
      }
    }
    return events
  }

  /** This instance's id in the fleet view (16 hex digits), or `null` without `options.redis`. */
  get fleetInstance() {
    return this.#fleet === null ? null : this.#fleet.instance
  }

  /**
   * Publishes this instance's histograms to the fleet view now (they are
   * also published every `fleetIntervalMs`); resolves false without
   * `options.redis` or if Redis did not take them. Never rejects.
   */
  async publish() {
    return this.#fleet === null ? false : this.#fleet.publish()
  }

  /**
   * `getStats(name)` merged over every live instance of the fleet (counts
   * and errors summed, percentiles from the merged histograms), plus
   * `instances`: how many reported `name`; `null` if none did. Rejects
   * without `options.redis`, or if Redis cannot be read.
   */
  async fleetStats(name) {
    const fn = 'PerformanceMonitor.fleetStats'
    const checked = shortKeyArg(fn, name, 'name', MAX_NAME_LENGTH)
    const { names, blobs, owners } = await this.#fleetLink(fn).collect(engineName(checked))
    const [merged] = mergeFleet(names, blobs, owners, false)
    return merged === undefined ? null : this.#fleetStatsOf(merged)
  }

  /** `getSummary()` merged over the fleet: `fleetStats` of every name any live instance reported. */
  async fleetSummary() {
    return (await this.#fleetSummary('PerformanceMonitor.fleetSummary', false)).summary
  }

  /**
   * `metricsPayload()` with the fleet's summary, plus `instances` (live
   * instances read) and `perInstance` (each live instance's own
   * `getSummary()` as it last published it, by fleet id, ids in order);
   * `cache` sums each cache's counters over the live instances (as each
   * last published them).
   */
  async fleetPayload() {
    const { instances, summary, perInstance, cache } = await this.#fleetSummary('PerformanceMonitor.fleetPayload', true)
    return { summary, perInstance, cache, instances, timestamp: new Date(now()).toISOString() }
  }

  /**
   * Every name with samples as its all-time histogram in the fixed buckets
   * of the Prometheus `_bucket` lines: `{ name, startMs, count, errors,
   * sumMs, minMs, maxMs, boundsMs, bucketCounts }`, where `bucketCounts[i]`
   * counts the samples above `boundsMs[i - 1]` and at most `boundsMs[i]`,
   * and one last count those above the top bound.
   */
  histograms() {
    this.#flush()
    return this.#engine.histograms(now()).map(({ name, startedMs, stats, bucketCounts }) => {
      const [count, errors, sumMs, minMs, maxMs] = stats
      return { name, startMs: startedMs, count, errors, sumMs, minMs, maxMs, boundsMs: LATENCY_BUCKET_BOUNDS_MS, bucketCounts }
    })
  }

  /** Bytes the engine holds for `name` (histograms and window); 0 if unknown. */
  footprintBytes(name) {
    const id = this.#ids.get(shortKeyArg('PerformanceMonitor.footprintBytes', name, 'name', MAX_NAME_LENGTH))
    return id === undefined ? 0 : this.#engine.footprintBytes(id)
  }

  /**
   * The id for `name`, registering it; -1 once `maxNames` names are tracked:
   * their samples are dropped (with one process warning) rather than failing
   * the request that `time` wraps.
   */
  #idFor(name) {
    let id = this.#ids.get(name)
    if (id !== undefined) return id
    if (this.#ids.size >= this.#maxNames) {
      if (!this.#warnedFull) {
        this.#warnedFull = true
        process.emitWarning(
          `hotpath: this PerformanceMonitor tracks ${this.#maxNames} names (options.maxNames); samples for other names, such as ${describe(name)}, are dropped`,
          { code: 'HOTPATH_MAX_NAMES' },
        )
      }
      return -1
    }
    id = this.#engine.register(engineName(name), now())
    this.#ids.set(name, id)
    this.#registeredAs[id] = ++this.#registrations
    return id
  }

  /** `#idFor` an unchecked name from `time`: -1, with one process warning, for a bad name. */
  #timedIdFor(name) {
    let checkedName
    try {
      checkedName = shortKeyArg('PerformanceMonitor.time', name, 'name', MAX_NAME_LENGTH)
    } catch (err) {
      if (!this.#warnedBadName) {
        this.#warnedBadName = true
        process.emitWarning(`hotpath: ${err.message}; such samples are dropped, and what time() wraps still runs`, {
          code: 'HOTPATH_BAD_METRIC_NAME',
        })
      }
      return -1
    }
    return this.#idFor(checkedName)
  }

  /**
   * Pushes a `time` sample of `name` that started under `registration` of `id`, unless
   * its name was cleared since, and adds it to the request's Server-Timing
   * entries if it ran inside `withServerTiming` (a promise reaction runs in
   * the async context of the `time` call that created it).
   */
  #pushTimed(name, id, registration, start, metadata, errored) {
    const durationMs = performance.now() - start
    if (this.#registeredAs[id] === registration) this.#push(id, durationMs, metadata, errored)
    noteTiming(name, durationMs, metadata, errored)
  }

  /** The hot path: three stores into the sample log, and an exemplar check. */
  #push(id, durationMs, metadata, errored) {
    const at = now()
    const i = this.#sampleCount * SAMPLE_WORDS
    const log = this.#samples
    log[i] = errored ? -1 - id : id
    log[i + 1] = durationMs
    log[i + 2] = at
    if (++this.#sampleCount === LOG_SAMPLES) this.#flush()
    if (durationMs > this.#exemplarFloor[id]) this.#keepExemplar(id, durationMs, at, errored, metadata)
  }

  /** Replays the sample log in the engine. */
  #flush() {
    if (this.#sampleCount === 0) return
    const count = this.#sampleCount
    this.#sampleCount = 0
    this.#engine.replay(this.#samples, count)
  }

  /** Inserts a sample among the slowest of `id`, dropping the fastest beyond `EXEMPLARS`. */
  #keepExemplar(id, durationMs, timestamp, error, metadata) {
    const kept = (this.#exemplars[id] ??= [])
    let at = kept.findIndex((e) => e.durationMs < durationMs)
    if (at === -1) at = kept.length
    kept.splice(at, 0, { durationMs, timestamp, error, metadata })
    if (kept.length > EXEMPLARS) kept.pop()
    if (kept.length === EXEMPLARS) this.#exemplarFloor[id] = kept[EXEMPLARS - 1].durationMs
  }

  /** The stats of `id` at `at`, or null while it has no samples. */
  #statsOf(id, at) {
    const out = this.#out
    this.#engine.stats(id, at, out)
    return out[0] === 0 ? null : this.#statsWithWindow(out)
  }

  /** The public stats of an all-time and a window block (the window `null` when empty). */
  #statsWithWindow(out) {
    const stats = statsFrom(out, 0)
    stats.window = out[STATS_WORDS] === 0 ? null : { windowMs: this.#windowMs, ...statsFrom(out, STATS_WORDS) }
    return stats
  }

  /** The fleet link, or a rejection naming `fn` on a monitor without `options.redis`. */
  #fleetLink(fn) {
    if (this.#fleet === null) {
      throw new Error(`${fn}: this monitor has no fleet view; create it with options.redis (perfMonitor: set HOTPATH_REDIS_URL)`)
    }
    return this.#fleet
  }

  /** One merged name from `mergeFleet` as public stats. */
  #fleetStatsOf(merged) {
    return { ...this.#statsWithWindow(Float64Array.from(merged.stats)), instances: merged.instances }
  }

  /** The fleet's merged summary and, with `perInstance`, each live instance's own (by fleet id, in id order). */
  async #fleetSummary(fn, perInstance) {
    const { instances, members, names, blobs, owners, caches } = await this.#fleetLink(fn).collect()
    const summary = {}
    const own = members.map(() => ({}))
    for (const merged of mergeFleet(names, blobs, owners, perInstance)) {
      summary[merged.name] = this.#fleetStatsOf(merged)
      const ownStats = Float64Array.from(merged.ownerStats)
      merged.owners.forEach((owner, i) => {
        own[owner][merged.name] = this.#statsWithWindow(ownStats.subarray(2 * STATS_WORDS * i, 2 * STATS_WORDS * (i + 1)))
      })
    }
    const byInstance = members.map((id, i) => [id, own[i]]).sort(([a], [b]) => (a < b ? -1 : 1))
    return { instances, summary, perInstance: Object.fromEntries(byInstance), cache: mergeCacheStats(caches) }
  }

  /** Cache names and their stats fields each, in the order the engine reads them. */
  #cacheCounters() {
    const counters = []
    for (const [, cache] of this.#caches) {
      const s = cache.stats()
      for (const field of CACHE_SNAPSHOT_FIELDS) counters.push(s[field] ?? 0)
    }
    return [this.#caches.map(([name]) => name), new Float64Array(counters)]
  }
}

/** The public stats object from one block the engine wrote at `offset`. */
function statsFrom(out, offset) {
  const [count, errors, sum, min, max, p50, p95, p99] = out.subarray(offset, offset + STATS_WORDS)
  return {
    count,
    avg: round2(sum / count),
    min: round2(min),
    max: round2(max),
    p50: round2(p50),
    p95: round2(p95),
    p99: round2(p99),
    errors,
    errorRate: round2((100 * errors) / count),
  }
}

module.exports = { PerformanceMonitor }
