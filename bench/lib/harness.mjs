// The one timing harness every group uses: mitata's `measure` for each case,
// cases interleaved round by round so that machine noise spreads over every
// peer alike, the median of the rounds reported.
import { measure, do_not_optimize } from 'mitata'
import { quick } from './env.mjs'
import { ROUNDS_FULL, WARMUP_ROUNDS_FULL, MIN_CPU_MS_FULL } from './settings.mjs'

/** Rounds per case (the first full-mode round is a discarded warm-up). */
export const ROUNDS = quick ? 1 : ROUNDS_FULL
const WARMUP_ROUNDS = quick ? 0 : WARMUP_ROUNDS_FULL
const MEASURE_OPTS = quick
  ? { min_cpu_time: 2e6, batch_samples: 512, min_samples: 4, gc: false }
  : { min_cpu_time: MIN_CPU_MS_FULL * 1e6 }

/**
 * Compiles `body` into a function of its own (`new Function`), with the
 * entries of `env` in scope. Each case needs its own code: closures made from
 * one function literal share V8's type feedback, so the peers would turn each
 * other's call sites megamorphic and slow each other down.
 */
export function compile(env, body) {
  const names = Object.keys(env)
  return new Function('sink', ...names, `'use strict'; return ${body}`)(do_not_optimize, ...names.map((n) => env[n]))
}

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** Nanoseconds per call of `fn` (the median of mitata's batched samples). */
export async function nsPerOp(fn, opts = {}) {
  const stats = await measure(fn, { ...MEASURE_OPTS, ...opts })
  return stats.p50
}

/**
 * Measures every case for ROUNDS rounds and returns rows for the table.
 * A case is `{ row, peer, fn, opts? }`, or `{ row, peer, skip }` with the
 * reason it was not measured; `fn` may also be `make()`, called before each
 * round (outside the timing) to build fresh state for stateful operations.
 */
export async function runCases(cases) {
  const samples = cases.map(() => [])
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      if (c.skip) continue
      const fn = c.make ? await c.make() : c.fn
      const ns = await nsPerOp(fn, c.opts)
      if (round >= WARMUP_ROUNDS) samples[i].push(ns)
    }
  }
  return toRows(cases.map((c, i) => ({ ...c, value: c.skip ? null : median(samples[i]), rounds: samples[i] })))
}

/** Groups `{ row, peer, value, rounds, skip }` results into table rows. */
export function toRows(results) {
  const rows = new Map()
  for (const r of results) {
    if (!rows.has(r.row)) rows.set(r.row, { row: r.row, cells: {} })
    rows.get(r.row).cells[r.peer] = r.skip ? { skip: r.skip } : { value: r.value, rounds: r.rounds }
  }
  return [...rows.values()]
}

/** Writes a group's result where `bench/run.mjs` reads it: one JSON line on stdout. */
export function report(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}
