// The tokio runtime (a worker thread per core) exists only in processes that
// use Redis: importing hotpath and using its caches, limiter and monitor
// without Redis starts no tokio thread, and the first Redis link starts it.
// Each case is a fresh Node process that counts its threads by name in
// /proc/self/task (tokio names its workers `tokio-runtime-worker`).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { RedisServer } from '../support/redis-server'

const repo = join(__dirname, '..', '..')
const linux = process.platform === 'linux'

/** Runs `body` (CommonJS, `threads()` in scope) in a fresh process; its JSON output, after it exited by itself. */
function inFreshProcess(body: string, env: Record<string, string> = {}): any {
  const script = `
    const { readdirSync, readFileSync } = require('node:fs')
    const threads = () => {
      const names = readdirSync('/proc/self/task').map((t) => readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim())
      return { all: names.length, tokio: names.filter((n) => n.startsWith('tokio')).length }
    }
    ${body}`
  const r = spawnSync(process.execPath, ['-e', script], { cwd: repo, encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env } })
  // A process still alive at the timeout is killed by a signal: it did not exit by itself.
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toMatchObject({ status: 0, signal: null })
  return JSON.parse(r.stdout)
}

// /proc is Linux only; elsewhere the suite is reported as skipped.
;(linux ? describe : describe.skip)('the tokio runtime', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await RedisServer.start()
  })
  afterAll(() => server.stop())

  it('is not started by a process that uses hotpath without Redis', () => {
    const out = inFreshProcess(`
      const { SimpleCache, cacheAside, apiCache, apiRateLimiter } = require('hotpath/cache')
      const { perfMonitor } = require('hotpath/performance')
      ;(async () => {
        const cache = new SimpleCache(10, 60)
        cache.set('a', 1)
        await cacheAside('b', async () => 2, cache)
        await cacheAside('c', async () => 3, apiCache)
        apiRateLimiter.isAllowed('ip')
        await perfMonitor.time('op', async () => cache.get('a'))
        // A thread names itself once it runs: give any new one the time to.
        await new Promise((resolve) => setTimeout(resolve, 50))
        console.log(JSON.stringify(threads()))
      })()`)
    expect(out.tokio).toBe(0)
  })

  it('starts with the first Redis connection, and the process still exits by itself', () => {
    const out = inFreshProcess(
      `
      const { SimpleCache, cacheAside, apiCache } = require('hotpath/cache')
      const before = threads()
      ;(async () => {
        await cacheAside('k', async () => 1, apiCache)
        const cache = new SimpleCache(10, 60, { redis: process.env.URL, name: 'runtime' })
        cache.set('k', 1)
        await cache.flush()
        console.log(JSON.stringify({ before, after: threads(), l2: cache.stats().l2 }))
      })()`,
      { URL: server.url },
    )
    expect(out.before.tokio).toBe(0)
    expect(out.after.tokio).toBeGreaterThan(0)
    expect(out.l2).toMatchObject({ state: 'ready', writes: 1 })
  })

  it('is started by HOTPATH_REDIS_URL when hotpath/cache is imported (the default caches connect)', () => {
    // Counted once connected: by then the runtime's threads have run, and named themselves.
    const out = inFreshProcess(
      `
      require('hotpath/cache')
      const { redisStatus } = require('hotpath/redis')
      const report = () => (redisStatus().state === 'ready' ? console.log(JSON.stringify(threads())) : setTimeout(report, 10))
      report()`,
      { HOTPATH_REDIS_URL: server.url },
    )
    expect(out.tokio).toBeGreaterThan(0)
  })
})
