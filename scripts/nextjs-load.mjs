#!/usr/bin/env node
// Load run of the example Next.js app's cached routes: the same app built
// twice (Turbopack, `next start`), once on hotpath and once on the reference
// lib/cache.ts + lib/performance.ts (../shared/reference/lib), each loaded by
// autocannon over loopback for a bounded time, one server at a time.
// Prints a markdown table (req/s, p50, p99) for the README.
//
//   node scripts/nextjs-load.mjs [--seconds 10] [--connections 10]
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
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

const work = mkdtempSync(join(tmpdir(), 'hotpath-load-'))
const tarballs = packTarballs(join(work, 'dist'))
const rows = []
try {
  for (const [label, reference] of [
    ['reference lib/*.ts', true],
    ['hotpath', false],
  ]) {
    const dir = join(work, reference ? 'reference' : 'hotpath')
    installApp(dir, tarballs, { reference })
    buildApp(dir)
    const autocannon = createRequire(join(dir, 'package.json'))('autocannon')
    const app = await startApp(dir, { port })
    try {
      for (const route of routes) {
        const url = `${app.url}${route}`
        await autocannon({ url, connections, duration: 2 }) // warm-up: fills the cache, JITs the route
        const r = await autocannon({ url, connections, duration: seconds })
        if (r.non2xx || r.errors) throw new Error(`${label} ${route}: ${r.non2xx} non-2xx, ${r.errors} errors`)
        rows.push({ route, label, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 })
      }
    } finally {
      await app.stop()
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}

const version = createRequire(import.meta.url)('../examples/nextjs/package.json').dependencies.next
console.log(`\nNext.js ${version} (Turbopack build, next start), Node ${process.version}, autocannon ${connections} connections x ${seconds} s per row, loopback\n`)
console.log('| route | lib | req/s | p50 ms | p99 ms |')
console.log('|---|---|---:|---:|---:|')
for (const r of rows) console.log(`| \`${r.route}\` | ${r.label} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} |`)
