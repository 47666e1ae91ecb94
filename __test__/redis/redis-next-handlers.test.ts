// The Next.js cache handlers as three servers of one app would run them:
// three Node processes on one Redis (next-handler-instance.cjs plays Next's
// part). Entries cross instances through L2, a revalidation on one is seen
// by the others' next request, a first render runs once per fleet, tag
// bookkeeping stays bounded, and a Redis restart costs renders, not errors.
import { RedisServer } from '../support/redis-server'
import { Instance, eventually, quantile } from '../support/redis-fleet'
import { createCacheHandler } from 'hotpath/next/cache-handler'
import { closeRedis } from 'hotpath/redis'
import { freePort } from '../support/free-port.cjs'

let server: RedisServer
let fleet: Instance[]
const OPTIONS = { redis: { url: '', commandTimeoutMs: 500 }, renderLockMs: 2000 }

/** Three handler processes on `server`, resolved once each one's bus is subscribed. */
async function startInstances(count: number, options: object = {}): Promise<Instance[]> {
  const args = JSON.stringify({ ...OPTIONS, ...options, redis: { ...OPTIONS.redis, url: server.url } })
  const started = await Promise.all(Array.from({ length: count }, () => Instance.fork('next-handler-instance.cjs', [args])))
  await eventually(async () => (await Promise.all(started.map((i) => i.call('status')))).every((s) => s.connections[0].subscribed))
  return started
}

beforeAll(async () => {
  server = await RedisServer.start()
  fleet = await startInstances(3)
}, 30_000)
afterAll(async () => {
  await Promise.all(fleet.map((i) => i.stop()))
  await closeRedis()
  await server.stop()
})

describe("the 'use cache' handler on three instances", () => {
  it('serves an entry set on one instance from every other, bytes and metadata intact', async () => {
    const [a, b, c] = fleet
    const timestamp = Date.now() - 1000
    await a.call('set', 'shared', 'héllo ✓', ['products'], { expire: 600, revalidate: 60, stale: 30, timestamp })
    await a.call('flush')
    for (const other of [b, c]) {
      expect(await other.call('get', 'shared')).toEqual({ text: 'héllo ✓', tags: ['products'], stale: 30, timestamp, expire: 600, revalidate: 60 })
    }
  })

  it('stops serving an entry on every instance once its tag is expired on one, within milliseconds', async () => {
    const [a, ...others] = fleet
    const latencies: number[] = []
    for (let round = 0; round < 20; round++) {
      const key = `expire:${round}`
      const tag = `t${round}`
      await a.call('set', key, 'v', [tag], { timestamp: Date.now() - 10 })
      await a.call('flush')
      for (const o of others) await eventually(async () => (await o.call('get', key)) !== null, 5000, `${key} on another instance`)
      const watching = others.map((o) => o.call('watchFresh', key, 'v', 'fresh'))
      const sentAt: number = await a.call('timed', 'updateTags', [tag])
      for (const seenAt of await Promise.all(watching)) {
        expect(seenAt).not.toBeNull()
        latencies.push(Math.max(0, seenAt - sentAt))
      }
      expect((await a.call('get', key))?.text).not.toBe('v')
    }
    console.log(`cross-instance revalidation: p50 ${quantile(latencies, 0.5).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms (${latencies.length} deliveries)`)
    expect(quantile(latencies, 0.99)).toBeLessThan(1000)
  })

  it("shows a revalidation to another server's very next request, before the bus message arrives", async () => {
    // Two stores on one connection (their options differ), as two servers would be:
    // b's next request comes right after a's revalidation resolves, before b could read the bus.
    // A generous command timeout: a sync that times out on a loaded machine would leave b on its local state.
    const redis = { url: server.url, commandTimeoutMs: 2000 }
    const a = createCacheHandler({ redis, name: 'nextrequest', maxBytes: 1 << 20 })
    const b = createCacheHandler({ redis, name: 'nextrequest', maxBytes: 2 << 20 })
    await b.refreshTags()
    for (let round = 0; round < 50; round++) {
      const tag = `strict${round}`
      await a.updateTags([tag])
      await b.refreshTags()
      expect(await b.getExpiration([tag])).toBeGreaterThan(0)
    }
  })

  it('marks entries stale on every instance when a tag is revalidated with a profile, and reports its expiry', async () => {
    const [a, b, c] = fleet
    await a.call('set', 'profiled', 'v', ['news'], { timestamp: Date.now() - 10, revalidate: 900 })
    await a.call('flush')
    await eventually(async () => (await c.call('get', 'profiled'))?.revalidate === 900)
    const before = Date.now()
    await b.call('updateTags', ['news'], { expire: 3600 })
    for (const [name, other] of [['a', a], ['c', c]] as const) {
      await eventually(async () => (await other.call('get', 'profiled'))?.revalidate === -1, 5000, `the stale mark on ${name}`)
    }
    const expiration: number = await c.call('getExpiration', ['news', 'other'])
    expect(expiration).toBeGreaterThanOrEqual(before + 3600_000)
    expect(expiration).toBeLessThan(Date.now() + 3600_000 + 1)
    expect(await c.call('getExpiration', ['never-revalidated'])).toBe(0)
  })

  it('gives a server started after a revalidation the fleet tag state before its first request', async () => {
    const [a] = fleet
    await a.call('set', 'old', 'v', ['catalog'], { timestamp: Date.now() - 10 })
    await a.call('flush')
    await a.call('updateTags', ['catalog'])
    const [late] = await startInstances(1)
    try {
      await late.call('refreshTags')
      expect(await late.call('getExpiration', ['catalog'])).toBeGreaterThan(0)
      expect(await late.call('get', 'old')).toBeNull()
    } finally {
      await late.stop()
    }
  })

  it('renders a missing entry once per fleet for 90 concurrent first requests on three instances', async () => {
    const before = (await Promise.all(fleet.map((i) => i.call('renders')))).reduce((x, y) => x + y, 0)
    const texts: string[][] = await Promise.all(fleet.map((i) => i.call('herd', 'herd:first', 30, 'rendered once', 150)))
    const after = (await Promise.all(fleet.map((i) => i.call('renders')))).reduce((x, y) => x + y, 0)
    console.log(`first render: ${after - before} render(s) for 90 requests on 3 instances`)
    expect(after - before).toBe(1)
    expect(new Set(texts.flat())).toEqual(new Set(['rendered once']))
  })

  it('lets the fleet render for itself after renderLockMs when the one render never sets', async () => {
    const [a, b] = fleet
    expect(await a.call('missWithoutSet', 'herd:failed')).toBeNull()
    const started = Date.now()
    expect(await b.call('render', 'herd:failed', 'second try', [], 0)).toBe('second try')
    const waited = Date.now() - started
    console.log(`waited ${waited} ms for a render that never set (renderLockMs 2000)`)
    expect(waited).toBeGreaterThanOrEqual(1000)
    expect(waited).toBeLessThan(10_000)
  })

  it('keeps Buffers and Maps of ISR values through Redis, and expires pages by tag across instances', async () => {
    const [a, b] = fleet
    const page = {
      kind: 'APP_PAGE',
      html: { $buffer: '<h1>hi</h1>' },
      rscData: { $buffer: 'rsc' },
      segmentData: { $map: [['/_tree', { $buffer: 'seg' }]] },
      headers: { 'x-next-cache-tags': '_N_T_/layout,_N_T_/blog' },
      status: 200,
      postponed: undefined,
    }
    await a.call('isrSet', '/blog', page, { revalidate: 60, expire: 600 })
    await a.call('flush')
    const got = await b.call('isrGet', '/blog', { kind: 'APP_PAGE' })
    expect(got.value).toEqual({ ...page, postponed: undefined })
    expect(got.cacheControl).toEqual({ revalidate: 60, expire: 600 })
    await new Promise((r) => setTimeout(r, 2))
    await b.call('isrRevalidate', '_N_T_/blog')
    await eventually(async () => (await a.call('isrGet', '/blog', { kind: 'APP_PAGE' })) === null, 5000, 'the page to expire on a')
  })

  it('counts no unhandled rejection in any instance', async () => {
    for (const i of fleet) expect(await i.call('unhandled')).toBe(0)
  })
})

