// Seeded fuzzing of the public API: random operation scripts against simple
// models, with bad inputs mixed in. A bad input must throw (or reject) a
// TypeError or RangeError naming the function, and change nothing the
// models can see; every other call must agree with the models. Each script
// stops after its step count or a time budget, whichever comes first.
import { SimpleCache, RateLimiter, cacheAside } from 'hotpath/cache'
import { PerformanceMonitor } from 'hotpath/performance'
import { itWithReference, loadReference } from './support/reference'
import { timers, runner } from './support/timers'
import { seededRandom } from './support/random'

const STEPS = 20_000
const BUDGET_MS = 1_500
/** The real clock for the time budget: the scripts run under fake timers. */
const realNow = performance.now.bind(performance)

/** Keys and names: good ones, and values every function must refuse or accept as strings. */
const GOOD_KEYS = ['a', 'b', '7', 'api.users', '\uD800', '\uD801', '\uFFFD', 'x'.repeat(300), `${'x'.repeat(299)}y`]
const BAD_VALUES: unknown[] = [undefined, null, '', NaN, Infinity, -Infinity, 10n, {}, [], Symbol('s'), () => 1, true]
const NUMBERS: unknown[] = [1, 0.5, 60, 0, -1, NaN, Infinity, 1e300, '1', 10n, null]

/** A key as the package stores it, or undefined if it must be refused. */
function keyOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

/** Runs `call`; returns its result, or checks that it threw a clear argument error for `fn`. */
function attempt<T>(fn: string, valid: boolean, call: () => T, at: string): T | undefined {
  let result: T
  try {
    result = call()
  } catch (err) {
    expect(`${at}${valid ? 'valid call threw ' + String(err) : ''}`).toBe(at)
    expect(err instanceof TypeError || err instanceof RangeError).toBe(true)
    expect((err as Error).message.startsWith(`${fn}: `)).toBe(true)
    return undefined
  }
  expect(`${at}${valid ? '' : `${fn}: invalid call returned`}`).toBe(at)
  return result
}

/** Steps of `script(rand, step)` until `STEPS` or the time budget. */
function runScript(seed: number, script: (rand: (n: number) => number, step: number) => void) {
  const rand = seededRandom(seed)
  const stopAt = realNow() + BUDGET_MS
  for (let step = 0; step < STEPS && realNow() < stopAt; step++) script(rand, step)
}

const pick = <T>(rand: (n: number) => number, list: readonly T[]): T => list[rand(list.length)]
const anyKey = (rand: (n: number) => number) => (rand(4) === 0 ? pick(rand, BAD_VALUES) : pick(rand, GOOD_KEYS))

