import { RateLimiter, apiRateLimiter } from 'hotpath/cache'
import { timers, runner } from './support/timers'
import { fullGc } from './support/gc'
import { itWithReference, loadReference } from './support/reference'

/** xorshift32: the same arrival script on every run. */
function rng(seed: number) {
  let x = seed
  return (n: number) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

describe(`RateLimiter (${runner})`, () => {
  beforeEach(() => {
    timers.useFakeTimers()
    timers.setSystemTime(1_700_000_000_000)
  })
  afterEach(() => timers.useRealTimers())

  it('admits maxRequests in a window, then refuses until the oldest leaves it', () => {
    const limiter = new RateLimiter(3, 1000)
    const spaced = () => {
      const allowed = limiter.isAllowed('ip')
      timers.advanceTimersByTime(10)
      return allowed
    }
    expect([1, 2, 3, 4].map(spaced)).toEqual([true, true, true, false])
    timers.advanceTimersByTime(959) // 999 ms after the first
    expect(limiter.isAllowed('ip')).toBe(false)
    timers.advanceTimersByTime(1)
    expect(limiter.isAllowed('ip')).toBe(true)
    expect(limiter.isAllowed('ip')).toBe(false)
    timers.advanceTimersByTime(10)
    expect(limiter.isAllowed('ip')).toBe(true)
    expect(limiter.isAllowed('other')).toBe(true)
  })

  it('remaining counts down with admissions and never consumes', () => {
    const limiter = new RateLimiter(5, 60_000)
    expect(limiter.remaining('ip')).toBe(5)
    limiter.isAllowed('ip')
    limiter.isAllowed('ip')
    for (let i = 0; i < 10; i++) expect(limiter.remaining('ip')).toBe(3)
    expect(limiter.stats().tracked).toBe(1)
  })

  it('the window rolls: requests leave it one by one as fake time passes', () => {
    const limiter = new RateLimiter(2, 10_000)
    limiter.isAllowed('ip')
    timers.advanceTimersByTime(4_000)
    limiter.isAllowed('ip')
    expect(limiter.remaining('ip')).toBe(0)
    timers.advanceTimersByTime(6_000)
    expect(limiter.remaining('ip')).toBe(1)
    timers.advanceTimersByTime(4_000)
    expect(limiter.remaining('ip')).toBe(2)
  })

  it('follows vi.setSystemTime / jest.setSystemTime jumps without timers firing', () => {
    const limiter = new RateLimiter(1, 60_000)
    expect(limiter.isAllowed('ip')).toBe(true)
    expect(limiter.isAllowed('ip')).toBe(false)
    timers.setSystemTime(1_700_000_060_000)
    expect(limiter.isAllowed('ip')).toBe(true)
  })

  it('a clock stepped back admits nothing the window has not freed', () => {
    const limiter = new RateLimiter(2, 1000)
    limiter.isAllowed('ip')
    limiter.isAllowed('ip')
    timers.setSystemTime(1_699_999_999_000)
    expect(limiter.isAllowed('ip')).toBe(false)
    timers.setSystemTime(1_700_000_000_999)
    expect(limiter.isAllowed('ip')).toBe(false)
    timers.setSystemTime(1_700_000_001_000)
    expect(limiter.isAllowed('ip')).toBe(true)
  })

  it('reset forgets an identifier, which then starts a fresh window', () => {
    const limiter = new RateLimiter(1, 60_000)
    limiter.isAllowed('ip')
    expect(limiter.isAllowed('ip')).toBe(false)
    limiter.reset('ip')
    limiter.reset('never-seen')
    expect(limiter.remaining('ip')).toBe(1)
    expect(limiter.isAllowed('ip')).toBe(true)
  })

  itWithReference('makes the same decisions as the reference on a random arrival script', async () => {
    const { RateLimiter: ReferenceRateLimiter } = await loadReference('cache')
    const rand = rng(0x2f6b_1d3a)
    for (const [max, windowMs] of [[100, 60_000], [3, 1000], [1, 250], [10, 5_000]]) {
      const ours = new RateLimiter(max, windowMs)
      const theirs = new ReferenceRateLimiter(max, windowMs)
      const ids = Array.from({ length: 20 }, (_, i) => `10.0.0.${i}`)
      const log: string[] = []
      for (let step = 0; step < 20_000; step++) {
        const gap = rand(256) === 0 ? windowMs / 4 : [0, 0, 0, 1, 3, 17][rand(6)]
        if (gap > 0) timers.advanceTimersByTime(gap)
        const id = ids[rand(rand(2) === 0 ? 3 : ids.length)]
        const op = rand(100)
        if (op < 85) log.push(`${step} isAllowed ${ours.isAllowed(id)} ${theirs.isAllowed(id)}`)
        else if (op < 99) log.push(`${step} remaining ${ours.remaining(id)} ${theirs.remaining(id)}`)
        else log.push(`${step} reset ${ours.reset(id)} ${theirs.reset(id)}`)
      }
      const mismatches = log.filter((line) => {
        const [, , a, b] = line.split(' ')
        return a !== b
      })
      expect(mismatches).toEqual([])
      expect(log.filter((l) => l.endsWith('false false')).length).toBeGreaterThan(100)
    }
  })

  it('never admits more than maxRequests in any rolling window', () => {
    const rand = rng(7)
    const limiter = new RateLimiter(10, 1000)
    const admitted: number[] = []
    for (let i = 0; i < 50_000; i++) {
      timers.advanceTimersByTime(rand(3) === 0 ? rand(20) : 0)
      if (limiter.isAllowed('ip')) admitted.push(Date.now())
    }
    for (let i = 10; i < admitted.length; i++) expect(admitted[i] - admitted[i - 10]).toBeGreaterThanOrEqual(1000)
    expect(admitted.length).toBeGreaterThan(1000)
  })

  describe('check and headers', () => {
    it('check decides, counts and reports the window after the decision', () => {
      const limiter = new RateLimiter(2, 10_000)
      const t0 = Date.now()
      const first = limiter.check('ip')
      expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1, resetMs: t0 + 10_000, retryAfterMs: 0 })
      expect(first.headers).toEqual({
        'X-RateLimit-Limit': '2',
        'X-RateLimit-Remaining': '1',
        'X-RateLimit-Reset': String(Math.ceil((t0 + 10_000) / 1000)),
      })
      timers.advanceTimersByTime(2_500)
      expect(limiter.check('ip')).toMatchObject({ allowed: true, remaining: 0, retryAfterMs: 7_500 })
      timers.advanceTimersByTime(1_000)
      const refused = limiter.check('ip')
      expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 6_500, resetMs: t0 + 12_500 })
      expect(refused.headers['Retry-After']).toBe('7')
      expect(limiter.isAllowed('ip')).toBe(false)
    })

    it('headers and retryAfterMs count nothing and give Retry-After only when a request would be refused', () => {
      const limiter = new RateLimiter(1, 60_000)
      expect(limiter.headers('ip')['Retry-After']).toBeUndefined()
      expect(limiter.retryAfterMs('ip')).toBe(0)
      limiter.isAllowed('ip')
      timers.advanceTimersByTime(59_000)
      expect(limiter.retryAfterMs('ip')).toBe(1_000)
      expect(limiter.headers('ip')).toMatchObject({ 'X-RateLimit-Remaining': '0', 'Retry-After': '1' })
      timers.advanceTimersByTime(999)
      expect(limiter.headers('ip')['Retry-After']).toBe('1')
      timers.advanceTimersByTime(1)
      expect(limiter.headers('ip')).toMatchObject({ 'X-RateLimit-Remaining': '1' })
      expect(limiter.isAllowed('ip')).toBe(true)
    })

    it("serves the guide's POST example, with a 429 carrying real values", () => {
      const ip = '203.0.113.7'
      apiRateLimiter.reset(ip)
      for (let i = 0; i < 100; i++) expect(apiRateLimiter.isAllowed(ip)).toBe(true)
      timers.advanceTimersByTime(30_000)
      expect(apiRateLimiter.isAllowed(ip)).toBe(false)
      expect(apiRateLimiter.remaining(ip).toString()).toBe('0')
      expect(apiRateLimiter.headers(ip)).toMatchObject({ 'X-RateLimit-Limit': '100', 'Retry-After': '30' })
      apiRateLimiter.reset(ip)
    })
  })

  describe('bounded memory', () => {
    it('drops identifiers whose window has passed when new ones arrive', () => {
      const limiter = new RateLimiter(5, 1000)
      for (let i = 0; i < 100; i++) limiter.isAllowed(`old-${i}`)
      timers.advanceTimersByTime(1000)
      limiter.isAllowed('new')
      expect(limiter.stats()).toMatchObject({ tracked: 1, droppedIdle: 100, forgotten: 0 })
      expect(limiter.remaining('old-1')).toBe(5)
    })

    it('at the cap forgets the least recently admitted identifier, which starts fresh', () => {
      const limiter = new RateLimiter(2, 60_000, { maxIdentifiers: 2 })
      limiter.isAllowed('a')
      limiter.isAllowed('b')
      limiter.isAllowed('a')
      expect(limiter.isAllowed('a')).toBe(false)
      limiter.isAllowed('c')
      expect(limiter.stats()).toMatchObject({ tracked: 2, forgotten: 1 })
      expect(limiter.remaining('b')).toBe(2)
      expect(limiter.isAllowed('a')).toBe(false)
    })

    it('a flood of 1,000,000 distinct identifiers stays under the default cap', async () => {
      timers.useRealTimers()
      const limiter = new RateLimiter(100, 60_000)
      const cap = limiter.stats().maxIdentifiers
      expect(cap).toBe(100_000)
      for (let i = 0; i < 100_000; i++) limiter.isAllowed(`198.51.${i >> 8}.${i & 255}:${i}`)
      await fullGc()
      const heapBefore = process.memoryUsage().heapUsed
      const engineBefore = limiter.stats().engineBytes
      let admitted = 0
      for (let i = 100_000; i < 1_000_000; i++) if (limiter.isAllowed(`198.51.${i >> 8}.${i & 255}:${i}`)) admitted++
      expect(admitted).toBe(900_000)
      await fullGc()
      const stats = limiter.stats()
      expect(stats.tracked).toBe(cap)
      expect(stats.forgotten).toBe(1_000_000 - cap)
      // One admission time each: the engine holds far less than the 128 MiB full-window budget.
      expect(stats.engineBytes).toBeLessThan(cap * 200)
      expect(stats.engineBytes).toBeLessThanOrEqual(engineBefore * 1.5)
      // 900,000 more identifiers, and the JS heap is flat: the pushed-out ones were released.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 << 20)
    }, 120_000)
  })

  describe('bad input', () => {
    it.each([
      [() => new RateLimiter(0), RangeError, 'new RateLimiter: maxRequests must be a positive integer up to 1000000, got 0'],
      [() => new RateLimiter(-1), RangeError, 'maxRequests'],
      [() => new RateLimiter(1.5), RangeError, 'got 1.5'],
      [() => new RateLimiter(NaN), RangeError, 'got NaN'],
      [() => new RateLimiter('10' as any), TypeError, 'got "10"'],
      [() => new RateLimiter(10, 0), RangeError, 'new RateLimiter: windowMs must be a positive integer up to 31536000000, got 0'],
      [() => new RateLimiter(10, Infinity), RangeError, 'got Infinity'],
      [() => new RateLimiter(10, NaN), RangeError, 'windowMs'],
      [() => new RateLimiter(10, 1000, { maxIdentifiers: 0 }), RangeError, 'options.maxIdentifiers'],
      [() => new RateLimiter(10, 1000, null as any), TypeError, 'options must be an object'],
    ])('constructor %#', (make, Err, text) => {
      expect(make).toThrow(Err)
      expect(make).toThrow(text)
    })

    it('rejects missing and empty identifiers in every method and changes nothing', () => {
      const limiter = new RateLimiter(2, 60_000)
      limiter.isAllowed('ip')
      const methods = ['isAllowed', 'remaining', 'reset', 'retryAfterMs', 'check', 'headers'] as const
      for (const m of methods) {
        const call = (v: unknown) => () => (limiter as any)[m](v)
        expect(call(undefined)).toThrow(new TypeError(`RateLimiter.${m}: identifier must be a non-empty string, got undefined`))
        expect(call({})).toThrow(TypeError)
        expect(call(NaN)).toThrow(TypeError)
        expect(call('')).toThrow(new RangeError(`RateLimiter.${m}: identifier must be a non-empty string, got ""`))
      }
      expect(limiter.stats().tracked).toBe(1)
      expect(limiter.remaining('ip')).toBe(1)
    })

    it('coerces finite numbers to strings as Map users expect', () => {
      const limiter = new RateLimiter(1, 60_000)
      expect(limiter.isAllowed(42 as any)).toBe(true)
      expect(limiter.isAllowed('42')).toBe(false)
    })
  })
})
