// The monitor's fleet view: three Node processes with known latency
// distributions publish their histograms to one Redis; a fourth monitor
// reads the merged view, which must match the union of the samples.
import { PerformanceMonitor, metricsDashboard } from 'hotpath/performance'
import { createServer } from 'node:http'
import { spawnSync } from 'node:child_process'
import { RedisServer } from '../support/redis-server'
import { Instance, eventually, quantile } from '../support/redis-fleet'

let server: RedisServer
let fleet: Instance[]
let reader: PerformanceMonitor
const NAME = 'fleetview'
const INTERVAL_MS = 200

/** `n` durations spread over [lo, hi) in a fixed shuffled order. */
const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((i * 7919) % n) * ((hi - lo) / n))
// A fast, a medium and a slow instance, of different sizes: an average of
// their percentiles would be far from the union's.
const SAMPLES = [spread(10_000, 1, 11), spread(2_000, 40, 140), spread(500, 300, 1300)]

beforeAll(async () => {
  server = await RedisServer.start()
  fleet = await Promise.all([0, 1, 2].map(() => Instance.start(server.url, 'unused', { commandTimeoutMs: 500 })))
  await Promise.all(fleet.map((i) => i.call('monitor', NAME, INTERVAL_MS)))
  await Promise.all(fleet.map((i, n) => i.call('record', 'db.q', SAMPLES[n])))
  await fleet[0].call('record', 'only.first', [5, 6, 7])
  await fleet[1].call('fail', 'db.q', 4)
  await fleet[2].call('fail', 'db.q', 6)
  expect(await Promise.all(fleet.map((i) => i.call('publish')))).toEqual([true, true, true])
  reader = new PerformanceMonitor({ redis: { url: server.url, commandTimeoutMs: 500 }, name: NAME })
}, 30_000)
afterAll(async () => {
  await Promise.all(fleet.map((i) => i.stop()))
  await server.stop()
})

