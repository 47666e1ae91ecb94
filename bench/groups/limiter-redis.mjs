// Group "limiter-redis": one fleet-wide decision per call, on a redis-server
// this group starts on a free loopback port (rows are skipped without one):
// RateLimiter.consume (one Lua script: a rolling window of admission times)
// vs rate-limiter-flexible's RateLimiterRedis on an ioredis client (fixed
// windows, one MULTI per call). @upstash/ratelimit is not measured: it talks
// to Upstash's REST API over HTTP, not the Redis protocol, so it cannot run
// against a plain redis-server.
import { spawnSync } from 'node:child_process'
import Redis from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import { RateLimiter } from 'hotpath/cache'
import { closeRedis } from 'hotpath/redis'
import { compile, runCases, report } from '../lib/harness.mjs'
import { versionOf } from '../lib/env.mjs'
import { RedisServer } from '../../__test__/support/redis-server.cjs'

const MAX_REQUESTS = 100
const WINDOW_MS = 60_000
/** A round trip takes tens of µs: a few hundred samples of a few calls each are plenty. */
const OPTS = { batch_samples: 8, max_samples: 400, min_cpu_time: 200e6 }

/** A throwaway redis-server (the tests' helper) and an ioredis client on it, or the reason it is absent. */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return { skip: 'redis-server is not installed' }
  const server = await RedisServer.start()
  const client = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 })
  await client.ping()
  return { url: server.url, client, stop: () => server.stop() }
}

const redis = await startRedis()
const allowed = () => true
const denied = () => false
let n = 0
/** Each peer: a limiter on the group's server, and one decision for `k`, awaited. */
const PEERS = redis.skip
  ? { hotpath: null, 'rate-limiter-flexible': null }
  : {
      hotpath: {
        make: () => new RateLimiter(MAX_REQUESTS, WINDOW_MS, { redis: redis.url, name: `bench${n++}` }),
        check: 'return l.consume(k)',
      },
      'rate-limiter-flexible': {
        make: () => new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `bench${n++}`, points: MAX_REQUESTS, duration: WINDOW_MS / 1000 }),
        check: 'return l.consume(k).then(allowed, denied)',
      },
    }

const cases = []
for (const [peer, p] of Object.entries(PEERS)) {
  const cycle = (ids) => (l) =>
    compile({ l, ids, allowed, denied }, `(() => { let i = 0; return () => { const k = ids[i]; if (++i === ids.length) i = 0; ${p.check} } })()`)
  const skip = p ? undefined : redis.skip
  cases.push(
    {
      row: 'consume, allowed (10,000 identifiers, first requests)',
      peer,
      skip,
      // 10,000 identifiers × 100 allowed each: no call in the run is refused.
      make: () => cycle(Array.from({ length: 10_000 }, (_, i) => `client:${i}`))(p.make()),
      opts: OPTS,
    },
    {
      row: `consume, exhausted (${MAX_REQUESTS} of ${MAX_REQUESTS}, denied)`,
      peer,
      skip,
      make: async () => {
        const l = p.make()
        const once = cycle(['client:full'])(l)
        for (let i = 0; i < MAX_REQUESTS; i++) await once()
        return once
      },
      opts: OPTS,
    },
  )
}

const rows = await runCases(cases)
if (!redis.skip) {
  await closeRedis()
  redis.client.disconnect()
  await redis.stop()
}
report({
  group: 'limiter-redis',
  title: `One fleet-wide decision on a local redis-server, ${MAX_REQUESTS} per 60 s (ns per call)`,
  unit: 'ns',
  peers: Object.keys(PEERS),
  versions: { 'rate-limiter-flexible': versionOf('rate-limiter-flexible'), ioredis: versionOf('ioredis') },
  rows,
  notes: [
    'Each call is awaited: one round trip to a redis-server on loopback, except where a limiter answers without Redis.',
    'hotpath refuses an identifier Redis reported exhausted without a round trip until its window allows again; rate-limiter-flexible asks Redis every time (no inMemoryBlockOnConsumed).',
    '@upstash/ratelimit is not measured: it needs Upstash’s REST API (HTTP), not the Redis protocol.',
  ],
})
