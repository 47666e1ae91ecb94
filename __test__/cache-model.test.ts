// SimpleCache against a plain model of an LRU cache with TTLs: random
// scripts mixing set, get, has, delete, expiry, clear and eviction at
// capacity, so eviction meets freed and expired slots (see the invariants
// at the top of js/simple-cache.js).
import { SimpleCache } from 'hotpath/cache'
import { timers, runner } from './support/timers'
import { seededRandom } from './support/random'

/** The model: a Map in recency order (least recent first), each entry with its deadline. */
class ModelCache {
  entries = new Map<string, { value: number; deadline: number }>()
  evictions = 0
  constructor(readonly maxSize: number) {}

  get(key: string): number | null {
    const e = this.entries.get(key)
    if (e === undefined) return null
    this.entries.delete(key)
    if (Date.now() > e.deadline) return null
    this.entries.set(key, e)
    return e.value
  }

  set(key: string, value: number, ttlSeconds: number) {
    if (!this.entries.delete(key) && this.entries.size >= this.maxSize) {
      this.entries.delete(this.entries.keys().next().value!)
      this.evictions++
    }
    this.entries.set(key, { value, deadline: Date.now() + ttlSeconds * 1000 })
  }

  has(key: string): boolean {
    const e = this.entries.get(key)
    return e !== undefined && Date.now() <= e.deadline
  }

  delete(key: string): boolean {
    return this.entries.delete(key)
  }
}

describe(`SimpleCache against a model (${runner})`, () => {
  beforeEach(() => {
    timers.useFakeTimers()
    timers.setSystemTime(1_700_000_000_000)
  })
  afterEach(() => timers.useRealTimers())

  it.each([1, 2, 3, 4])('agrees on every result of a random script mixing eviction, delete, expiry and clear (seed %s)', (seed) => {
    const rand = seededRandom(seed)
    const maxSize = 1 + rand(12)
    const cache = new SimpleCache(maxSize, 2)
    const model = new ModelCache(maxSize)
    const keys = Array.from({ length: maxSize * 2 + 1 }, (_, i) => `k${i}`)
    for (let step = 0; step < 20_000; step++) {
      const key = keys[rand(keys.length)]
      const at = `step ${step}: `
      switch (rand(20)) {
        case 0: case 1: case 2: case 3: case 4: case 5: {
          const ttl = [0.5, 1, 2, 3][rand(4)]
          cache.set(key, step, ttl)
          model.set(key, step, ttl)
          break
        }
        case 6: case 7: case 8: case 9: case 10: case 11:
          expect(at + cache.get(key)).toBe(at + model.get(key))
          break
        case 12: case 13:
          expect(at + cache.has(key)).toBe(at + model.has(key))
          break
        case 14: case 15:
          expect(at + cache.delete(key)).toBe(at + model.delete(key))
          break
        case 16: case 17: case 18:
          timers.advanceTimersByTime(rand(700))
          break
        default:
          if (rand(10) === 0) {
            cache.clear()
            model.entries.clear()
          } else {
            const { size, evictions } = cache.stats()
            expect(at + JSON.stringify({ size, evictions })).toBe(at + JSON.stringify({ size: model.entries.size, evictions: model.evictions }))
          }
      }
    }
  })
})