describe('the fleet view', () => {
  it("sums each cache's counters over the instances in fleetPayload, with the hit rate of the sums", async () => {
    // Instance n looks up n + 1 held keys and 2 missing ones on its own cache ('unused').
    for (const [n, i] of fleet.entries()) {
      const held = Array.from({ length: n + 1 }, (_, k) => `held${k}`)
      for (const key of held) await i.call('set', key, 1)
      await i.call('getMany', [...held, 'missing1', 'missing2'])
      await i.call('flush')
    }
    const own = await Promise.all(fleet.map((i) => i.call('stats')))
    expect(await Promise.all(fleet.map((i) => i.call('publish')))).toEqual([true, true, true])
    const { cache } = await reader.fleetPayload()
    const sum = (field: string) => own.reduce((total, s) => total + s[field], 0)
    expect(cache.unused).toMatchObject({ hits: sum('hits'), misses: sum('misses'), size: sum('size'), evictions: sum('evictions') })
    expect(cache.unused.hitRate).toBe(Math.round((sum('hits') / (sum('hits') + sum('misses'))) * 10000) / 100)
    expect(cache.unused.l2).toMatchObject({ state: 'ready', writes: own.reduce((t, s) => t + s.l2.writes, 0) })
  })

  it('merges the three instances: counts and errors summed, percentiles within 1 % of the union', async () => {
    const union = SAMPLES.flat()
    const stats = (await reader.fleetStats('db.q'))!
    expect(stats.instances).toBe(3)
    expect(stats.count).toBe(union.length + 10)
    expect(stats.errors).toBe(10)
    // The failed runs took well under a millisecond: the union's percentiles are those of the samples
    // with 10 more at the bottom, which moves no rank-based percentile by more than 10 / 12,510.
    const withFailures = [...union, ...Array(10).fill(0)]
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const exact = quantile(withFailures, Number(p.slice(1)) / 100)
      expect(Math.abs(stats[p] - exact)).toBeLessThanOrEqual(exact * 0.01)
    }
    expect(stats.max).toBe(Math.round(Math.max(...union) * 100) / 100)
    expect(stats.window!.count).toBe(union.length + 10)
    // An average of the instances' own p95 (10.5, 135, 1250 ms) would be about 465 ms.
    expect(stats.p95).toBeLessThan(200)
  })

  it('publishes in one round trip, a few hundred bytes per name', async () => {
    const monitor = new PerformanceMonitor({ redis: { url: server.url, commandTimeoutMs: 500 }, name: 'publishcost', fleetIntervalMs: 60_000 })
    const names = Array.from({ length: 20 }, (_, i) => `route.${i}`)
    for (const [i, name] of names.entries()) SAMPLES[i % 3].slice(0, 1000).forEach((d) => monitor.record(name, d))
    expect(await monitor.publish()).toBe(true)
    const times: number[] = []
    for (let round = 0; round < 30; round++) {
      const started = performance.now()
      expect(await monitor.publish()).toBe(true)
      times.push(performance.now() - started)
    }
    const key = `hotpath:publishcost:fleet:${monitor.fleetInstance}`
    const sizes: number[] = await Promise.all(names.map((n) => server.command('HSTRLEN', key, n)))
    const meanBytes = sizes.reduce((a, b) => a + b, 0) / sizes.length
    console.log(`publish of 20 names x 1,000 samples: median ${quantile(times, 0.5).toFixed(2)} ms, p90 ${quantile(times, 0.9).toFixed(2)} ms; ${meanBytes.toFixed(0)} bytes per name (min ${Math.min(...sizes)}, max ${Math.max(...sizes)})`)
    expect(Math.min(...sizes)).toBeGreaterThan(0)
    expect(meanBytes).toBeLessThan(4096)
  })

  it('has the shapes of getSummary and metricsPayload, instances added, and null for an unknown name', async () => {
    const summary = await reader.fleetSummary()
    expect(Object.keys(summary).sort()).toEqual(['db.q', 'only.first'])
    expect(summary['only.first']).toMatchObject({ count: 3, min: 5, max: 7, instances: 1, errors: 0 })
    const payload = await reader.fleetPayload()
    expect(payload).toMatchObject({ instances: 3, cache: {}, summary: { 'db.q': { count: 12_510, instances: 3 } } })
    expect(typeof payload.timestamp).toBe('string')
    expect(await reader.fleetStats('never.recorded')).toBeNull()
    await expect(reader.fleetStats(null as never)).rejects.toThrow(new TypeError('PerformanceMonitor.fleetStats: name must be a non-empty string, got null'))
  })

  it("fills the dashboard's fleet field, and says so when Redis cannot be read", async () => {
    const GET = metricsDashboard({ monitor: reader, caches: {}, limiters: {} })
    const data = await (await GET(new Request('http://localhost/api/metrics/dashboard?format=json'))).json()
    expect(data.fleet).toMatchObject({ instance: reader.fleetInstance, instances: 3, summary: { 'db.q': { count: 12_510, instances: 3 } } })
    expect(reader.fleetInstance).toMatch(/^[0-9a-f]{16}$/)
    const down = new PerformanceMonitor({ redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 100, commandTimeoutMs: 100 }, name: NAME })
    const offline = await (await metricsDashboard({ monitor: down, caches: {}, limiters: {} })(new Request('http://localhost/?format=json'))).json()
    expect(offline.fleet).toEqual({ error: expect.stringContaining('the fleet view could not be read') })
  })

  it('never keeps Node alive: a process with a publishing, fleet-alerting monitor exits when its work is done', () => {
    const script = `
      const { PerformanceMonitor } = require('hotpath/performance')
      const m = new PerformanceMonitor({ redis: process.argv[1], name: 'exits', fleetIntervalMs: 50, alertsOn: 'fleet', alertWebhook: 'http://127.0.0.1:9/' })
      m.record('db.q', 5)
      m.publish().then(async (ok) => console.log(ok, (await m.fleetStats('db.q')).count))`
    const started = Date.now()
    const child = spawnSync(process.execPath, ['-e', script, server.url], { encoding: 'utf8', timeout: 20_000 })
    expect([child.stdout.trim(), child.status]).toEqual(['true 1', 0])
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('drops a dead instance once its entry expires (three intervals)', async () => {
    await fleet[2].stop()
    const killed = Date.now()
    await eventually(async () => (await reader.fleetStats('db.q'))!.instances === 2, 5000, 'the dead instance to drop out')
    expect(Date.now() - killed).toBeGreaterThanOrEqual(2 * INTERVAL_MS)
    const stats = (await reader.fleetStats('db.q'))!
    expect(stats.count).toBe(12_000 + 4)
    expect((await reader.fleetPayload()).instances).toBe(2)
  })

  it('without redis, rejects the fleet reads and publishes nothing; with Redis down, rejects without hanging', async () => {
    const local = new PerformanceMonitor()
    expect(await local.publish()).toBe(false)
    await expect(local.fleetStats('db.q')).rejects.toThrow('PerformanceMonitor.fleetStats: this monitor has no fleet view')
    const down = new PerformanceMonitor({ redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 100, commandTimeoutMs: 100 }, name: NAME })
    down.record('db.q', 1)
    expect(await down.publish()).toBe(false)
    await expect(down.fleetSummary()).rejects.toThrow('the fleet view could not be read')
    expect(() => new PerformanceMonitor({ redis: server.url, fleetIntervalMs: 0 })).toThrow(RangeError)
    expect(() => new PerformanceMonitor({ redis: server.url, name: 'no spaces' })).toThrow(TypeError)
  })
})

