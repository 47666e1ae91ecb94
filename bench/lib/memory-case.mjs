// One memory measurement, run in a child process by groups/memory.mjs.
import { LRUCache } from 'lru-cache'
import { TTLCache } from '@isaacs/ttlcache'
import { RateLimiterMemory } from 'rate-limiter-flexible'
import * as hdr from 'hdr-histogram-js'
import { SimpleCache } from 'hotpath/cache'
import { loadReference } from './reference.mjs'
import { makeKeys, makeDurations } from './data.mjs'
import { hotpathPerformance, HotpathRateLimiter, NO_PERFORMANCE, NO_LIMITER } from './optional.mjs'

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
    if (peer === 'hotpath' && !HotpathRateLimiter) return { skip: NO_LIMITER }
    const ids = makeKeys(scale.identifiers, 16, 42)
    if (peer === 'rate-limiter-flexible') {
      build = async () => {
        const l = new RateLimiterMemory({ points: 100, duration: 60 })
        for (const id of ids) await l.consume(id)
        return l
      }
    } else {
      const Limiter = peer === 'hotpath' ? HotpathRateLimiter : refCache.RateLimiter
      build = () => {
        const l = new Limiter(100, 60_000)
        for (const id of ids) l.isAllowed(id)
        return l
      }
    }
  } else {
    if (peer === 'hotpath' && !hotpathPerformance) return { skip: NO_PERFORMANCE }
    const durations = makeDurations(1 << 16)
    const names = Array.from({ length: scale.names }, (_, i) => `api.route.${i}`)
    const record =
      peer === 'loop only'
        ? () => ({ held: null, record: (name, ms) => globalThis.sink === ms && name })
        : peer === 'hdr-histogram-js'
        ? (() => {
            const hs = new Map(names.map((name) => [name, hdr.build()]))
            return { held: hs, record: (name, ms) => hs.get(name).recordValue(Math.round(ms * 1000)) }
          })
        : (() => {
            const m = peer === 'hotpath' ? new hotpathPerformance.PerformanceMonitor() : new refPerf.PerformanceMonitor()
            return { held: m, record: (name, ms) => m.record(name, ms) }
          })
    build = () => {
      const r = record()
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
