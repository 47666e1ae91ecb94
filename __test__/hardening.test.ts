// Regressions from an adversarial pass (issue #12): each test names the
// defect's item number and states the behaviour that replaced it.
import { SimpleCache, cacheAside, RateLimiter } from 'hotpath/cache'
import { PerformanceMonitor } from 'hotpath/performance'
import parsePrometheus from 'parse-prometheus-text-format'
import { timers, runner } from './support/timers'
import { fullGc } from './support/gc'

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** Runs `body` with process warnings captured instead of printed. */
async function capturingWarnings(body: () => unknown): Promise<string[]> {
  const warnings: string[] = []
  const original = process.emitWarning
  process.emitWarning = ((w: string | Error) => warnings.push(String(w))) as typeof process.emitWarning
  try {
    await body()
  } finally {
    process.emitWarning = original
  }
  return warnings
}

describe(`hardening: RateLimiter identifiers (${runner})`, () => {
  it('1. accepts an identifier of any length, as the guide hands it x-forwarded-for', () => {
    const limiter = new RateLimiter(1, 60_000)
    const header = `${'9'.repeat(300)}, 10.0.0.1`
    const ip = header.split(',')[0] || 'anonymous'
    expect(limiter.isAllowed(ip)).toBe(true)
    expect(limiter.isAllowed(ip)).toBe(false)
    for (const m of ['remaining', 'retryAfterMs', 'check', 'headers', 'reset'] as const) {
      expect(() => (limiter as any)[m]('y'.repeat(1 << 20))).not.toThrow()
    }
  })

  it('1. keeps long identifiers that differ only in their last character apart', () => {
    const limiter = new RateLimiter(1, 60_000)
    const stem = 'x'.repeat(5_000)
    for (const last of ['a', 'b', '\uD800', '\uD801', '\uFFFD']) expect(limiter.isAllowed(stem + last)).toBe(true)
    expect(limiter.isAllowed(`${stem}a`)).toBe(false)
    expect(limiter.remaining(`${stem}\uD801`)).toBe(0)
    limiter.reset(`${stem}b`)
    expect(limiter.isAllowed(`${stem}b`)).toBe(true)
  })

  it('1. holds bounded memory per long identifier', async () => {
    const limiter = new RateLimiter(1, 60_000)
    await fullGc()
    const before = process.memoryUsage().heapUsed
    // 1,000 identifiers of 100,000 characters: 200 MB if held as they are.
    for (let i = 0; i < 1_000; i++) limiter.isAllowed(`${i}:`.padEnd(100_000, 'z'))
    await fullGc()
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20 << 20)
    expect(limiter.stats().tracked).toBe(1_000)
  })

  it('3. keeps identifiers with different lone surrogates apart', () => {
    const limiter = new RateLimiter(1, 60_000)
    for (const id of ['\uD800', '\uD801', '\uDC00', '\uFFFD']) expect(limiter.isAllowed(id)).toBe(true)
  })
})

