#!/usr/bin/env node
// hotpath's benchmark: runs each group in a Node process of its own, then
// prints one markdown report: a table per group (medians of the rounds, with
// hotpath's ratio to each peer), the targets met or missed, and the
// machine, Node and peer versions. A full run of every group also writes the
// report to docs/benchmarks.md, the results file the README links; a quick or
// partial run never does, so the committed figures are always a whole run.
//
//   node bench/run.mjs [--quick] [--only cache,limiter] [--out report.md] [--json results.json]
import { spawnSync, execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { renderReport } from './lib/render.mjs'
import { machine, versionOf, repoRoot } from './lib/env.mjs'

const GROUPS = ['boundary', 'cache', 'aside', 'limiter', 'limiter-redis', 'perf', 'memory', 'redis', 'next-handlers']
/** Where a full run writes its report, relative to the repository root. */
const RESULTS_FILE = 'docs/benchmarks.md'
const RESULTS_PREAMBLE = `<!-- Written by \`npm run bench\` (bench/run.mjs) on a full run; do not edit by hand. -->

# Benchmark results

What each group measures and how to read it: [performance.md](performance.md).

`

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
  },
})
const selected = args.only ? args.only.split(',') : GROUPS
const unknown = selected.filter((g) => !GROUPS.includes(g))
if (unknown.length) {
  console.error(`bench: unknown group ${unknown.join(', ')}; groups: ${GROUPS.join(', ')}`)
  process.exit(2)
}

const env = { ...process.env, HOTPATH_BENCH_QUICK: args.quick ? '1' : '0' }
const results = []
const failures = []
const loadBefore = loadavg()[0]
for (const group of selected) {
  const t0 = performance.now()
  const file = fileURLToPath(new URL(`groups/${group}.mjs`, import.meta.url))
  const child = spawnSync(process.execPath, ['--expose-gc', file], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  })
  const seconds = ((performance.now() - t0) / 1000).toFixed(1)
  const line = child.stdout.trim().split('\n').pop()
  if (child.status !== 0 || !line) {
    failures.push(group)
    console.error(`bench: group ${group} failed (exit ${child.status}) after ${seconds} s`)
    continue
  }
  results.push(JSON.parse(line))
  console.error(`bench: group ${group} done in ${seconds} s`)
}

let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
} catch {
  // Not a git checkout: the report says "unknown".
}
const meta = {
  ...machine(),
  hotpath: `${versionOf('hotpath')} (${commit})`,
  mitata: versionOf('mitata'),
  quick: args.quick,
  load: [loadBefore, loadavg()[0]],
  date: new Date().toISOString(),
}
const markdown = renderReport(meta, results)
process.stdout.write(markdown)
if (args.out) writeFileSync(args.out, markdown)
if (!args.quick && !args.only && failures.length === 0) {
  writeFileSync(join(repoRoot, RESULTS_FILE), `${RESULTS_PREAMBLE}${markdown}`)
  console.error(`bench: wrote ${RESULTS_FILE}`)
}
// Cells measured and cells skipped (a peer that is not available, such as the
// reference without HOTPATH_REFERENCE_DIR): the test runner counts both.
const cells = results.flatMap((g) => g.rows.flatMap((r) => Object.values(r.cells)))
const counts = { measured: cells.filter((c) => !c.skip).length, skipped: cells.filter((c) => c.skip).length }
if (args.json) writeFileSync(args.json, `${JSON.stringify({ meta, results, failures, ...counts }, null, 2)}\n`)
process.exit(failures.length ? 1 : 0)
