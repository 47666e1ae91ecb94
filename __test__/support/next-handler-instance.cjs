// One Next.js server's cache handlers for the multi-instance tests: a Node
// process with hotpath/next/cache-handler and hotpath/next/isr-handler made
// with the options in argv[2] (JSON), driven over IPC by the test as Next
// would drive them. `render` plays Next's part on a read: a miss renders
// (counted, after `renderMs`) and sets the entry.
'use strict'

const { serveOps } = require('./serve-ops.cjs')

const path = require('node:path')
const root = path.join(__dirname, '..', '..')
const { createCacheHandler } = require(path.join(root, 'lib', 'next', 'cache-handler.js'))
const { createIsrCacheHandler } = require(path.join(root, 'lib', 'next', 'isr-handler.js'))
const { redisStatus, closeRedis } = require(path.join(root, 'lib', 'redis.js'))

const options = JSON.parse(process.argv[2] ?? '{}')
const handler = createCacheHandler(options)
const IsrCacheHandler = createIsrCacheHandler(options)
const isr = new IsrCacheHandler({ revalidatedTags: [] })
const nowMs = () => performance.timeOrigin + performance.now()
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
let unhandled = 0
process.on('unhandledRejection', () => unhandled++)
let renders = 0

/** A Next.js cache entry holding `text`. */
function entry(text, tags, { expire = 3600, revalidate = 900, stale = 300, timestamp = Date.now() } = {}) {
  const value = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(text))
      c.close()
    },
  })
  return { value, tags, stale, timestamp, expire, revalidate }
}

/** What a `get` returned, as plain data (the stream read to its end). */
async function plain(found) {
  if (found === undefined) return null
  const { value, ...meta } = found
  return { ...meta, text: await new Response(value).text() }
}

const ops = {
  set: (key, text, tags, meta) => handler.set(key, Promise.resolve(entry(text, tags, meta))),
  get: async (key, softTags = []) => plain(await handler.get(key, softTags)),
  updateTags: (tags, durations) => handler.updateTags(tags, durations ?? undefined),
  getExpiration: (tags) => handler.getExpiration(tags),
  refreshTags: () => handler.refreshTags(),
  stats: () => handler.stats(),
  flush: () => handler.flush(),
  status: () => redisStatus(),
  unhandled: () => unhandled,
  renders: () => renders,
  /** Next's part in one request for `key`: the entry's text, rendered (and counted) on a miss. */
  render: async (key, text, tags, renderMs) => {
    const found = await handler.get(key, [])
    if (found !== undefined) return (await plain(found)).text
    renders++
    await sleep(renderMs)
    await handler.set(key, Promise.resolve(entry(text, tags)))
    return text
  },
  /** `callers` concurrent `render`s of `key`; resolves their texts. */
  herd: (key, callers, text, renderMs) => Promise.all(Array.from({ length: callers }, () => ops.render(key, `${text}`, [], renderMs))),
  /** A read whose render fails: it misses and never sets. Resolves what the read returned. */
  missWithoutSet: async (key) => plain(await handler.get(key, [])),
  /**
   * Requests `key` (refreshing tags first, as Next does per request) until it
   * is no longer `oldText`: a miss renders `freshText` as Next would. Resolves
   * the time that first happened, or null after `timeoutMs`.
   */
  watchFresh: async (key, oldText, freshText, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      await handler.refreshTags()
      const found = await plain(await handler.get(key, []))
      if (found === null) {
        const at = nowMs()
        await handler.set(key, Promise.resolve(entry(freshText, [])))
        return at
      }
      if (found.text !== oldText) return nowMs()
      await new Promise((r) => setImmediate(r))
    }
    return null
  },
  /** Runs `op` and returns the time it was issued (epoch ms, sub-ms precision). */
  timed: async (op, ...args) => {
    const at = nowMs()
    await ops[op](...args)
    return at
  },
  isrSet: (key, data, cacheControl) => isr.set(key, revive(data), { cacheControl }),
  isrGet: async (key, ctx) => {
    const found = await isr.get(key, ctx)
    return found === null ? null : describeIsr(found)
  },
  isrRevalidate: (tags, durations) => isr.revalidateTag(tags, durations ?? undefined),
  close: () => closeRedis(),
}

/** IPC carries JSON: `{ $buffer: text }` stands for a Buffer, `{ $map: [[k, v]] }` for a Map. */
function revive(value) {
  if (Array.isArray(value)) return value.map(revive)
  if (value === null || typeof value !== 'object') return value
  if ('$buffer' in value) return Buffer.from(value.$buffer)
  if ('$map' in value) return new Map(value.$map.map(([k, v]) => [k, revive(v)]))
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]))
}

/** The reverse of `revive`, tagging each Buffer and Map so the test sees the types survived. */
function describeIsr(value) {
  if (Buffer.isBuffer(value)) return { $buffer: value.toString() }
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [k, describeIsr(v)]) }
  if (Array.isArray(value)) return value.map(describeIsr)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describeIsr(v)]))
}

serveOps(ops)
