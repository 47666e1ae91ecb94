// End to end: hotpath's Next.js cache handlers (issue #17) in real Next 16
// apps, as a user wires them in next.config.ts:
//
//   cacheHandlers: { default, remote }: hotpath/next/cache-handler ('use cache')
//   cacheHandler:                       hotpath/next/isr-handler (ISR, fetch cache)
//
// Two fixtures (e2e/fixtures/, with the files both share in fixtures/common),
// installed once from the packed tarballs and
// built once each: next-cache (cacheComponents: true; a 'use cache' component
// and function, an updateTag server action, revalidateTag/revalidatePath
// routes) and next-isr (cacheComponents: false; an ISR page whose upstream
// call is in the fetch cache). Each build is copied (its .next included) so
// that instance A and instance B share nothing but the Redis server, as two
// machines of a fleet would.
//
// Every cached body calls a counting upstream this test runs (node:http on
// loopback): GET /v/<name> returns the next version of <name>, so a version
// rendered says how many times the body ran across the fleet.
//
// The negative control: the same fixture built on Next's own handlers
// (HOTPATH_FIXTURE_HANDLERS=next) must NOT carry a revalidation from A to B
// (vercel/next.js#92402), and must pass the same-instance checks (they assert
// Next's documented semantics, so the reference implementation must meet
// them).
//
// Run with `node --test e2e/next-cache-handlers.test.mjs`. The hotpath cases
// are skipped (counted as skipped) where redis-server is missing or where this
// build of hotpath has no hotpath/next/cache-handler yet.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../__test__/support/free-port.cjs'
import { RedisServer } from '../__test__/support/redis-server.cjs'
import { buildApp, copySources, installApp, packTarballs, startApp } from './nextjs-app.mjs'

const root = resolve(new URL('..', import.meta.url).pathname)
const fixtures = join(root, 'e2e', 'fixtures')
const hasRedis = spawnSync('redis-server', ['--version']).status === 0
const exportsMap = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports ?? {}
const handlersLanded = Boolean(exportsMap['./next/cache-handler'] && exportsMap['./next/isr-handler'])
const hotpathSkip = !hasRedis
  ? 'redis-server is not installed'
  : !handlersLanded
    ? 'this build of hotpath has no hotpath/next/cache-handler and hotpath/next/isr-handler yet'
    : false

/** Cross-instance revalidation rounds timed. */
const ROUNDS = 20
/** How long a revalidation on A may take to reach B (a working tag bus takes milliseconds). */
const CROSS_MAX_MS = 2000
/** Concurrent first requests, split over both instances. */
const BURST = 100
/** Upstream names containing this take UPSTREAM_SLOW_MS, so concurrent first requests overlap. */
const SLOW = 'slow'
const UPSTREAM_SLOW_MS = 300

/** A hotpath case: skipped (and counted as skipped, which a skipped describe is not) where hotpathSkip says so. */
const hpTest = (name, fn) => test(name, { skip: hotpathSkip }, fn)

/**
 * The scratch dir. HOTPATH_E2E_WORK=<dir> keeps it, and reuses the builds it
 * holds on the next run (for iterating on a handler: rebuild hotpath, delete
 * <dir> to reinstall).
 */
const keepWork = process.env.HOTPATH_E2E_WORK
const work = keepWork ? resolve(keepWork) : mkdtempSync(join(tmpdir(), 'hotpath-e2e-next-cache-'))
const READY = '/api/ready'

// ---------------------------------------------------------------------------
// The counting upstream.

/** Calls per name, across every Next instance. */
const hits = new Map()
let upstreamServer
let upstreamUrl

function startUpstream() {
  upstreamServer = createServer(async (req, res) => {
    const m = /^\/v\/([^/?]+)/.exec(req.url)
    if (!m) {
      res.writeHead(404).end()
      return
    }
    const name = decodeURIComponent(m[1])
    const version = (hits.get(name) ?? 0) + 1
    hits.set(name, version)
    if (name.includes(SLOW)) await sleep(UPSTREAM_SLOW_MS)
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify({ name, version }))
  })
  return new Promise((done) =>
    upstreamServer.listen(0, '127.0.0.1', () => {
      upstreamUrl = `http://127.0.0.1:${upstreamServer.address().port}`
      done()
    }),
  )
}

