// Group "next-handlers": Next.js 16 cache handlers (issue #17). hotpath's
// `cacheHandlers` handler (`createCacheHandler` from hotpath/next/cache-handler,
// with its Redis tier on) against Next's own default 'use cache' handler
// (`createDefaultCacheHandler`: an in-memory LRU in each process, tag state in
// a module-level Map, shared with no other process) and
// @fortedigital/nextjs-cache-handler on Redis. forte has no `cacheHandlers`
// ('use cache') handler (its README: "not yet supported"), so its column is
// its ISR `cacheHandler` (the CacheHandler class with the redis-strings
// handler, as its Quick Start sets it up): the same work on the API it has.
//
// Rows: a `get` hit (the entry's stream read to its end, for every peer), a
// `get` that misses hotpath's L1 and is answered by Redis, revalidating one tag
// among 100,000 keys (alone, and until an affected key misses on a second
// instance, so a lazy scheme pays for its laziness), and what each Redis holds
// afterwards. Each Redis peer gets a redis-server of its own, started the same
// way, so INFO and DBSIZE count only that peer's keys; every Redis cell is
// skipped, and says so, where redis-server is not installed.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
import { CacheHandler as ForteCacheHandler } from '@fortedigital/nextjs-cache-handler'
import createForteRedisHandler from '@fortedigital/nextjs-cache-handler/redis-strings'
import { compile, runCases, report, ROUNDS } from '../lib/harness.mjs'
import { quick, versionOf } from '../lib/env.mjs'
import { makeKeys } from '../lib/data.mjs'
import { RedisServer } from '../../__test__/support/redis-server.cjs'

const require = createRequire(import.meta.url)
const { createDefaultCacheHandler } = require('next/dist/server/lib/cache-handlers/default.js')

const SCALE = {
  /** Keys read in turn by the get rows (1 KB entries), and the 50 KB ones. */
  hitKeys: quick ? 50 : 1_000,
  bigKeys: quick ? 10 : 100,
  /** The revalidation rows' fill: keys, spread evenly over tags (10 keys a tag). */
  keys: quick ? 1_000 : 100_000,
  tags: quick ? 100 : 10_000,
}
/**
 * Timed revalidations per round (after one untimed first call), each on a tag
 * of its own: forte's take about half a second each at 100,000 keys, so it
 * gets few; the others many, as their calls are short and noisy.
 */
const REVALIDATIONS = quick ? { hotpath: 2, next: 2, forte: 2 } : { hotpath: 20, next: 20, forte: 3 }
const SMALL = 1024
const BIG = 50 * 1024
/** The LRU budget of Next's default handler and hotpath's L1: room for every entry, so no row measures eviction. */
const ROOMY = 1 << 30
/** hotpath's L1 budget in the L2 row: below one entry, so every read goes to Redis. */
const TINY = 256
/** How long a revalidation may take to show on another instance before the row fails. */
const MISS_DEADLINE_MS = 5_000
const NO_REDIS = 'redis-server is not installed'
const n = (x) => x.toLocaleString('en-US')

const HOTPATH = 'hotpath'
const NEXT = 'Next default (in-memory, not shared)'
const FORTE = 'forte (ISR cacheHandler, Redis)'
const PEERS = [HOTPATH, NEXT, FORTE]

const ROW = {
  hitSmall: `get hit, 1 KB entry (${n(SCALE.hitKeys)} keys in turn)`,
  hitBig: `get hit, 50 KB entry (${n(SCALE.bigKeys)} keys in turn)`,
  isrHit: `ISR cacheHandler get hit, 1 KB page (${n(SCALE.hitKeys)} keys in turn)`,
  refresh: 'refreshTags (Next calls it once per request, before its first get)',
  l2: `get, L1 miss answered by Redis, 1 KB entry (${n(SCALE.hitKeys)} keys)`,
  update: `revalidate 1 tag (${n(SCALE.keys)} keys, ${n(SCALE.tags)} tags): updateTags`,
  untilMiss: `revalidate 1 tag (${n(SCALE.keys)} keys): updateTags, then a 2nd instance's refreshTags + get until an affected key misses`,
}

