// metricsDashboard: one GET route handler that serves a self-contained
// dashboard page and, at `?format=json` (or `Accept: application/json`), the
// data it refreshes from. The page holds no data (it fetches it and builds
// its DOM with textContent), so a metric name or metadata value can never be
// markup. The history the charts draw is sampled by an unref'd timer into a
// fixed ring (MetricsHistory): it neither keeps Node alive nor grows.
'use strict'

const { createHash, timingSafeEqual } = require('node:crypto')
const { hostname } = require('node:os')
const { describe, objectArg, countArg } = require('./argument-checks.js')
const { MetricsHistory } = require('./metrics-history.js')
const { DASHBOARD_PAGE, DASHBOARD_CSP } = require('./dashboard-page.js')

const FN = 'metricsDashboard'
const DEFAULT_REFRESH_INTERVAL_MS = 5_000
const DEFAULT_SAMPLE_INTERVAL_MS = 10_000
const DEFAULT_HISTORY_MS = 15 * 60_000
/** Samples a history may hold: bounds memory at this many x subjects x 5 doubles. */
const MAX_SAMPLES = 1_000
const MAX_INTERVAL_MS = 3_600_000
/** Longest exemplar metadata sent, as JSON text: a page of metadata is a bug, not a clue. */
const MAX_METADATA_CHARS = 1_000
const OPTIONS = ['monitor', 'caches', 'limiters', 'token', 'authorize', 'enabled', 'refreshIntervalMs', 'sampleIntervalMs', 'historyMs']

/** Numbers sampled per subject; rates and interval hit rates are derived from the cumulative ones. */
const FIELDS = { metrics: 5, caches: 4, limiters: 2 }

const HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' }
/** Identifies this process in the JSON (the fleet view identifies it by `fleet.instance`). */
const INSTANCE = `${hostname()}:${process.pid}`

/**
 * `metricsDashboard` with the package's default instances filled in
 * (lib/performance.js passes perfMonitor, apiCache/dataCache, apiRateLimiter).
 */
function dashboardWithDefaults(defaults) {
  /**
   * A GET route handler (`Request` in, `Response` out) serving the metrics
   * dashboard page, and its JSON at `?format=json`.
   */
  return function metricsDashboard(options = {}) {
    return createDashboard(checkOptions({ ...defaults, ...objectArg(FN, options, 'options') }))
  }
}

function checkOptions(options) {
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw new TypeError(`${FN}: options.${key} is not an option (options are ${OPTIONS.join(', ')})`)
  }
  const { monitor, caches, limiters, token, authorize, enabled, refreshIntervalMs, sampleIntervalMs, historyMs } = options
  const checked = {}
  if (monitor !== undefined) {
    if (typeof monitor?.getSummary !== 'function' || typeof monitor.getExemplars !== 'function') {
      throw new TypeError(`${FN}: options.monitor must be a PerformanceMonitor, got ${describe(monitor)}`)
    }
    checked.monitor = monitor
  }
  if (caches !== undefined) checked.caches = statsBag(caches, 'caches', 'a cache')
  if (limiters !== undefined) checked.limiters = statsBag(limiters, 'limiters', 'a RateLimiter')
  if (token !== undefined) {
    if (typeof token !== 'string') throw new TypeError(`${FN}: options.token must be a string, got ${describe(token)}`)
    // An empty token (an unset-but-declared env var) would let anyone in with an empty one.
    if (token === '') throw new RangeError(`${FN}: options.token must not be empty, got ""`)
    checked.tokenDigest = digest(token)
  }
  if (authorize !== undefined) {
    if (typeof authorize !== 'function') throw new TypeError(`${FN}: options.authorize must be a function, got ${describe(authorize)}`)
    checked.authorize = authorize
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    throw new TypeError(`${FN}: options.enabled must be a boolean, got ${describe(enabled)}`)
  }
  checked.enabled = enabled
  checked.refreshIntervalMs = interval(refreshIntervalMs, 'refreshIntervalMs', DEFAULT_REFRESH_INTERVAL_MS)
  checked.sampleIntervalMs = interval(sampleIntervalMs, 'sampleIntervalMs', DEFAULT_SAMPLE_INTERVAL_MS)
  checked.historyMs = historyMs === undefined ? DEFAULT_HISTORY_MS : countArg(FN, historyMs, 'options.historyMs', MAX_INTERVAL_MS * 24)
  const samples = Math.floor(checked.historyMs / checked.sampleIntervalMs)
  if (samples < 2 || samples > MAX_SAMPLES) {
    throw new RangeError(
      `${FN}: options.historyMs must hold 2 to ${MAX_SAMPLES} samples of options.sampleIntervalMs, got ${checked.historyMs} ms / ${checked.sampleIntervalMs} ms`,
    )
  }
  return checked
}

