import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { RateLimiter, SimpleCache } from 'hotpath/cache'
import { PerformanceMonitor, metricsDashboard, type MetricsDashboardData } from 'hotpath/performance'
import { setTimeout as sleep } from 'node:timers/promises'
import { fullGc } from './support/gc'
import { timers } from './support/timers'

const { MetricsHistory } = require('../js/metrics-history.js')

const HOSTILE = '<script>alert(1)</script>'

/** A dashboard over its own monitor, cache and limiter, so tests do not share state. */
function fixture(options: Parameters<typeof metricsDashboard>[0] = {}) {
  const monitor = new PerformanceMonitor()
  const cache = new SimpleCache(100, 60)
  const limiter = new RateLimiter(2, 60_000)
  const GET = metricsDashboard({ monitor, caches: { cache }, limiters: { limiter }, ...options })
  return { monitor, cache, limiter, GET }
}

const get = (GET: (r: Request) => Promise<Response>, path = '/', headers: Record<string, string> = {}) =>
  GET(new Request(`http://localhost${path}`, { headers }))

async function json(GET: (r: Request) => Promise<Response>, path = '/?format=json'): Promise<MetricsDashboardData> {
  const res = await get(GET, path)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/json')
  return res.json()
}

function inProduction(run: () => Promise<void>) {
  return async () => {
    const before = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    try {
      await run()
    } finally {
      process.env.NODE_ENV = before
    }
  }
}

describe('metricsDashboard guard', () => {
  it('serves the page and its JSON outside production with no options', async () => {
    const { GET } = fixture()
    const page = await get(GET)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('cache-control')).toBe('no-store')
    expect((await json(GET)).metrics).toEqual([])
  })

  it(
    'is 404, page and JSON, in production unless enabled or guarded',
    inProduction(async () => {
      const { GET } = fixture()
      expect((await get(GET)).status).toBe(404)
      expect((await get(GET, '/?format=json')).status).toBe(404)
      expect((await get(fixture({ enabled: true }).GET)).status).toBe(200)
    }),
  )

  it('is 404 everywhere when enabled is false, token or not', async () => {
    const { GET } = fixture({ enabled: false, token: 's3cret' })
    expect((await get(GET, '/?token=s3cret')).status).toBe(404)
  })

  it(
    'with a token, refuses requests without it (401, page and JSON) and serves those with it',
    inProduction(async () => {
      const { GET } = fixture({ token: 's3cret' })
      for (const path of ['/', '/?format=json', '/?token=wrong', '/?token=']) {
        const res = await get(GET, path)
        expect(res.status).toBe(401)
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /)
        expect(await res.text()).toBe('Unauthorized')
      }
      expect((await get(GET, '/', { authorization: 'Bearer wrong' })).status).toBe(401)
      const page = await get(GET, '/', { authorization: 'Bearer s3cret' })
      expect(page.status).toBe(200)
      expect(await page.text()).toMatch(/^<!doctype html>/)
      expect((await json(GET, '/?format=json&token=s3cret')).fleet).toBeNull()
    }),
  )

  it('checks the token outside production too', async () => {
    expect((await get(fixture({ token: 's3cret' }).GET)).status).toBe(401)
  })

  it('asks authorize(request) and lets in only what it approves with true', async () => {
    const seen: string[] = []
    const { GET } = fixture({
      authorize: async (request) => {
        seen.push(request.headers.get('cookie') ?? '')
        return request.headers.get('cookie') === 'session=admin'
      },
    })
    expect((await get(GET, '/', { cookie: 'session=guest' })).status).toBe(401)
    expect((await get(GET, '/', { cookie: 'session=admin' })).status).toBe(200)
    expect(seen).toEqual(['session=guest', 'session=admin'])
  })

  it('answers JSON to Accept: application/json without ?format=json', async () => {
    const res = await get(fixture().GET, '/', { accept: 'application/json' })
    expect(res.headers.get('content-type')).toBe('application/json')
  })
})

