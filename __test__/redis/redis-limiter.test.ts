// One rate limit across instances (issue 15): `consume` checked against a
// brute-force model of the merged admission log (Redis's time of each
// admission), the synchronous path's over-admission against the README's
// bound, outages under each failMode, a skewed instance clock, and process
// lifetime. Instances are child processes (support/redis-instance.cjs).
import { createHash } from 'node:crypto'
import { RateLimiter } from 'hotpath/cache'
import { closeRedis, redisStatus } from 'hotpath/redis'
import { RedisServer } from '../support/redis-server'
import { Instance, eventually } from '../support/redis-fleet'
import { runScript } from '../support/in-node'

const REDIS = { commandTimeoutMs: 100, breakerCooldownMs: 200 }
/** Every `consume` settles within this, whatever Redis does (one command timeout, plus a loaded machine). */
const SETTLE_BOUND_MS = 1000

type Entry = {
  id: string
  allowed: boolean
  remaining: number
  retryAfterMs: number
  atMs: number | null
  reason: string | null
  askedMs: number
  tookMs: number
}

let server: RedisServer
let fleet: Instance[] = []

beforeEach(async () => {
  server = await RedisServer.start()
})
afterEach(async () => {
  await Promise.all(fleet.map((i) => i.stop()))
  fleet = []
  await server.stop()
})
afterAll(() => closeRedis())

const startFleet = (n: number, name: string, limiter: object, clockShifts: number[] = []) =>
  Promise.all(Array.from({ length: n }, (_, i) => Instance.start(server.url, name, REDIS, {}, { ...limiter, clockShiftMs: clockShifts[i] ?? 0 })))

/**
 * Checks every decision Redis made against the merged log: at each decision
 * time, the admissions in (at - window, at] (the decision's own included).
 */
function checkAgainstModel(log: Entry[], maxRequests: number, windowMs: number) {
  const byId = new Map<string, Entry[]>()
  for (const e of log) if (e.atMs !== null) (byId.get(e.id) ?? byId.set(e.id, []).get(e.id)!).push(e)
  let admitted = 0
  let refused = 0
  for (const entries of byId.values()) {
    // Whole microseconds, as Redis stamps them, so window edges compare exactly.
    const us = (ms: number) => Math.round(ms * 1000)
    const windowUs = windowMs * 1000
    const admissions = entries.filter((e) => e.allowed).map((e) => us(e.atMs!))
    for (const e of entries) {
      const at = us(e.atMs!)
      const inWindow = admissions.filter((a) => a > at - windowUs && a <= at).sort((a, b) => a - b)
      expect(inWindow.length).toBeLessThanOrEqual(maxRequests)
      expect(e.remaining).toBe(maxRequests - inWindow.length)
      if (e.allowed) admitted++
      else {
        refused++
        expect(inWindow.length).toBe(maxRequests)
      }
      // Retry-After: when the oldest admission in the window leaves it.
      const retryAfterUs = e.remaining > 0 ? 0 : inWindow[0] + windowUs - at
      expect(us(e.retryAfterMs)).toBe(retryAfterUs)
    }
  }
  return { admitted, refused }
}

async function propertyRun(clockShifts: number[]) {
  const limiter = { maxRequests: 4, windowMs: 100 }
  fleet = await startFleet(3, 'prop', limiter, clockShifts)
  const ids = ['a', 'b', 'c']
  const logs: Entry[][] = await Promise.all(fleet.map((i) => i.call('consumeRun', ids, 250, 6)))
  const log = logs.flat()
  // No outage: Redis decided every call but the known-exhausted ones, refused locally.
  for (const e of log) {
    if (e.atMs === null) {
      expect(e.allowed).toBe(false)
      expect(e.retryAfterMs).toBeGreaterThan(0)
    }
    expect(e.reason).toBeNull()
  }
  const counts = checkAgainstModel(log, limiter.maxRequests, limiter.windowMs)
  const local = log.filter((e) => e.atMs === null).length
  expect(counts.admitted).toBeGreaterThan(20)
  expect(counts.refused + local).toBeGreaterThan(20)
  expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0, 0])
  return { ...counts, local, logs }
}