describe(`hardening: SimpleCache range and flights (${runner})`, () => {
  it('2. takes maxSize up to 8,388,608, the largest a Map holds through unbounded churn, and refuses more', () => {
    expect(() => new SimpleCache(8_388_608)).not.toThrow()
    expect(() => new SimpleCache(8_388_609)).toThrow(
      new RangeError('new SimpleCache: maxSize must be a positive integer up to 8388608, got 8388609'),
    )
    expect(() => new SimpleCache(16_777_216)).toThrow(RangeError)
  })

  it('2. bounds the limiter\'s maxIdentifiers by the same Map limit', () => {
    expect(() => new RateLimiter(1, 1_000, { maxIdentifiers: 8_388_608 })).not.toThrow()
    expect(() => new RateLimiter(1, 1_000, { maxIdentifiers: 8_388_609 })).toThrow(
      new RangeError('new RateLimiter: options.maxIdentifiers must be a positive integer up to 8388608, got 8388609'),
    )
  })

  it('3. gives keys with different lone surrogates flights of their own', async () => {
    const cache = new SimpleCache()
    const slow = deferred<string>()
    const a = cacheAside('\uD800', () => slow.promise, cache)
    const fetchB = countingFn(() => Promise.resolve('B'))
    await expect(cacheAside('\uD801', fetchB, cache)).resolves.toBe('B')
    await expect(cacheAside('\uFFFD', () => Promise.resolve('C'), cache)).resolves.toBe('C')
    expect(fetchB.calls).toBe(1)
    slow.resolve('A')
    await expect(a).resolves.toBe('A')
    expect([cache.get('\uD800'), cache.get('\uD801'), cache.get('\uFFFD')]).toEqual(['A', 'B', 'C'])
  })

  it('9. does not cache a fetch whose fetcher wrote or deleted its key before returning', async () => {
    const cache = new SimpleCache()
    await expect(
      cacheAside('w', () => {
        cache.set('w', 'written')
        return Promise.resolve('fetched')
      }, cache),
    ).resolves.toBe('fetched')
    expect(cache.get('w')).toBe('written')

    cache.set('d', 'old')
    cache.delete('d')
    await expect(
      cacheAside('d', () => {
        cache.delete('d')
        return Promise.resolve('fetched')
      }, cache),
    ).resolves.toBe('fetched')
    expect(cache.get('d')).toBeNull()
  })

  it('10. gives a fetcher that asks for its own key the flight it is part of', async () => {
    const cache = new SimpleCache()
    let inner: unknown
    const outer = cacheAside('k', () => {
      inner = cacheAside('k', () => Promise.resolve('second'), cache)
      return Promise.resolve('first')
    }, cache)
    expect(inner).toBeInstanceOf(Promise)
    await expect(outer).resolves.toBe('first')
    await expect(inner).resolves.toBe('first')
    expect(cache.get('k')).toBe('first')
  })
})

