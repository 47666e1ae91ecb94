// Three Node processes as three app instances on one Redis: invalidation
// reaches the others' L1, a cold herd runs the fetcher once for the fleet,
// and after a storm of writes from all three, every L1 agrees with Redis.
import { RedisServer } from '../support/redis-server'
import { Instance, eventually, primeOthers, quantile, startFleet } from '../support/redis-fleet'

let server: RedisServer
let fleet: Instance[]
const NAME = 'fleet'

beforeAll(async () => {
  server = await RedisServer.start()
  fleet = await startFleet(server.url, NAME, { commandTimeoutMs: 500 })
}, 30_000)
afterAll(async () => {
  await Promise.all(fleet.map((i) => i.stop()))
  await server.stop()
})

/** Latencies (ms) from `op` on instance 0 until each other instance's L1 no longer shows `value`. */
async function invalidationLatencies(op: string, rounds: number): Promise<number[]> {
  const [a, ...others] = fleet
  const latencies: number[] = []
  for (let r = 0; r < rounds; r++) {
    const key = `lat:${op}:${r}`
    await primeOthers(fleet, a, key, r, { fromL2: true })
    const watching = others.map((o) => o.call('watch', key, r))
    const args = op === 'set' ? [key, -1] : op === 'delete' ? [key] : []
    const sentAt: number = await a.call('timed', op, ...args)
    for (const seenAt of await Promise.all(watching)) {
      expect(seenAt).not.toBeNull()
      latencies.push(seenAt - sentAt)
    }
  }
  return latencies
}

describe('three instances on one Redis', () => {
  for (const op of ['set', 'delete', 'clear']) {
    it(`a ${op} on one instance reaches the others' L1`, async () => {
      const latencies = await invalidationLatencies(op, 20)
      const p50 = quantile(latencies, 0.5)
      const p99 = quantile(latencies, 0.99)
      console.log(`invalidation latency after ${op}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (${latencies.length} deliveries)`)
      // Loopback on a shared 2-core machine: a generous bound that still catches a lost message (the watch gives up at 5 s).
      expect(p99).toBeLessThan(1000)
    })
  }

  it('a cold herd of 1,000 callers split across the three runs the fetcher once', async () => {
    const before = (await Promise.all(fleet.map((i) => i.call('fetches')))).reduce((a, b) => a + b, 0)
    const shares = [334, 333, 333]
    const results: number[][] = await Promise.all(fleet.map((i, n) => i.call('herd', 'herd:cold', shares[n], 200)))
    const after = (await Promise.all(fleet.map((i) => i.call('fetches')))).reduce((a, b) => a + b, 0)
    console.log(`cold herd: ${after - before} fetch(es) for ${shares.reduce((a, b) => a + b)} callers on 3 instances`)
    expect(after - before).toBe(1)
    const served = new Set(results.flat())
    expect(served.size).toBe(1)
    expect(results.flat()).toHaveLength(1000)
  })

  it('after a storm of random sets and deletes from all three, every instance agrees with Redis', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `storm:${i}`)
    // Every instance holds every key first, so a missed invalidation would show as a stale L1 value.
    await Promise.all(keys.map((k) => fleet[0].call('set', k, 'seed')))
    await fleet[0].call('flush')
    for (const i of fleet.slice(1)) for (const k of keys) await i.call('aside', k)
    await Promise.all(
      fleet.map(async (instance, n) => {
        for (let op = 0; op < 300; op++) {
          const key = keys[Math.floor(Math.random() * keys.length)]
          if (Math.random() < 0.7) instance.call('set', key, `${n}:${op}`)
          else instance.call('delete', key)
          if (op % 25 === 0) await new Promise((r) => setTimeout(r, 1))
        }
        await instance.call('flush')
      }),
    )
    const inRedis = async () => {
      const out: (string | null)[] = []
      // The clear test above moved the namespace to a later generation.
      const generation = (await server.command('GET', `hotpath:${NAME}:gen`)) ?? '0'
      for (const k of keys) {
        const raw = await server.command('GET', `hotpath:${NAME}:${generation}:${k}`)
        out.push(raw === null ? null : JSON.parse(raw))
      }
      return out
    }
    // Each L1 value must be Redis's value; a key Redis lacks must be absent from every L1.
    await eventually(
      async () => {
        const truth = await inRedis()
        const views: (string | null)[][] = await Promise.all(fleet.map((i) => i.call('getMany', keys)))
        return views.every((view) => view.every((v, k) => v === null || v === truth[k]) && view.every((v, k) => truth[k] !== null || v === null))
      },
      5000,
      'every L1 to agree with Redis',
    )
    const views: (string | null)[][] = await Promise.all(fleet.map((i) => i.call('getMany', keys)))
    const truth = await inRedis()
    for (const view of views) for (let k = 0; k < keys.length; k++) if (view[k] !== null) expect(view[k]).toBe(truth[k])
  })
})