/** How many times the cached body for upstream `name` ran, fleet-wide. */
const calls = (name) => hits.get(name) ?? 0

// ---------------------------------------------------------------------------
// Apps: install once, build each variant once, copy each build for instance B.

/** A copy of the installed app `src` at `dest` with `fixture`'s sources (node_modules hard-linked). */
function appFromInstall(src, dest, fixture) {
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  execFileSync('cp', ['-al', join(src, 'node_modules'), join(dest, 'node_modules')])
  copySources(fixture, dest)
}

/** A second machine's copy of the built app `src`: sources and .next copied, node_modules hard-linked. */
function copyBuilt(src, dest) {
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  for (const entry of readdirSync(src)) {
    if (entry === 'node_modules') execFileSync('cp', ['-al', join(src, entry), join(dest, entry)])
    else cpSync(join(src, entry), join(dest, entry), { recursive: true })
  }
}

/**
 * Instances A and B of the build `dir()` for the enclosing suite: started
 * (with `env()`) before its tests unless `skip`, stopped after them. The
 * returned object gets `a` and `b` once they run.
 */
function pairForSuite(dir, env, skip = false) {
  const pair = {}
  before(
    async () => {
      if (!skip) Object.assign(pair, await startPair(dir(), env()))
    },
    { timeout: 120_000 },
  )
  after(async () => Promise.all([pair.a?.stop(), pair.b?.stop()]))
  return pair
}

/**
 * Starts instances A and B, each on its own copy of the build in `dir` (which
 * stays as built: Next writes rendered ISR pages into .next), with `env`.
 */
async function startPair(dir, env) {
  copyBuilt(dir, `${dir}-a`)
  copyBuilt(dir, `${dir}-b`)
  const serverEnv = { HOTPATH_E2E_UPSTREAM: upstreamUrl, ...env }
  const [a, b] = await Promise.all([
    startApp(`${dir}-a`, { port: await freePort(), env: serverEnv, readyPath: READY }),
    startApp(`${dir}-b`, { port: await freePort(), env: serverEnv, readyPath: READY }),
  ])
  return { a, b }
}

// ---------------------------------------------------------------------------
// HTTP helpers.

/** The version `server` renders for the 'use cache' function of `name`. */
async function fnVersion(server, name) {
  const res = await fetch(`${server.url}/api/fn/${name}`)
  const body = await res.text()
  assert.equal(res.status, 200, `GET /api/fn/${name} on ${server.url}: ${body.slice(0, 300)}`)
  return JSON.parse(body).version
}

/** The version in a page's HTML (`data-version` of #version), or fails. */
async function pageVersion(server, path) {
  const res = await fetch(`${server.url}${path}`)
  const html = await res.text()
  assert.equal(res.status, 200, `GET ${path} on ${server.url}`)
  const m = /data-version="(\d+)"/.exec(html)
  assert.ok(m, `no version in ${path} on ${server.url}: ${html.slice(0, 500)}`)
  return Number(m[1])
}

const componentVersion = (server, name) => pageVersion(server, `/component/${name}`)

async function post(server, path) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST' })
  const body = await res.text()
  assert.equal(res.status, 200, `POST ${path} on ${server.url}: ${body.slice(0, 300)}`)
  return body
}

/** revalidateTag(tag, 'max'), or with `expire` revalidateTag(tag, { expire }), in a route handler on `server`. */
const revalidateTag = (server, tag, expire) =>
  post(server, `/api/revalidate-tag?tag=${encodeURIComponent(tag)}${expire === undefined ? '' : `&expire=${expire}`}`)

/** revalidatePath(path) in a route handler on `server`. */
const revalidatePath = (server, path) => post(server, `/api/revalidate-path?path=${encodeURIComponent(path)}`)

/**
 * updateTag(tag) in the fixture's server action, posted as a browser without
 * JavaScript posts the form: the action id from the page's hidden
 * `$ACTION_ID_<id>` field.
 */
async function updateTag(server, tag) {
  const html = await (await fetch(`${server.url}/action`)).text()
  const m = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(html)
  assert.ok(m, `no server action id in /action: ${html.slice(0, 500)}`)
  const form = new FormData()
  form.append(m[1], '')
  form.append('tag', tag)
  const res = await fetch(`${server.url}/action`, { method: 'POST', body: form, redirect: 'manual' })
  await res.text()
  assert.ok(res.status === 200 || res.status === 303, `server action POST on ${server.url} answered ${res.status}`)
}

