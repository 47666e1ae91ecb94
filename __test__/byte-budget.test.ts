import { SimpleCache } from 'hotpath/cache'
import { seededRandom } from './support/random'

/** A cache whose entries weigh their string length. */
function budgeted(maxBytes: number, maxSize = 1000) {
  return new SimpleCache<string>(maxSize, 300, { maxBytes, sizeOf: (value: string) => value.length })
}

describe('SimpleCache with a byte budget', () => {
  it('evicts least recently used entries until the sizes fit maxBytes', () => {
    const cache = budgeted(10)
    cache.set('a', 'xxxx')
    cache.set('b', 'xxxx')
    cache.get('a')
    cache.set('c', 'xxxx')
    expect(cache.has('a')).toBe(true)
    expect(cache.has('b')).toBe(false)
    expect(cache.has('c')).toBe(true)
    expect(cache.stats()).toMatchObject({ size: 2, bytes: 8, evictions: 1 })
  })

  it('evicts as many entries as one large write needs', () => {
    const cache = budgeted(10)
    for (const k of ['a', 'b', 'c', 'd', 'e']) cache.set(k, 'xx')
    cache.set('big', 'x'.repeat(9))
    expect(['a', 'b', 'c', 'd', 'e'].filter((k) => cache.has(k))).toEqual([])
    expect(cache.stats()).toMatchObject({ size: 1, bytes: 9, evictions: 5 })
  })

  it('does not hold a value larger than the whole budget, and drops the older value of its key', () => {
    const cache = budgeted(10)
    cache.set('k', 'small')
    cache.set('other', 'xx')
    cache.set('k', 'x'.repeat(11))
    expect(cache.get('k')).toBeNull()
    expect(cache.get('other')).toBe('xx')
    expect(cache.stats().bytes).toBe(2)
  })

  it('charges a rewrite the difference in size', () => {
    const cache = budgeted(100)
    cache.set('k', 'x'.repeat(60))
    cache.set('k', 'x'.repeat(10))
    cache.set('j', 'x'.repeat(80))
    expect(cache.has('k')).toBe(true)
    expect(cache.stats().bytes).toBe(90)
  })

  it('gives the bytes of deleted and cleared entries back', () => {
    const cache = budgeted(100)
    cache.set('a', 'x'.repeat(40))
    cache.set('b', 'x'.repeat(40))
    cache.delete('a')
    expect(cache.stats().bytes).toBe(40)
    cache.clear()
    expect(cache.stats().bytes).toBe(0)
    cache.set('c', 'x'.repeat(100))
    expect(cache.get('c')).toHaveLength(100)
  })

  it('keeps maxSize as a second bound', () => {
    const cache = budgeted(1000, 2)
    cache.set('a', 'x')
    cache.set('b', 'x')
    cache.set('c', 'x')
    expect(cache.stats()).toMatchObject({ size: 2, bytes: 2 })
  })

  it('never holds more than maxBytes under random traffic, and evicts in LRU order (model check)', () => {
    const random = seededRandom(17)
    const cache = budgeted(500)
    // The model: keys in recency order (least recent first) with their sizes.
    const model = new Map<string, number>()
    for (let step = 0; step < 20_000; step++) {
      const key = `k${Math.floor(random() * 200)}`
      if (random() < 0.4) {
        const hit = cache.get(key)
        expect(hit === null ? undefined : hit.length).toBe(model.get(key))
        if (model.has(key)) {
          const size = model.get(key)!
          model.delete(key)
          model.set(key, size)
        }
      } else if (random() < 0.9) {
        const size = Math.floor(random() * 120)
        cache.set(key, 'x'.repeat(size))
        model.delete(key)
        model.set(key, size)
        let total = [...model.values()].reduce((a, b) => a + b, 0)
        for (const [k, s] of model) {
          if (total <= 500) break
          model.delete(k)
          total -= s
        }
      } else {
        cache.delete(key)
        model.delete(key)
      }
      expect(cache.stats().bytes).toBeLessThanOrEqual(500)
    }
    expect(cache.stats().bytes).toBe([...model.values()].reduce((a, b) => a + b, 0))
    expect(cache.stats().size).toBe(model.size)
  })

  it('refuses bad options with errors naming them, and a bad size leaves the cache unchanged', () => {
    expect(() => new SimpleCache(10, 60, { maxBytes: 0, sizeOf: () => 1 })).toThrow(RangeError)
    expect(() => new SimpleCache(10, 60, { maxBytes: 0, sizeOf: () => 1 })).toThrow(/new SimpleCache: options.maxBytes/)
    expect(() => new SimpleCache(10, 60, { maxBytes: '10' as any, sizeOf: () => 1 })).toThrow(TypeError)
    expect(() => new SimpleCache(10, 60, { maxBytes: 10 })).toThrow(/options.sizeOf must be a function/)
    expect(() => new SimpleCache(10, 60, { sizeOf: () => 1 })).toThrow(/options.maxBytes/)
    const cache = new SimpleCache(10, 60, { maxBytes: 10, sizeOf: (v: any) => v })
    cache.set('k', 3)
    for (const bad of [NaN, -1, Infinity, '3']) {
      expect(() => cache.set('k', bad)).toThrow(TypeError)
      expect(() => cache.set('k', bad)).toThrow(/SimpleCache.set: options.sizeOf must return/)
    }
    expect(cache.get('k')).toBe(3)
    expect(cache.stats().bytes).toBe(3)
  })
})
