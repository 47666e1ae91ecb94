import { PerformanceMonitor, perfMonitor } from 'hotpath/performance'
import { SimpleCache, apiCache, dataCache } from 'hotpath/cache'
import parsePrometheus from 'parse-prometheus-text-format'
import { timers, runner } from './support/timers'
import { itWithReference, loadReference } from './support/reference'

/** Latencies with a body near 10 ms and a long tail, from a fixed seed. */
function skewedLatencies(n: number, seed = 42): number[] {
  let state = seed
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  return Array.from({ length: n }, () => Math.min(3_600_000, 10 * Math.exp(-Math.log(1 - random()) * 1.5)))
}

/** The reference's percentile on sorted samples: rank min(n - 1, floor(p * n)). */
const exactPercentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]

const within = (got: number, want: number, relative: number) =>
  Math.abs(got - want) <= Math.max(relative * Math.abs(want), 0.01)

describe(`PerformanceMonitor.time (${runner})`, () => {
  it('resolves to what a sync fn returns and records the sample before settling', async () => {
    const m = new PerformanceMonitor()
    const value = { id: 1 }
    await expect(m.time('sync', () => value)).resolves.toBe(value)
    expect(m.getStats('sync')).toMatchObject({ count: 1, errors: 0 })
  })

  it('awaits an async fn and measures its duration', async () => {
    const m = new PerformanceMonitor()
    const result = await m.time('async', () => new Promise((resolve) => setTimeout(() => resolve('done'), 25)))
    expect(result).toBe('done')
    const stats = m.getStats('async')!
    expect(stats.count).toBe(1)
    expect(stats.min).toBeGreaterThanOrEqual(20)
  })

  it('rethrows the very error a sync fn throws and counts it as an error', async () => {
    const m = new PerformanceMonitor()
    const boom = new Error('boom')
    await expect(m.time('t', () => { throw boom })).rejects.toBe(boom)
    expect(m.getStats('t')).toMatchObject({ count: 1, errors: 1, errorRate: 100 })
  })

  it('rejects with the very value an async fn rejects with, and records it', async () => {
    const m = new PerformanceMonitor()
    const reason = { code: 'E_UPSTREAM' }
    await expect(m.time('t', async () => { throw reason })).rejects.toBe(reason)
    await m.time('t', async () => 1)
    expect(m.getStats('t')).toMatchObject({ count: 2, errors: 1, errorRate: 50 })
  })

  it('rejects a non-function fn with a TypeError and records nothing', async () => {
    const m = new PerformanceMonitor()
    await expect(m.time('t', 42 as never)).rejects.toThrow(new TypeError('PerformanceMonitor.time: fn must be a function, got 42'))
    await expect(m.time('', 42 as never)).rejects.toThrow(TypeError)
    await expect(m.time('t', () => 1, 'meta' as never)).rejects.toThrow(TypeError)
    expect(m.getMetricNames()).toEqual([])
  })

  it('runs the guide\'s custom-metric example unchanged', async () => {
    await perfMonitor.time('operation.name', async () => {
      // Your operation here
    }, { metadata: 'value' })
    const stats = perfMonitor.getStats('operation.name')!
    expect(`Average: ${stats.avg}ms, P95: ${stats.p95}ms`).toMatch(/^Average: [\d.]+ms, P95: [\d.]+ms$/)
    perfMonitor.clear('operation.name')
  })
})

