// Group "redis": an L2 hit, a read that misses the process's own memory and
// is answered by Redis, on a redis-server this group starts on a loopback
// port. hotpath: `cacheAside` on a two-tier SimpleCache whose L1 holds one
// entry, so reads cycling over many keys miss it. Against the guide's own
// "Migration to Redis" code (node-redis `get` + `JSON.parse`) and bentocache
// (`getOrSet` with an L1 of one entry and its ioredis driver as L2). Every
// row is skipped, and says so, where redis-server is not installed.
import { spawnSync } from 'node:child_process'
import { createClient } from 'redis'
import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { redisDriver } from 'bentocache/drivers/redis'
import { SimpleCache, cacheAside } from 'hotpath/cache'
import { closeRedis } from 'hotpath/redis'
import { compile, runCases, report } from '../lib/harness.mjs'
import { makeKeys } from '../lib/data.mjs'
import { versionOf } from '../lib/env.mjs'
import { RedisServer } from '../../__test__/support/redis-server.cjs'

const NO_REDIS = 'redis-server is not installed'
const ROW = 'L2 hit (L1 miss, value from Redis)'
const TTL_SECONDS = 300
/** The example's model list answer: a typical small API response. */
const value = { models: ['gpt-4o', 'claude-sonnet', 'llama-3.1-70b'], fetchId: 1, fetchedAt: '2026-01-01T00:00:00.000Z' }
const keys = makeKeys(1_000, 32, 41)
const fetchValue = async () => value
const PEERS = ['hotpath', 'node-redis get + JSON.parse', 'bentocache']

const hasRedis = spawnSync('redis-server', ['--version']).status === 0
/** Each peer's state on the server `measure` started, closed (the server last) even when a step throws. */
const closers = []
const rows = hasRedis ? await measure().finally(closeAll) : [{ row: ROW, cells: Object.fromEntries(PEERS.map((p) => [p, { skip: NO_REDIS }])) }]

async function closeAll() {
  for (const close of closers) await close()
}

/** Starts redis-server, loads every key into each peer, and measures the reads. */
async function measure() {
  const server = await RedisServer.start()
  closers.push(() => server.stop())

  const cache = new SimpleCache(1, TTL_SECONDS, { redis: server.url, name: 'bench' })
  closers.unshift(closeRedis)
  for (const k of keys) await cacheAside(k, fetchValue, cache)
  await cache.flush()

  // The guide's code: one client, values stored with setEx as JSON.
  const client = createClient({ url: server.url })
  await client.connect()
  closers.unshift(() => client.quit())
  for (const k of keys) await client.setEx(`guide:${k}`, TTL_SECONDS, JSON.stringify(value))

  const bento = new BentoCache({
    default: 'cache',
    stores: {
      cache: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 1 }))
        .useL2Layer(redisDriver({ connection: { host: '127.0.0.1', port: server.port } })),
    },
  })
  closers.unshift(() => bento.disconnectAll())
  for (const k of keys) await bento.getOrSet({ key: k, factory: fetchValue, ttl: TTL_SECONDS * 1000 })

  const cycling = (src, env) =>
    compile({ ...env, keys }, `(() => { let i = 0; return () => { const k = keys[i]; if (++i === keys.length) i = 0; return ${src} } })()`)
  const measured = await runCases([
    { row: ROW, peer: 'hotpath', fn: cycling('cacheAside(k, f, c)', { cacheAside, c: cache, f: fetchValue }) },
    {
      row: ROW,
      peer: 'node-redis get + JSON.parse',
      fn: cycling("r.get('guide:' + k).then(JSON.parse)", { r: client }),
    },
    { row: ROW, peer: 'bentocache', fn: cycling('b.getOrSet({ key: k, factory: f, ttl })', { b: bento, f: fetchValue, ttl: TTL_SECONDS * 1000 }) },
  ])
  const l2 = cache.stats().l2
  // Every measured read came from Redis: L2 hits, and no fetch past the initial load.
  if (l2.hits === 0 || l2.fetches !== keys.length) {
    throw new Error(`hotpath did not read from L2 (hits ${l2.hits}, fetches ${l2.fetches}): the row would not measure an L2 hit`)
  }
  return measured
}

report({
  group: 'redis',
  title: 'Redis tier: one read served by Redis (ns per call)',
  unit: 'ns',
  peers: PEERS,
  versions: { 'node-redis get + JSON.parse': `redis ${versionOf('redis')}`, bentocache: `${versionOf('bentocache')} (ioredis ${versionOf('ioredis')})` },
  rows,
  notes: [
    `${keys.length.toLocaleString('en-US')} keys, each a ${JSON.stringify(value).length}-byte JSON value already in Redis, read in turn and awaited one at a time on a local redis-server (loopback), so every read is one round trip.`,
    'hotpath and bentocache keep an L1 of one entry, so each read misses it; node-redis has no L1 (the guide\'s code).',
    ...(hasRedis ? [] : [`not measured: ${NO_REDIS}.`]),
  ],
})
