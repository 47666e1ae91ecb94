// Group "limiter": RateLimiter.isAllowed (100 requests per 60 s) at an empty
// window, at a full window, and across 100,000 identifiers, vs the reference
// and rate-limiter-flexible's RateLimiterMemory.
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { RateLimiter } from 'hotpath/cache'
import { compile, runCases, report } from '../lib/harness.mjs'
import { loadReference, NO_REFERENCE } from '../lib/reference.mjs'
import { makeKeys, shuffled } from '../lib/data.mjs'
import { quick, versionOf } from '../lib/env.mjs'

const reference = await loadReference('cache')
const MAX_REQUESTS = 100
const WINDOW_MS = 60_000
/** Identifiers for the empty-window case: each is seen once, so each call finds its window empty. */
const FRESH = makeKeys(1 << 20, 16, 31)
const MANY = makeKeys(100_000, 16, 32)
const MANY_ORDER = shuffled(MANY, 33)

const allowed = () => true
const denied = () => false

/**
 * Each peer: a fresh limiter, and one check of identifier `k` as source. The
 * flexible limiter's API is promise-based (resolves when allowed, rejects when
 * not), so its calls are awaited; it counts in fixed windows, not sliding ones.
 * Null when the peer is not available.
 */
const PEERS = {
  hotpath: { make: () => new RateLimiter(MAX_REQUESTS, WINDOW_MS), check: 'sink(l.isAllowed(k))' },
  reference: reference && { make: () => new reference.RateLimiter(MAX_REQUESTS, WINDOW_MS), check: 'sink(l.isAllowed(k))' },
  'rate-limiter-flexible': {
    make: () => new RateLimiterMemory({ points: MAX_REQUESTS, duration: WINDOW_MS / 1000 }),
    check: 'return l.consume(k).then(allowed, denied)',
    async: true,
  },
}

/** Sends `times` requests for each of `ids` through a peer's own check. */
async function fill(p, l, ids, times) {
  const once = compile({ l, allowed, denied }, `(k) => { ${p.check.replace('sink(', '(')} }`)
  for (let t = 0; t < times; t++) for (const k of ids) await once(k)
}

const BATCH = quick ? 512 : 4096
const cases = []
for (const [peer, p] of Object.entries(PEERS)) {
  const skip = p ? undefined : NO_REFERENCE
  const cycle = (list) => (l) =>
    compile(
      { l, list, allowed, denied },
      `(() => { let i = 0; return () => { const k = list[i]; if (++i === list.length) i = 0; ${p.check} } })()`,
    )
  cases.push(
    {
      row: 'isAllowed, empty window (first request of an identifier)',
      peer,
      skip,
      make: () => cycle(FRESH)(p.make()),
      // Stop before the identifiers run out, so every call is a first request.
      opts: { max_samples: Math.floor((FRESH.length - 4 * BATCH) / BATCH) },
    },
    {
      row: `isAllowed, full window (${MAX_REQUESTS} of ${MAX_REQUESTS}, denied)`,
      peer,
      skip,
      make: async () => {
        const l = p.make()
        await fill(p, l, ['client:full'], MAX_REQUESTS)
        return cycle(['client:full'])(l)
      },
    },
    {
      row: `isAllowed, ${MANY.length.toLocaleString('en-US')} identifiers (1 to 50 requests each)`,
      peer,
      skip,
      make: async () => {
        const l = p.make()
        await fill(p, l, MANY, 1)
        return cycle(MANY_ORDER)(l)
      },
      // At most 49 more requests per identifier: all stay allowed.
      opts: { max_samples: Math.floor((MANY.length * 49) / BATCH) - 4 },
    },
  )
}

report({
  group: 'limiter',
  title: 'RateLimiter.isAllowed, 100 per 60 s (ns per call)',
  unit: 'ns',
  peers: Object.keys(PEERS),
  versions: { 'rate-limiter-flexible': versionOf('rate-limiter-flexible') },
  rows: await runCases(cases),
  notes: [
    'Each round starts from a fresh limiter. rate-limiter-flexible returns a promise per call, awaited here, and counts fixed windows.',
    ...(reference ? [] : [`reference not measured: ${NO_REFERENCE}.`]),
  ],
})