describe(`PerformanceMonitor.record and bad input (${runner})`, () => {
  it.each([
    [-1, RangeError, 'PerformanceMonitor.record: durationMs must be a number from 0 to 3600000, got -1'],
    [NaN, RangeError, 'PerformanceMonitor.record: durationMs must be a number from 0 to 3600000, got NaN'],
    [Infinity, RangeError, 'PerformanceMonitor.record: durationMs must be a number from 0 to 3600000, got Infinity'],
    [3_600_001, RangeError, 'PerformanceMonitor.record: durationMs must be a number from 0 to 3600000, got 3600001'],
    ['5', TypeError, 'PerformanceMonitor.record: durationMs must be a number from 0 to 3600000, got "5"'],
  ])('rejects the duration %p and records nothing', (duration, Err, message) => {
    const m = new PerformanceMonitor()
    m.record('kept', 1)
    expect(() => m.record('kept', duration as number)).toThrow(new Err(message))
    expect(() => m.record('new', duration as number)).toThrow(Err)
    expect(m.getMetricNames()).toEqual(['kept'])
    expect(m.getStats('kept')!.count).toBe(1)
  })

  it('rejects empty, missing and huge names without tracking them', () => {
    const m = new PerformanceMonitor()
    expect(() => m.record('', 1)).toThrow(new RangeError('PerformanceMonitor.record: name must be a non-empty string, got ""'))
    expect(() => m.record(undefined as never, 1)).toThrow(TypeError)
    expect(() => m.record('x'.repeat(1 << 20), 1)).toThrow(
      new RangeError('PerformanceMonitor.record: name must be at most 256 characters, got a string of 1048576 characters'),
    )
    expect(() => m.getStats(null as never)).toThrow(TypeError)
    expect(m.getMetricNames()).toEqual([])
  })

  it('drops samples for names beyond maxNames, still runs what time() wraps, and keeps the others', async () => {
    const m = new PerformanceMonitor({ maxNames: 2 })
    m.record('a', 1)
    m.record('b', 1)
    m.record('c', 1)
    await expect(m.time('d', async () => 'served')).resolves.toBe('served')
    const boom = new Error('boom')
    await expect(m.time('d', () => { throw boom })).rejects.toBe(boom)
    expect(m.getStats('c')).toBeNull()
    m.record('a', 2)
    expect(m.getStats('a')!.count).toBe(2)
    expect(m.getMetricNames()).toEqual(['a', 'b'])
    m.clear('b')
    m.record('c', 1)
    expect(m.getMetricNames()).toEqual(['a', 'c'])
  })

  it('rejects bad constructor options', () => {
    expect(() => new PerformanceMonitor({ windowMs: 0 })).toThrow(RangeError)
    expect(() => new PerformanceMonitor({ caches: { x: {} as never } })).toThrow(TypeError)
    expect(() => new PerformanceMonitor({ alertRules: [{ name: 'r', metric: 'p90' as never, above: 1 }] })).toThrow(
      'PerformanceMonitor: rules[0].metric must be one of avg, p50, p95, p99, errorRate, hitRate, got "p90"',
    )
  })
})