/** Polls `read` until it returns a value `done` accepts; resolves { value, ms, first } or fails past `maxMs`. */
async function pollUntil(read, done, maxMs, what) {
  const started = performance.now()
  let first
  for (let i = 0; ; i++) {
    const value = await read()
    if (i === 0) first = value
    if (done(value)) return { value, ms: performance.now() - started, first, polls: i + 1 }
    assert.ok(performance.now() - started < maxMs, `${what}: still ${value} after ${maxMs} ms`)
    await sleep(5)
  }
}

const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]

/** Whose log to show when an assertion fails. */
function logsOf(pair) {
  return `\n--- A log ---\n${pair.a.log().slice(-3000)}\n--- B log ---\n${pair.b.log().slice(-3000)}`
}

// ---------------------------------------------------------------------------
// Same-instance semantics: run on Next's defaults (the reference) and on hotpath.

/** Registers the same-instance cases against `servers()` ({ a, b }); `prefix` keeps names apart. */
function sameInstanceCases(servers, prefix, t = test) {
  t('a cached function runs once: repeated requests serve its first result', async () => {
    const { a } = servers()
    const name = `${prefix}-once`
    const v = await fnVersion(a, name)
    assert.equal(v, 1)
    for (let i = 0; i < 5; i++) assert.equal(await fnVersion(a, name), v)
    assert.equal(calls(`fn-${name}`), 1)
  })

  t("updateTag in a server action: the instance's next request blocks on fresh data", async () => {
    const { a } = servers()
    const name = `${prefix}-update`
    const v = await fnVersion(a, name)
    assert.equal(await fnVersion(a, name), v)
    await updateTag(a, `fn-${name}`)
    assert.equal(await fnVersion(a, name), v + 1, 'the first request after updateTag is fresh')
    assert.equal(await fnVersion(a, name), v + 1, 'and then cached again')
    assert.equal(calls(`fn-${name}`), v + 1)
  })

  t("revalidateTag(tag, 'max') in a route: the next request is served stale and refreshes in the background", async () => {
    const { a } = servers()
    const name = `${prefix}-max`
    const v = await fnVersion(a, name)
    await revalidateTag(a, `fn-${name}`)
    assert.equal(await fnVersion(a, name), v, 'stale-while-revalidate: the first request after gets the stale value')
    const { value } = await pollUntil(() => fnVersion(a, name), (x) => x !== v, CROSS_MAX_MS, 'background refresh')
    assert.equal(value, v + 1)
    assert.equal(calls(`fn-${name}`), v + 1, 'one background refresh')
  })

  t('revalidateTag(tag, { expire: 0 }) in a route: the next request blocks on fresh data', async () => {
    const { a } = servers()
    const name = `${prefix}-expire0`
    const v = await fnVersion(a, name)
    await revalidateTag(a, `fn-${name}`, 0)
    assert.equal(await fnVersion(a, name), v + 1)
  })

  t("a 'use cache' component: cached, and updateTag on its tag re-renders it", async () => {
    const { a } = servers()
    const name = `${prefix}-comp`
    const v = await componentVersion(a, name)
    assert.equal(await componentVersion(a, name), v)
    await updateTag(a, `component-${name}`)
    assert.equal(await componentVersion(a, name), v + 1)
  })

  t("revalidatePath of a page: that page's 'use cache' component is fresh on the next request", async () => {
    const { a } = servers()
    const name = `${prefix}-path`
    const v = await componentVersion(a, name)
    assert.equal(await componentVersion(a, name), v)
    await revalidatePath(a, `/component/${name}`)
    assert.equal(await componentVersion(a, name), v + 1)
  })
}