function interval(value, name, fallback) {
  return value === undefined ? fallback : countArg(FN, value, `options.${name}`, MAX_INTERVAL_MS)
}

/** `{ name: thing with stats() }` as entries. */
function statsBag(bag, option, what) {
  objectArg(FN, bag, `options.${option}`)
  return Object.entries(bag).map(([name, item]) => {
    if (typeof item?.stats !== 'function') throw new TypeError(`${FN}: options.${option}.${name} must be ${what} with stats(), got ${describe(item)}`)
    return [name, item]
  })
}

const digest = (text) => createHash('sha256').update(text).digest()

function createDashboard(config) {
  const { monitor, caches, limiters, refreshIntervalMs, sampleIntervalMs, historyMs } = config
  const history = new MetricsHistory(Math.floor(historyMs / sampleIntervalMs), FIELDS)

  sample(history, monitor, caches, limiters)
  startSampling(new WeakRef(history), sampleIntervalMs, monitor, caches, limiters)

  function snapshot() {
    const summary = monitor.getSummary()
    const cacheStats = caches.map(([name, c]) => [name, c.stats()])
    const times = history.times()
    const perSecond = (counts) => perInterval(counts, times, true)
    return {
      instance: INSTANCE,
      generatedAt: new Date().toISOString(),
      refreshIntervalMs,
      sampleIntervalMs,
      historyMs,
      times,
      metrics: Object.entries(summary).map(([name, stats]) => {
        const [count, errors, p50, p95, p99] = history.series('metrics', name) ?? emptySeries(times, FIELDS.metrics)
        return {
          name,
          stats,
          exemplars: (monitor.getExemplars(name) ?? []).map(exemplarView),
          history: { p50, p95, p99, ratePerS: perSecond(count), errorsPerS: perSecond(errors) },
        }
      }),
      caches: cacheStats.map(([name, stats]) => {
        const [hits, misses, size, evictions] = history.series('caches', name) ?? emptySeries(times, FIELDS.caches)
        const lookups = perInterval(hits.map((h, i) => (h === null || misses[i] === null ? null : h + misses[i])), times, false)
        const hitRate = perInterval(hits, times, false).map((h, i) => (h === null || !lookups[i] ? null : round2((100 * h) / lookups[i])))
        return { name, stats, history: { hitRate, size, evictions: perInterval(evictions, times, false) } }
      }),
      limiters: limiters.map(([name, l]) => {
        const [tracked, refused] = history.series('limiters', name) ?? emptySeries(times, FIELDS.limiters)
        return { name, stats: l.stats(), history: { tracked, refusedPerS: perSecond(refused) } }
      }),
      alerts: alertStates(monitor.alertRules ?? [], summary, cacheStats),
      // Filled in by fleetView: it reads Redis, and snapshot() stays synchronous.
      fleet: null,
    }
  }

  /**
   * The monitor's fleet view (`fleetPayload`'s instances, merged summary and
   * each instance's own), null for a monitor without Redis, and `{ error }`
   * when Redis cannot be read: the dashboard still answers with this instance's view.
   */
  async function fleetView() {
    if (typeof monitor.fleetInstance !== 'string') return null
    try {
      const { instances, summary, perInstance } = await monitor.fleetPayload()
      return { instance: monitor.fleetInstance, instances, summary, perInstance }
    } catch (err) {
      return { error: err instanceof Error ? err.message : String(err) }
    }
  }

  /** 200, or the status to refuse with: 404 while off, 401 without a valid credential. */
  async function admission(request, url) {
    const { enabled, tokenDigest, authorize } = config
    if (enabled === false) return 404
    if (tokenDigest === undefined && authorize === undefined) {
      return enabled === true || process.env.NODE_ENV !== 'production' ? 200 : 404
    }
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1] ?? url.searchParams.get('token')
    if (tokenDigest !== undefined && bearer && timingSafeEqual(digest(bearer), tokenDigest)) return 200
    if (authorize !== undefined && (await authorize(request)) === true) return 200
    return 401
  }

  return async function GET(request) {
    // Reading the URL and headers first is also what makes Next.js treat the
    // route as dynamic (never prerendered) under cacheComponents.
    const url = new URL(request.url)
    const accept = request.headers.get('accept') ?? ''
    const status = await admission(request, url)
    if (status === 404) return new Response('Not Found', { status, headers: { ...HEADERS, 'content-type': 'text/plain' } })
    if (status === 401) {
      const headers = { ...HEADERS, 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="hotpath metrics"' }
      return new Response('Unauthorized', { status, headers })
    }
    if (url.searchParams.get('format') === 'json' || (accept.includes('application/json') && !accept.includes('text/html'))) {
      const data = snapshot()
      data.fleet = await fleetView()
      return new Response(JSON.stringify(data), { headers: { ...HEADERS, 'content-type': 'application/json' } })
    }
    const headers = { ...HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-security-policy': DASHBOARD_CSP }
    return new Response(DASHBOARD_PAGE, { headers })
  }
}

/**
 * Samples into the ring `held` refers to every `intervalMs` on an unref'd
 * timer. The timer holds the ring weakly (and lives outside createDashboard,
 * whose closures would hold it strongly): a handler dropped, as when a dev
 * server re-evaluates the route, takes its ring with it and stops its timer.
 */
function startSampling(held, intervalMs, monitor, caches, limiters) {
  const timer = setInterval(() => {
    const history = held.deref()
    if (history === undefined) clearInterval(timer)
    else sample(history, monitor, caches, limiters)
  }, intervalMs)
  timer.unref?.()
}

/** Appends one sample of every metric, cache and limiter to `history`. */
function sample(history, monitor, caches, limiters) {
  const summary = monitor.getSummary()
  history.add(Date.now(), {
    metrics: Object.entries(summary).map(([name, s]) => [name, [s.count, s.errors ?? 0, s.window?.p50, s.window?.p95, s.window?.p99]]),
    caches: caches.map(([name, c]) => {
      const s = c.stats()
      return [name, [s.hits, s.misses, s.size, s.evictions]]
    }),
    limiters: limiters.map(([name, l]) => {
      const s = l.stats()
      return [name, [s.tracked, s.refused]]
    }),
  })
}

const round2 = (n) => Math.round(n * 100) / 100

function emptySeries(times, width) {
  return Array.from({ length: width }, () => times.map(() => null))
}

/**
 * Per sample, the growth of a cumulative counter since the sample before
 * (per second when `perSecond`). A subject missing from the sample before
 * was not registered then, so it grew from 0. Null for the oldest sample,
 * where the subject is missing, and where the counter went down (a `clear()`).
 */
function perInterval(counts, times, perSecond) {
  return counts.map((c, i) => {
    if (i === 0 || c === null) return null
    const before = counts[i - 1] ?? 0
    if (c < before) return null
    return perSecond ? round2(((c - before) * 1000) / (times[i] - times[i - 1])) : c - before
  })
}

/** An exemplar for the page: metadata as JSON text, capped, whatever it holds (cycles, BigInt). */
function exemplarView({ durationMs, timestamp, error, metadata }) {
  let text
  try {
    text = metadata === undefined ? '' : JSON.stringify(metadata, (_, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? ''
  } catch {
    text = '[metadata that JSON cannot represent]'
  }
  if (text.length > MAX_METADATA_CHARS) text = `${text.slice(0, MAX_METADATA_CHARS)}…`
  return { durationMs, timestamp, error, metadata: text }
}

/**
 * Every alert rule against every subject it matches, as a traffic light:
 * `alert` past the threshold, `warn` past the rule's target (the guide's
 * Target column), `ok`, or `idle` under `minSamples`. It reads the same
 * numbers as `checkAlerts()` (window stats, lifetime hit rates) without
 * touching its failing/recovered state, which belongs to `onAlert` listeners.
 */
function alertStates(rules, summary, cacheStats) {
  const states = []
  for (const rule of rules) {
    const threshold = rule.above ?? rule.below
    const past = (value, limit) => (rule.above !== undefined ? value > limit : value < limit)
    const subjects =
      rule.metric === 'hitRate'
        ? cacheStats.map(([name, s]) => [name, s.hitRate, (s.hits ?? 0) + (s.misses ?? 0)])
        : Object.entries(summary).map(([name, s]) => [name, s.window?.[rule.metric] ?? null, s.window?.count ?? 0])
    for (const [subject, value, samples] of subjects) {
      if (!subject.startsWith(rule.match ?? '')) continue
      let state = 'ok'
      if (samples < (rule.minSamples ?? 0) || value === null) state = 'idle'
      else if (past(value, threshold)) state = 'alert'
      else if (rule.target !== undefined && past(value, rule.target)) state = 'warn'
      states.push({ rule: rule.name, metric: rule.metric, subject, value, samples, target: rule.target ?? null, threshold, state })
    }
  }
  return states
}

module.exports = { dashboardWithDefaults }