describe(`PerformanceMonitor stats (${runner})`, () => {
  itWithReference('counts every sample ever recorded, where the reference stops at 1000', async () => {
    const { PerformanceMonitor: ReferenceMonitor } = await loadReference('performance')
    const m = new PerformanceMonitor()
    const ref = new ReferenceMonitor()
    for (let i = 0; i < 5000; i++) {
      m.record('n', i % 7)
      ref.record('n', i % 7)
    }
    expect(m.getStats('n')!.count).toBe(5000)
    expect(ref.getStats('n')!.count).toBe(1000)
  })

  itWithReference('agrees with the reference on count, avg, min, max and percentiles of the same samples', async () => {
    const { PerformanceMonitor: ReferenceMonitor } = await loadReference('performance')
    const m = new PerformanceMonitor()
    const ref = new ReferenceMonitor()
    for (const size of [1, 2, 10, 99, 1000]) {
      const name = `n${size}`
      for (const d of skewedLatencies(size, size)) {
        m.record(name, d)
        ref.record(name, d)
      }
      const ours = m.getStats(name)!
      const theirs = ref.getStats(name)!
      expect([ours.count, ours.avg, ours.min, ours.max]).toEqual([theirs.count, theirs.avg, theirs.min, theirs.max])
      for (const p of ['p50', 'p95', 'p99'] as const) {
        expect(within(ours[p], theirs[p], 0.005)).toBe(true)
      }
    }
    expect(m.getMetricNames()).toEqual(ref.getMetricNames())
  })

  it('keeps p50, p95 and p99 of 100,000 skewed latencies within 1 % of exact', () => {
    const m = new PerformanceMonitor()
    const samples = skewedLatencies(100_000)
    for (const d of samples) m.record('skewed', d)
    const sorted = [...samples].sort((a, b) => a - b)
    const stats = m.getStats('skewed')!
    expect(stats.count).toBe(100_000)
    expect(stats.avg).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / samples.length, 2)
    for (const [key, p] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
      expect(within(stats[key], exactPercentile(sorted, p), 0.01)).toBe(true)
    }
  })

  it('holds at most 64 KiB per name whatever the sample count', () => {
    const m = new PerformanceMonitor()
    m.record('n', 1)
    const first = m.footprintBytes('n')
    for (const d of skewedLatencies(200_000)) m.record('n', d)
    m.getStats('n')
    expect(m.footprintBytes('n')).toBe(first)
    expect(first).toBeLessThanOrEqual(64 * 1024)
  })

  it('returns null for unknown names and lists names in first-recorded order', () => {
    const m = new PerformanceMonitor()
    expect(m.getStats('nope')).toBeNull()
    m.record('b', 1)
    m.record('a', 2)
    expect(m.getMetricNames()).toEqual(['b', 'a'])
    expect(Object.keys(m.getSummary())).toEqual(['b', 'a'])
    expect(m.getSummary().a).toEqual(m.getStats('a'))
  })

  it('clears one name or all, and a cleared name starts from zero', () => {
    const m = new PerformanceMonitor()
    m.record('a', 5)
    m.record('b', 6)
    m.clear('a')
    expect(m.getMetricNames()).toEqual(['b'])
    m.record('a', 1)
    expect(m.getStats('a')).toMatchObject({ count: 1, max: 1 })
    m.clear()
    expect(m.getMetricNames()).toEqual([])
    expect(m.getStats('b')).toBeNull()
  })

  it('keeps the slowest five samples with their metadata', async () => {
    const m = new PerformanceMonitor()
    for (let i = 1; i <= 20; i++) m.record('route', i, { id: `req-${i}` })
    await expect(m.time('route', () => { throw new Error('x') }, { id: 'failed' })).rejects.toThrow('x')
    const kept = m.getExemplars('route')!
    expect(kept.map((e) => e.metadata)).toEqual([{ id: 'req-20' }, { id: 'req-19' }, { id: 'req-18' }, { id: 'req-17' }, { id: 'req-16' }])
    expect(kept[0]).toMatchObject({ durationMs: 20, error: false })
    expect(new Date(kept[0].timestamp).toISOString()).toBe(kept[0].timestamp)
    expect(m.getExemplars('unknown')).toBeNull()
  })
})

describe(`PerformanceMonitor rolling window (${runner})`, () => {
  afterEach(() => timers.useRealTimers())

  it('shows recent samples in window and drops them within the window span', () => {
    timers.useFakeTimers()
    const m = new PerformanceMonitor({ windowMs: 60_000 })
    m.record('n', 100)
    timers.advanceTimersByTime(30_000)
    m.record('n', 10)
    expect(m.getStats('n')!.window).toMatchObject({ windowMs: 60_000, count: 2, max: 100 })
    timers.advanceTimersByTime(31_000)
    expect(m.getStats('n')!.window).toMatchObject({ count: 1, max: 10 })
    timers.advanceTimersByTime(60_000)
    const stats = m.getStats('n')!
    expect(stats.window).toBeNull()
    expect(stats.count).toBe(2)
  })
})

