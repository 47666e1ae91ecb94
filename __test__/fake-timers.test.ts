import { SimpleCache, cacheAside } from 'hotpath/cache'
import { timers, runner } from './support/timers'

describe(`time follows Date.now() under ${runner} fake timers`, () => {
  afterEach(() => timers.useRealTimers())

  it('expires entries when setSystemTime moves the clock without firing timers', () => {
    timers.useFakeTimers()
    const start = Date.now()
    const cache = new SimpleCache()
    cache.set('k', 1, 10)
    timers.setSystemTime(start + 10_000)
    expect(cache.get('k')).toBe(1)
    timers.setSystemTime(start + 10_001)
    expect(cache.get('k')).toBeNull()
  })

  it('sees entries written before fake timers were installed expire on the fake clock', () => {
    const cache = new SimpleCache()
    cache.set('k', 'v', 300)
    timers.useFakeTimers()
    timers.advanceTimersByTime(299_000)
    expect(cache.get('k')).toBe('v')
    timers.advanceTimersByTime(2_000)
    expect(cache.get('k')).toBeNull()
  })

  it('goes back to the real clock after useRealTimers', () => {
    timers.useFakeTimers()
    timers.setSystemTime(new Date('2020-01-01T00:00:00Z'))
    const cache = new SimpleCache()
    cache.set('k', 1, 60) // deadline in 2020
    timers.useRealTimers()
    expect(cache.get('k')).toBeNull()
    cache.set('k', 2, 60)
    expect(cache.get('k')).toBe(2)
  })

  it('can travel back in time with setSystemTime, as the reference would', () => {
    timers.useFakeTimers()
    const start = Date.now()
    const cache = new SimpleCache()
    cache.set('k', 1, 5)
    timers.setSystemTime(start + 6_000)
    expect(cache.has('k')).toBe(false)
    timers.setSystemTime(start)
    expect(cache.has('k')).toBe(true)
  })

  it('leaves no timers of its own for runAllTimers to fire', async () => {
    timers.useFakeTimers()
    const start = Date.now()
    const cache = new SimpleCache()
    cache.set('k', 1, 300)
    await cacheAside('a', async () => 2, cache)
    expect(timers.getTimerCount()).toBe(0)
    timers.runAllTimers()
    expect(Date.now() - start).toBeLessThan(300_000)
    expect(cache.get('k')).toBe(1)
  })
})
