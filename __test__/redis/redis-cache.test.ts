// A two-tier SimpleCache against one redis-server, in process: what L2 holds
// and how values cross (serializer, size limit, TTL), clear by generation,
// stats().l2, and HOTPATH_REDIS_URL for the default instances.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { SimpleCache, cacheAside } from 'hotpath/cache'
import { closeRedis, redisStatus } from 'hotpath/redis'
import { RedisServer } from '../support/redis-server'
import { eventually } from '../support/redis-fleet'

const repo = join(__dirname, '..', '..')
let server: RedisServer
let names = 0
/** A fresh namespace per test, so tests share the server without seeing each other. */
const fresh = () => `cache${names++}`

beforeAll(async () => {
  server = await RedisServer.start()
})
afterAll(async () => {
  await closeRedis()
  await server.stop()
})

const pair = (name: string, options: object = {}) => [
  new SimpleCache(100, 300, { redis: server.url, name, ...options }),
  new SimpleCache(100, 300, { redis: server.url, name, ...options }),
]

describe('two-tier SimpleCache', () => {
  it('writes a set to L2 in the background, where another instance finds it', async () => {
    const [a, b] = pair(fresh())
    a.set('user:1', { id: 1, tags: ['x'] })
    await a.flush()
    const fetcher = async () => ({ id: 'fetched' })
    expect(await cacheAside('user:1', fetcher, b)).toEqual({ id: 1, tags: ['x'] })
    expect(b.stats().l2).toMatchObject({ hits: 1, misses: 0, fetches: 0 })
    expect(a.stats().l2).toMatchObject({ state: 'ready', writes: 1, invalidationsSent: 1, errors: 0, skipped: 0 })
  })

  it('keeps stats() as it was for a cache without Redis', () => {
    expect(new SimpleCache().stats()).not.toHaveProperty('l2')
  })

  it('removes a deleted key from L2 even when this instance did not hold it', async () => {
    const [a, b] = pair(fresh())
    a.set('k', 'v')
    await a.flush()
    expect(b.delete('k')).toBe(false)
    await b.flush()
    expect(await cacheAside('k', async () => 'fetched', b)).toBe('fetched')
  })

  it.each(['delete', 'set', 'clear', 'delete on another instance'] as const)(
    'does not write a fetched value to L2 after a %s of its key during the fetch',
    async (op) => {
      const [a, b] = pair(fresh())
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const loading = cacheAside('k', async () => (await gate, 'stale'), a)
      // The fetcher runs once the L2 miss and the fleet lock are answered.
      await eventually(() => a.stats().l2.fetches === 1)
      if (op === 'delete') a.delete('k')
      else if (op === 'set') a.set('k', 'fresh')
      else if (op === 'clear') a.clear()
      else {
        b.delete('k')
        await eventually(() => a.stats().l2.invalidationsReceived === 1)
      }
      release()
      expect(await loading).toBe('stale')
      await a.flush()
      const expected = op === 'set' ? 'fresh' : 'refetched'
      expect(await cacheAside('k', async () => 'refetched', b)).toBe(expected)
    },
  )

  it('clears in O(1) by moving the namespace to a new generation', async () => {
    const name = fresh()
    const [a, b] = pair(name)
    a.set('k', 'v')
    a.clear()
    a.set('k2', 'v2')
    await a.flush()
    expect(await server.command('GET', `hotpath:${name}:gen`)).toBe('1')
    expect(await server.command('EXISTS', `hotpath:${name}:1:k2`)).toBe(1)
    expect(await cacheAside('k', async () => 'fetched', b)).toBe('fetched')
    expect(await cacheAside('k2', async () => 'fetched', b)).toBe('v2')
  })

  it('keeps null and undefined as they are across L2', async () => {
    const [a, b] = pair(fresh())
    a.set('null', null)
    a.set('undefined', undefined)
    await a.flush()
    expect(await cacheAside('null', async () => 'fetched', b)).toBeNull()
    expect(await cacheAside('undefined', async () => 'fetched', b)).toBeUndefined()
  })

  it('keeps a value the serializer refuses, or one over maxEntryBytes, in L1 only (counted as skipped)', async () => {
    const [a, b] = pair(fresh(), { maxEntryBytes: 64 })
    a.set('big', 'x'.repeat(100))
    a.set('bigint', 10n)
    await a.flush()
    expect(a.get('big')).toBe('x'.repeat(100))
    expect(a.get('bigint')).toBe(10n)
    expect(a.stats().l2?.skipped).toBe(2)
    expect(await cacheAside('big', async () => 'fetched', b)).toBe('fetched')
    expect(await cacheAside('bigint', async () => 'fetched', b)).toBe('fetched')
  })

  it('uses a custom serializer both ways', async () => {
    const serializer = {
      serialize: (v: Date) => String(v.getTime()),
      deserialize: (data: Buffer) => new Date(Number(data.toString())),
    }
    const [a, b] = pair(fresh(), { serializer })
    a.set('when', new Date(1234))
    await a.flush()
    const got = await cacheAside('when', async () => new Date(0), b)
    expect(got).toBeInstanceOf(Date)
    expect(got.getTime()).toBe(1234)
  })

  it('keeps an L2 hit in L1 no longer than Redis does', async () => {
    const [a, b] = pair(fresh())
    a.set('short', 'v', 0.3)
    await a.flush()
    expect(await cacheAside('short', async () => 'fetched', b)).toBe('v')
    expect(b.get('short')).toBe('v')
    await new Promise((r) => setTimeout(r, 400))
    expect(b.get('short')).toBeNull()
  })

  it('writes a fetched value to L2 with its TTL for the next instance', async () => {
    const name = fresh()
    const [a, b] = pair(name)
    expect(await cacheAside('k', async () => ({ n: 1 }), a, 60)).toEqual({ n: 1 })
    await a.flush()
    const pttl = await server.command('PTTL', `hotpath:${name}:0:k`)
    expect(pttl).toBeGreaterThan(55_000)
    expect(pttl).toBeLessThanOrEqual(60_000)
    expect(await cacheAside('k', async () => 'fetched', b)).toEqual({ n: 1 })
  })

  it('rejects with exactly what the fetcher threw, caching nothing in either tier', async () => {
    const [a, b] = pair(fresh())
    const boom = new Error('upstream down')
    await expect(cacheAside('k', async () => Promise.reject(boom), a)).rejects.toBe(boom)
    await expect(
      cacheAside('k', () => {
        throw boom
      }, a),
    ).rejects.toBe(boom)
    await a.flush()
    expect(a.get('k')).toBeNull()
    expect(await cacheAside('k', async () => 'fetched', b)).toBe('fetched')
  })

  it('keeps the fetched value itself in the fetching instance’s L1 (no serialization copy)', async () => {
    const [a] = pair(fresh())
    const value = { big: 'object' }
    expect(await cacheAside('k', async () => value, a)).toBe(value)
    expect(a.get('k')).toBe(value)
  })
})

