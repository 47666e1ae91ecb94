// isAllowed side by side, in one process: hotpath, the reference
// lib/cache.ts RateLimiter, and rate-limiter-flexible's RateLimiterMemory.
// Usage: node bench/limiter-quick.mjs [rounds=5]. Prints the median ns/op.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { transformSync } from '@swc/core'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { RateLimiter } from '../cache.mjs'

const require = createRequire(import.meta.url)
const rounds = Number(process.argv[2] ?? 5)
const N = 1_000_000

// The reference is TypeScript: strip its types once and import the result.
const referencePath = new URL('../../shared/reference/lib/cache.ts', import.meta.url)
const js = transformSync(readFileSync(referencePath, 'utf8'), { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }).code
const referenceFile = join(mkdtempSync(join(tmpdir(), 'limiter-bench-')), 'cache.mjs')
writeFileSync(referenceFile, js)
const reference = await import(pathToFileURL(referenceFile))

/** A limiter of 100 per 60 s whose identifier already holds a full window. */
function fullWindow(limiter) {
  for (let i = 0; i < 100; i++) limiter.isAllowed('203.0.113.7')
  return limiter
}

function syncCase(make, expectAllowed) {
  return () => {
    const limiter = make()
    let allowed = 0
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < N; i++) if (limiter.isAllowed('203.0.113.7')) allowed++
    const ns = Number(process.hrtime.bigint() - t0) / N
    if (allowed !== expectAllowed) throw new Error(`${allowed} allowed, expected ${expectAllowed}`)
    return ns
  }
}

async function flexibleFull() {
  const limiter = new RateLimiterMemory({ points: 100, duration: 60 })
  for (let i = 0; i < 100; i++) await limiter.consume('203.0.113.7')
  let refused = 0
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < N; i++) {
    try {
      await limiter.consume('203.0.113.7')
    } catch {
      refused++
    }
  }
  const ns = Number(process.hrtime.bigint() - t0) / N
  if (refused !== N) throw new Error('the window was not full')
  return ns
}

const cases = [
  ['hotpath RateLimiter.isAllowed', syncCase(() => fullWindow(new RateLimiter(100, 60_000)), 0)],
  ['reference RateLimiter.isAllowed', syncCase(() => fullWindow(new reference.RateLimiter(100, 60_000)), 0)],
  [`rate-limiter-flexible ${require('rate-limiter-flexible/package.json').version} RateLimiterMemory.consume (awaited)`, flexibleFull],
]

// Not the case, for context: every call admitted (1,000,000 per 60 s, one identifier).
cases.push(['hotpath RateLimiter.isAllowed, every call admitted', syncCase(() => new RateLimiter(N, 60_000), N)])

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
const samples = cases.map(() => [])
for (let r = 0; r < rounds; r++) {
  for (let c = 0; c < cases.length; c++) samples[c].push(await cases[c][1]())
}
console.log(`isAllowed at a full window of 100 (100 per 60 s), ${N.toLocaleString()} calls, median of ${rounds} rounds, Node ${process.version}`)
const ours = median(samples[0])
for (let c = 0; c < cases.length; c++) {
  const m = median(samples[c])
  const all = samples[c].map((x) => x.toFixed(0)).join(' ')
  console.log(`${cases[c][0].padEnd(72)} ${m.toFixed(1).padStart(8)} ns/op  ${(m / ours).toFixed(1).padStart(6)}x  [${all}]`)
}