describe('RateLimiter.consume across instances', () => {
  it('never admits more than maxRequests in any rolling window of the merged log, and remaining and Retry-After agree with the model', async () => {
    const { admitted, refused, local } = await propertyRun([])
    console.log(`consume property: ${admitted} admitted, ${refused} refused on Redis, ${local} refused locally (known exhausted)`)
  })

  it('decides by Redis’s clock: an instance whose clock is an hour ahead changes nothing', async () => {
    const { logs } = await propertyRun([3_600_000])
    // The shifted instance's decisions carry Redis's time, not its own.
    const real = Date.now()
    for (const e of logs[0]) if (e.atMs !== null) expect(Math.abs(e.atMs - real)).toBeLessThan(60_000)
    expect(logs[0].some((e) => e.allowed)).toBe(true)
  })
})

describe('synchronous path with a fleet', () => {
  it('over-admits no more than the stated bound: (N-1) × one instance’s admissions in two sync gaps plus round trips', async () => {
    const maxRequests = 40
    const windowMs = 1000
    const syncIntervalMs = 50
    const n = 3
    fleet = await startFleet(n, 'sync', { maxRequests, windowMs, syncIntervalMs })
    const runs: [string, number][][] = await Promise.all(fleet.map((i) => i.call('allowRun', ['x'], 3000, 10)))
    const fleetStats = (await Promise.all(fleet.map((i) => i.call('limiterStats')))).map((s) => s.fleet)
    const times = runs.map((r) => r.map(([, t]) => t).sort((a, b) => a - b))
    const mostIn = (ts: number[], span: number) => {
      let most = 0
      for (let i = 0, j = 0; i < ts.length; i++) {
        while (ts[i] - ts[j] >= span) j++
        most = Math.max(most, i - j + 1)
      }
      return most
    }
    const fleetMost = mostIn(times.flat().sort((a, b) => a - b), windowMs)
    // How late an instance may see another's admission, as the instances measured it (stats().fleet):
    // the admitter's next tick and exchange, then the viewer's next tick and exchange.
    const blindMs = 2 * Math.max(...fleetStats.map((s) => s.longestSyncGapMs + s.slowestExchangeMs))
    for (const s of fleetStats) {
      expect(s.exchanges).toBeGreaterThan(0)
      expect(s.failedExchanges).toBe(0)
    }
    const perInstance = Math.max(...times.map((ts) => mostIn(ts, blindMs)))
    const bound = maxRequests + (n - 1) * perInstance
    console.log(
      `sync path: most admitted in a window ${fleetMost} (limit ${maxRequests}); bound ${bound} = ${maxRequests} + ${n - 1} × ${perInstance} (most one instance admitted in ${blindMs.toFixed(0)} ms); without sharing up to ${n * maxRequests}`,
    )
    expect(fleetMost).toBeLessThanOrEqual(bound)
    // The bound is below what instances deciding alone would allow, so the check has teeth.
    expect(bound).toBeLessThan(n * maxRequests)
    expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0, 0])
  })
})

describe('Redis outages under each failMode', () => {
  const faults = {
    SIGKILL: { down: () => server.kill(), up: () => server.restart() },
    SIGSTOP: { down: async () => server.pause(), up: async () => server.resume() },
  }
  for (const failMode of ['local', 'open', 'closed'] as const) {
    for (const [fault, { down, up }] of Object.entries(faults)) {
      it(`${failMode}: ${fault} mid-run: every call settles within the bound, no unhandled rejection, recovery`, async () => {
        // A limit no run reaches: every call asks Redis, none is refused as known exhausted.
        fleet = await startFleet(2, `f-${failMode}`, { maxRequests: 100_000, windowMs: 1000, failMode })
        const runs = fleet.map((i) => i.call('consumeRun', ['a', 'b'], 600, 5))
        // The synchronous path beside it: its exchanges fail during the outage and resume after.
        const allowing = fleet[0].call('allowRun', ['s'], 1500, 5)
        await new Promise((r) => setTimeout(r, 150))
        await down()
        await new Promise((r) => setTimeout(r, 700))
        await up()
        const log: Entry[] = (await Promise.all(runs)).flat()
        const slowest = Math.max(...log.map((e) => e.tookMs))
        const unavailable = log.filter((e) => e.reason === 'redis-unavailable')
        console.log(`${failMode} ${fault}: ${log.length} calls, ${unavailable.length} without Redis, slowest ${slowest.toFixed(1)} ms`)
        expect(slowest).toBeLessThan(SETTLE_BOUND_MS)
        expect(unavailable.length).toBeGreaterThan(0)
        for (const e of unavailable) {
          expect(e.atMs).toBeNull()
          if (failMode === 'open') expect(e.allowed).toBe(true)
          if (failMode === 'closed') expect(e.allowed).toBe(false)
        }
        expect((await allowing).length).toBeGreaterThan(0)
        // Recovery: Redis decides again, and the synchronous path's admissions reach it.
        await eventually(async () => (await fleet[0].call('consumeRun', ['fresh'], 1, 0))[0].atMs !== null, 10_000, 'Redis to decide again')
        await eventually(async () => Number(await server.command('ZCARD', `hotpath:rl|f-${failMode}:s`)) > 0, 5000, 'the synchronous admissions on Redis')
        expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0])
      })
    }
  }
})

