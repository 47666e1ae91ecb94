import { SimpleCache, cacheAside } from 'hotpath/cache'

const notStrings: Array<[string, unknown]> = [
  ['undefined', undefined], ['null', null], ['an object', {}], ['an array', []], ['a symbol', Symbol('s')],
  ['a function', () => 1], ['NaN', NaN], ['true', true],
]

function snapshot(cache: SimpleCache) {
  const { size, validEntries, totalHits, hits, misses, evictions } = cache.stats()
  return { size, validEntries, totalHits, hits, misses, evictions, a: cache.get('a') }
}

describe('bad input', () => {
  describe.each(['get', 'set', 'has', 'delete'] as const)('SimpleCache.%s', (method) => {
    it.each(notStrings)('throws a TypeError naming the method and key for %s', (got, key) => {
      const cache = new SimpleCache()
      const call = () => (cache[method] as (k: unknown, v?: unknown) => unknown)(key, 1)
      expect(call).toThrow(TypeError)
      expect(call).toThrow(`SimpleCache.${method}: key must be a non-empty string, got ${got}`)
    })

    it('throws a RangeError for an empty key', () => {
      const cache = new SimpleCache()
      expect(() => (cache[method] as (k: string, v?: unknown) => unknown)('', 1)).toThrow(RangeError)
      expect(() => (cache[method] as (k: string, v?: unknown) => unknown)('', 1)).toThrow(`SimpleCache.${method}: key`)
    })

    it('leaves the cache unchanged after throwing', () => {
      const cache = new SimpleCache(2)
      cache.set('a', 1)
      cache.get('a')
      const before = snapshot(cache)
      expect(() => (cache[method] as (k: unknown, v?: unknown) => unknown)(null, 2)).toThrow()
      expect(snapshot(cache)).toEqual({ ...before, hits: before.hits + 1, totalHits: before.totalHits + 1 })
    })
  })

  it.each([
    [0, RangeError], [-1, RangeError], [NaN, RangeError], [Infinity, RangeError], [-Infinity, RangeError],
    ['10', TypeError], [null, TypeError],
  ])('SimpleCache.set rejects ttlSeconds %s with %p and stores nothing', (ttl, ErrorType) => {
    const cache = new SimpleCache()
    cache.set('k', 'old')
    expect(() => cache.set('k', 'new', ttl as number)).toThrow(ErrorType)
    expect(() => cache.set('k', 'new', ttl as number)).toThrow(`SimpleCache.set: ttlSeconds must be a positive number, got ${ttl === null ? 'null' : typeof ttl === 'string' ? '"10"' : ttl}`)
    expect(() => cache.set('other', 'new', ttl as number)).toThrow()
    expect(cache.get('k')).toBe('old')
    expect(cache.has('other')).toBe(false)
  })

  it.each([
    [0, RangeError], [-5, RangeError], [1.5, RangeError], [NaN, RangeError], [Infinity, RangeError], [2 ** 24 + 1, RangeError],
    ['100', TypeError], [null, TypeError],
  ])('new SimpleCache rejects maxSize %s with %p', (maxSize, ErrorType) => {
    expect(() => new SimpleCache(maxSize as number)).toThrow(ErrorType)
    expect(() => new SimpleCache(maxSize as number)).toThrow('new SimpleCache: maxSize must be a positive integer')
  })

  it.each([0, -1, NaN, Infinity])('new SimpleCache rejects defaultTtlSeconds %s', (ttl) => {
    expect(() => new SimpleCache(10, ttl)).toThrow(RangeError)
    expect(() => new SimpleCache(10, ttl)).toThrow('new SimpleCache: defaultTtlSeconds must be a positive number')
  })

  it.each([0, -1, NaN, '5'])('new SimpleCache rejects options.maxFlightMs %s', (ms) => {
    expect(() => new SimpleCache(10, 10, { maxFlightMs: ms as number })).toThrow('new SimpleCache: options.maxFlightMs')
  })

  describe('cacheAside rejects (never throws synchronously), like the async reference', () => {
    it.each([
      ['a missing key', [undefined, async () => 1], TypeError, 'cacheAside: key must be a non-empty string, got undefined'],
      ['an empty key', ['', async () => 1], RangeError, 'cacheAside: key must be a non-empty string, got ""'],
      ['a non-function fetcher', ['k', 'not a function'], TypeError, 'cacheAside: fetcher must be a function, got "not a function"'],
      ['a cache that is not a SimpleCache', ['k', async () => 1, new Map()], TypeError, 'cacheAside: cache must be a SimpleCache, got an object'],
      ['a NaN ttl', ['k', async () => 1, undefined, NaN], RangeError, 'cacheAside: ttlSeconds must be a positive number, got NaN'],
    ])('%s', async (_, args, ErrorType, message) => {
      let calls = 0
      const wrapped = (args as unknown[]).map((a) => (typeof a === 'function' ? () => (calls++, (a as () => unknown)()) : a))
      const p = (cacheAside as (...a: unknown[]) => Promise<unknown>)(...wrapped)
      await expect(p).rejects.toThrow(ErrorType)
      await expect(p).rejects.toThrow(message)
      expect(calls).toBe(0)
    })
  })
})