/** Soft (implicit) tags as Next passes them to every `get`: the route's layouts and page. */
const SOFT_TAGS = ['_N_T_/layout', '_N_T_/blog/layout', '_N_T_/blog/[slug]/page', '_N_T_/blog/hello-world']

/** A payload of `size` bytes (an RSC payload is text: the bytes are printable). */
function payload(size, seed) {
  const buf = Buffer.alloc(size)
  for (let i = 0; i < size; i++) buf[i] = 32 + ((i * 31 + seed) % 95)
  return buf
}
const smallPayload = payload(SMALL, 1)
const bigPayload = payload(BIG, 2)

/** Timestamps: a second in the past, so a revalidation "now" is strictly after every entry. */
const FILLED_AT = Date.now() - 1_000

/** A Next 16 CacheEntry over `bytes`, with a fresh stream (a handler consumes it once). */
function cacheEntry(bytes, tags) {
  return {
    value: new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(bytes))
        c.close()
      },
    }),
    tags,
    stale: 300,
    timestamp: FILLED_AT,
    expire: 7_200,
    revalidate: 3_600,
  }
}

/** The ISR value forte stores for a rendered page: its RSC payload, the tags in the header Next sets. */
function isrPage(bytes, tags) {
  return { kind: 'APP_PAGE', html: '', rscData: bytes, headers: { 'x-next-cache-tags': tags.join(',') }, postponed: undefined, status: 200, segmentData: undefined }
}
const ISR_CTX = (tags) => ({ cacheControl: { revalidate: 3_600, expire: 7_200 }, tags })

/** Reads a `get` answer's stream to its end; the byte count, or undefined for a miss. */
async function drain(entry) {
  if (!entry) return undefined
  let bytes = 0
  for await (const chunk of entry.value) bytes += chunk.byteLength
  return bytes
}

/**
 * The tag of key `i` in the fill. Each peer has tags of its own (`ns`): Next's
 * tag manifest is one Map per process, which hotpath's handler also writes
 * (so that Next's ISR and fetch caches see its revalidations).
 */
const tagOf = (i, ns = '') => `${ns}tag:${i % SCALE.tags}`
const fillKeys = makeKeys(SCALE.keys, 48, 71)
const hitKeys = makeKeys(SCALE.hitKeys, 48, 72)
const bigKeys = makeKeys(SCALE.bigKeys, 48, 73)

/** Runs `make(i)` for i in [0, count), `width` at a time. */
async function inBatches(count, width, make) {
  for (let at = 0; at < count; at += width) {
    const batch = []
    for (let i = at; i < Math.min(count, at + width); i++) batch.push(make(i))
    await Promise.all(batch)
  }
}

// ----- the peers -----

/** hotpath's factory, or the error that kept it from loading (shown in every hotpath cell and the notes). */
async function loadHotpath() {
  try {
    const mod = await import('hotpath/next/cache-handler')
    const create = mod.createCacheHandler ?? mod.default?.createCacheHandler
    if (typeof create !== 'function') return { error: 'hotpath/next/cache-handler exports no createCacheHandler function' }
    return { create }
  } catch (err) {
    return { error: `import('hotpath/next/cache-handler') failed: ${err.message.split('\n')[0]}` }
  }
}

/** hotpath's ISR handler factory, or the error that kept it from loading. */
async function loadIsr() {
  try {
    const mod = await import('hotpath/next/isr-handler')
    const create = mod.createIsrCacheHandler ?? mod.default?.createIsrCacheHandler
    if (typeof create !== 'function') return { error: 'hotpath/next/isr-handler exports no createIsrCacheHandler function' }
    return { create }
  } catch (err) {
    return { error: `import('hotpath/next/isr-handler') failed: ${err.message.split('\n')[0]}` }
  }
}

const hasRedis = spawnSync('redis-server', ['--version']).status === 0
const hotpathLib = await loadHotpath()
const isrLib = await loadIsr()
const closers = []
const problems = []
const skipped = new Set()
/** Tags revalidated, per peer (the Redis rows say how many). */
/** What an empty redis-server reports, for the notes. */
let emptyServer = null
const revalidations = Object.fromEntries(PEERS.map((p) => [p, 0]))