describe('RateLimiter with redis: arguments and lifetime', () => {
  it('rejects bad options with TypeError or RangeError naming the argument', () => {
    expect(() => new RateLimiter(5, 1000, { redis: server.url })).toThrow(/new RateLimiter: options\.name/)
    expect(() => new RateLimiter(5, 1000, { redis: 42 as never, name: 'x' })).toThrow(TypeError)
    expect(() => new RateLimiter(5, 1000, { redis: server.url, name: 'x', failMode: 'maybe' as never })).toThrow(/options\.failMode/)
    expect(() => new RateLimiter(5, 1000, { redis: server.url, name: 'x', syncIntervalMs: 0 })).toThrow(RangeError)
    const l = new RateLimiter(5, 1000)
    return expect(l.consume(null as never)).rejects.toThrow(/RateLimiter\.consume: identifier/)
  })

  it('without redis, consume resolves what check returns', async () => {
    const l = new RateLimiter(1, 60_000)
    const first = await l.consume('u')
    expect(first).toMatchObject({ allowed: true, limit: 1, remaining: 0 })
    const second = await l.consume('u')
    expect(second).toMatchObject({ allowed: false, remaining: 0 })
    expect(second.headers['Retry-After']).toBe('60')
    expect(second.atMs).toBeUndefined()
  })

  it('keys identifiers over 256 characters by their hash, and refuses a known-exhausted one without a round trip', async () => {
    const l = new RateLimiter(1, 60_000, { redis: server.url, name: 'long' })
    const id = 'x'.repeat(1000)
    const first = await l.consume(id)
    expect(first).toMatchObject({ allowed: true, remaining: 0 })
    expect(first.atMs).toEqual(expect.any(Number))
    const commands = () => redisStatus().connections.find((c) => c.url === server.url)!.commands
    const before = commands()
    const second = await l.consume(id)
    expect(second).toMatchObject({ allowed: false, remaining: 0 })
    expect(second.atMs).toBeUndefined()
    expect(commands()).toBe(before)
    expect(second.retryAfterMs).toBeGreaterThan(59_000)
    expect(second.headers['Retry-After']).toBe('60')
    // Redis holds one member under the identifier's hash, and the set expires with the window.
    const key = `hotpath:rl|long:${createHash('sha256').update(id, 'utf16le').digest('base64')}`
    expect(await server.command('ZCARD', key)).toBe(1)
    expect(await server.command('PTTL', key)).toBeGreaterThan(59_000)
  })

  it('HOTPATH_REDIS_URL puts apiRateLimiter on Redis, and the process exits on its own', async () => {
    const script = `
      process.env.HOTPATH_REDIS_URL = ${JSON.stringify(server.url)}
      const { apiRateLimiter } = require('hotpath/cache')
      apiRateLimiter.isAllowed('a')
      apiRateLimiter.consume('a').then((d) => console.log('done', d.allowed, d.limit, d.atMs > 0))
    `
    const r = runScript(script)
    expect({ signal: r.signal, status: r.status, out: r.stdout.trim() }).toEqual({ signal: null, status: 0, out: 'done true 100 true' })
    expect(r.ms).toBeLessThan(10_000)
    expect(await server.command('ZCARD', 'hotpath:rl|apiRateLimiter:a')).toBeGreaterThanOrEqual(1)
  })
})
