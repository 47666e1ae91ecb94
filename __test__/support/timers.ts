// The fake-timer API of whichever runner is running this file: jest injects
// `jest` into every module's scope; vitest (globals: true) puts `vi` on
// globalThis. Both expose the calls the tests use.
type FakeTimers = {
  useFakeTimers(): unknown
  useRealTimers(): unknown
  advanceTimersByTime(ms: number): unknown
  setSystemTime(now: number | Date): unknown
  runAllTimers(): unknown
  getTimerCount(): number
}

declare const jest: FakeTimers | undefined

export const runner: 'vitest' | 'jest' = typeof jest !== 'undefined' ? 'jest' : 'vitest'
export const timers: FakeTimers =
  typeof jest !== 'undefined' ? jest : (globalThis as unknown as { vi: FakeTimers }).vi