describe('a full write queue', () => {
  it('refuses writes at once (counted, logged for repair) instead of queueing without bound', async () => {
    const paused = await RedisServer.start()
    try {
      const cache = new SimpleCache(1000, 60, { redis: { url: paused.url, maxPending: 4 }, name: 'full' })
      const status = () => redisStatus().connections.find((c) => c.url === paused.url)!
      await eventually(() => status().state === 'ready')
      paused.pause()
      for (let i = 0; i < 100; i++) cache.set(`k${i}`, i)
      expect(cache.get('k99')).toBe(99) // L1 serves at once
      // The writer holds at most one batch on the wire; the queue holds 4; the rest are refused now.
      expect(cache.stats().l2?.errors).toBeGreaterThanOrEqual(50)
      expect(status().pendingWrites).toBeLessThanOrEqual(4)
      paused.resume()
      await eventually(() => status().state === 'ready' && status().pendingRepairs === 0, 10_000, 'the repairs')
      expect(await paused.command('EXISTS', 'hotpath:full:0:k99')).toBe(0)
    } finally {
      await paused.stop()
    }
  })
})

describe('HOTPATH_REDIS_URL', () => {
  it('makes apiCache and dataCache two-tier with no code change', () => {
    const script = `
      const { apiCache, dataCache, cacheAside } = require('hotpath/cache')
      const { closeRedis } = require('hotpath/redis')
      apiCache.set('a', 1)
      dataCache.set('d', 2)
      Promise.all([apiCache.flush(), dataCache.flush()]).then(async () => {
        console.log(JSON.stringify([apiCache.stats().l2.writes, dataCache.stats().l2.writes]))
        await closeRedis()
      })
    `
    const env = { ...process.env, HOTPATH_REDIS_URL: server.url, HOTPATH_REDIS_PREFIX: 'envtest:' }
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', env, timeout: 15_000 })
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual([1, 1])
    return Promise.all([server.command('GET', 'envtest:apiCache:0:a'), server.command('GET', 'envtest:dataCache:0:d')]).then((v) =>
      expect(v).toEqual(['1', '2']),
    )
  })

  it('leaves the default instances in process when it is not set', () => {
    const env = { ...process.env }
    delete env.HOTPATH_REDIS_URL
    const r = spawnSync(process.execPath, ['-e', "console.log(JSON.stringify(require('hotpath/cache').apiCache.stats()))"], {
      cwd: repo,
      encoding: 'utf8',
      env,
    })
    expect(JSON.parse(r.stdout)).not.toHaveProperty('l2')
  })
})
