// Group "aside": cacheAside on the hit path, and a cold herd (1,000
// concurrent callers of one missing key) vs the reference and lru-cache's
// fetch(). Map + Promise.resolve is the floor of an async hit.
import { setTimeout as sleep } from 'node:timers/promises'
import { LRUCache } from 'lru-cache'
import { SimpleCache, cacheAside } from 'hotpath/cache'
import { compile, runCases, report, median, ROUNDS } from '../lib/harness.mjs'
import { loadReference, NO_REFERENCE } from '../lib/reference.mjs'
import { makeKeys } from '../lib/data.mjs'
import { quick, versionOf } from '../lib/env.mjs'

const reference = await loadReference('cache')
const TTL_SECONDS = 300
const HERD = 1_000
/** Upstream latency of the herd's fetcher: a 1 ms database call. */
const FETCH_MS = 1
const value = { id: 1, name: 'a cached API response' }

const keys = makeKeys(1_000, 32, 21)
const fetchValue = async () => value

/** Builds each peer's cache-aside call, `call(key, fetcher)`, on a fresh cache; null when the peer is not available. */
const PEERS = {
  hotpath: () => {
    const cache = new SimpleCache(1_000, TTL_SECONDS)
    return { call: (key, fetcher) => cacheAside(key, fetcher, cache), src: 'cacheAside(k, f, c)', env: { cacheAside, c: cache } }
  },
  reference:
    reference &&
    (() => {
      const cache = new reference.SimpleCache(1_000, TTL_SECONDS)
      const aside = reference.cacheAside
      return { call: (key, fetcher) => aside(key, fetcher, cache), src: 'cacheAside(k, f, c)', env: { cacheAside: aside, c: cache } }
    }),
  // lru-cache's loader is per cache, not per call: the fetcher goes to the constructor.
  'lru-cache': () => {
    let fetcher = null
    const cache = new LRUCache({ max: 1_000, ttl: TTL_SECONDS * 1000, fetchMethod: () => fetcher() })
    return {
      call: (key, f) => ((fetcher = f), cache.fetch(key)),
      src: 'c.fetch(k)',
      env: { c: cache },
    }
  },
  'Map + Promise.resolve': () => {
    const map = new Map()
    return {
      call: async (key, f) => (map.has(key) ? map.get(key) : (map.set(key, await f()), map.get(key))),
      src: 'Promise.resolve(c.get(k))',
      env: { c: map },
    }
  },
}

// The hit path: every key loaded once, then looked up through the async API.
const cases = []
for (const [peer, build] of Object.entries(PEERS)) {
  if (!build) {
    cases.push({ row: 'cacheAside hit', peer, skip: NO_REFERENCE })
    continue
  }
  const p = build()
  for (const k of keys) await p.call(k, fetchValue)
  cases.push({
    row: 'cacheAside hit',
    peer,
    fn: compile(
      { ...p.env, keys, f: fetchValue },
      `(() => { let i = 0; return () => { const k = keys[i]; if (++i === keys.length) i = 0; return ${p.src} } })()`,
    ),
  })
}
const rows = await runCases(cases)

/** One cold herd on a fresh cache: fetcher calls and wall time until every caller has its value. */
async function herd(build) {
  const p = build()
  let fetches = 0
  const fetcher = async () => {
    fetches++
    await sleep(FETCH_MS)
    return value
  }
  const t0 = performance.now()
  const results = await Promise.all(Array.from({ length: HERD }, () => p.call('herd:key', fetcher)))
  const us = (performance.now() - t0) * 1000
  if (results.some((r) => r !== value)) throw new Error('herd: a caller got a wrong value')
  return { fetches, us }
}

const HERDS_PER_ROUND = quick ? 1 : 10
const herdPeers = ['hotpath', 'reference', 'lru-cache'].filter((p) => PEERS[p])
const herdTimes = Object.fromEntries(herdPeers.map((p) => [p, []]))
const herdFetches = Object.fromEntries(herdPeers.map((p) => [p, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const peer of herdPeers) {
    const times = []
    for (let i = 0; i < HERDS_PER_ROUND; i++) {
      const r = await herd(PEERS[peer])
      times.push(r.us)
      herdFetches[peer].push(r.fetches)
    }
    herdTimes[peer].push(median(times))
  }
}
const cell = (list) => ({ value: median(list), rounds: list })
const skipped = reference ? {} : { reference: { skip: NO_REFERENCE } }
const herdCells = (of) => ({ ...Object.fromEntries(herdPeers.map((p) => [p, cell(of[p])])), ...skipped })
rows.push(
  { row: `cold herd of ${HERD.toLocaleString('en-US')}: fetcher calls`, unit: 'calls', cells: herdCells(herdFetches) },
  { row: `cold herd of ${HERD.toLocaleString('en-US')}: total time`, unit: 'µs', cells: herdCells(herdTimes) },
)

report({
  group: 'aside',
  title: 'cacheAside (ns per call unless stated)',
  unit: 'ns',
  peers: Object.keys(PEERS),
  versions: { 'lru-cache': versionOf('lru-cache') },
  rows,
  notes: [
    `Hit: 1,000 cached keys cycled; each call's promise is awaited. lru-cache: \`fetch(key)\` with a \`fetchMethod\`.`,
    `Herd: ${HERD.toLocaleString('en-US')} callers of one missing key at once; the fetcher takes ${FETCH_MS} ms (a timer), so ${FETCH_MS * 1000} µs of each total is the fetch itself.`,
    ...(reference ? [] : [`reference not measured: ${NO_REFERENCE}.`]),
  ],
})