describe('alerts on the fleet view', () => {
  it('judges the merged windows, and one instance of the fleet delivers each transition to the webhook', async () => {
    const bodies: any[] = []
    const hook = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk) => (body += chunk))
      req.on('end', () => (bodies.push(JSON.parse(body)), res.writeHead(204).end()))
    })
    await new Promise<void>((done) => hook.listen(0, '127.0.0.1', done))
    const url = `http://127.0.0.1:${(hook.address() as { port: number }).port}/`
    try {
      // db.q's fleet-wide average is about 20 ms (the slow instance dropped out above); neither monitor has recorded it itself.
      const rules = [{ name: 'slow-db', metric: 'avg' as const, above: 15, match: 'db.', minSamples: 10 }]
      const make = () => new PerformanceMonitor({ redis: { url: server.url, commandTimeoutMs: 500 }, name: NAME, alertRules: rules, alertWebhook: url })
      const [a, b] = [make(), make()]
      expect(a.checkAlerts()).toEqual([])
      const [eventsA, eventsB] = await Promise.all([a.checkAlerts({ fleet: true }), b.checkAlerts({ fleet: true })])
      for (const events of [eventsA, eventsB]) {
        expect(events).toEqual([expect.objectContaining({ rule: 'slow-db', subject: 'db.q', status: 'failing' })])
        expect(events[0].value).toBeCloseTo(20, 0)
      }
      await eventually(() => a.alertDeliveries!.delivered + b.alertDeliveries!.delivered + a.alertDeliveries!.skipped + b.alertDeliveries!.skipped === 2)
      expect(bodies).toHaveLength(1)
      expect(bodies[0]).toMatchObject({ rule: 'slow-db', subject: 'db.q', status: 'failing' })
      expect([a.alertDeliveries!.skipped, b.alertDeliveries!.skipped].sort()).toEqual([0, 1])
      expect(await a.checkAlerts({ fleet: true })).toEqual([])
    } finally {
      hook.closeAllConnections()
      await new Promise((done) => hook.close(done))
    }
  })

  it('refuses fleet alerts without redis', async () => {
    await expect(new PerformanceMonitor().checkAlerts({ fleet: true })).rejects.toThrow('PerformanceMonitor.checkAlerts: this monitor has no fleet view')
    expect(() => new PerformanceMonitor({ alertsOn: 'fleet' })).toThrow(new TypeError("new PerformanceMonitor: options.alertsOn 'fleet' needs options.redis"))
    expect(() => new PerformanceMonitor({ alertsOn: 'all' as never })).toThrow(RangeError)
  })
})
