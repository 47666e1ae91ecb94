// Group "perf": PerformanceMonitor.time around a resolved async fn and a sync
// fn, record(), and getStats() after 1,000 and 1,000,000 samples, vs the
// reference and hdr-histogram-js (with the time() wrapper a user would write).
import * as hdr from 'hdr-histogram-js'
import { PerformanceMonitor, withServerTiming } from 'hotpath/performance'
import { compile, runCases, report } from '../lib/harness.mjs'
import { loadReference, NO_REFERENCE } from '../lib/reference.mjs'
import { makeDurations } from '../lib/data.mjs'
import { quick, versionOf } from '../lib/env.mjs'

const reference = await loadReference('performance')
const durations = makeDurations(1 << 16)
const asyncFn = async () => 1
const syncFn = () => 1
const BIG = quick ? 10_000 : 1_000_000

/** hdr-histogram-js behind the monitor's API: integer microseconds, default (auto-resizing) histogram. */
class HdrMonitor {
  #histograms = new Map()
  async time(name, fn) {
    const start = performance.now()
    try {
      return await fn()
    } finally {
      this.record(name, performance.now() - start)
    }
  }
  record(name, durationMs) {
    let h = this.#histograms.get(name)
    if (h === undefined) this.#histograms.set(name, (h = hdr.build()))
    h.recordValue(Math.round(durationMs * 1000))
  }
  getStats(name) {
    const h = this.#histograms.get(name)
    if (h === undefined || h.totalCount === 0) return null
    const ms = (us) => Math.round(us / 10) / 100
    return {
      count: h.totalCount,
      avg: ms(h.mean),
      min: ms(h.minNonZeroValue),
      max: ms(h.maxValue),
      p50: ms(h.getValueAtPercentile(50)),
      p95: ms(h.getValueAtPercentile(95)),
      p99: ms(h.getValueAtPercentile(99)),
    }
  }
}

const PEERS = {
  hotpath: () => new PerformanceMonitor(),
  // Undefined without the reference: its cases are skipped.
  reference: reference ? () => new reference.PerformanceMonitor() : undefined,
  'hdr-histogram-js': () => new HdrMonitor(),
  // The floor for time(): the function called and awaited with no monitor at all.
  'no monitor': null,
}

/** A monitor holding `count` samples under `name`. */
function filled(make, name, count) {
  const m = make()
  for (let i = 0; i < count; i++) m.record(name, durations[i & 0xffff])
  return m
}

const cases = []
for (const [peer, make] of Object.entries(PEERS)) {
  const skip = make === undefined ? NO_REFERENCE : undefined
  if (make === null) {
    cases.push(
      { row: 'time(), resolved async fn', peer, fn: compile({ fn: asyncFn }, 'async () => sink(await fn())') },
      { row: 'time(), sync fn', peer, fn: compile({ fn: syncFn }, 'async () => sink(await fn())') },
    )
    continue
  }
  const env = (m) => ({ m, asyncFn, syncFn, durations })
  cases.push(
    { row: 'time(), resolved async fn', peer, skip, make: () => compile(env(filled(make, 'db', 1000)), "() => m.time('db', asyncFn)") },
    { row: 'time(), sync fn', peer, skip, make: () => compile(env(filled(make, 'db', 1000)), "() => m.time('db', syncFn)") },
    {
      row: 'record()',
      peer,
      skip,
      make: () =>
        compile(env(filled(make, 'db', 1000)), "(() => { let i = 0; return () => m.record('db', durations[i++ & 0xffff]) })()"),
    },
    { row: 'getStats(), 1,000 samples', peer, skip, make: () => compile(env(filled(make, 'db', 1000)), "() => sink(m.getStats('db'))") },
    {
      row: `getStats(), ${BIG.toLocaleString('en-US')} samples`,
      peer,
      skip,
      make: () => compile(env(filled(make, 'db', BIG)), "() => sink(m.getStats('db'))"),
    },
  )
}

// Server-Timing: a request that makes three time() calls, bare and wrapped.
// The difference is the wrapper's cost per request (its store, the header,
// one more await); time() outside a wrapper pays one getStore(), measured alone.
{
  const m = filled(PEERS.hotpath, 'db', 1000)
  const ok = new Response('ok')
  const handler = async () => {
    await m.time('db.a', syncFn)
    await m.time('db.b', syncFn)
    await m.time('db.c', syncFn)
    return ok
  }
  const wrapped = withServerTiming(async () => {
    await handler()
    return new Response('ok')
  })
  const bare = async () => {
    await handler()
    return new Response('ok')
  }
  const { AsyncLocalStorage } = await import('node:async_hooks')
  const storage = new AsyncLocalStorage()
  const hotpathOnly = Object.keys(PEERS).filter((p) => p !== 'hotpath')
  const row = (name, fn) => {
    cases.push({ row: name, peer: 'hotpath', fn })
    for (const peer of hotpathOnly) cases.push({ row: name, peer, skip: 'hotpath only' })
  }
  row('request of 3 time() calls, bare', compile({ bare }, 'async () => sink(await bare())'))
  row('request of 3 time() calls, withServerTiming', compile({ wrapped }, 'async () => sink(await wrapped())'))
  row('AsyncLocalStorage getStore(), outside a run', compile({ storage }, '() => sink(storage.getStore())'))
}

report({
  group: 'perf',
  title: 'PerformanceMonitor (ns per call)',
  unit: 'ns',
  peers: Object.keys(PEERS),
  versions: { 'hdr-histogram-js': versionOf('hdr-histogram-js') },
  rows: await runCases(cases),
  notes: [
    'Each monitor holds 1,000 samples of "db" before time() and record() are measured, so the reference is at its 1,000-sample cap.',
    'hdr-histogram-js: default histogram (auto-resize, 3 significant digits) of integer microseconds, wrapped in the same time()/getStats() shape by hand; its JS build, not WebAssembly.',
    'The reference keeps only the newest 1,000 samples, so its getStats() sorts at most 1,000 whatever was recorded.',
    ...(reference ? [] : [`reference not measured: ${NO_REFERENCE}.`]),
  ],
})