/** Redis memory in use, in bytes, and the key count. */
async function redisUsage(server) {
  const info = String(await server.command('INFO', 'memory'))
  return { usedBytes: Number(/used_memory:(\d+)/.exec(info)[1]), keys: Number(await server.command('DBSIZE')) }
}

/** The key count once writes have settled (a write-behind tier may still be flushing). */
async function settledUsage(server) {
  let last = await redisUsage(server)
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100))
    const now = await redisUsage(server)
    if (now.keys === last.keys) return now
    last = now
  }
  return last
}

/** A case that reads `keys` in turn, or a skip; `probe` checks one read first (outside the timing). */
async function getCase(row, peer, { skip, env, read, probe }) {
  if (skip) return { row, peer, skip }
  const got = await probe().catch((err) => `threw ${err.message}`)
  if (typeof got === 'string') {
    problems.push(`${peer}, ${row}: ${got}`)
    return { row, peer, skip: got }
  }
  return {
    row,
    peer,
    fn: compile(env, `(() => { let i = 0; return async () => { const k = keys[i]; if (++i === keys.length) i = 0; ${read} } })()`),
  }
}

/** Each peer's timed get body: a hit, its bytes consumed. */
const HOTPATH_READ = 'const e = await h.get(k, soft); let b = 0; for await (const c of e.value) b += c.byteLength; return sink(b)'
const FORTE_READ = 'const e = await h.get(k, ctx); return sink(e.value.rscData.byteLength)'

/** A probe: the first key is a hit of `size` bytes. */
const expectBytes = (size, read) => async () => {
  const bytes = await read()
  return bytes === size ? true : `get of a key just set returned ${bytes === undefined ? 'a miss' : `${bytes} bytes, not ${size}`}`
}