/** Registers the same-instance ISR cases (the next-isr fixture) against `servers()`. */
function sameInstanceIsrCases(servers, prefix, t = test) {
  t('an ISR page is rendered on its first visit and then served from the cache', async () => {
    const { a } = servers()
    const path = `/isr/${prefix}-once`
    assert.equal(await pageVersion(a, path), 1)
    for (let i = 0; i < 3; i++) assert.equal(await pageVersion(a, path), 1)
    assert.equal(calls(`isr-${prefix}-once`), 1)
  })

  t('revalidatePath in a route: the next visit re-renders the page and refetches its cached fetch', async () => {
    const { a } = servers()
    const name = `${prefix}-path`
    const v = await pageVersion(a, `/isr/${name}`)
    await revalidatePath(a, `/isr/${name}`)
    assert.equal(await pageVersion(a, `/isr/${name}`), v + 1, 'the first visit after revalidatePath is fresh')
    assert.equal(await pageVersion(a, `/isr/${name}`), v + 1, 'and then cached again')
    assert.equal(calls(`isr-${name}`), v + 1)
  })

  t("revalidateTag(fetch tag, { expire: 0 }): the next visit re-renders the page with a refetched fetch", async () => {
    const { a } = servers()
    const name = `${prefix}-tag0`
    const v = await pageVersion(a, `/isr/${name}`)
    await revalidateTag(a, `isr-${name}`, 0)
    assert.equal(await pageVersion(a, `/isr/${name}`), v + 1)
    assert.equal(await pageVersion(a, `/isr/${name}`), v + 1)
  })

  t("revalidateTag(fetch tag, 'max'): the next visit is served the stale page while it regenerates, then the fresh one", async () => {
    const { a } = servers()
    const name = `${prefix}-tagmax`
    const v = await pageVersion(a, `/isr/${name}`)
    await revalidateTag(a, `isr-${name}`)
    assert.equal(await pageVersion(a, `/isr/${name}`), v, 'stale-while-revalidate')
    const { value } = await pollUntil(() => pageVersion(a, `/isr/${name}`), (x) => x !== v, CROSS_MAX_MS, 'background regeneration')
    assert.equal(value, v + 1)
  })

  t(`${BURST} concurrent first visits to an ISR page over both instances`, async () => {
    const { a, b } = servers()
    const name = `${prefix}-burst-${SLOW}`
    const versions = await Promise.all(Array.from({ length: BURST }, (_, i) => pageVersion(i % 2 ? b : a, `/isr/${name}`)))
    const ran = calls(`isr-${name}`)
    console.log(`[${prefix}] ${BURST} concurrent first ISR visits: the page's fetch ran ${ran} times (versions ${[...new Set(versions)].join(', ')})`)
    if (prefix === 'next') assert.ok(ran >= 2, "without a shared cache each instance renders the page itself")
    else {
      assert.deepEqual(new Set(versions), new Set([1]), 'every visit got the one render')
      assert.equal(ran, 1, 'one render per fleet')
    }
  })
}

// ---------------------------------------------------------------------------

let redis
let tarballsDir
/** Built app dirs by variant. */
const built = {}

