// Group "cache": SimpleCache get hit, get miss, set with eviction and a 90/10
// get/set mix, at 1,000 and 100,000 entries with 16- and 200-char keys, vs
// the reference, lru-cache (ttl on), @isaacs/ttlcache and a plain Map floor.
import { LRUCache } from 'lru-cache'
import { TTLCache } from '@isaacs/ttlcache'
import { SimpleCache } from 'hotpath/cache'
import { compile, runCases, report } from '../lib/harness.mjs'
import { loadReference, NO_REFERENCE } from '../lib/reference.mjs'
import { makeKeys, shuffled, rng } from '../lib/data.mjs'
import { versionOf } from '../lib/env.mjs'

const reference = await loadReference('cache')
const TTL_SECONDS = 300
const value = { id: 1, name: 'a cached API response' }

/**
 * Each peer: how to build a cache of `max` entries with a 300 s TTL, and the
 * source of one get (an expression) and one set (a statement) on key `k`;
 * `skip` instead when the peer is not available.
 */
const PEERS = {
  hotpath: { make: (max) => new SimpleCache(max, TTL_SECONDS), get: 'c.get(k)', set: 'c.set(k, v)' },
  reference: reference
    ? { make: (max) => new reference.SimpleCache(max, TTL_SECONDS), get: 'c.get(k)', set: 'c.set(k, v)' }
    : { skip: NO_REFERENCE },
  'lru-cache': { make: (max) => new LRUCache({ max, ttl: TTL_SECONDS * 1000 }), get: 'c.get(k)', set: 'c.set(k, v)' },
  '@isaacs/ttlcache': { make: (max) => new TTLCache({ max, ttl: TTL_SECONDS * 1000 }), get: 'c.get(k)', set: 'c.set(k, v)' },
  // The floor: a Map with no TTL, evicting the oldest insertion.
  Map: {
    make: () => new Map(),
    get: 'c.get(k)',
    set: 'if (c.size >= max && !c.has(k)) c.delete(c.keys().next().value); c.set(k, v)',
  },
}

/** The operations measured, in table order. */
const OPS = ['get hit', 'get miss', 'set with eviction', 'mixed 90/10']

/** Cycles through `list`, one element per call, binding it to `k`. */
const cycle = (list, stmt) =>
  `(() => { let i = 0; return () => { const k = ${list}[i]; if (++i === ${list}.length) i = 0; ${stmt} } })()`

const rows = []
for (const size of [1_000, 100_000]) {
  for (const keyLength of [16, 200]) {
    const label = `${size.toLocaleString('en-US')} entries, ${keyLength}-char keys`
    const held = makeKeys(size, keyLength, 1)
    const hits = shuffled(held, 11)
    const absent = makeKeys(size, keyLength, 2)
    // Each set is a key set 2 × size sets ago, so long evicted: every set evicts.
    const churn = [...makeKeys(size, keyLength, 3), ...held]
    // 90 % gets, 10 % sets, uniform over 1.125 × size keys: about 89 % of gets hit.
    const universe = [...held, ...makeKeys(size >> 3, keyLength, 4)]
    const next = rng(5)
    const ops = Int32Array.from({ length: 1 << 16 }, () => {
      const key = next() % universe.length
      return next() % 10 === 0 ? ~key : key
    })

    const cases = []
    for (const [peer, p] of Object.entries(PEERS)) {
      if (p.skip) {
        for (const op of OPS) cases.push({ row: `${op}, ${label}`, peer, skip: p.skip })
        continue
      }
      const c = p.make(size)
      const env = { c, v: value, max: size, hits, absent, churn, universe, ops }
      // Fill through the peer's own set, so its eviction structures are warm.
      compile(env, `() => { for (const k of hits) { ${p.set} } }`)()
      cases.push(
        { row: `get hit, ${label}`, peer, fn: compile(env, cycle('hits', `sink(${p.get})`)) },
        { row: `get miss, ${label}`, peer, fn: compile(env, cycle('absent', `sink(${p.get})`)) },
        { row: `set with eviction, ${label}`, peer, fn: compile(env, cycle('churn', p.set)) },
        {
          row: `mixed 90/10, ${label}`,
          peer,
          fn: compile(
            env,
            `(() => { let i = 0; return () => { const o = ops[i]; if (++i === ops.length) i = 0;
              if (o >= 0) { const k = universe[o]; sink(${p.get}) } else { const k = universe[~o]; ${p.set} } } })()`,
          ),
        },
      )
    }
    const sorted = (r) => OPS.findIndex((op) => r.row.startsWith(op))
    rows.push(...(await runCases(cases)).sort((a, b) => sorted(a) - sorted(b)))
  }
}

report({
  group: 'cache',
  title: 'SimpleCache operations (ns per operation)',
  unit: 'ns',
  peers: Object.keys(PEERS),
  versions: { 'lru-cache': versionOf('lru-cache'), '@isaacs/ttlcache': versionOf('@isaacs/ttlcache') },
  rows,
  notes: [
    'TTL 300 s everywhere; lru-cache with `ttl` (its clock cached per ms), @isaacs/ttlcache with its defaults (no age check on get, no recency).',
    'Map is the floor: no TTL, oldest insertion evicted.',
    'Keys are made once: V8 caches a string hash, so 200-char rows measure comparisons and memory, not hashing.',
    ...(reference ? [] : [`reference not measured: ${NO_REFERENCE}.`]),
  ],
})
