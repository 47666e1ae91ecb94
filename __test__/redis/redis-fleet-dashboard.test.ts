// The dashboard's fleet view, per instance and merged: three monitors with
// known latencies publish to one real redis-server; the dashboard JSON of
// one of them must hold each instance's own numbers (exactly that
// instance's getStats) beside the merged ones (those of the union).
import { PerformanceMonitor, metricsDashboard } from 'hotpath/performance'
import { RedisServer } from '../support/redis-server'
import { quantile } from '../support/redis-fleet'

let server: RedisServer
let monitors: PerformanceMonitor[]
const NAME = 'fleetdash'

// A fast, a medium and a slow instance, of different sizes; only the first two record 'cache.get'.
const spread = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((i * 7919) % n) * ((hi - lo) / n))
const DB = [spread(3_000, 1, 11), spread(600, 40, 140), spread(150, 300, 1300)]
const CACHE = [spread(50, 0.1, 0.5), spread(20, 0.2, 0.9)]

beforeAll(async () => {
  server = await RedisServer.start()
  // A long interval: only the explicit publish() below writes, so every number is known.
  monitors = [0, 1, 2].map(() => new PerformanceMonitor({ redis: { url: server.url, commandTimeoutMs: 1000 }, name: NAME, fleetIntervalMs: 600_000 }))
  monitors.forEach((m, i) => {
    DB[i].forEach((d) => m.record('db.q', d))
    CACHE[i]?.forEach((d) => m.record('cache.get', d))
  })
  await monitors[1].time('db.q', () => Promise.reject(new Error('down'))).catch(() => {})
  expect(await Promise.all(monitors.map((m) => m.publish()))).toEqual([true, true, true])
}, 30_000)

afterAll(async () => {
  await server.stop()
})

async function dashboardJson(monitor: PerformanceMonitor) {
  const GET = metricsDashboard({ monitor, caches: {}, limiters: {} })
  return (await GET(new Request('http://localhost/api/metrics/dashboard?format=json'))).json()
}

describe("the dashboard's fleet view", () => {
  it("lists every live instance by fleet id, in order, each with exactly its own getSummary()", async () => {
    const { fleet } = await dashboardJson(monitors[2])
    const ids = monitors.map((m) => m.fleetInstance!)
    expect(fleet.instance).toBe(ids[2])
    expect(fleet.instances).toBe(3)
    expect(Object.keys(fleet.perInstance)).toEqual([...ids].sort())
    monitors.forEach((m, i) => {
      const own = fleet.perInstance[ids[i]]
      expect(Object.keys(own).sort()).toEqual(i < 2 ? ['cache.get', 'db.q'] : ['db.q'])
      // The all-time numbers are those the instance reports itself; the window is as published (no samples since).
      for (const name of Object.keys(own)) {
        const { window: ownWindow, ...allTime } = own[name]
        const { window: selfWindow, ...selfAllTime } = m.getStats(name)!
        expect([name, allTime]).toEqual([name, selfAllTime])
        expect(ownWindow.count).toBe(selfWindow!.count)
      }
    })
    expect(fleet.perInstance[ids[1]]['db.q']).toMatchObject({ count: 601, errors: 1 })
  })

  it('merges the same instances: counts sum to the per-instance ones, percentiles are the union\'s, not an average', async () => {
    const { fleet } = await dashboardJson(monitors[0])
    const rows = Object.values(fleet.perInstance) as Array<Record<string, { count: number; errors: number; p95: number }>>
    const merged = fleet.summary['db.q']
    expect(merged.instances).toBe(3)
    expect(merged.count).toBe(rows.reduce((n, r) => n + r['db.q'].count, 0))
    expect(merged.count).toBe(3_000 + 601 + 150)
    expect(merged.errors).toBe(1)
    const union = [...DB.flat(), 0]
    for (const p of ['p50', 'p95', 'p99'] as const) {
      const exact = quantile(union, Number(p.slice(1)) / 100)
      expect(Math.abs(merged[p] - exact)).toBeLessThanOrEqual(exact * 0.01)
    }
    // The instances' own p95s average about 470 ms; the union's p95 is in the medium instance's range.
    const averaged = rows.reduce((n, r) => n + r['db.q'].p95, 0) / rows.length
    expect(averaged).toBeGreaterThan(400)
    expect(merged.p95).toBeLessThan(150)
    expect(fleet.summary['cache.get']).toMatchObject({ instances: 2, count: 70 })
  })

})