describe('Next 16 cache handlers', () => {
  before(
    async () => {
      await startUpstream()
      if (!hotpathSkip) redis = await RedisServer.start()
      tarballsDir = join(work, 'dist')
      const installed = join(work, 'installed')
      const done = join(work, hotpathSkip ? 'built-next' : 'built-all')
      if (keepWork && existsSync(done)) {
        Object.assign(built, JSON.parse(readFileSync(done, 'utf8')))
        console.log(`reusing the builds in ${work}`)
        return
      }
      const installMs = installApp(installed, packTarballs(tarballsDir), { from: join(fixtures, 'next-cache') })
      // Variants: Next's defaults always (the control); hotpath's handlers when they exist.
      built.cacheNext = join(work, 'cache-next')
      appFromInstall(installed, built.cacheNext, join(fixtures, 'next-cache'))
      built.isrNext = join(work, 'isr-next')
      appFromInstall(installed, built.isrNext, join(fixtures, 'next-isr'))
      const builds = [
        [built.cacheNext, { HOTPATH_FIXTURE_HANDLERS: 'next' }],
        [built.isrNext, { HOTPATH_FIXTURE_HANDLERS: 'next' }],
      ]
      if (!hotpathSkip) {
        built.cacheHotpath = join(work, 'cache-hotpath')
        built.isrHotpath = join(work, 'isr-hotpath')
        appFromInstall(installed, built.cacheHotpath, join(fixtures, 'next-cache'))
        appFromInstall(installed, built.isrHotpath, join(fixtures, 'next-isr'))
        builds.push([built.cacheHotpath, {}], [built.isrHotpath, {}])
      }
      const started = Date.now()
      // One at a time: side by side they only fight over the cores.
      for (const [dir, env] of builds) await buildApp(dir, { env })
      console.log(`installed in ${(installMs / 1000).toFixed(1)} s; ${builds.length} builds in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      if (keepWork) writeFileSync(done, JSON.stringify(built))
    },
    { timeout: 600_000 },
  )

  after(async () => {
    await new Promise((done) => (upstreamServer ? upstreamServer.close(done) : done()))
    await redis?.stop()
    if (!keepWork) rmSync(work, { recursive: true, force: true })
  })

  describe("negative control: Next's default handlers", () => {
    const pair = pairForSuite(() => built.cacheNext, () => ({ HOTPATH_FIXTURE_HANDLERS: 'next' }))

    sameInstanceCases(() => pair, 'next')

    test('a revalidation on A is NOT seen on B (vercel/next.js#92402): the test can tell', async () => {
      const name = 'next-cross'
      const va = await fnVersion(pair.a, name)
      const vb = await fnVersion(pair.b, name)
      assert.equal(vb, va + 1, 'B has no shared cache: it ran the body itself')
      await revalidateTag(pair.a, `fn-${name}`, 0)
      assert.equal(await fnVersion(pair.a, name), vb + 1, 'A itself is fresh')
      // Negative: B keeps its stale copy for as long as a working bus would take, many times over.
      const until = performance.now() + 1000
      while (performance.now() < until) {
        assert.equal(await fnVersion(pair.b, name), vb, "B still serves its copy from before A's revalidation")
        await sleep(50)
      }
    })

    test(`${BURST} concurrent first requests over both instances run the body once per instance at least`, async () => {
      const name = `next-burst-${SLOW}`
      const servers = [pair.a, pair.b]
      const versions = await Promise.all(Array.from({ length: BURST }, (_, i) => componentVersion(servers[i % 2], name)))
      console.log(`Next's defaults: ${BURST} concurrent first requests ran the body ${calls(`component-${name}`)} times (versions ${[...new Set(versions)].join(', ')})`)
      assert.ok(calls(`component-${name}`) >= 2, 'without a shared cache each instance runs the body itself')
    })
  })

  describe("negative control: Next's default ISR handler", () => {
    const pair = pairForSuite(() => built.isrNext, () => ({ HOTPATH_FIXTURE_HANDLERS: 'next' }))

    sameInstanceIsrCases(() => pair, 'next')

    test('revalidatePath on A is NOT seen on B', async () => {
      const path = '/isr/next-cross'
      const va = await pageVersion(pair.a, path)
      const vb = await pageVersion(pair.b, path)
      assert.equal(vb, va + 1, 'B has no shared cache: it rendered the page itself')
      await revalidatePath(pair.a, path)
      assert.equal(await pageVersion(pair.a, path), vb + 1, 'A itself is fresh')
      const until = performance.now() + 1000
      while (performance.now() < until) {
        assert.equal(await pageVersion(pair.b, path), vb, "B still serves its page from before A's revalidatePath")
        await sleep(50)
      }
    })
  })

  describe('hotpath handlers, two instances on one Redis', () => {
    const pair = pairForSuite(() => built.cacheHotpath, () => ({ HOTPATH_REDIS_URL: redis.url }), hotpathSkip)

    sameInstanceCases(() => pair, 'hp', hpTest)

    hpTest("a first render on A is served to B from Redis: B's body never runs", async () => {
      const name = 'hp-shared'
      const v = await fnVersion(pair.a, name)
      assert.equal(await fnVersion(pair.b, name), v)
      assert.equal(calls(`fn-${name}`), 1)
      const c = await componentVersion(pair.a, name)
      assert.equal(await componentVersion(pair.b, name), c)
      assert.equal(calls(`component-${name}`), 1)
    })

    hpTest('updateTag in a server action on A: the next request on B is fresh, and A reads what B rendered', async () => {
      const name = 'hp-cross-update'
      const v = await fnVersion(pair.a, name)
      assert.equal(await fnVersion(pair.b, name), v)
      await updateTag(pair.a, `fn-${name}`)
      assert.equal(await fnVersion(pair.b, name), v + 1, `B's first request after A's updateTag${logsOf(pair)}`)
      assert.equal(await fnVersion(pair.a, name), v + 1)
      assert.equal(calls(`fn-${name}`), v + 1, 'the fleet ran the body once for the update')
    })

    hpTest("revalidateTag(tag, 'max') on A: B serves stale once, then fresh", async () => {
      const name = 'hp-cross-max'
      const v = await fnVersion(pair.a, name)
      assert.equal(await fnVersion(pair.b, name), v)
      await revalidateTag(pair.a, `fn-${name}`)
      assert.equal(await fnVersion(pair.b, name), v, 'stale-while-revalidate on B too')
      const { value } = await pollUntil(() => fnVersion(pair.b, name), (x) => x > v, CROSS_MAX_MS, "B's background refresh")
      assert.equal(value, v + 1)
    })

    hpTest('revalidatePath on A: the page on B re-renders its cached component on the next request', async () => {
      const name = 'hp-cross-path'
      const v = await componentVersion(pair.a, name)
      assert.equal(await componentVersion(pair.b, name), v)
      await revalidatePath(pair.a, `/component/${name}`)
      assert.equal(await componentVersion(pair.b, name), v + 1, `B's first request after revalidatePath on A${logsOf(pair)}`)
    })

    for (const [how, revalidate] of [
      ['revalidateTag(tag, { expire: 0 }) in a route handler', (server, tag) => revalidateTag(server, tag, 0)],
      ['updateTag(tag) in a server action', (server, tag) => updateTag(server, tag)],
    ]) {
      hpTest(`cross-instance revalidation latency, ${ROUNDS} rounds of ${how} on A: from its response until B serves fresh`, async () => {
        const name = `hp-latency-${how.startsWith('update') ? 'action' : 'route'}`
        let v = await fnVersion(pair.a, name)
        assert.equal(await fnVersion(pair.b, name), v)
        const latencies = []
        const staleFirst = []
        for (let i = 0; i < ROUNDS; i++) {
          await revalidate(pair.a, `fn-${name}`)
          const { value, ms, first, polls } = await pollUntil(() => fnVersion(pair.b, name), (x) => x > v, CROSS_MAX_MS, `round ${i}: B after A's revalidation`)
          if (first <= v) staleFirst.push(`round ${i}: stale for ${ms.toFixed(1)} ms, ${polls} requests`)
          latencies.push(ms)
          v = value
        }
        console.log(
          `cross-instance revalidation A -> B, ${how}: until B serves fresh median ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; ${staleFirst.length}/${ROUNDS} first requests on B stale${staleFirst.length ? ` (${staleFirst.join('; ')})` : ''}`,
        )
        assert.deepEqual(staleFirst, [], "B's first request after the revalidation's response must be fresh (expire 0 / updateTag: the next request blocks on fresh data)")
      })
    }

    hpTest(`${BURST} concurrent first requests over both instances run the cached component once`, async () => {
      const name = `hp-burst-${SLOW}`
      const servers = [pair.a, pair.b]
      const versions = await Promise.all(Array.from({ length: BURST }, (_, i) => componentVersion(servers[i % 2], name)))
      assert.deepEqual(new Set(versions), new Set([1]), 'every request got the one render')
      assert.equal(calls(`component-${name}`), 1, `the body ran ${calls(`component-${name}`)} times across the fleet${logsOf(pair)}`)
    })

    hpTest('Redis killed and restarted under load: every request answers with content; then caching and cross-instance revalidation recover', async () => {
      const failures = []
      let answered = 0
      let stop = false
      const servers = [pair.a, pair.b]
      const load = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop; i++) {
          const server = servers[(w + i) % 2]
          const name = `hp-load-${w % 4}`
          try {
            const res = await fetch(`${server.url}/api/fn/${name}`, { signal: AbortSignal.timeout(10_000) })
            const body = await res.text()
            if (res.status !== 200 || !Number.isInteger(JSON.parse(body).version)) failures.push(`${server.url} ${res.status} ${body.slice(0, 200)}`)
            else answered++
          } catch (err) {
            failures.push(`${server.url} ${err.message}`)
          }
        }
      })
      // Cached on both instances before the outage; revalidated on A while Redis is down.
      const lost = 'hp-outage'
      const vLost = await fnVersion(pair.a, lost)
      assert.equal(await fnVersion(pair.b, lost), vLost)
      await sleep(500)
      const beforeKill = answered
      await redis.kill()
      const killedAt = answered
      await sleep(500)
      await revalidateTag(pair.a, `fn-${lost}`, 0)
      assert.equal(await fnVersion(pair.a, lost), vLost + 1, 'with Redis down, a revalidation still holds on its own instance')
      await sleep(1500)
      const duringOutage = answered - killedAt
      await redis.launch()
      await sleep(1000)
      stop = true
      await Promise.all(load)
      console.log(`under load: ${beforeKill} answers before the kill, ${duringOutage} in the 2 s outage, ${answered} in all, ${failures.length} failures`)
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} requests failed${logsOf(pair)}`)
      assert.ok(duringOutage > 0, 'requests kept being answered while Redis was down')

      // Recovery: a fresh name rendered on A is served to B from Redis (body ran once), and a
      // revalidation on A reaches B's next request. Polled: reconnecting takes its backoff.
      const deadline = performance.now() + 15_000
      let attempt = 0
      for (;;) {
        const name = `hp-recover-${attempt++}`
        const va = await fnVersion(pair.a, name)
        const vb = await fnVersion(pair.b, name)
        let ok = vb === va && calls(`fn-${name}`) === 1
        if (ok) {
          await revalidateTag(pair.a, `fn-${name}`, 0)
          ok = (await fnVersion(pair.b, name)) === va + 1
        }
        if (ok) break
        assert.ok(performance.now() < deadline, `no recovery 15 s after Redis restarted${logsOf(pair)}`)
        await sleep(200)
      }
      console.log(`recovered after Redis restart: ${attempt} attempt(s)`)
      // The revalidation made on A while Redis was down must not be lost to B for good.
      const { ms } = await pollUntil(() => fnVersion(pair.b, lost), (x) => x > vLost, 15_000, `B after a revalidation on A during the outage${logsOf(pair)}`)
      console.log(`a revalidation made during the outage reached B ${ms.toFixed(0)} ms after recovery`)
    })
  })

  describe('hotpath ISR handler, two instances on one Redis', () => {
    const pair = pairForSuite(() => built.isrHotpath, () => ({ HOTPATH_REDIS_URL: redis.url }), hotpathSkip)

    sameInstanceIsrCases(() => pair, 'hp', hpTest)

    hpTest('an ISR page rendered on A is served to B from the shared cache', async () => {
      const v = await pageVersion(pair.a, '/isr/shared')
      assert.equal(v, 1)
      assert.equal(await pageVersion(pair.a, '/isr/shared'), v)
      assert.equal(await pageVersion(pair.b, '/isr/shared'), v, `B${logsOf(pair)}`)
      assert.equal(calls('isr-shared'), 1)
    })

    hpTest('revalidatePath on A: the next request on B renders the page afresh (page and fetch cache), and A then serves it', async () => {
      const path = '/isr/path'
      const v = await pageVersion(pair.a, path)
      assert.equal(await pageVersion(pair.b, path), v)
      await revalidatePath(pair.a, path)
      assert.equal(await pageVersion(pair.b, path), v + 1, `B's first request after revalidatePath on A${logsOf(pair)}`)
      assert.equal(await pageVersion(pair.a, path), v + 1)
      assert.equal(calls('isr-path'), v + 1, 'the fleet regenerated the page once')
    })

    hpTest('revalidateTag(fetch tag, { expire: 0 }) on A: the next visit on B re-renders the page with a refetched fetch', async () => {
      const path = '/isr/tag0-cross'
      const v = await pageVersion(pair.a, path)
      assert.equal(await pageVersion(pair.b, path), v)
      await revalidateTag(pair.a, 'isr-tag0-cross', 0)
      assert.equal(await pageVersion(pair.b, path), v + 1, `B's first visit after A's revalidateTag${logsOf(pair)}`)
      assert.equal(await pageVersion(pair.a, path), v + 1)
    })

    hpTest("revalidateTag(fetch tag, 'max') on A: B serves the stale page once, then the regenerated one", async () => {
      const path = '/isr/tagmax-cross'
      const v = await pageVersion(pair.a, path)
      assert.equal(await pageVersion(pair.b, path), v)
      await revalidateTag(pair.a, 'isr-tagmax-cross')
      assert.equal(await pageVersion(pair.b, path), v, 'stale-while-revalidate on B')
      const { value } = await pollUntil(() => pageVersion(pair.b, path), (x) => x !== v, CROSS_MAX_MS, `B's background regeneration${logsOf(pair)}`)
      assert.equal(value, v + 1)
    })
  })
})
