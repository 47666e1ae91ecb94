// A short tour of hotpath: cache-aside with single flight against a slow
// upstream, LRU and TTL, the rate limiter's real 429 headers, and the latency
// monitor's /api/metrics payload. Run with `npm run demo`.
import { SimpleCache, apiCache, apiRateLimiter, cacheAside } from 'hotpath/cache'
import { perfMonitor } from 'hotpath/performance'

let upstreamCalls = 0
async function fetchModels() {
  upstreamCalls++
  await new Promise((resolve) => setTimeout(resolve, 200))
  return [{ id: 'gpt-small' }, { id: 'gpt-large' }]
}

const getModels = () => perfMonitor.time('api.models.get', () => cacheAside('available_models', fetchModels))

async function timed(label, fn) {
  const start = performance.now()
  await fn()
  console.log(`${label.padEnd(44)} ${(performance.now() - start).toFixed(2).padStart(8)} ms`)
}

console.log('-- cache-aside')
await timed('cold: 100 concurrent requests for one key', () => Promise.all(Array.from({ length: 100 }, getModels)))
console.log(`upstream calls: ${upstreamCalls} (single flight)`)
await timed('warm: served from the cache', getModels)

console.log('-- LRU and TTL')
const small = new SimpleCache(2, 1)
small.set('a', 1)
small.set('b', 2)
small.get('a')
small.set('c', 3)
console.log(`set a, b; get a; set c -> b evicted: ${!small.has('b')}, a kept: ${small.has('a')}`)
await new Promise((resolve) => setTimeout(resolve, 1100))
console.log(`1 s TTL, 1.1 s later: get('a') -> ${small.get('a')}`)

console.log('-- rate limiter (100 per minute)')
let last
for (let i = 0; i < 101; i++) last = apiRateLimiter.check('203.0.113.7')
console.log(`request 101: allowed ${last.allowed}, headers`, last.headers)

console.log('-- /api/metrics payload')
console.log(JSON.stringify(perfMonitor.metricsPayload(), null, 2))
console.log('apiCache.stats():', apiCache.stats())
