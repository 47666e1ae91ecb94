// The same operation scripts against the reference lib/cache.ts and hotpath:
// they must agree everywhere the contract does not say hotpath differs.
import { SimpleCache } from 'hotpath/cache'
import { timers } from './support/timers'
import { seededRandom } from './support/random'
import { describeWithReference, loadReference } from './support/reference'

type Op =
  | { op: 'set'; key: string; ttl?: number }
  | { op: 'get' | 'has' | 'delete'; key: string }
  | { op: 'advance'; ms: number }
  | { op: 'stats' | 'clear' }

function script(seed: number, length: number, keys: number): Op[] {
  const rand = seededRandom(seed)
  const ops: Op[] = []
  for (let i = 0; i < length; i++) {
    const key = `key-${rand(keys)}`
    const r = rand(100)
    if (r < 30) ops.push({ op: 'set', key, ttl: rand(2) ? 1 + rand(20) : undefined })
    else if (r < 65) ops.push({ op: 'get', key })
    else if (r < 78) ops.push({ op: 'has', key })
    else if (r < 86) ops.push({ op: 'delete', key })
    else if (r < 96) ops.push({ op: 'advance', ms: rand(2) ? rand(4_000) : 1_000 * rand(4) })
    else if (r < 99) ops.push({ op: 'stats' })
    else ops.push({ op: 'clear' })
  }
  return ops
}

/** Runs `ops` on `cache`, returning every observable result. */
function run(cache: SimpleCache, ops: Op[]): unknown[] {
  return ops.map((o, i) => {
    switch (o.op) {
      case 'set':
        return cache.set(o.key, { i }, o.ttl)
      case 'get':
        return cache.get(o.key)
      case 'has':
        return cache.has(o.key)
      case 'delete':
        return cache.delete(o.key)
      case 'advance':
        return timers.advanceTimersByTime(o.ms) && undefined
      case 'clear':
        return cache.clear()
      case 'stats': {
        // hitRate differs by contract (percentage of lookups, not hits per entry).
        const { size, validEntries, totalHits } = cache.stats()
        return { size, validEntries, totalHits }
      }
    }
  })
}

describeWithReference('differential: hotpath agrees with the reference lib/cache.ts', () => {
  let ReferenceCache: typeof SimpleCache
  beforeAll(async () => {
    ReferenceCache = (await loadReference('cache')).SimpleCache
  })
  afterEach(() => timers.useRealTimers())

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('on random script %i while nothing is evicted', (seed) => {
    const ops = script(seed, 3_000, 40)
    timers.useFakeTimers()
    timers.setSystemTime(1_700_000_000_000)
    const expected = run(new ReferenceCache(1_000, 10), ops)
    timers.setSystemTime(1_700_000_000_000)
    const actual = run(new SimpleCache(1_000, 10), ops)
    expect(actual).toEqual(expected)
  })

  it('on the guide usage: a cached endpoint, invalidation and stats', async () => {
    const results = []
    for (const Cache of [ReferenceCache, SimpleCache]) {
      timers.useFakeTimers()
      timers.setSystemTime(1_700_000_000_000)
      const cache = new Cache(1000, 300)
      cache.set('available_models', ['m1'])
      cache.set('sandbox_status_1', { up: true }, 10)
      const seen = [cache.get('available_models'), cache.get('sandbox_status_1')]
      timers.advanceTimersByTime(10_001)
      seen.push(cache.get('sandbox_status_1'), cache.has('available_models'), cache.delete('available_models'))
      const { size, validEntries, totalHits } = cache.stats()
      results.push([seen, { size, validEntries, totalHits }])
      timers.useRealTimers()
    }
    expect(results[1]).toEqual(results[0])
  })

})

describe('eviction, where the reference evicts FIFO', () => {
  it('evicts exactly like an LRU model', () => {
    const rand = seededRandom(99)
    const cache = new SimpleCache(50, 300)
    const lru = new Map<string, number>()
    for (let i = 0; i < 30_000; i++) {
      const key = `k${rand(80)}`
      if (rand(2)) {
        const got = cache.get(key)
        const want = lru.get(key)
        expect(got).toBe(want ?? null)
        if (want !== undefined) {
          lru.delete(key)
          lru.set(key, want)
        }
      } else {
        cache.set(key, i)
        if (!lru.has(key) && lru.size === 50) lru.delete(lru.keys().next().value!)
        lru.delete(key)
        lru.set(key, i)
      }
    }
  })
})