describe(`PerformanceMonitor metrics route (${runner})`, () => {
  it('metricsPayload has the guide\'s /api/metrics shape', async () => {
    await perfMonitor.time('api.models.get', async () => 1)
    apiCache.get('missing-key')
    const body = JSON.parse(JSON.stringify(perfMonitor.metricsPayload()))
    expect(Object.keys(body)).toEqual(['summary', 'cache', 'timestamp'])
    expect(body.summary['api.models.get']).toMatchObject({ count: 1, avg: expect.any(Number), p50: expect.any(Number), p95: expect.any(Number) })
    for (const c of [body.cache.apiCache, body.cache.dataCache]) {
      expect(c).toMatchObject({ size: expect.any(Number), validEntries: expect.any(Number), totalHits: expect.any(Number), hitRate: expect.any(Number) })
    }
    expect(body.cache.apiCache).toEqual(JSON.parse(JSON.stringify(apiCache.stats())))
    expect(body.cache.dataCache).toEqual(JSON.parse(JSON.stringify(dataCache.stats())))
    expect(new Date(body.timestamp).toISOString()).toBe(body.timestamp)
    perfMonitor.clear('api.models.get')
  })

  it('exposes every histogram and cache counter as valid Prometheus text', () => {
    const cache = new SimpleCache(10, 60)
    cache.set('k', 1)
    cache.get('k')
    cache.get('nope')
    const m = new PerformanceMonitor({ caches: { pages: cache } })
    for (let i = 1; i <= 100; i++) m.record('api.quote"d\\name', i)
    m.record('db.query', 5)
    const text = m.prometheus()
    // Every line is a comment or `metric{labels} value`, as the 0.0.4 format requires.
    for (const line of text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+\{([a-z_]+="([^"\\\n]|\\["\\n])*",?)+\} (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?))$/)
    }
    // The parser throws on any malformed line; it groups families and their types.
    const families = parsePrometheus(text) as Array<{ name: string; type: string; metrics: Array<Record<string, any>> }>
    const byName = Object.fromEntries(families.map((f) => [f.name, f]))
    expect(byName.hotpath_duration_seconds.type).toBe('SUMMARY')
    // (It folds labelled summaries into one series, so their samples are read from the text.)
    const series = 'name="api.quote\\"d\\\\name"'
    expect(text).toContain(`hotpath_duration_seconds_count{${series}} 100\n`)
    expect(text).toContain(`hotpath_duration_seconds_sum{${series}} 5.05\n`)
    expect(text).toMatch(new RegExp(`hotpath_duration_seconds\\{name="db\\.query",quantile="0\\.99"\\} 0\\.005\\n`))
    const errors = byName.hotpath_errors_total.metrics.find((x) => x.labels.name === 'api.quote"d\\name')!
    expect(errors.value).toBe('0')
    expect(byName.hotpath_errors_total.type).toBe('COUNTER')
    const hits = byName.hotpath_cache_hits_total.metrics.find((x) => x.labels.cache === 'pages')!
    expect(Number(hits.value)).toBe(1)
    expect(Number(byName.hotpath_cache_misses_total.metrics[0].value)).toBe(1)
    expect(byName.hotpath_cache_entries.type).toBe('GAUGE')
  })

  it('exposes each name as a histogram whose cumulative buckets match the samples', () => {
    const m = new PerformanceMonitor()
    const samples = skewedLatencies(5000)
    for (const d of samples) m.record('api.skewed', d)
    const text = m.prometheus()
    // The parser reads one labelled histogram's buckets (it drops the labels, and with them _sum and _count, which are read from the text).
    const families = parsePrometheus(text) as Array<{ name: string; type: string; metrics: Array<Record<string, any>> }>
    const histogram = families.find((f) => f.name === 'hotpath_latency_seconds')!
    expect(histogram.type).toBe('HISTOGRAM')
    const { buckets } = histogram.metrics[0]
    const ladder = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '60', '+Inf']
    expect(Object.keys(buckets).sort((a, b) => Number(a) - Number(b))).toEqual(ladder)
    let previous = 0
    for (const le of ladder) {
      const count = Number(buckets[le])
      expect(text).toContain(`hotpath_latency_seconds_bucket{name="api.skewed",le="${le}"} ${count}\n`)
      expect(count).toBeGreaterThanOrEqual(previous) // cumulative
      previous = count
      const bound = le === '+Inf' ? Infinity : Number(le) * 1000
      // Every sample at or below le, and none more than the histogram's 1/128 resolution above it.
      expect(count).toBeGreaterThanOrEqual(samples.filter((d) => d <= bound).length)
      expect(count).toBeLessThanOrEqual(samples.filter((d) => d <= bound * (1 + 1 / 128)).length)
    }
    expect(Number(buckets['0.01'])).toBeGreaterThan(0)
    expect(Number(buckets['0.01'])).toBeLessThan(5000)
    expect(Number(buckets['+Inf'])).toBe(5000)
    expect(text).toContain('hotpath_latency_seconds_count{name="api.skewed"} 5000\n')
    const sum = Number(/hotpath_latency_seconds_sum\{name="api.skewed"\} (\S+)\n/.exec(text)![1])
    expect(sum).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / 1000, 6)

    m.record('db.one', 7)
    const two = m.prometheus()
    expect(two).toContain('hotpath_latency_seconds_bucket{name="db.one",le="0.005"} 0\n')
    expect(two).toContain('hotpath_latency_seconds_bucket{name="db.one",le="0.01"} 1\n')
    expect(two).toContain('hotpath_latency_seconds_bucket{name="db.one",le="+Inf"} 1\n')
  })
})