describe('metricsDashboard JSON', () => {
  it('reports each metric as getStats and getExemplars do, each cache as stats(), each limiter as stats()', async () => {
    const { monitor, cache, limiter, GET } = fixture()
    for (const ms of [10, 20, 30]) monitor.record('api.orders', ms, { order: ms })
    await monitor.time('db.query', () => Promise.reject(new Error('down'))).catch(() => {})
    cache.set('k', 1)
    cache.get('k')
    cache.get('missing')
    for (let i = 0; i < 5; i++) limiter.isAllowed('ip-1')
    limiter.check('ip-1')

    const data = await json(GET)
    expect(data.metrics.map((m) => m.name)).toEqual(['api.orders', 'db.query'])
    expect(data.metrics[0].stats).toEqual(monitor.getStats('api.orders'))
    expect(data.metrics[1].stats).toMatchObject({ count: 1, errors: 1, errorRate: 100 })
    expect(data.metrics[0].exemplars).toEqual(
      monitor.getExemplars('api.orders')!.map((e) => ({ ...e, metadata: JSON.stringify(e.metadata) })),
    )
    expect(data.caches).toEqual([{ name: 'cache', stats: cache.stats(), history: expect.any(Object) }])
    expect(data.caches[0].stats).toMatchObject({ hits: 1, misses: 1, hitRate: 50 })
    expect(data.limiters[0].stats).toEqual(limiter.stats())
    expect(data.limiters[0].stats.refused).toBe(4)
    expect(data.fleet).toBeNull()
    expect(data.instance).toBe(`${require('node:os').hostname()}:${process.pid}`)
  })

  it("colours alert rules as the guide's table: red past the alert, amber past the target, green under it", async () => {
    const { monitor, cache, GET } = fixture()
    for (let i = 0; i < 10; i++) {
      monitor.record('api.fast', 50)
      monitor.record('api.slowish', 300) // avg 300: past the 100 ms target, under the 500 ms alert
      monitor.record('api.slow', 700)
      monitor.record('api.rare', 900)
    }
    monitor.record('api.rare', 900) // ...but only the first 9 + this one: still judged
    monitor.record('api.new', 5000) // one sample, under minSamples
    cache.set('k', 1)
    for (let i = 0; i < 3; i++) cache.get('k')
    for (let i = 0; i < 7; i++) cache.get('gone') // 30 % hit rate: amber

    const { alerts } = await json(GET)
    const state = (rule: string, subject: string) => alerts.find((a) => a.rule === rule && a.subject === subject)?.state
    expect(state('api-response-avg', 'api.fast')).toBe('ok')
    expect(state('api-response-avg', 'api.slowish')).toBe('warn')
    expect(state('api-response-avg', 'api.slow')).toBe('alert')
    expect(state('api-response-p95', 'api.slowish')).toBe('warn')
    expect(state('api-response-avg', 'api.new')).toBe('idle')
    expect(state('cache-hit-rate', 'cache')).toBe('warn')
    expect(alerts.find((a) => a.subject === 'cache')).toMatchObject({ value: 30, samples: 10, target: 50, threshold: 20 })
  })

  it('sends metadata as capped JSON text, whatever it holds', async () => {
    const { monitor, GET } = fixture()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    monitor.record('a', 3, cyclic)
    monitor.record('a', 2, { big: 10n })
    monitor.record('a', 1, { blob: 'x'.repeat(5000) })
    const [worst, big, blob] = (await json(GET)).metrics[0].exemplars
    expect(worst.metadata).toBe('[metadata that JSON cannot represent]')
    expect(big.metadata).toBe('{"big":"10n"}')
    expect(blob.metadata).toHaveLength(1001)
  })
})

