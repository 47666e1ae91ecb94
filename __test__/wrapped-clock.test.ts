// Time follows a `Date.now` that another library wrapped, read on every call:
// a Next.js server replaces `Date` with one whose `now` is a bound wrapper
// that reports each read as I/O, and under `cacheComponents` a route whose
// reads it never sees is prerendered at build time and frozen there.
import { SimpleCache, RateLimiter } from 'hotpath/cache'
import { PerformanceMonitor } from 'hotpath/performance'
import { collectedWithin } from './support/gc'

const intrinsicNow = Date.now
afterEach(() => {
  Date.now = intrinsicNow
})

/** Installs `Date.now` as Next.js does: a bound function that counts its calls. */
function wrapDateNow(timeMs: () => number = () => intrinsicNow()): { reads: number } {
  const seen = { reads: 0 }
  Date.now = function now() {
    seen.reads++
    return timeMs()
  }.bind(null)
  return seen
}

describe('a Date.now replaced by a bound wrapper (as Next.js installs it)', () => {
  const cache = new SimpleCache()
  cache.set('k', 'v')
  const limiter = new RateLimiter()
  const monitor = new PerformanceMonitor()
  monitor.record('route', 5)

  it.each([
    ['SimpleCache.get', () => cache.get('k')],
    ['SimpleCache.has', () => cache.has('k')],
    ['SimpleCache.stats', () => cache.stats()],
    ['RateLimiter.remaining', () => limiter.remaining('ip')],
    ['RateLimiter.isAllowed', () => limiter.isAllowed('ip')],
    ['PerformanceMonitor.getSummary', () => monitor.getSummary()],
    ['PerformanceMonitor.metricsPayload', () => monitor.metricsPayload()],
  ])('is called by %s, so the framework sees the time read', (_name, read) => {
    const seen = wrapDateNow()
    read()
    expect(seen.reads).toBeGreaterThan(0)
  })

  it('drives expiry with the time it returns', () => {
    const start = intrinsicNow()
    const entries = new SimpleCache()
    entries.set('k', 1, 10)
    wrapDateNow(() => start + 10_001)
    expect(entries.get('k')).toBeNull()
  })

  it('is called when wrapped in a Proxy too', () => {
    let reads = 0
    Date.now = new Proxy(intrinsicNow, {
      apply(target, self, args) {
        reads++
        return Reflect.apply(target, self, args)
      },
    })
    cache.get('k')
    expect(reads).toBeGreaterThan(0)
  })

  it('is no longer called once the engine’s own Date.now is back', () => {
    const seen = wrapDateNow()
    cache.get('k')
    Date.now = intrinsicNow
    const readsBefore = seen.reads
    cache.get('k')
    expect(seen.reads).toBe(readsBefore)
  })

  it('lets the background sweep release expired values, since the wrapper tells real time', async () => {
    wrapDateNow()
    const entries = new SimpleCache(10)
    let ref: WeakRef<object>
    ;(() => {
      const value = { big: new Array(1_000).fill(7) }
      ref = new WeakRef(value)
      entries.set('k', value, 0.05)
    })()
    expect(await collectedWithin(ref!, 5_000)).toBe(true)
  })
})
