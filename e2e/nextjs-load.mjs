#!/usr/bin/env node
// Load run of the example Next.js app's cached routes: the same app built
// twice (Turbopack, `next start`), once on hotpath and once on the reference
// lib/cache.ts + lib/performance.ts (`--reference` of nextjs-app.mjs), each loaded by
// autocannon over loopback for a bounded time, one server at a time.
// Prints a markdown table (req/s, p50, p99) for the README.
//
//   node e2e/nextjs-load.mjs [--seconds 10] [--connections 10] [--rounds 2]
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, installApp, packTarballs, startApp } from './nextjs-app.mjs'

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const seconds = arg('seconds', 10)
const connections = arg('connections', 10)
const routes = ['/api/models', '/api/sandboxes/1']
const port = 3990

const rounds = arg('rounds', 2)
const impls = [
  { label: 'reference lib/*.ts', reference: true },
  { label: 'hotpath', reference: false },
]

const work = mkdtempSync(join(tmpdir(), 'hotpath-load-'))
const tarballs = packTarballs(join(work, 'dist'))
/** Samples per route and lib, one per round. */
const samples = new Map()
const loadAverages = []
try {
  for (const impl of impls) {
    impl.dir = join(work, impl.reference ? 'reference' : 'hotpath')
    installApp(impl.dir, tarballs, { reference: impl.reference })
    await buildApp(impl.dir)
  }
  // Rounds alternate the two servers so that load from other processes on a
  // shared machine falls on both alike.
  for (let round = 0; round < rounds; round++) {
    for (const impl of impls) {
      const autocannon = createRequire(join(impl.dir, 'package.json'))('autocannon')
      const app = await startApp(impl.dir, { port })
      try {
        for (const route of routes) {
          const url = `${app.url}${route}`
          await autocannon({ url, connections, duration: 2 }) // warm-up: fills the cache, JITs the route
          loadAverages.push(loadavg()[0])
          const r = await autocannon({ url, connections, duration: seconds })
          if (r.non2xx || r.errors) throw new Error(`${impl.label} ${route}: ${r.non2xx} non-2xx, ${r.errors} errors`)
          const key = `${route}\t${impl.label}`
          if (!samples.has(key)) samples.set(key, [])
          samples.get(key).push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 })
        }
      } finally {
        await app.stop()
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length
const version = createRequire(import.meta.url)('../examples/nextjs/package.json').dependencies.next
console.log(
  `\nNext.js ${version} (Turbopack build, next start), Node ${process.version}, autocannon ${connections} connections, ` +
    `${seconds} s x ${rounds} alternating rounds per row (means), loopback; 1-min load average during the runs ` +
    `${Math.min(...loadAverages).toFixed(1)}-${Math.max(...loadAverages).toFixed(1)} on ${availableParallelism()} cores\n`,
)
console.log('| route | lib | req/s | p50 ms | p99 ms |')
console.log('|---|---|---:|---:|---:|')
for (const route of routes) {
  for (const impl of impls) {
    const s = samples.get(`${route}\t${impl.label}`)
    const row = [mean(s.map((x) => x.rps)), mean(s.map((x) => x.p50)), mean(s.map((x) => x.p99))]
    console.log(`| \`${route}\` | ${impl.label} | ${Math.round(row[0])} | ${row[1].toFixed(1)} | ${row[2].toFixed(1)} |`)
  }
}
