import { SimpleCache, apiCache, dataCache } from 'hotpath/cache'
import { timers } from './support/timers'
import { seededRandom } from './support/random'

describe('SimpleCache', () => {
  afterEach(() => timers.useRealTimers())

  it('returns the very value that was set, not a copy', () => {
    const cache = new SimpleCache()
    const value = { nested: { list: [1, 2, 3] } }
    cache.set('k', value)
    expect(cache.get('k')).toBe(value)
  })

  it('returns null for a key never set', () => {
    expect(new SimpleCache().get('missing')).toBeNull()
  })

  it('keeps primitives, null and undefined as they were set', () => {
    const cache = new SimpleCache()
    const sym = Symbol('s')
    const values: Array<[string, unknown]> = [
      ['n', 42], ['s', 'text'], ['b', false], ['z', 0], ['u', undefined], ['sym', sym], ['big', 10n],
    ]
    for (const [k, v] of values) cache.set(k, v)
    for (const [k, v] of values) expect(cache.get(k)).toBe(v)
    cache.set('null', null)
    expect(cache.has('null')).toBe(true)
    expect(cache.get('null')).toBeNull()
  })

  it('overwrites a key in place without growing', () => {
    const cache = new SimpleCache(2)
    cache.set('a', 1)
    cache.set('a', 2)
    cache.set('b', 3)
    expect(cache.get('a')).toBe(2)
    expect(cache.stats().size).toBe(2)
    expect(cache.stats().evictions).toBe(0)
  })

  it('evicts the least recently used entry, not the oldest insertion', () => {
    const cache = new SimpleCache(3)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('c', 3)
    cache.get('a')
    cache.set('d', 4)
    expect(cache.has('b')).toBe(false)
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4])
  })

  it('counts a rewrite as a use for eviction order', () => {
    const cache = new SimpleCache(2)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.set('a', 10)
    cache.set('c', 3)
    expect(cache.has('b')).toBe(false)
    expect(cache.get('a')).toBe(10)
  })

  it('does not count has() as a use', () => {
    const cache = new SimpleCache(2)
    cache.set('a', 1)
    cache.set('b', 2)
    cache.has('a')
    cache.set('c', 3)
    expect(cache.has('a')).toBe(false)
    expect(cache.has('b')).toBe(true)
  })

  it('keeps exact LRU order across thousands of operations and many evictions', () => {
    const cache = new SimpleCache(100)
    const model: string[] = [] // least recent first
    const rand = seededRandom(12345)
    for (let i = 0; i < 20_000; i++) {
      const key = `k${rand(150)}`
      const at = model.indexOf(key)
      if (rand(3) === 0) {
        const got = cache.get(key)
        expect(got === null).toBe(at < 0)
        if (at >= 0) model.push(...model.splice(at, 1))
      } else {
        cache.set(key, i)
        if (at >= 0) model.splice(at, 1)
        else if (model.length === 100) model.shift()
        model.push(key)
      }
    }
    for (const key of model) expect(cache.has(key)).toBe(true)
    expect(cache.stats().size).toBe(100)
  })

  it('delete removes an entry and reports whether it was there', () => {
    const cache = new SimpleCache()
    cache.set('a', 1)
    expect(cache.delete('a')).toBe(true)
    expect(cache.delete('a')).toBe(false)
    expect(cache.get('a')).toBeNull()
    expect(cache.stats().size).toBe(0)
  })

  it('clear empties the cache and it works normally afterwards', () => {
    const cache = new SimpleCache(3)
    for (const k of ['a', 'b', 'c']) cache.set(k, k)
    cache.clear()
    expect(cache.stats().size).toBe(0)
    expect(cache.get('a')).toBeNull()
    for (const k of ['d', 'e', 'f', 'g']) cache.set(k, k)
    expect(cache.has('d')).toBe(false)
    expect(cache.get('g')).toBe('g')
  })

  it('coerces number keys to strings as Map users expect', () => {
    const cache = new SimpleCache()
    cache.set(1 as unknown as string, 'one')
    expect(cache.get('1')).toBe('one')
    expect(cache.has(1 as unknown as string)).toBe(true)
  })

  it('accepts a 1 MB key', () => {
    const cache = new SimpleCache()
    const key = 'k'.repeat(1 << 20)
    cache.set(key, 'big')
    expect(cache.get(key)).toBe('big')
    expect(cache.delete(key)).toBe(true)
  })

  it('expires an entry after its TTL and uses the default TTL otherwise', () => {
    timers.useFakeTimers()
    const cache = new SimpleCache(10, 60)
    cache.set('default', 1)
    cache.set('short', 2, 5)
    timers.advanceTimersByTime(5_001)
    expect(cache.get('short')).toBeNull()
    expect(cache.get('default')).toBe(1)
    timers.advanceTimersByTime(55_000)
    expect(cache.get('default')).toBeNull()
  })

  it('treats an entry as valid up to and including its deadline millisecond, like the reference', () => {
    timers.useFakeTimers()
    const cache = new SimpleCache()
    cache.set('k', 1, 1)
    timers.advanceTimersByTime(1_000)
    expect(cache.has('k')).toBe(true)
    timers.advanceTimersByTime(1)
    expect(cache.has('k')).toBe(false)
  })

  it('accepts fractional TTLs', () => {
    timers.useFakeTimers()
    const cache = new SimpleCache()
    cache.set('k', 1, 0.25)
    timers.advanceTimersByTime(200)
    expect(cache.get('k')).toBe(1)
    timers.advanceTimersByTime(51)
    expect(cache.get('k')).toBeNull()
  })

  it('reports stats with hitRate as the percentage of lookups that hit', () => {
    const cache = new SimpleCache()
    cache.set('a', 1)
    cache.get('a')
    cache.get('a')
    cache.get('a')
    cache.get('nope')
    cache.has('a') // not a lookup
    expect(cache.stats()).toEqual({
      size: 1, validEntries: 1, totalHits: 3, hitRate: 75, hits: 3, misses: 1, evictions: 0, expired: 0,
    })
  })

  it('rounds hitRate to two decimals and reports 0 before any lookup', () => {
    const cache = new SimpleCache()
    expect(cache.stats().hitRate).toBe(0)
    cache.set('a', 1)
    cache.get('a')
    cache.get('x')
    cache.get('y')
    expect(cache.stats().hitRate).toBe(33.33)
  })

  it('counts expired entries in size until looked up, as the reference does', () => {
    timers.useFakeTimers()
    const cache = new SimpleCache()
    cache.set('a', 1, 1)
    cache.set('b', 2, 100)
    timers.advanceTimersByTime(2_000)
    expect(cache.stats()).toMatchObject({ size: 2, validEntries: 1 })
    expect(cache.get('a')).toBeNull()
    expect(cache.stats()).toMatchObject({ size: 1, validEntries: 1, expired: 1, misses: 1 })
  })

  it('counts evictions, and totalHits covers only the entries held now', () => {
    const cache = new SimpleCache(2)
    cache.set('a', 1)
    cache.get('a')
    cache.set('b', 2)
    cache.get('b')
    cache.set('c', 3) // evicts a
    expect(cache.stats()).toMatchObject({ evictions: 1, totalHits: 1, hits: 2 })
  })

  it('keeps lifetime counters across clear()', () => {
    const cache = new SimpleCache()
    cache.set('a', 1)
    cache.get('a')
    cache.clear()
    expect(cache.stats()).toMatchObject({ size: 0, totalHits: 0, hits: 1 })
  })

  it('keeps counting correctly past the op log batch size', () => {
    const cache = new SimpleCache(10)
    cache.set('a', 1)
    for (let i = 0; i < 5_000; i++) cache.get(i % 2 === 0 ? 'a' : 'b')
    expect(cache.stats()).toMatchObject({ hits: 2_500, misses: 2_500, totalHits: 2_500 })
  })

  it('provides apiCache (1000 entries, 300 s) and dataCache (500 entries, 600 s)', () => {
    timers.useFakeTimers()
    apiCache.set('api-ttl', 1)
    dataCache.set('data-ttl', 1)
    timers.advanceTimersByTime(300_001)
    expect(apiCache.get('api-ttl')).toBeNull()
    expect(dataCache.get('data-ttl')).toBe(1)
    timers.advanceTimersByTime(300_000)
    expect(dataCache.get('data-ttl')).toBeNull()
    for (let i = 0; i < 1_001; i++) apiCache.set(`fill-${i}`, i)
    expect(apiCache.stats().size).toBe(1_000)
    for (let i = 0; i < 501; i++) dataCache.set(`fill-${i}`, i)
    expect(dataCache.stats().size).toBe(500)
    apiCache.clear()
    dataCache.clear()
  })
})
