// The Redis foundation: connection options, status, the bus's defences, and
// that no Redis handle keeps Node alive. Every test talks to its own
// redis-server on a loopback port (support/redis-server.ts).
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { SimpleCache, cacheAside } from 'hotpath/cache'
import { redisStatus, closeRedis } from 'hotpath/redis'
import { RedisServer, redisCommand } from '../support/redis-server'
import { eventually } from '../support/redis-fleet'

const repo = join(__dirname, '..', '..')
let server: RedisServer

beforeAll(async () => {
  server = await RedisServer.start()
})
afterAll(async () => {
  await closeRedis()
  await server.stop()
})

const linkOf = (url: string) => redisStatus().connections.find((c) => c.url === url.replace(/:[^:@/]*@/, ':***@'))

describe('hotpath/redis', () => {
  it('reports ready and subscribed once a two-tier cache has connected', async () => {
    new SimpleCache(10, 60, { redis: server.url, name: 'status' })
    await eventually(() => linkOf(server.url)?.state === 'ready' && linkOf(server.url)?.subscribed === true)
    expect(redisStatus().state).toBe('ready')
  })

  it('refuses bad options with a TypeError or RangeError naming the argument', () => {
    expect(() => new SimpleCache(10, 60, { redis: server.url })).toThrow(/new SimpleCache: options\.name must be/)
    expect(() => new SimpleCache(10, 60, { redis: server.url, name: 'a:b' })).toThrow(TypeError)
    expect(() => new SimpleCache(10, 60, { redis: 'http://x', name: 'n' })).toThrow(/options\.redis\.url must be a redis:\/\/ or rediss:\/\/ URL/)
    expect(() => new SimpleCache(10, 60, { redis: 42 as any, name: 'n' })).toThrow(TypeError)
    expect(() => new SimpleCache(10, 60, { redis: { url: server.url, commandTimeoutMs: 0 }, name: 'n' })).toThrow(RangeError)
    expect(() => new SimpleCache(10, 60, { redis: { url: server.url, maxPending: 'many' as any }, name: 'n' })).toThrow(
      /options\.redis\.maxPending must be a positive integer, got "many"/,
    )
    expect(() => new SimpleCache(10, 60, { redis: server.url, name: 'n', maxEntryBytes: -1 })).toThrow(RangeError)
    expect(() => new SimpleCache(10, 60, { redis: server.url, name: 'n', serializer: {} as any })).toThrow(/options\.serializer must be/)
  })

  it('masks the password in redisStatus()', async () => {
    const secured = await RedisServer.start(['--requirepass', 's3cret'])
    try {
      new SimpleCache(10, 60, { redis: `redis://:s3cret@127.0.0.1:${secured.port}/2`, name: 'masked' })
      const shown = redisStatus().connections.map((c) => c.url)
      expect(shown).toContain(`redis://:***@127.0.0.1:${secured.port}/2`)
      expect(JSON.stringify(redisStatus())).not.toContain('s3cret')
    } finally {
      await secured.stop()
    }
  })

  it('uses the password and the database number of the URL', async () => {
    const secured = await RedisServer.start(['--requirepass', 's3cret'])
    try {
      const url = `redis://:s3cret@127.0.0.1:${secured.port}/2`
      const writer = new SimpleCache(10, 60, { redis: url, name: 'authdb' })
      writer.set('k', 'in db 2')
      await writer.flush()
      expect(writer.stats().l2?.writes).toBe(1)
      expect(await redisCommand(secured.port, ['DBSIZE'], 1000, 's3cret')).toBe(0)
      const reader = new SimpleCache(10, 60, { redis: { url, prefix: 'hotpath:' }, name: 'authdb' })
      expect(await cacheAside('k', async () => 'fetched', reader)).toBe('in db 2')
    } finally {
      await secured.stop()
    }
  })

  it('keeps serving from L1 when the password is wrong, reporting the link down', async () => {
    const secured = await RedisServer.start(['--requirepass', 's3cret'])
    try {
      const cache = new SimpleCache(10, 60, { redis: `redis://:wrong@127.0.0.1:${secured.port}`, name: 'badauth' })
      cache.set('k', 'local')
      expect(cache.get('k')).toBe('local')
      expect(await cacheAside('other', async () => 'fetched', cache)).toBe('fetched')
      await eventually(() => cache.stats().l2?.state === 'down', 5000, 'state down')
    } finally {
      await secured.stop()
    }
  })

  it('reaches a rediss:// server through TLS, verifying its certificate', async () => {
    const secure = await RedisServer.startTls()
    try {
      const url = `rediss://127.0.0.1:${secure.port}`
      const script = `
        const { SimpleCache, cacheAside } = require('hotpath/cache')
        const { closeRedis } = require('hotpath/redis')
        const a = new SimpleCache(10, 60, { redis: ${JSON.stringify(url)}, name: 'tls' })
        const b = new SimpleCache(10, 60, { redis: ${JSON.stringify(url)}, name: 'tls' })
        a.set('k', 'over tls')
        // 'ready' also needs the bus subscribed, which may come after the first commands.
        const ready = async (deadline = Date.now() + 5000) => {
          while (a.stats().l2.state !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
          return a.stats().l2.state
        }
        a.flush().then(() => cacheAside('k', async () => 'fetched', b)).then(async (v) => {
          console.log(JSON.stringify([v, v === 'over tls' ? await ready() : a.stats().l2.state]))
          await closeRedis()
        })
      `
      const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', env, timeout: 15_000 })
      // rustls-native-certs honours SSL_CERT_FILE: the test CA is trusted only here.
      expect(JSON.parse(run({ ...process.env, SSL_CERT_FILE: secure.caFile }).stdout)).toEqual(['over tls', 'ready'])
      const untrusted = JSON.parse(run({ ...process.env, SSL_CERT_FILE: '/nonexistent' }).stdout)
      expect(untrusted[0]).toBe('fetched') // certificate refused: L1 and the fetcher serve
    } finally {
      await secure.stop()
    }
  })

  it('reaches a rediss:// URL through TLS (a plain server fails the handshake: down, L1 serves)', async () => {
    const cache = new SimpleCache(10, 60, { redis: { url: `rediss://127.0.0.1:${server.port}`, connectTimeoutMs: 300 }, name: 'tls' })
    cache.set('k', 1)
    expect(cache.get('k')).toBe(1)
    await eventually(() => cache.stats().l2?.state === 'down', 5000, 'state down')
  })
})

