// Outages: a killed server, a restart on the same port, a server that
// accepts connections but never answers (SIGSTOP), and a lock holder that
// hangs. Requests keep being served (L1 and the fetcher) with bounded
// latency, and the instances recover by themselves.
import { RedisServer } from '../support/redis-server'
import { Instance, eventually, primeOthers, startFleet as startInstances } from '../support/redis-fleet'

let server: RedisServer
let fleet: Instance[]
const REDIS = { commandTimeoutMs: 100, breakerCooldownMs: 200 }
/** A request during an outage may wait one command timeout (or one connect), never more than this. */
const BOUND_MS = 1000

async function startFleet(cacheOptions: object = {}) {
  server = await RedisServer.start()
  fleet = await startInstances(server.url, 'faults', REDIS, cacheOptions)
}
afterEach(async () => {
  await Promise.all(fleet.map((i) => i.stop()))
  await server.stop()
})

const states = async () => (await Promise.all(fleet.map((i) => i.call('status')))).map((s) => s.connections[0])

describe('Redis outages', () => {
  it('keeps serving with bounded latency and no unhandled rejection when the server is killed under load', async () => {
    await startFleet()
    // Short TTLs keep L1 missing, so the L2 path runs throughout the outage.
    const loads = fleet.map((i) => i.call('load', 3000, 200, 0.05))
    await new Promise((r) => setTimeout(r, 100))
    await server.kill()
    fleet[0].call('set', 'during', 'outage')
    expect(await fleet[0].call('get', 'during')).toBe('outage')
    const results = await Promise.all(loads)
    console.log(`SIGKILL under load: ${results.map((r) => `p50 ${r.p50.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`).join('; ')}`)
    for (const r of results) {
      expect(r.failures).toBe(0)
      expect(r.max).toBeLessThan(BOUND_MS)
    }
    await eventually(async () => (await states()).every((s) => s.state === 'down'), 5000, 'every instance to report down')
    expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0, 0])
  })

  it('recovers by itself after a restart on the same port, and no instance serves a value deleted during the outage', async () => {
    await startFleet()
    const [a, b, c] = fleet
    await primeOthers(fleet, a, 'gone', 'v')
    await primeOthers(fleet, a, 'changed', 'old')
    await server.kill()
    a.call('delete', 'gone')
    a.call('set', 'changed', 'new')
    expect(await b.call('get', 'gone')).toBe('v') // b cannot know yet: L1 keeps serving
    const restartedAt = Date.now()
    await server.restart()
    await eventually(
      async () => (await states()).every((s) => s.state === 'ready' && s.subscribed && s.pendingRepairs === 0),
      10_000,
      'every instance to recover',
    )
    console.log(`recovered ${Date.now() - restartedAt} ms after the restart`)
    for (const other of [b, c]) {
      expect(await other.call('get', 'gone')).toBeNull()
      expect(await other.call('aside', 'gone')).toBe('fetched')
      expect(await other.call('get', 'changed')).not.toBe('old')
      expect(await other.call('aside', 'changed', 'refetched')).not.toBe('old')
    }
    expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0, 0])
  })

  it('treats a server that stops answering (SIGSTOP) as down: one timeout, then the breaker answers at once', async () => {
    await startFleet()
    server.pause()
    try {
      const results = await Promise.all(fleet.map((i) => i.call('load', 1000, 200, 0.05)))
      console.log(`SIGSTOP under load: ${results.map((r) => `p50 ${r.p50.toFixed(2)} ms, max ${r.max.toFixed(1)} ms`).join('; ')}`)
      for (const r of results) {
        expect(r.failures).toBe(0)
        expect(r.max).toBeLessThan(BOUND_MS)
      }
      expect((await states()).every((s) => s.state === 'down' && s.timeouts > 0)).toBe(true)
      // The bus hears nothing either; its heartbeat notices within a ping interval and timeout.
      await eventually(async () => (await states()).every((s) => !s.subscribed), 5000, 'the bus heartbeat to notice')
      // A fresh instance meets a server that accepts the connection and never answers.
      const late = await Instance.start(server.url, 'faults', REDIS)
      fleet.push(late)
      const started = Date.now()
      expect(await late.call('aside', 'k')).toBe('fetched')
      expect(Date.now() - started).toBeLessThan(BOUND_MS)
    } finally {
      server.resume()
    }
    await eventually(async () => (await states()).every((s) => s.state === 'ready'), 10_000, 'every instance to recover')
    expect(await Promise.all(fleet.map((i) => i.call('unhandled')))).toEqual([0, 0, 0, 0])
  })

  it('repairs on L2 a delete that failed while the server kept its data but did not answer', async () => {
    await startFleet()
    const [a, b] = fleet
    await primeOthers(fleet, a, 'gone', 'v')
    server.pause()
    try {
      a.call('delete', 'gone')
      await a.call('flush') // bounded by the command timeout: the write fails and is logged for repair
      expect((await a.call('status')).connections[0].pendingRepairs).toBe(1)
    } finally {
      server.resume()
    }
    await eventually(async () => (await states()).every((s) => s.state === 'ready' && s.pendingRepairs === 0), 10_000, 'the repair')
    expect(await server.command('GET', 'hotpath:faults:0:gone')).toBeNull()
    expect(await b.call('get', 'gone')).toBeNull()
    expect(await b.call('aside', 'gone')).toBe('fetched')
  })

  it('lets waiters fetch for themselves once a hanging lock holder’s lock expires', async () => {
    await startFleet({ maxFlightMs: 300 })
    const [a, b] = fleet
    void a.call('herd', 'hung', 1, 10_000) // a takes the fleet lock and never lands
    await new Promise((r) => setTimeout(r, 50))
    const before = await b.call('fetches')
    const started = Date.now()
    await b.call('herd', 'hung', 10, 5)
    const waited = Date.now() - started
    console.log(`a waiter behind a hung lock holder fetched after ${waited} ms (lock expiry 300 ms)`)
    expect((await b.call('fetches')) - before).toBe(1)
    expect(waited).toBeGreaterThanOrEqual(200)
    expect(waited).toBeLessThan(300 * 2 + BOUND_MS)
  })
})