async function measure() {
  const hotpathSkip = hotpathLib.error ?? (hasRedis ? undefined : NO_REDIS)
  const redisSkip = hasRedis ? undefined : NO_REDIS
  if (hotpathLib.error) skipped.add(`hotpath not measured: ${hotpathLib.error}.`)
  if (!hasRedis) skipped.add(`hotpath and forte not measured: ${NO_REDIS}.`)

  // One redis-server per Redis peer, started alike.
  const hpServer = hasRedis && !hotpathLib.error ? await RedisServer.start() : null
  if (hpServer) closers.push(() => hpServer.stop())
  const forteServer = hasRedis ? await RedisServer.start() : null
  if (forteServer) closers.push(() => forteServer.stop())
  if (forteServer) emptyServer = await redisUsage(forteServer)

  // forte: one CacheHandler per process (its configuration is static), on a node-redis client as its README sets it up.
  let forte = null
  let forteClient = null
  const distDir = mkdtempSync(join(tmpdir(), 'hotpath-bench-forte-'))
  closers.push(() => rmSync(distDir, { recursive: true, force: true }))
  if (forteServer) {
    forteClient = createClient({ url: forteServer.url })
    await forteClient.connect()
    closers.unshift(() => forteClient.quit())
    ForteCacheHandler.onCreation(() => ({ handlers: [createForteRedisHandler({ client: forteClient, keyPrefix: 'bench:' })] }))
    forte = new ForteCacheHandler({ serverDistDir: join(distDir, 'server'), dev: false })
  }
  const forteGet = (k) => forte.get(k, { softTags: SOFT_TAGS })
  const forteSet = (k, bytes, tags) => forte.set(k, isrPage(bytes, tags), ISR_CTX(tags))

  if (hpServer) {
    const { closeRedis } = await import('hotpath/redis')
    closers.unshift(closeRedis)
  }
  // hotpath's L2 writes are queued in the background, at most `maxPending` (default 10,000); past it a write
  // is refused, not queued. The fill sets every key at once, faster than any app renders, so the queue holds it all.
  const hotpathRedis = (prefix) => ({ url: hpServer.url, prefix, maxPending: Math.max(10_000, SCALE.keys) })
  const hotpath = (opts) => {
    const h = hotpathLib.create({ redis: hotpathRedis(opts.prefix), name: opts.name, maxBytes: opts.maxBytes })
    if (typeof h.close === 'function') closers.unshift(() => h.close())
    return h
  }

  // ----- get rows -----
  const hotHits = hotpathSkip ? null : hotpath({ prefix: 'hits:', name: 'bench-hits', maxBytes: ROOMY })
  const hotL2 = hotpathSkip ? null : hotpath({ prefix: 'l2:', name: 'bench-l2', maxBytes: TINY })
  const nextHits = createDefaultCacheHandler(ROOMY)
  const fill = async (set, keys, bytes) => inBatches(keys.length, 100, (i) => set(keys[i], bytes, [tagOf(i)]))
  const setStream = (h) => (k, bytes, tags) => h.set(k, Promise.resolve(cacheEntry(bytes, tags)))
  for (const [h, skip] of [[hotHits, hotpathSkip], [hotL2, hotpathSkip], [nextHits]]) {
    if (skip) continue
    await fill(setStream(h), hitKeys, smallPayload)
    if (h !== hotL2) await fill(setStream(h), bigKeys, bigPayload)
  }
  if (forte) {
    await fill(forteSet, hitKeys, smallPayload)
    await fill(forteSet, bigKeys, bigPayload)
  }

  const getCases = []
  for (const [row, keys, size] of [[ROW.hitSmall, hitKeys, SMALL], [ROW.hitBig, bigKeys, BIG], [ROW.l2, hitKeys, SMALL]]) {
    const hot = row === ROW.l2 ? hotL2 : hotHits
    getCases.push(
      await getCase(row, HOTPATH, {
        skip: hotpathSkip,
        env: { h: hot, keys, soft: SOFT_TAGS },
        read: HOTPATH_READ,
        probe: expectBytes(size, async () => drain(await hot.get(keys[0], SOFT_TAGS))),
      }),
      await getCase(row, NEXT, {
        skip: row === ROW.l2 ? 'no shared tier: each process holds its own entries' : undefined,
        env: { h: nextHits, keys, soft: SOFT_TAGS },
        read: HOTPATH_READ,
        probe: expectBytes(size, async () => drain(await nextHits.get(keys[0], SOFT_TAGS))),
      }),
      await getCase(row, FORTE, {
        skip: redisSkip,
        env: { h: forte, keys, ctx: { softTags: SOFT_TAGS } },
        read: FORTE_READ,
        probe: expectBytes(size, async () => (await forteGet(keys[0]))?.value.rscData.byteLength),
      }),
    )
  }
  getCases.push(
    hotpathSkip ? { row: ROW.refresh, peer: HOTPATH, skip: hotpathSkip } : { row: ROW.refresh, peer: HOTPATH, fn: compile({ h: hotHits }, '() => h.refreshTags()') },
    { row: ROW.refresh, peer: NEXT, fn: compile({ h: nextHits }, '() => h.refreshTags()') },
    { row: ROW.refresh, peer: FORTE, skip: 'no such call: its ISR get reads the tag state from Redis each time' },
  )
  // The ISR API, the one forte has: hotpath's ISR class on the hit rows' store (its keys apart), forte as above.
  const isrSkip = hotpathSkip ?? isrLib.error
  if (!hotpathSkip && isrLib.error) skipped.add(`hotpath's ISR handler not measured: ${isrLib.error}.`)
  const isr = isrSkip ? null : new (isrLib.create({ redis: hotpathRedis('hits:'), name: 'bench-hits', maxBytes: ROOMY }))({})
  if (isr) await fill((k, bytes, tags) => isr.set(k, isrPage(bytes, tags), ISR_CTX(tags)), hitKeys, smallPayload)
  const isrCtx = { kind: 'APP_PAGE', softTags: SOFT_TAGS }
  getCases.push(
    await getCase(ROW.isrHit, HOTPATH, {
      skip: isrSkip,
      env: { h: isr, keys: hitKeys, ctx: isrCtx },
      read: FORTE_READ,
      probe: expectBytes(SMALL, async () => (await isr.get(hitKeys[0], isrCtx))?.value.rscData.byteLength),
    }),
    { row: ROW.isrHit, peer: NEXT, skip: "Next's own ISR cache is its file-system cache: not measured here" },
    await getCase(ROW.isrHit, FORTE, {
      skip: redisSkip,
      env: { h: forte, keys: hitKeys, ctx: isrCtx },
      read: FORTE_READ,
      probe: expectBytes(SMALL, async () => (await forte.get(hitKeys[0], isrCtx))?.value.rscData.byteLength),
    }),
  )
  const getRows = await runCases(getCases)
  for (const row of getRows) scale(row, 1e-3)

  // ----- revalidation rows: fresh instances and servers holding only the fill -----
  for (const s of [hpServer, forteServer]) if (s) await s.command('FLUSHDB')
  const hotA = hotpathSkip ? null : hotpath({ prefix: 'tags:', name: 'bench-tags', maxBytes: ROOMY })
  // The process keeps one store per set of options (handlers made alike share it): the second instance's
  // budget differs by a byte, so it has a store, an L1 and a tag state of its own, as another process would.
  const hotB = hotpathSkip ? null : hotpath({ prefix: 'tags:', name: 'bench-tags', maxBytes: ROOMY - 1 })
  const nextTags = createDefaultCacheHandler(ROOMY)
  const NS = { [HOTPATH]: 'hotpath:', [NEXT]: 'next:', [FORTE]: 'forte:' }
  const fillAll = (set, ns) => inBatches(SCALE.keys, 200, (i) => set(fillKeys[i], smallPayload, [tagOf(i, ns)]))
  if (hotA) await fillAll(setStream(hotA), NS[HOTPATH])
  await fillAll(setStream(nextTags), NS[NEXT])
  if (forte) await fillAll(forteSet, NS[FORTE])
  const afterFill = {
    [HOTPATH]: hpServer ? await settledUsage(hpServer) : null,
    [FORTE]: forteServer ? await settledUsage(forteServer) : null,
  }
  for (const peer of [HOTPATH, FORTE]) {
    const keys = afterFill[peer]?.keys
    if (keys !== undefined && keys < SCALE.keys) problems.push(`${peer}: its Redis holds ${n(keys)} keys after a fill of ${n(SCALE.keys)} entries`)
  }

  /**
   * Each peer's revalidation steps: `update(tag)` revalidates on one instance;
   * `read(key)` is a later request on another instance (refreshTags, as Next
   * calls it once per request, then get), the bytes it served or undefined.
   * Next's default handler keeps its entries in one process, so its "other
   * instance" is the same one; forte keeps everything in Redis.
   */
  /** `update(t)` revalidates the peer's tag number t. */
  const counted = (peer, update) => (t) => {
    revalidations[peer]++
    return update(tagOf(t, NS[peer]))
  }
  const steps = {
    [HOTPATH]: hotA && {
      update: counted(HOTPATH, (tag) => hotA.updateTags([tag])),
      warm: (key) => hotB.get(key, SOFT_TAGS).then(drain),
      read: async (key) => {
        await hotB.refreshTags()
        return drain(await hotB.get(key, SOFT_TAGS))
      },
    },
    [NEXT]: {
      update: counted(NEXT, (tag) => nextTags.updateTags([tag])),
      warm: (key) => nextTags.get(key, SOFT_TAGS).then(drain),
      read: async (key) => {
        await nextTags.refreshTags()
        return drain(await nextTags.get(key, SOFT_TAGS))
      },
    },
    [FORTE]: forte && {
      update: counted(FORTE, (tag) => forte.revalidateTag(tag)),
      warm: (key) => forteGet(key).then((e) => e?.value.rscData.byteLength),
      read: (key) => forteGet(key).then((e) => e?.value.rscData.byteLength),
    },
  }

  /** Revalidates tag `t` and reads its first key until it misses; throws past the deadline. */
  async function revalidateUntilMiss(s, t) {
    await s.update(t)
    const key = fillKeys[t]
    const deadline = performance.now() + MISS_DEADLINE_MS
    // Each read is a later request: a new turn of the event loop, where what the bus delivered has landed.
    for (;;) {
      await new Promise(setImmediate)
      if ((await s.read(key)) === undefined) break
      if (performance.now() > deadline) throw new Error(`key ${key} still served ${MISS_DEADLINE_MS} ms after its tag was revalidated`)
    }
  }

  // Tags are taken in turn from their own range for each row and peer, so each call revalidates a tag never revalidated.
  const samplesOf = { [HOTPATH]: REVALIDATIONS.hotpath, [NEXT]: REVALIDATIONS.next, [FORTE]: REVALIDATIONS.forte }
  const revalidationCases = []
  for (const peer of PEERS) {
    const s = steps[peer]
    const skip = peer === HOTPATH ? hotpathSkip : peer === FORTE ? redisSkip : undefined
    if (skip || !s) {
      revalidationCases.push({ row: ROW.update, peer, skip }, { row: ROW.untilMiss, peer, skip })
      continue
    }
    // A probe first (outside the timing, on the last tag): the key is served before, and missed after.
    const probeTag = SCALE.tags - 1
    const before = await s.read(fillKeys[probeTag])
    const probe = before !== SMALL ? `an affected key was ${before === undefined ? 'a miss' : `${before} bytes`} before its tag was revalidated` : await revalidateUntilMiss(s, probeTag).then(() => true, (err) => err.message)
    if (probe !== true) {
      problems.push(`${peer}, revalidation: ${probe}`)
      revalidationCases.push({ row: ROW.update, peer, skip: probe }, { row: ROW.untilMiss, peer, skip: probe })
      continue
    }
    const perRound = 1 + samplesOf[peer]
    const OPTS = { min_samples: samplesOf[peer], max_samples: samplesOf[peer], min_cpu_time: 0, warmup_threshold: -1 }
    let nextUpdate = 0
    let nextMiss = Math.floor(SCALE.tags / 2)
    revalidationCases.push(
      {
        row: ROW.update,
        peer,
        opts: OPTS,
        make: () => {
          return () => s.update(nextUpdate++)
        },
      },
      {
        row: ROW.untilMiss,
        peer,
        opts: OPTS,
        // The second instance first serves this round's keys (outside the timing), so a miss is its own doing.
        make: async () => {
          for (let t = nextMiss; t < nextMiss + perRound; t++) {
            // A few tries: on this shared machine a GC pause can outlast hotpath's 100 ms command timeout, which reads as a miss.
            let bytes
            for (let attempt = 0; attempt < 3 && bytes !== SMALL; attempt++) bytes = await s.warm(fillKeys[t])
            if (bytes !== SMALL) throw new Error(`${peer}: key ${fillKeys[t]} was ${bytes === undefined ? 'a miss' : `${bytes} bytes`} before its tag was revalidated`)
          }
          return () => revalidateUntilMiss(s, nextMiss++)
        },
      },
    )
  }
  const revalidationRows = await runCases(revalidationCases)
  for (const row of revalidationRows) scale(row, 1e-3)

  // ----- what each Redis holds -----
  const afterAll = {
    [HOTPATH]: hpServer ? await settledUsage(hpServer) : null,
    [FORTE]: forteServer ? await settledUsage(forteServer) : null,
  }
  const usageRow = (row, unit, pick, from) => ({
    row,
    unit,
    cells: Object.fromEntries(
      PEERS.map((peer) => {
        if (peer === NEXT) return [peer, { skip: 'in-process: no Redis' }]
        const u = from[peer]
        if (!u) return [peer, { skip: peer === HOTPATH ? hotpathSkip : redisSkip }]
        const v = pick(u)
        return [peer, { value: v, rounds: [v] }]
      }),
    ),
  })
  const mib = (u) => u.usedBytes / 2 ** 20
  const usageRows = [
    usageRow(`Redis used_memory after the fill of ${n(SCALE.keys)} keys`, 'MiB', mib, afterFill),
    usageRow('Redis used_memory after the fill and the revalidations above', 'MiB', mib, afterAll),
    usageRow(`Redis DBSIZE after the fill`, 'keys', (u) => u.keys, afterFill),
    usageRow('Redis DBSIZE after the fill and the revalidations above', 'keys', (u) => u.keys, afterAll),
  ]
  return [...getRows, ...revalidationRows, ...usageRows]
}