describe('the invalidation bus', () => {
  it('drops malformed and oversized messages, counts them, and keeps delivering', async () => {
    const url = `${server.url}/0`
    const a = new SimpleCache(10, 60, { redis: url, name: 'bus' })
    const b = new SimpleCache(10, 60, { redis: url, name: 'bus' })
    await eventually(() => linkOf(url)?.subscribed === true)
    const before = linkOf(url)!.busMalformed
    for (const garbage of ['hello', 'h1|zz|d|bus|k', 'h1|0000000000000001|x|bus|k', Buffer.from([0xff, 0xfe])]) {
      await server.command('PUBLISH', 'hotpath:bus', garbage)
    }
    await server.command('PUBLISH', 'hotpath:bus', `h1|0000000000000001|d|bus|${'k'.repeat(70_000)}`)
    await eventually(() => linkOf(url)!.busMalformed === before + 5, 5000, 'five malformed messages counted')

    b.set('k', 'old')
    a.set('k', 'new')
    await a.flush()
    await eventually(() => b.get('k') === null, 5000, 'the invalidation to reach b')
    expect(b.stats().l2?.invalidationsReceived).toBeGreaterThanOrEqual(1)
  })

  it('collapses a flood it cannot deliver into one drop of L1, holding at most 4,096 messages', async () => {
    const redis = { url: server.url, prefix: 'flood:' }
    const cache = new SimpleCache(10, 60, { redis, name: 'flood' })
    const link = () => redisStatus().connections.find((c) => c.prefix === 'flood:')!
    await eventually(() => link().subscribed)
    cache.set('k', 'kept until the flood')
    await cache.flush()
    // This thread is blocked while redis-cli publishes 20,000 invalidations of
    // other keys, so none is delivered to JS and the Rust inbox overflows.
    const publish = `for i in $(seq 1 20000); do echo "PUBLISH flood:bus h1|0000000000000001|d|flood|other$i"; done | redis-cli -p ${server.port} > /dev/null`
    execFileSync('bash', ['-c', publish])
    await eventually(() => cache.get('k') === null, 5000, 'the overflow to drop L1')
    expect(link().busOverflows).toBeGreaterThanOrEqual(1)
  })

  it('ignores the sender’s own messages', async () => {
    const cache = new SimpleCache(10, 60, { redis: server.url, name: 'own' })
    cache.set('k', 'mine')
    await cache.flush()
    await new Promise((r) => setTimeout(r, 50))
    expect(cache.get('k')).toBe('mine')
    expect(cache.stats().l2?.invalidationsReceived).toBe(0)
  })
})

describe('process lifetime', () => {
  it('lets a process that never calls closeRedis exit once its work is done', () => {
    const script = `
      const { SimpleCache, cacheAside } = require('hotpath/cache')
      const c = new SimpleCache(10, 60, { redis: ${JSON.stringify(server.url)}, name: 'exit' })
      c.set('a', 1)
      cacheAside('b', async () => 2, c).then((v) => { console.log('done', v) })
    `
    const started = Date.now()
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 15_000 })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('done 2')
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('lets a process exit while Redis is unreachable', () => {
    const script = `
      const { SimpleCache, cacheAside } = require('hotpath/cache')
      const c = new SimpleCache(10, 60, { redis: 'redis://127.0.0.1:1', name: 'exit' })
      c.set('a', 1)
      cacheAside('b', async () => 2, c).then((v) => { console.log('done', v) })
    `
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 15_000 })
    expect(r.signal).toBeNull()
    expect(r.status).toBe(0)
    expect(r.stdout.trim()).toBe('done 2')
  })

  it('closeRedis sends pending writes before closing', () => {
    const script = `
      const { SimpleCache } = require('hotpath/cache')
      const { closeRedis, redisStatus } = require('hotpath/redis')
      const c = new SimpleCache(1000, 60, { redis: ${JSON.stringify(server.url)}, name: 'closing' })
      for (let i = 0; i < 500; i++) c.set('k' + i, i)
      closeRedis().then(() => console.log(redisStatus().state, c.stats().l2.writes))
    `
    const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 15_000 })
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('off 500')
  })
})