describe(`fuzzing the public API (${runner})`, () => {
  beforeEach(() => {
    timers.useFakeTimers()
    timers.setSystemTime(1_700_000_000_000)
  })
  afterEach(() => timers.useRealTimers())

  it.each([11, 12])('SimpleCache and cacheAside keep to the model through bad input (seed %s)', async (seed) => {
    const cache = new SimpleCache(4, 1)
    const model = new Map<string, { value: unknown; deadline: number }>()
    const live = (k: string) => {
      const e = model.get(k)
      return e !== undefined && Date.now() <= e.deadline ? e : undefined
    }
    const pending: Promise<unknown>[] = []
    runScript(seed, (rand, step) => {
      const raw = anyKey(rand)
      const key = keyOf(raw)
      const at = `step ${step}: `
      switch (rand(6)) {
        case 0: {
          const ttl = rand(3) === 0 ? pick(rand, NUMBERS) : undefined
          const valid = key !== undefined && (ttl === undefined || (typeof ttl === 'number' && ttl > 0 && ttl < Infinity))
          if (attempt('SimpleCache.set', valid, () => cache.set(raw as string, step, ttl as number), at) === undefined && valid) {
            // The model only checks values; LRU order is the cache-model test's job, so keep under capacity.
            model.set(key!, { value: step, deadline: Date.now() + ((ttl as number | undefined) ?? 1) * 1000 })
          }
          break
        }
        case 1: {
          const got = attempt('SimpleCache.get', key !== undefined, () => cache.get(raw as string), at)
          if (key !== undefined && got !== null) expect(at + String(got)).toBe(at + String(live(key)?.value))
          break
        }
        case 2:
          attempt('SimpleCache.delete', key !== undefined, () => cache.delete(raw as string), at)
          if (key !== undefined) model.delete(key)
          break
        case 3: {
          const fetcher = rand(5) === 0 ? pick(rand, BAD_VALUES) : () => Promise.resolve(`fetched ${step}`)
          const promise = cacheAside(raw as string, fetcher as () => Promise<string>, cache)
          expect(promise).toBeInstanceOf(Promise)
          const valid = key !== undefined && typeof fetcher === 'function'
          pending.push(
            promise.then(
              () => expect(at + valid).toBe(`${at}true`),
              (err) => {
                expect(`${at}${valid}`).toBe(`${at}false`)
                expect(err instanceof TypeError || err instanceof RangeError).toBe(true)
                expect(err.message.startsWith('cacheAside: ')).toBe(true)
              },
            ),
          )
          if (valid && !live(key!)) model.delete(key!) // loads land after the script: the model never sees them
          break
        }
        case 4:
          timers.advanceTimersByTime(rand(600))
          break
        default: {
          // The model has no LRU order (the cache-model test checks that): compare what is certain.
          const has = attempt('SimpleCache.has', key !== undefined, () => cache.has(raw as string), at)
          if (key !== undefined && live(key) === undefined) expect(at + has).toBe(`${at}false`)
          expect(cache.stats().size).toBeLessThanOrEqual(4)
        }
      }
    })
    await Promise.all(pending)
  })

  itWithReference.each([21, 22])('RateLimiter agrees with the reference through bad input (seed %s)', async (seed) => {
    const limiter = new RateLimiter(3, 1_000)
    const reference = new (await loadReference('cache')).RateLimiter(3, 1_000)
    runScript(seed, (rand, step) => {
      const raw = anyKey(rand)
      const key = keyOf(raw)
      const valid = key !== undefined
      const at = `step ${step}: `
      switch (rand(4)) {
        case 0: {
          const got = attempt('RateLimiter.isAllowed', valid, () => limiter.isAllowed(raw as string), at)
          if (valid) expect(at + got).toBe(at + reference.isAllowed(key))
          break
        }
        case 1: {
          const got = attempt('RateLimiter.remaining', valid, () => limiter.remaining(raw as string), at)
          if (valid) expect(at + got).toBe(at + reference.remaining(key))
          break
        }
        case 2:
          attempt('RateLimiter.reset', valid, () => limiter.reset(raw as string), at)
          if (valid) reference.reset(key)
          break
        default:
          timers.advanceTimersByTime(rand(300))
      }
    })
  })

  it.each([31, 32])('PerformanceMonitor counts what it should and never fails what time() wraps (seed %s)', (seed) => {
    const monitor = new PerformanceMonitor({ maxNames: 5 })
    const counts = new Map<string, number>()
    const validName = (key: string | undefined) => key !== undefined && key.length <= 256
    const original = process.emitWarning
    process.emitWarning = (() => {}) as typeof process.emitWarning
    try {
      runScript(seed, (rand, step) => {
        const raw = anyKey(rand)
        const key = keyOf(raw)
        const at = `step ${step}: `
        const tracked = validName(key) && (counts.has(key!) || counts.size < 5)
        switch (rand(5)) {
          case 0: {
            const duration = pick(rand, NUMBERS)
            const valid = validName(key) && typeof duration === 'number' && duration >= 0 && duration <= 3_600_000
            attempt('PerformanceMonitor.record', valid, () => monitor.record(raw as string, duration as number), at)
            if (valid && tracked) counts.set(key!, (counts.get(key!) ?? 0) + 1)
            break
          }
          case 1: {
            // time() never throws, and a sync fn's sample is recorded before it returns.
            const promise = monitor.time(raw as string, () => step)
            expect(promise).toBeInstanceOf(Promise)
            if (tracked) counts.set(key!, (counts.get(key!) ?? 0) + 1)
            break
          }
          case 2: {
            const got = attempt('PerformanceMonitor.getStats', validName(key), () => monitor.getStats(raw as string), at)
            if (validName(key)) expect(at + (got?.count ?? 0)).toBe(at + (counts.get(key!) ?? 0))
            break
          }
          case 3:
            if (raw === undefined) {
              monitor.clear(raw) // clear() with no name clears every name
              counts.clear()
            } else if (attempt('PerformanceMonitor.clear', validName(key), () => monitor.clear(raw as string), at) === undefined && validName(key)) {
              counts.delete(key!)
            }
            break
          default:
            expect(at + monitor.getMetricNames().sort().join()).toBe(at + [...counts.keys()].sort().join())
        }
      })
    } finally {
      process.emitWarning = original
    }
  })
})
