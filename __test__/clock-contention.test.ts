// The clock under CPU contention (issue #12, item 8). The shared clock cell
// lags `Date.now()` when its thread is descheduled; the limiter's promise
// ("never more than maxRequests in any window of windowMs", by `Date.now()`)
// and the cache's ("no value after its deadline") must hold regardless.
// Speed is not asserted, only the promises; the figures are printed.
import { spawn, type ChildProcess } from 'node:child_process'
import { SimpleCache, RateLimiter } from 'hotpath/cache'
import { now } from '../js/clock.js'
import { runner } from './support/timers'

const BUSY_PROCESSES = 3
const RUN_MS = 3_000
const MAX_REQUESTS = 3
const WINDOW_MS = 20
const TTL_MS = 20

/** Processes that spin until killed, to take the CPU from the clock thread. */
function busyProcesses(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
}

describe(`the clock under CPU contention (${runner})`, () => {
  it('never admits more than maxRequests within windowMs, nor serves a value past its deadline', async () => {
    const busy = busyProcesses(BUSY_PROCESSES)
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)) // let them start spinning
      const limiter = new RateLimiter(MAX_REQUESTS, WINDOW_MS)
      const cache = new SimpleCache(10, 60)
      // Each admission as [Date.now() before the call, Date.now() after]: its true time lies between.
      const admissions: Array<[number, number]> = []
      const lags: number[] = []
      let latestDeadline: number | undefined // no later than the entry's own deadline
      let lateHits = 0
      let lookups = 0
      const end = Date.now() + RUN_MS
      while (Date.now() < end) {
        const cellMs = now()
        lags.push(Date.now() - cellMs)

        const before = Date.now()
        if (limiter.isAllowed('ip')) admissions.push([before, Date.now()])

        if (latestDeadline === undefined) {
          cache.set('k', 'v', TTL_MS / 1000)
          latestDeadline = Date.now() + TTL_MS
        }
        const askedAt = Date.now()
        lookups++
        if (cache.get('k') === null) latestDeadline = undefined
        else if (askedAt > latestDeadline) lateHits++
      }

      // Certain over-admissions only: the (i + MAX)th admission surely within WINDOW_MS of the ith.
      let overAdmissions = 0
      for (let i = MAX_REQUESTS; i < admissions.length; i++) {
        if (admissions[i][1] - admissions[i - MAX_REQUESTS][0] < WINDOW_MS) overAdmissions++
      }
      lags.sort((a, b) => a - b)
      const share = (ms: number) => lags.filter((lag) => lag >= ms).length / lags.length
      console.log(
        `clock under ${BUSY_PROCESSES} busy processes, ${RUN_MS} ms (${runner}): ` +
          JSON.stringify({
            lagMaxMs: lags[lags.length - 1],
            lagP99Ms: lags[Math.floor(lags.length * 0.99)],
            lagAtLeast1MsShare: Number(share(1).toFixed(3)),
            lagAtLeast5MsShare: Number(share(5).toFixed(4)),
            admissions: admissions.length,
            overAdmissions,
            lookups,
            lateHits,
          }),
      )
      expect(overAdmissions).toBe(0)
      expect(lateHits).toBe(0)
    } finally {
      for (const child of busy) child.kill()
    }
  }, 20_000)
})
