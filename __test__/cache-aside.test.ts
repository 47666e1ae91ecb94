import { SimpleCache, apiCache, cacheAside } from 'hotpath/cache'
import { timers } from './support/timers'

const tick = () => new Promise((resolve) => setImmediate(resolve))

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

describe('cacheAside', () => {
  afterEach(() => {
    timers.useRealTimers()
    apiCache.clear()
  })

  it('fetches on a miss, caches, and serves the cached value after', async () => {
    const cache = new SimpleCache()
    const fetcher = jestLikeCounter(async () => ({ models: ['a'] }))
    const first = await cacheAside('models', fetcher.fn, cache)
    const second = await cacheAside('models', fetcher.fn, cache)
    expect(second).toBe(first)
    expect(fetcher.calls()).toBe(1)
    expect(cache.get('models')).toBe(first)
  })

  it('uses apiCache when no cache is given', async () => {
    const value = await cacheAside('default-cache-key', async () => 'v')
    expect(value).toBe('v')
    expect(apiCache.get('default-cache-key')).toBe('v')
  })

  it('calls the fetcher once for any number of concurrent callers of a missing key', async () => {
    const cache = new SimpleCache()
    const gate = deferred<object>()
    const fetcher = jestLikeCounter(() => gate.promise)
    const callers = Array.from({ length: 1_000 }, () => cacheAside('herd', fetcher.fn, cache))
    await tick()
    const value = { fetched: true }
    gate.resolve(value)
    const results = await Promise.all(callers)
    expect(fetcher.calls()).toBe(1)
    expect(results.every((r) => r === value)).toBe(true)
    // Joiners were served without a fetch of their own: hits, as Caffeine counts them.
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 999, hitRate: 99.9 })
  })

  it('delivers a rejection to every waiter and does not cache it', async () => {
    const cache = new SimpleCache()
    const gate = deferred<string>()
    const error = new Error('upstream down')
    const fetcher = jestLikeCounter(() => gate.promise)
    const callers = Array.from({ length: 5 }, () => cacheAside('flaky', fetcher.fn, cache))
    gate.reject(error)
    for (const caller of callers) await expect(caller).rejects.toBe(error)
    expect(cache.has('flaky')).toBe(false)
    await expect(cacheAside('flaky', async () => 'recovered', cache)).resolves.toBe('recovered')
    expect(fetcher.calls()).toBe(1)
  })

  it('turns a synchronous throw into a rejection', async () => {
    const error = new TypeError('boom')
    const p = cacheAside('sync-throw', () => {
      throw error
    }, new SimpleCache())
    expect(p).toBeInstanceOf(Promise)
    await expect(p).rejects.toBe(error)
  })

  it('accepts a fetcher that returns a plain value', async () => {
    const cache = new SimpleCache()
    await expect(cacheAside('plain', () => 7 as unknown as Promise<number>, cache)).resolves.toBe(7)
    expect(cache.get('plain')).toBe(7)
  })

  it('caches null and undefined results', async () => {
    const cache = new SimpleCache()
    const nulls = jestLikeCounter(async () => null)
    const undefs = jestLikeCounter(async () => undefined)
    for (let i = 0; i < 3; i++) {
      expect(await cacheAside('null', nulls.fn, cache)).toBeNull()
      expect(await cacheAside('undef', undefs.fn, cache)).toBeUndefined()
    }
    expect(nulls.calls()).toBe(1)
    expect(undefs.calls()).toBe(1)
  })

  it('honours ttlSeconds and refetches after it passes', async () => {
    timers.useFakeTimers()
    const cache = new SimpleCache(10, 300)
    let n = 0
    const fetcher = async () => ++n
    expect(await cacheAside('ttl', fetcher, cache, 10)).toBe(1)
    timers.advanceTimersByTime(9_000)
    expect(await cacheAside('ttl', fetcher, cache, 10)).toBe(1)
    timers.advanceTimersByTime(1_001)
    expect(await cacheAside('ttl', fetcher, cache, 10)).toBe(2)
  })

  it('lets new callers start a fresh fetch once a flight is older than maxFlightMs', async () => {
    timers.useFakeTimers()
    const cache = new SimpleCache(10, 300, { maxFlightMs: 5_000 })
    const stuck = deferred<string>()
    let calls = 0
    const fetcher = () => (++calls === 1 ? stuck.promise : Promise.resolve('fresh'))
    const first = cacheAside('slow', fetcher, cache)
    timers.advanceTimersByTime(4_999)
    const joiner = cacheAside('slow', fetcher, cache)
    expect(calls).toBe(1)
    timers.advanceTimersByTime(1)
    await expect(cacheAside('slow', fetcher, cache)).resolves.toBe('fresh')
    expect(calls).toBe(2)
    expect(cache.get('slow')).toBe('fresh')
    stuck.resolve('late')
    await expect(first).resolves.toBe('late')
    await expect(joiner).resolves.toBe('late')
    expect(cache.get('slow')).toBe('fresh')
  })

  it('does not cache a result fetched before the key was deleted', async () => {
    const cache = new SimpleCache()
    const gate = deferred<string>()
    const waiting = cacheAside('inval', () => gate.promise, cache)
    cache.delete('inval')
    const fresh = cacheAside('inval', async () => 'after-delete', cache)
    gate.resolve('before-delete')
    await expect(waiting).resolves.toBe('before-delete')
    await expect(fresh).resolves.toBe('after-delete')
    expect(cache.get('inval')).toBe('after-delete')
  })

  it('does not let an older fetch overwrite a value set while it was in flight', async () => {
    const cache = new SimpleCache()
    const gate = deferred<string>()
    const waiting = cacheAside('race', () => gate.promise, cache)
    cache.set('race', 'written')
    gate.resolve('stale')
    await expect(waiting).resolves.toBe('stale')
    expect(cache.get('race')).toBe('written')
  })

  it('does not cache a fetch that was in flight when the cache was cleared', async () => {
    const cache = new SimpleCache()
    const gate = deferred<string>()
    const waiting = cacheAside('cleared', () => gate.promise, cache)
    cache.clear()
    gate.resolve('old')
    await waiting
    expect(cache.has('cleared')).toBe(false)
  })

  it('keeps flights of different caches apart', async () => {
    const a = new SimpleCache()
    const b = new SimpleCache()
    const [va, vb] = await Promise.all([cacheAside('k', async () => 'A', a), cacheAside('k', async () => 'B', b)])
    expect([va, vb, a.get('k'), b.get('k')]).toEqual(['A', 'B', 'A', 'B'])
  })

  it('counts a cached hit in stats and returns a promise even on a hit', async () => {
    const cache = new SimpleCache()
    await cacheAside('s', async () => 1, cache)
    const hit = cacheAside('s', async () => 2, cache)
    expect(hit).toBeInstanceOf(Promise)
    expect(await hit).toBe(1)
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 })
  })
})

/** A call-counting wrapper (the same in jest and vitest, unlike their mock APIs). */
function jestLikeCounter<A extends unknown[], R>(fn: (...args: A) => R) {
  let calls = 0
  return {
    fn: (...args: A) => {
      calls++
      return fn(...args)
    },
    calls: () => calls,
  }
}
