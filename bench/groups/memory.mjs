// Group "memory": heap and RSS held by 100,000 cache entries, 1,000,000
// limiter identifiers, and 100 metric names with 1,000,000 samples each.
// Each (case, peer) is measured in a child process of its own, so one peer's
// garbage and allocator state never land on another's figure.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { report, median, ROUNDS } from '../lib/harness.mjs'
import { quick, versionOf } from '../lib/env.mjs'

const SCALE = {
  entries: quick ? 10_000 : 100_000,
  identifiers: quick ? 10_000 : 1_000_000,
  names: 100,
  samples: quick ? 10_000 : 1_000_000,
}
const n = (x) => x.toLocaleString('en-US')

const CASES = {
  cache: { row: `cache, ${n(SCALE.entries)} entries (32-char keys, small object values)`, peers: ['hotpath', 'reference', 'lru-cache', '@isaacs/ttlcache', 'Map'] },
  limiter: { row: `limiter, ${n(SCALE.identifiers)} identifiers (1 request each)`, peers: ['hotpath', 'reference', 'rate-limiter-flexible'] },
  metrics: { row: `metrics, ${SCALE.names} names × ${n(SCALE.samples)} samples`, peers: ['hotpath', 'reference', 'hdr-histogram-js', 'hotpath, 1 name'] },
}

if (process.argv[2] === '--child') {
  const { measureCase } = await import('../lib/memory-case.mjs')
  process.stdout.write(`${JSON.stringify(await measureCase(process.argv[3], process.argv[4], SCALE))}\n`)
} else {
  const rows = []
  const skipped = new Set()
  for (const [name, c] of Object.entries(CASES)) {
    const heap = { row: `${c.row}: heap`, unit: 'MiB', cells: {} }
    const rss = { row: `${c.row}: RSS`, unit: 'MiB', cells: {} }
    for (const peer of c.peers) {
      const runs = []
      for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
        const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', name, peer], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          env: process.env,
          maxBuffer: 1 << 20,
        })
        if (child.status !== 0) throw new Error(`memory ${name}/${peer}: child exited ${child.status}`)
        runs.push(JSON.parse(child.stdout))
      }
      if (runs[0].skip) {
        heap.cells[peer] = rss.cells[peer] = { skip: runs[0].skip }
        skipped.add(`${peer} not measured: ${runs[0].skip}.`)
        continue
      }
      const mib = (list) => ({ value: median(list) / 2 ** 20, rounds: list.map((b) => b / 2 ** 20) })
      heap.cells[peer] = mib(runs.map((r) => r.heapBytes))
      rss.cells[peer] = mib(runs.map((r) => r.rssBytes))
    }
    rows.push(heap, rss)
  }
  report({
    group: 'memory',
    title: 'Memory held (MiB)',
    unit: 'MiB',
    peers: ['hotpath', 'reference', 'lru-cache', '@isaacs/ttlcache', 'Map', 'rate-limiter-flexible', 'hdr-histogram-js', 'hotpath, 1 name'],
    scale: SCALE,
    versions: {
      'lru-cache': versionOf('lru-cache'),
      '@isaacs/ttlcache': versionOf('@isaacs/ttlcache'),
      'rate-limiter-flexible': versionOf('rate-limiter-flexible'),
      'hdr-histogram-js': versionOf('hdr-histogram-js'),
    },
    rows,
    notes: [
      'Growth after a full GC, from just before the structure is built to just after (keys and inputs are made before). heap = V8 heap used + external memory + ArrayBuffers (where native and typed-array memory shows); RSS = resident set, which also shows Rust allocations.',
      'The reference limiter keeps every identifier forever, and its monitor only the newest 1,000 samples per name (so its count and percentiles cover only those).',
      '"hotpath, 1 name" records the same samples into a single name: the growth of the process and the monitor that does not depend on how many names there are (about 7 MiB of RSS, mostly V8 growing its young generation under the record loop). The per-name target is (hotpath − that) ÷ (names − 1).',
      ...skipped,
    ],
  })
}