describe('metricsDashboard history', () => {
  afterEach(() => timers.useRealTimers())

  it('derives request rates, interval hit rates and refusals from samples taken every sampleIntervalMs', async () => {
    timers.useFakeTimers()
    const { monitor, cache, limiter, GET } = fixture({ sampleIntervalMs: 1000, historyMs: 60_000 })
    for (let i = 0; i < 10; i++) monitor.record('api.a', 5)
    cache.get('x') // miss
    timers.advanceTimersByTime(1000)
    for (let i = 0; i < 30; i++) monitor.record('api.a', 5)
    cache.set('x', 1)
    for (let i = 0; i < 3; i++) cache.get('x') // 3 hits, 0 misses
    for (let i = 0; i < 5; i++) limiter.isAllowed('ip')
    timers.advanceTimersByTime(1000)

    const data = await json(GET)
    expect(data.times).toHaveLength(3)
    expect(data.times[2] - data.times[0]).toBe(2000)
    expect(data.metrics[0].history.ratePerS).toEqual([null, 10, 30])
    expect(data.metrics[0].history.p95).toEqual([null, 5, 5])
    expect(data.caches[0].history.hitRate).toEqual([null, 0, 100])
    expect(data.caches[0].history.size).toEqual([0, 0, 1])
    expect(data.limiters[0].history.refusedPerS).toEqual([null, 0, 3])
  })

  it('keeps historyMs / sampleIntervalMs samples however long it runs', async () => {
    timers.useFakeTimers()
    const { monitor, GET } = fixture({ sampleIntervalMs: 1000, historyMs: 60_000 })
    monitor.record('api.a', 5)
    timers.advanceTimersByTime(6 * 3_600_000)
    const data = await json(GET)
    expect(data.times).toHaveLength(60)
    expect(data.metrics[0].history.p50).toHaveLength(60)
    expect(data.times[59] - data.times[0]).toBe(59_000)
  })

  it('stays small: the page, and the JSON of 20 metrics with a full default history (sizes the README gives)', async () => {
    const { gzipSync } = await import('node:zlib')
    timers.useFakeTimers()
    const { monitor, GET } = fixture()
    const names = Array.from({ length: 20 }, (_, i) => `api.route${i}.get`)
    // 90 samples of the default 10 s interval fill the default 15-minute ring.
    for (let tick = 0; tick < 90; tick++) {
      for (const [i, name] of names.entries()) for (let k = 0; k < 10; k++) monitor.record(name, 1 + ((tick * 31 + i * 7 + k) % 200))
      timers.advanceTimersByTime(10_000)
    }
    const page = Buffer.from(await (await get(GET)).text())
    const body = Buffer.from(JSON.stringify(await json(GET)))
    timers.useRealTimers()
    const refreshMs: number[] = []
    for (let round = 0; round < 21; round++) {
      const started = performance.now()
      await (await get(GET, '/?format=json')).text()
      refreshMs.push(performance.now() - started)
    }
    refreshMs.sort((a, b) => a - b)
    const kB = (n: number) => (n / 1000).toFixed(1)
    console.log(
      `dashboard page ${kB(page.length)} kB (${kB(gzipSync(page).length)} kB gzip); JSON with 20 metrics and a full history ` +
        `${kB(body.length)} kB (${kB(gzipSync(body).length)} kB gzip), a refresh ${refreshMs[10].toFixed(2)} ms median of 21`,
    )
    expect(page.length).toBeLessThan(32_000)
    expect(body.length).toBeLessThan(128_000)
  })

  it('forgets a subject once it has been absent for a whole ring', () => {
    const history = new MetricsHistory(3, { metrics: 1 })
    history.add(1, { metrics: [['gone', [7]]] })
    history.add(2, { metrics: [] })
    history.add(3, { metrics: [] })
    expect(history.series('metrics', 'gone')).toEqual([[7, null, null]])
    history.add(4, { metrics: [] })
    expect(history.series('metrics', 'gone')).toBeNull()
    expect(history.times()).toEqual([2, 3, 4])
  })

  it('stops sampling once its handler is garbage', async () => {
    let samples = 0
    const monitor = { getSummary: () => (samples++, {}), getExemplars: () => null } as unknown as PerformanceMonitor
    const make = () => void metricsDashboard({ monitor, caches: {}, limiters: {}, sampleIntervalMs: 5, historyMs: 100 })
    make()
    while (samples < 3) await sleep(5)
    await fullGc()
    await sleep(20) // a tick already queued may still run
    const settled = samples
    await sleep(100)
    expect(samples).toBe(settled)
  })

  it('leaves no timer that keeps Node alive', () => {
    const script = `
      const { metricsDashboard } = require('hotpath/performance')
      const GET = metricsDashboard({ sampleIntervalMs: 1000 })
      GET(new Request('http://localhost/?format=json')).then((r) => console.log(r.status))`
    const started = Date.now()
    const r = spawnSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 20_000 })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('200')
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})