describe(`PerformanceMonitor alerts (${runner})`, () => {
  afterEach(() => timers.useRealTimers())

  it('defaults to the guide\'s thresholds', () => {
    expect(new PerformanceMonitor().alertRules.map((r) => [r.metric, r.above ?? r.below])).toEqual([
      ['avg', 500],
      ['p95', 1000],
      ['hitRate', 20],
    ])
  })

  it('calls back once when a rule starts failing and once when it recovers', () => {
    timers.useFakeTimers()
    const m = new PerformanceMonitor({ alertIntervalMs: 5_000 })
    const events: Array<{ rule: string; subject: string; status: string }> = []
    const off = m.onAlert((e) => events.push(e))
    for (let i = 0; i < 20; i++) m.record('api.slow', 800)
    m.record('db.slow', 3_000) // not under the api. prefix
    timers.advanceTimersByTime(5_000)
    timers.advanceTimersByTime(5_000)
    expect(events).toEqual([expect.objectContaining({ rule: 'api-response-avg', subject: 'api.slow', status: 'failing' })])
    timers.advanceTimersByTime(60_000) // the slow samples leave the window
    for (let i = 0; i < 20; i++) m.record('api.slow', 50)
    timers.advanceTimersByTime(5_000)
    expect(events.map((e) => e.status)).toEqual(['failing', 'recovered'])
    off()
  })

  it('alerts on a cache hit rate below 20 %', () => {
    const cache = new SimpleCache(10, 60)
    const m = new PerformanceMonitor({ caches: { apiCache: cache } })
    for (let i = 0; i < 10; i++) cache.get(`miss-${i}`)
    expect(m.checkAlerts()).toEqual([
      expect.objectContaining({ rule: 'cache-hit-rate', subject: 'apiCache', status: 'failing', value: 0, threshold: 20 }),
    ])
    expect(m.checkAlerts()).toEqual([])
  })

  it('judges custom rules such as error rate', async () => {
    const m = new PerformanceMonitor({ alertRules: [{ name: 'errors', metric: 'errorRate', above: 10, minSamples: 2 }] })
    await m.time('job', () => 1)
    await expect(m.time('job', () => Promise.reject(new Error('e')))).rejects.toThrow('e')
    expect(m.checkAlerts()).toEqual([expect.objectContaining({ rule: 'errors', subject: 'job', value: 50, status: 'failing' })])
    expect(() => m.setAlertRules([{ name: 'bad', metric: 'avg', above: 1, below: 2 }])).toThrow(TypeError)
    expect(m.alertRules.map((r) => r.name)).toEqual(['errors'])
  })
})
