#!/usr/bin/env node
// Quick side-by-side of the latency monitors, in one process: hotpath, the
// reference lib/performance.ts and a monitor on hdr-histogram-js. Prints the
// median of ROUNDS rounds per cell. Run after `npm run build`:
//   node bench/perf-quick.mjs
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const { transformSync } = require('@swc/core')
const hdr = require('hdr-histogram-js')
const { PerformanceMonitor } = require('../performance.js')

const ROUNDS = 7
const CALLS = 100_000

/** The reference, compiled from ../shared as it stands. */
async function loadReference() {
  const source = readFileSync(new URL('../../shared/reference/lib/performance.ts', import.meta.url), 'utf8')
  const { code } = transformSync(source, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } })
  const file = join(mkdtempSync(join(tmpdir(), 'perf-quick-')), 'performance.mjs')
  writeFileSync(file, code)
  return (await import(file)).PerformanceMonitor
}

/** The reference's API over hdr-histogram-js (Int32 counters, 2 significant digits, µs), as a user would write it. */
class HdrJsMonitor {
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
    if (!h) {
      h = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 })
      this.#histograms.set(name, h)
    }
    h.recordValue(Math.round(durationMs * 1000))
  }
  getStats(name) {
    const h = this.#histograms.get(name)
    if (!h) return null
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
  footprint(name) {
    return this.#histograms.get(name).estimatedFootprintInBytes
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

/** ns per call of `body(i)` over `calls` calls, awaiting each. */
async function nsPerAwaitedCall(body, calls = CALLS) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await body(i)
  return Number(process.hrtime.bigint() - start) / calls
}

/** ns per call of a synchronous `body(i)`. */
function nsPerCall(body, calls = CALLS) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) body(i)
  return Number(process.hrtime.bigint() - start) / calls
}

const ReferenceMonitor = await loadReference()
const peers = {
  hotpath: () => new PerformanceMonitor(),
  reference: () => new ReferenceMonitor(),
  'hdr-histogram-js': () => new HdrJsMonitor(),
}
const syncFn = () => 42
const asyncFn = async () => 42
const samples = Array.from({ length: 100_000 }, (_, i) => 1 + ((i * 7919) % 5000) / 10)

/** One round of every measurement for one monitor: ns per call each. */
async function measure(make) {
  const m = make()
  const small = make()
  for (let i = 0; i < 1000; i++) small.record('n', samples[i])
  const big = make()
  for (const d of samples) big.record('n', d)
  return [
    await nsPerAwaitedCall(() => m.time('api.sync', syncFn)),
    await nsPerAwaitedCall(() => m.time('api.async', asyncFn)),
    nsPerCall((i) => m.record('api.record', samples[i % samples.length])),
    nsPerCall(() => small.getStats('n'), 1_000),
    nsPerCall(() => big.getStats('n'), 1_000),
  ]
}

// Rounds interleave the monitors, so noise from other processes falls on all of them alike.
const runs = { baseline: [] }
for (const peer of Object.keys(peers)) runs[peer] = []
for (let r = 0; r < ROUNDS; r++) {
  runs.baseline.push([await nsPerAwaitedCall(() => syncFn()), await nsPerAwaitedCall(() => asyncFn())])
  for (const [peer, make] of Object.entries(peers)) runs[peer].push(await measure(make))
}
const medians = (list) => list[0].map((_, col) => median(list.map((row) => row[col])))
const [baselineSync, baselineAsync] = medians(runs.baseline)
const rows = [['await fn() directly (baseline)', baselineSync, baselineAsync, '', '', '', '', '']]
for (const peer of Object.keys(peers)) {
  const [timeSync, timeAsync, record, stats1k, stats100k] = medians(runs[peer])
  rows.push([peer, timeSync, timeAsync, timeSync - baselineSync, timeAsync - baselineAsync, record, stats1k, stats100k])
}

const ref = rows.find((r) => r[0] === 'reference')
const fmt = (v) => (typeof v === 'number' ? v.toFixed(0).padStart(10) : String(v).padStart(10))
console.log(`Node ${process.version}; ${ROUNDS} rounds, median; ns per call. hdr-histogram-js ${require('hdr-histogram-js/package.json').version}.`)
console.log(`${'monitor'.padEnd(32)}${['time(sync)', 'time(async)', 'ovh sync', 'ovh async', 'record', 'getStats 1k', 'getStats 100k'].map(fmt).join(' ')}`)
for (const row of rows) console.log(`${String(row[0]).padEnd(32)}${row.slice(1).map(fmt).join(' ')}`)
const ours = rows.find((r) => r[0] === 'hotpath')
console.log(
  `\nhotpath vs reference: time() overhead sync ${(ours[3] / ref[3]).toFixed(2)}x, async ${(ours[4] / ref[4]).toFixed(2)}x, ` +
    `record ${(ours[5] / ref[5]).toFixed(2)}x, getStats ${(ref[6] / ours[6]).toFixed(1)}x faster (reference keeps <= 1000 samples).`,
)
const monitor = new PerformanceMonitor()
monitor.record('n', 1)
const hdrjs = new HdrJsMonitor()
hdrjs.record('n', 1)
console.log(`memory per name: hotpath ${monitor.footprintBytes('n')} bytes (all-time + 3 window slices, fixed); ` +
  `hdr-histogram-js ${hdrjs.footprint('n')} bytes (all-time only); reference up to 1000 sample objects.`)