describe(`hardening: PerformanceMonitor (${runner})`, () => {
  afterEach(() => timers.useRealTimers())

  it('4. resolves time() with what fn returns when clear() ran meanwhile, and drops the late sample', async () => {
    const m = new PerformanceMonitor()
    m.record('x', 1)
    const slow = deferred<string>()
    const timed = m.time('a', () => slow.promise)
    m.clear()
    m.record('b', 1) // takes id 0; `a` held id 1, now unknown to the engine
    slow.resolve('served')
    await expect(timed).resolves.toBe('served')
    for (let i = 0; i < 1_100; i++) m.record('b', 1)
    expect(() => m.getSummary()).not.toThrow()
    expect(m.getStats('b')!.count).toBe(1_101)
    expect(m.getStats('a')).toBeNull()
  })

  it('4. does not let a late sample of a cleared name land under the name that took its id', async () => {
    const m = new PerformanceMonitor()
    const slow = deferred<number>()
    const timed = m.time('a', () => slow.promise)
    m.clear('a')
    m.record('n', 5)
    slow.resolve(7)
    await expect(timed).resolves.toBe(7)
    expect(m.getStats('n')!.count).toBe(1)
    expect(m.getStats('a')).toBeNull()
  })

  it('5. runs what time() wraps when its name is bad, warning once', async () => {
    const m = new PerformanceMonitor()
    const handler = countingFn(() => Promise.resolve('ok'))
    const warnings = await capturingWarnings(async () => {
      await expect(m.time(`api.${'x'.repeat(300)}`, handler)).resolves.toBe('ok')
      await expect(m.time('', handler)).resolves.toBe('ok')
      await expect(m.time(undefined as never, handler)).resolves.toBe('ok')
      await expect(m.time({} as never, handler)).resolves.toBe('ok')
    })
    expect(handler.calls).toBe(4)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('PerformanceMonitor.time: name must be at most 256 characters')
    expect(m.getMetricNames()).toEqual([])
    await expect(m.time('', 42 as never)).rejects.toThrow(TypeError)
  })

  it('6. reports no stats for a name whose first time() is still running', async () => {
    const m = new PerformanceMonitor()
    const slow = deferred<void>()
    const timed = m.time('slow', () => slow.promise)
    expect(m.getStats('slow')).toBeNull()
    expect(m.getSummary()).toEqual({})
    expect(m.getMetricNames()).toEqual([])
    expect(JSON.stringify(m.metricsPayload())).not.toContain('null')
    slow.resolve()
    await timed
    expect(m.getStats('slow')).toMatchObject({ count: 1 })
    expect(m.getMetricNames()).toEqual(['slow'])
  })

  it('7. fills the rolling window again after the clock steps back, and alerts on it', () => {
    timers.useFakeTimers()
    timers.setSystemTime(1_700_000_000_000)
    const m = new PerformanceMonitor()
    m.record('api.x', 10)
    timers.setSystemTime(1_700_000_000_000 - 120_000)
    for (let i = 0; i < 20; i++) m.record('api.x', 2_000)
    expect(m.getStats('api.x')!.window).toMatchObject({ count: 20, p95: expect.any(Number) })
    const failing = m.checkAlerts().filter((e) => e.status === 'failing').map((e) => e.rule)
    expect(failing).toContain('api-response-p95')
  })

  it('11. exposes names that differ only in lone surrogates as distinct series', () => {
    const m = new PerformanceMonitor()
    for (const name of ['\uD800', '\uD801', '\uDC00', '\uFFFD', 'ok\uD83D\uDE00']) m.record(name, 1)
    const text = m.prometheus()
    const family = parsePrometheus(text).find((f: { name: string }) => f.name === 'hotpath_errors_total')
    const labels = family.metrics.map((s: { labels: { name: string } }) => s.labels.name)
    expect(new Set(labels).size).toBe(5)
    expect(labels).toEqual(expect.arrayContaining(['\\uD800', '\\uD801', '\\uDC00', '\uFFFD', 'ok\uD83D\uDE00']))
  })

  it('12. rejects, never throws, when fn returns a thenable whose then getter throws', async () => {
    const m = new PerformanceMonitor()
    const err = new Error('then')
    let timed: Promise<unknown> | undefined
    expect(() => {
      timed = m.time('t', () => ({
        get then() {
          throw err
        },
      }))
    }).not.toThrow()
    await expect(timed).rejects.toBe(err)
    expect(m.getStats('t')).toMatchObject({ count: 1, errors: 1 })
  })
})

describe(`hardening: argument edges (${runner})`, () => {
  it('13. names a BigInt as one', () => {
    expect(() => new SimpleCache(10n as never)).toThrow(new TypeError('new SimpleCache: maxSize must be a positive integer, got 10n'))
  })

  it.each([1e300, 1e-300, 1.5, 31_536_000_001])('13. refuses windowMs %s: a whole number of ms up to a year', (windowMs) => {
    expect(() => new RateLimiter(1, windowMs)).toThrow(
      new RangeError(`new RateLimiter: windowMs must be a positive integer up to 31536000000, got ${windowMs}`),
    )
  })

  it('13. keeps every header a plain integer at the longest window', () => {
    const limiter = new RateLimiter(1, 31_536_000_000)
    limiter.isAllowed('ip')
    const { allowed, retryAfterMs, headers } = limiter.check('ip')
    expect(allowed).toBe(false)
    expect(retryAfterMs).toBeGreaterThan(0)
    for (const value of Object.values(headers)) expect(value).toMatch(/^\d+$/)
    expect(Number(headers['Retry-After'])).toBe(31_536_000)
  })
})

/** A counting function, the same under both runners. */
function countingFn<A extends unknown[], R>(impl: (...args: A) => R) {
  const fn = (...args: A) => {
    fn.calls++
    return impl(...args)
  }
  fn.calls = 0
  return fn
}