/** Redis's lifetime command counts: every command (scripts' own included), EVALs and PUBLISHes. */
async function commandStats(): Promise<{ total: number; eval: number; publish: number }> {
  const info: string = await server.command('INFO', 'all')
  const calls = (cmd: string) => Number(info.match(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`))?.[1] ?? 0)
  return { total: Number(info.match(/total_commands_processed:(\d+)/)![1]), eval: calls('eval'), publish: calls('publish') }
}

describe('tag bookkeeping', () => {
  it('stays bounded over 100,000 keys and 10,000 tags with churn, and a revalidation costs the same whatever the cache holds', async () => {
    const name = 'bounded'
    const handler = createCacheHandler({ redis: { url: server.url, commandTimeoutMs: 2000 }, name, maxTags: 2000, maxBytes: 4 * 1024 * 1024 })
    const enc = new TextEncoder()
    const entry = (i: number) => ({
      value: new ReadableStream({ start: (c) => (c.enqueue(enc.encode(`v${i}`)), c.close()) }),
      tags: [`tag${i % 10_000}`],
      stale: 300,
      timestamp: Date.now(),
      expire: 3600,
      revalidate: 900,
    })
    for (let i = 0; i < 100_000; i++) await handler.set(`key${i}`, Promise.resolve(entry(i)))
    await handler.flush()
    const before = await commandStats()
    const revalidations = 20_000
    for (let n = 0; n < revalidations; n++) {
      await handler.updateTags([`tag${(n * 7919) % 10_000}`], n % 2 ? { expire: 60 } : undefined)
    }
    const after = await commandStats()
    const hash = `hotpath:${name}:tags`
    const held = await server.command('HLEN', hash)
    const ranked = await server.command('ZCARD', `${hash}:until`)
    const perRevalidation = (after.total - before.total) / revalidations
    console.log(`tag states after ${revalidations} revalidations of 10,000 tags: ${held} in Redis, ${handler.stats().tags} in process (maxTags 2000); per revalidation: ${perRevalidation.toFixed(2)} Redis commands, scripts included, with 100,000 entries held`)
    expect(held).toBeLessThanOrEqual(2000)
    expect(ranked).toBe(held)
    expect(handler.stats().tags).toBeLessThanOrEqual(2000)
    // One round trip (a script and the bus message) per revalidation, and a script whose
    // work does not depend on the 100,000 entries: it touches the tag's state and the
    // oldest states only.
    // (On a loaded machine an update can outlast the 100 ms command timeout after Redis ran it: it is
    // then sent again, after a full read, so a few more scripts and messages are allowed.)
    expect(after.eval - before.eval).toBeGreaterThanOrEqual(revalidations)
    expect(after.eval - before.eval).toBeLessThan(revalidations * 1.01)
    expect(after.publish - before.publish).toBeGreaterThanOrEqual(revalidations)
    expect(after.publish - before.publish).toBeLessThan(revalidations * 1.01)
    expect(perRevalidation).toBeLessThan(15)
    // The L1 stayed within its byte budget.
    expect(handler.stats().bytes).toBeLessThanOrEqual(4 * 1024 * 1024)
    // A dropped tag state still expires what it expired: key0 was written before every revalidation.
    expect(await handler.get('key0', [])).toBeUndefined()
  }, 120_000)
})

describe('tag states past the longest entry lifetime', () => {
  it('are reclaimed in Redis and in process once older than maxAgeSeconds', async () => {
    const name = 'aged'
    const handler = createCacheHandler({ redis: { url: server.url, commandTimeoutMs: 2000 }, name, maxAgeSeconds: 1 })
    await handler.updateTags(['old1', 'old2'])
    expect(await server.command('HLEN', `hotpath:${name}:tags`)).toBe(2)
    await new Promise((r) => setTimeout(r, 1100))
    await handler.updateTags(['new'])
    expect(await server.command('HLEN', `hotpath:${name}:tags`)).toBe(1)
    expect(await server.command('ZCARD', `hotpath:${name}:tags:until`)).toBe(1)
    expect(await server.command('ZCARD', `hotpath:${name}:tags:seq`)).toBe(1)
    expect(handler.stats().tags).toBe(1)
  })
})

describe('a Redis that is not there', () => {
  it('costs a server that starts without it at most half a second on its first request, then nothing', async () => {
    const handler = createCacheHandler({ redis: `redis://127.0.0.1:${await freePort()}`, name: 'absent' })
    const started = Date.now()
    await handler.refreshTags()
    expect(await handler.get('k', [])).toBeUndefined()
    const firstMs = Date.now() - started
    await handler.set('k', Promise.resolve({ value: new ReadableStream({ start: (c) => (c.enqueue(new Uint8Array([1])), c.close()) }), tags: ['t'], stale: 1, timestamp: Date.now(), expire: 60, revalidate: 30 }))
    const again = Date.now()
    await handler.refreshTags()
    expect((await handler.get('k', []))?.tags).toEqual(['t'])
    await handler.updateTags(['t'])
    const laterMs = Date.now() - again
    console.log(`Redis absent: first request ${firstMs} ms, then ${laterMs} ms for a read and a revalidation`)
    expect(firstMs).toBeLessThan(1500)
    expect(laterMs).toBeLessThan(1000)
    expect(handler.stats().unsentTagUpdates).toBe(1)
  })
})