describe('metricsDashboard page', () => {
  it('carries no data: a hostile metric name reaches the browser only inside the JSON', async () => {
    const { monitor, GET } = fixture()
    monitor.record(HOSTILE, 1, { note: '<img src=x onerror=alert(2)>' })
    const page = await (await get(GET)).text()
    expect(page).not.toContain('alert(')
    expect(page).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/)
    expect((await json(GET)).metrics[0].name).toBe(HOSTILE)
  })

  it('allows only its own inline style and script, by hash, under its CSP', async () => {
    const res = await get(fixture().GET)
    const page = await res.text()
    const csp = res.headers.get('content-security-policy')!
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`
    expect(csp).toContain(`script-src ${hash(page.match(/<script>([\s\S]*)<\/script>/)![1])}`)
    expect(csp).toContain(`style-src ${hash(page.match(/<style>([\s\S]*)<\/style>/)![1])}`)
    expect(csp).toMatch(/default-src 'none'.*connect-src 'self'/)
    expect(page.match(/<script|<style/g)).toHaveLength(2)
  })

  it('is served from plain node:http by the documented adapter', async () => {
    const GET = fixture().GET
    const server = createServer(async (req, res) => {
      const response = await GET(new Request(`http://${req.headers.host}${req.url}`, { headers: req.headers as HeadersInit }))
      res.writeHead(response.status, Object.fromEntries(response.headers))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    try {
      const { port } = server.address() as AddressInfo
      const res = await fetch(`http://127.0.0.1:${port}/metrics?format=json`)
      expect(res.status).toBe(200)
      expect(((await res.json()) as MetricsDashboardData).limiters[0].name).toBe('limiter')
    } finally {
      server.close()
    }
  })
})

describe('metricsDashboard options', () => {
  it.each([
    [{ tokn: 'x' }, TypeError, /^metricsDashboard: options\.tokn is not an option/],
    [{ token: '' }, RangeError, /^metricsDashboard: options\.token must not be empty/],
    [{ token: 42 }, TypeError, /^metricsDashboard: options\.token must be a string, got 42/],
    [{ authorize: 'yes' }, TypeError, /^metricsDashboard: options\.authorize must be a function/],
    [{ enabled: 'true' }, TypeError, /^metricsDashboard: options\.enabled must be a boolean, got "true"/],
    [{ monitor: {} }, TypeError, /^metricsDashboard: options\.monitor must be a PerformanceMonitor/],
    [{ caches: { a: 1 } }, TypeError, /^metricsDashboard: options\.caches\.a must be a cache with stats\(\), got 1/],
    [{ limiters: null }, TypeError, /^metricsDashboard: options\.limiters must be an object, got null/],
    [{ refreshIntervalMs: 0 }, RangeError, /^metricsDashboard: options\.refreshIntervalMs must be a positive integer/],
    [{ sampleIntervalMs: 1.5 }, RangeError, /^metricsDashboard: options\.sampleIntervalMs must be a positive integer/],
    [{ historyMs: 10_000_000, sampleIntervalMs: 1000 }, RangeError, /^metricsDashboard: options\.historyMs must hold 2 to 1000 samples/],
  ])('rejects %j', (options, ErrorType, message) => {
    expect(() => metricsDashboard(options as never)).toThrow(ErrorType)
    expect(() => metricsDashboard(options as never)).toThrow(message)
  })

  it('rejects options that are not an object', () => {
    expect(() => metricsDashboard('x' as never)).toThrow(/^metricsDashboard: options must be an object, got "x"/)
  })
})

describe('what the dashboard reads', () => {
  it('RateLimiter.stats().refused counts every refusal by isAllowed and check, and nothing else', () => {
    const limiter = new RateLimiter(1, 60_000)
    limiter.isAllowed('a')
    limiter.isAllowed('a')
    limiter.isAllowed('a')
    limiter.check('a')
    limiter.remaining('a')
    limiter.headers('a')
    expect(limiter.stats().refused).toBe(3)
  })

  it("alert rules carry the guide's targets, and refuse a target past the threshold", () => {
    expect(new PerformanceMonitor().alertRules.map((r) => r.target)).toEqual([100, 200, 50])
    expect(() => new PerformanceMonitor({ alertRules: [{ name: 'r', metric: 'p95', above: 100, target: 200 }] })).toThrow(
      /^new PerformanceMonitor: rules\[0\]\.target must be a number at most above \(100\), got 200/,
    )
    expect(() => new PerformanceMonitor({ alertRules: [{ name: 'r', metric: 'hitRate', below: 20, target: 10 }] })).toThrow(RangeError)
  })
})
