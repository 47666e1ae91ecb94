// The Redis connections of this process, one per (URL, prefix), shared by the
// two-tier caches that name them. The connection itself (commands, timeouts,
// circuit breaker, background writer, pub/sub bus) is Rust (src/redis/); this
// file checks options, routes bus invalidations to caches and reports status.
'use strict'

const { RedisLink } = require('./binding.js')
const { describe } = require('./argument-checks.js')

/** Option defaults; every one is documented in redis.d.ts. */
const DEFAULTS = Object.freeze({
  prefix: 'hotpath:',
  commandTimeoutMs: 100,
  connectTimeoutMs: 1000,
  maxPending: 10_000,
  breakerThreshold: 5,
  breakerCooldownMs: 1000,
  maxRepairKeys: 10_000,
})
const INTEGER_OPTIONS = ['commandTimeoutMs', 'connectTimeoutMs', 'maxPending', 'breakerThreshold', 'breakerCooldownMs', 'maxRepairKeys']
/** Names become part of Redis keys: a restricted alphabet keeps namespaces from colliding. */
const NAME = /^[A-Za-z0-9_.-]{1,100}$/

/** (url + prefix) → { native, url, prefix, caches: Map<name, Set<listener>> } */
const links = new Map()

/** The `redis` option (a URL or `{ url, prefix, ... }`) with defaults applied. */
function linkOptions(fn, redis) {
  const given = typeof redis === 'string' ? { url: redis } : redis
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${fn}: options.redis must be a redis:// or rediss:// URL or { url, ... }, got ${describe(redis)}`)
  }
  const options = { ...DEFAULTS, prefix: process.env.HOTPATH_REDIS_PREFIX || DEFAULTS.prefix, ...given }
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError(`${fn}: options.redis.url must be a redis:// or rediss:// URL, got ${describe(options.url)}`)
  }
  if (typeof options.prefix !== 'string') {
    throw new TypeError(`${fn}: options.redis.prefix must be a string, got ${describe(options.prefix)}`)
  }
  for (const key of INTEGER_OPTIONS) {
    const v = options[key]
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) {
      const Err = typeof v === 'number' ? RangeError : TypeError
      throw new Err(`${fn}: options.redis.${key} must be a positive integer, got ${describe(v)}`)
    }
  }
  return options
}

/** The cache namespace `name`, required with `redis`. */
function nameArg(fn, name) {
  if (typeof name === 'string' && NAME.test(name)) return name
  throw new TypeError(`${fn}: options.name must be 1-100 characters of A-Z a-z 0-9 _ . - (the cache's namespace on Redis), got ${describe(name)}`)
}

/** The shared link for `redis`, opened on first use. */
function linkFor(fn, redis) {
  const options = linkOptions(fn, redis)
  const id = `${options.url}\n${options.prefix}`
  let entry = links.get(id)
  if (entry === undefined) {
    entry = { native: null, url: options.url, prefix: options.prefix, caches: new Map() }
    const onBus = () => deliver(entry)
    try {
      entry.native = new RedisLink(options, onBus)
    } catch (err) {
      throw new TypeError(`${fn}: options.redis.url is not a usable Redis URL (${err.message})`)
    }
    links.set(id, entry)
  }
  return entry
}

/**
 * Registers `listener` ({ sender, invalidate(key), clear(), resync() }) for
 * the bus messages of cache `name` on `entry`. A two-tier cache stays
 * registered (and reachable) until `closeRedis()`: caches are long-lived.
 */
function listen(entry, name, listener) {
  let set = entry.caches.get(name)
  if (set === undefined) entry.caches.set(name, (set = new Set()))
  set.add(listener)
}

/** Hands what the bus received to the caches; runs on a weak wake-up from Rust. */
function deliver(entry) {
  // An exception here would surface as an uncaught exception: never let one out.
  try {
    const { resync, events } = entry.native.drainBus()
    if (resync) for (const set of entry.caches.values()) for (const l of set) l.resync()
    for (const e of events) {
      const set = entry.caches.get(e.name)
      if (set === undefined) continue
      for (const l of set) {
        if (l.sender === e.sender) continue
        if (e.op === 'clear') l.clear()
        else l.invalidate(e.key)
      }
    }
  } catch (err) {
    process.emitWarning(`hotpath: dropping a bus delivery after an internal error: ${err?.message}`)
  }
}

/** The URL without its password, for status output. */
function redacted(url) {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_, scheme, auth) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`)
}

/**
 * The state of every Redis connection of this process: `state` is the worst
 * of them (`'off'` when none is open), `connections` one entry each.
 */
function redisStatus() {
  const order = ['ready', 'connecting', 'down', 'closed']
  let worst = 0
  const connections = []
  for (const entry of links.values()) {
    const status = entry.native.status()
    worst = Math.max(worst, order.indexOf(status.state))
    connections.push({ url: redacted(entry.url), prefix: entry.prefix, ...status })
  }
  return { state: connections.length === 0 ? 'off' : order[worst], connections }
}

/**
 * Flushes every connection's pending writes (each is bounded by the command
 * timeout), then closes them. Caches that used them keep serving from L1;
 * their later writes are counted as errors. Not needed for the process to exit.
 */
async function closeRedis() {
  const entries = [...links.values()]
  links.clear()
  await Promise.all(entries.map((e) => e.native.flush()))
  for (const e of entries) e.native.close()
}

/** `{ redis, name }` for a default instance when HOTPATH_REDIS_URL is set, else `{}`. */
function defaultFleetOptions(name) {
  const url = process.env.HOTPATH_REDIS_URL
  return url ? { redis: url, name } : {}
}

module.exports = { linkFor, listen, nameArg, redisStatus, closeRedis, defaultFleetOptions }