/** Converts a row measured in ns to the group's unit (× factor). */
function scale(row, factor) {
  for (const cell of Object.values(row.cells)) {
    if (cell.skip) continue
    cell.value *= factor
    cell.rounds = cell.rounds.map((v) => v * factor)
  }
}

async function closeAll() {
  for (const close of closers) await close()
}

const rows = await measure().finally(closeAll)
const round = ROUNDS === 1 ? 'one round' : `the median of ${ROUNDS} rounds`
report({
  group: 'next-handlers',
  title: 'Next.js 16 cache handlers (µs per call)',
  unit: 'µs',
  peers: PEERS,
  versions: {
    next: versionOf('next'),
    '@fortedigital/nextjs-cache-handler': `${versionOf('@fortedigital/nextjs-cache-handler')} (redis ${versionOf('redis')})`,
  },
  rows,
  notes: [
    `hotpath: \`createCacheHandler\` from hotpath/next/cache-handler with its Redis tier on (entries in L1 and Redis, tag state in Redis); Next default: \`createDefaultCacheHandler\` (${n(ROOMY / 2 ** 20)} MiB, so nothing is evicted), each process's own memory: not shared with other instances; forte: @fortedigital/nextjs-cache-handler's CacheHandler with its redis-strings handler on node-redis. forte has no handler for Next 16's \`cacheHandlers\` ('use cache'), so its column is its ISR \`cacheHandler\` (APP_PAGE values whose rscData is the payload), and it has no in-memory layer (its local-lru handler is a fallback, not an L1): every forte get is Redis round trips.`,
    "refreshTags row: the 'use cache' get rows leave it out, as Next calls it once per request, not once per get; hotpath's brings the fleet's tag state up to date from Redis.",
    "ISR row: the one API both hotpath and forte have; hotpath's class from `createIsrCacheHandler` (same options and store as the 'use cache' hit rows), the same APP_PAGE values and get context (kind and soft tags) for both.",
    'Every get passes Next\'s 4 soft tags, and reads the returned stream to its end (forte returns a Buffer, whose length is read). Entries are printable payloads of 1 KB or 50 KB.',
    `hotpath's Redis option \`maxPending\` (background L2 writes queued at most; default 10,000) is ${n(Math.max(10_000, SCALE.keys))}, so that the fill's burst of ${n(SCALE.keys)} sets all reach Redis (with the default, a burst this size overflows the queue and part of the fill never reaches Redis).`,
    `L2 row: hotpath's L1 budget is ${TINY} bytes, below one entry, so each read is answered by Redis; forte is the same as its hit row.`,
    `Revalidation rows: ${n(SCALE.keys)} 1 KB entries, key i tagged tag:(i mod ${n(SCALE.tags)}) (each peer's tags named apart: hotpath also writes Next's process-wide tags manifest), so each tag covers ${n(SCALE.keys / SCALE.tags)} keys; each call revalidates a tag not revalidated before (hotpath and Next: \`updateTags([tag])\` without durations, the immediate expiry of \`updateTag\`; forte: \`revalidateTag(tag)\`, which scans its tag map and deletes the tagged keys). "Until it misses": a second hotpath instance on the same Redis (whose L1 held the key) calls refreshTags and get until the key misses, each try on a new turn of the event loop (as a new request would be; hotpath's other instances learn of a revalidation from the Redis bus, delivered between turns); Next's default has one process, so its second request is on the same instance; ${round}, each the median of ${REVALIDATIONS.hotpath} calls (hotpath, Next) or ${REVALIDATIONS.forte} (forte) after a first untimed one. Tags revalidated in all, probe included: ${PEERS.map((p) => `${p.split(' (')[0]} ${n(revalidations[p])}`).join(', ')}.`,
    `Redis rows: each Redis peer has a redis-server of its own (same binary and flags), so used_memory and DBSIZE are that peer's alone; read after its writes settle.${emptyServer ? ` An empty server reports ${(emptyServer.usedBytes / 2 ** 20).toFixed(2)} MiB.` : ''}`,
    ...problems.map((p) => `problem: ${p}`),
    ...skipped,
  ],
})