describe('a Redis restart', () => {
  it('costs renders, never an error, and the fleet shares revalidations again afterwards', async () => {
    const [a, b] = await startInstances(2, { name: 'restart' })
    try {
      await a.call('set', 'page', 'before', ['p'], { timestamp: Date.now() - 10 })
      await a.call('flush')
      await eventually(async () => (await b.call('get', 'page'))?.text === 'before')
      await server.kill()
      // Down: reads keep answering (from L1, or as misses), renders keep setting.
      expect((await a.call('get', 'page')).text).toBe('before')
      expect(await a.call('render', 'down', 'rendered while down', [], 0)).toBe('rendered while down')
      // A revalidation made while Redis is down reaches the fleet once it is back.
      await a.call('updateTags', ['p'])
      expect(await a.call('get', 'page')).toBeNull()
      await server.restart()
      await eventually(async () => (await b.call('get', 'page')) === null, 10_000, 'the revalidation made while down to reach b')
      // Caching recovers: a render on one instance is served by the other.
      await eventually(async () => (await a.call('status')).state === 'ready', 10_000, 'a to reconnect')
      await eventually(async () => (await b.call('status')).state === 'ready', 10_000, 'b to reconnect')
      await eventually(
        async () => {
          await a.call('set', 'after', 'recovered', [], { timestamp: Date.now() })
          await a.call('flush')
          return (await b.call('get', 'after'))?.text === 'recovered'
        },
        10_000,
        'an entry to cross instances after the restart',
      )
      expect(await a.call('unhandled')).toBe(0)
      expect(await b.call('unhandled')).toBe(0)
    } finally {
      await a.stop()
      await b.stop()
    }
  }, 60_000)
})
