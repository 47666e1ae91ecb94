// One memory measurement, run in a child process by groups/memory.mjs.
import { LRUCache } from 'lru-cache'
import { TTLCache } from '@isaacs/ttlcache'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import * as hdr from 'hdr-histogram-js'
import { SimpleCache, RateLimiter } from 'hotpath/cache'
import { PerformanceMonitor } from 'hotpath/performance'
import { loadReference, NO_REFERENCE } from './reference.mjs'
import { makeKeys, makeDurations } from './data.mjs'

const TTL_SECONDS = 300

/** Bytes in use: V8 heap, external (native) memory and ArrayBuffers; and RSS. */
function usage() {
  globalThis.gc()
  globalThis.gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss }
}

/** Builds one structure of `caseName` for `peer` and returns the memory it holds. */
export async function measureCase(caseName, peer, scale) {
  const refCache = await loadReference('cache')
  const refPerf = await loadReference('performance')
  if (peer === 'reference' && !refCache) return { skip: NO_REFERENCE }
  let build
  if (caseName === 'cache') {
    const keys = makeKeys(scale.entries, 32, 41)
    const make = {
      hotpath: () => new SimpleCache(scale.entries, TTL_SECONDS),
      reference: () => new refCache.SimpleCache(scale.entries, TTL_SECONDS),
      'lru-cache': () => new LRUCache({ max: scale.entries, ttl: TTL_SECONDS * 1000 }),
      '@isaacs/ttlcache': () => new TTLCache({ max: scale.entries, ttl: TTL_SECONDS * 1000 }),
      Map: () => new Map(),
    }[peer]
    build = () => {
      const c = make()
      for (let i = 0; i < keys.length; i++) c.set(keys[i], { id: i })
      return c
    }
  } else if (caseName === 'limiter') {
    const ids = makeKeys(scale.identifiers, 16, 42)
    if (peer === 'rate-limiter-flexible') {
      build = async () => {
        const l = new RateLimiterMemory({ points: 100, duration: 60 })
        for (const id of ids) await l.consume(id)
        return l
      }
    } else {
      const Limiter = peer === 'hotpath' ? RateLimiter : refCache.RateLimiter
      build = () => {
        const l = new Limiter(100, 60_000)
        for (const id of ids) l.isAllowed(id)
        return l
      }
    }
  } else {
    const durations = makeDurations(1 << 16)
    // "hotpath, 1 name" records the same samples into one name: what the
    // names add beyond it is their own cost.
    const names = Array.from({ length: scale.names }, (_, i) => (peer === 'hotpath, 1 name' ? 'api.route.0' : `api.route.${i}`))
    const record =
      peer === 'hdr-histogram-js'
        ? (() => {
            const hs = new Map()
            const histogramOf = (name) => hs.get(name) ?? hs.set(name, hdr.build()).get(name)
            return { held: hs, record: (name, ms) => histogramOf(name).recordValue(Math.round(ms * 1000)) }
          })
        : (() => {
            const m = peer === 'reference' ? new refPerf.PerformanceMonitor() : new PerformanceMonitor()
            return { held: m, record: (name, ms) => m.record(name, ms) }
          })
    // The monitor exists and has recorded once before the baseline, so the
    // figure is what the names cost, not the monitor's fixed setup (its code
    // pages, scratch space and tables), which 100 names would otherwise share.
    const r = record()
    r.record('warm-up', 1)
    build = () => {
      for (const name of names) for (let i = 0; i < scale.samples; i++) r.record(name, durations[i & 0xffff])
      return r.held
    }
  }
  const before = usage()
  const held = await build()
  const after = usage()
  globalThis.keepAlive = held
  return { heapBytes: after.heap - before.heap, rssBytes: after.rss - before.rss }
}
