import { SimpleCache } from 'hotpath/cache'
import { timers, runner } from './support/timers'

describe(`smoke (${runner})`, () => {
  afterEach(() => timers.useRealTimers())
  it('expires under fake timers', () => {
    timers.useFakeTimers()
    const c = new SimpleCache(10, 300)
    c.set('a', 1)
    timers.advanceTimersByTime(299_000)
    expect(c.get('a')).toBe(1)
    timers.advanceTimersByTime(2_000)
    expect(c.get('a')).toBeNull()
  })
})
