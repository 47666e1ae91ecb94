// End to end: the example Next.js app (examples/nextjs: the guide's routes,
// routes that report live state, and a proxy.ts, configured as
// create-next-app 16 writes it, `cacheComponents: true`), installed from the
// packed tarballs on a PATH with no Rust toolchain, built with Turbopack and
// with webpack (each build is moved to another directory before it starts, as
// a deploy does), and run under `next dev` with both bundlers. Every check is
// an HTTP request to the running server on a loopback port, or reads the
// `next build` output (its route table, its warnings).
//
// The webpack build also has `output: 'standalone'` without the tracing
// line: its standalone copy must fail with hotpath's error naming the line.
// Then a Turbopack `output: 'standalone'` build with `cacheComponents: false`
// and the line, served from a copy. Last, the route tables compared with the
// same app on the reference lib. Builds in copies of the app run beside the
// main lane where no latency is measured (see `standalone`, `reference`).
//
// Run with `node --test e2e/nextjs.test.mjs` (npm test runs it as the `e2e` suite).
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import platform from '../js/platform.js'
import {
  HOTPATH_ONLY_ROUTES,
  buildApp,
  cargoReachable,
  copyApp,
  envWithoutRust,
  exampleDir,
  installApp,
  installedHotpath,
  packTarballs,
  referenceLib,
  startApp,
  useReferenceLib,
} from './nextjs-app.mjs'
import { freePort } from '../__test__/support/free-port.cjs'

const { STANDALONE_TRACING_CONFIG } = platform

/** The sandbox TTL the server runs with here, instead of the route's 10 s. */
const SANDBOX_TTL_SECONDS = 1
const MODELS_UPSTREAM_MS = 200
const SANDBOX_UPSTREAM_MS = 150
/** A cache hit over loopback HTTP, with Next's routing around it. */
const CACHED_MAX_MS = 50
const HERD_SIZE = 500

const work = mkdtempSync(join(tmpdir(), 'hotpath-e2e-'))
const appDir = join(work, 'app')
const timings = []
/** Route tables of the hotpath builds, by `cacheComponents` setting, for the comparison with the reference lib. */
const hotpathTables = {}
/** The example's route handlers; every one must be dynamic (ƒ) under either setting. */
const API_ROUTES = [
  '/api/chat',
  '/api/metrics',
  '/api/metrics-payload',
  '/api/models',
  '/api/proxied',
  '/api/quota',
  '/api/sandboxes/[id]',
  '/api/settings',
  '/api/stats',
]

/** What create-next-app 16 puts in next.config.ts (its default answers), as examples/nextjs/next.config.ts has it. */
const CNA_CONFIG = 'cacheComponents: true, partialPrefetching: true'

/** Replaces the next.config.ts of the app in `dir` with `fields` (TypeScript object members). */
function writeNextConfig(dir, fields) {
  writeFileSync(join(dir, 'next.config.ts'), `export default { ${fields} }\n`)
}

const referencePresent = referenceLib !== null
const standaloneDir = join(work, 'standalone')
const referenceDir = join(work, 'reference')
/**
 * The builds that need a copy of the app of their own run beside the main
 * lane (Turbopack, webpack, next dev in the installed app), but never beside
 * a latency check: the standalone build beside the webpack build, the
 * reference builds beside `next dev`. Each starts when first asked for and
 * resolves to its result or `{ error }`.
 */
let standaloneBuild
let referenceBuilds
/** The packed tarballs, main package first. */
let tarballs
const standalone = () => (standaloneBuild ??= buildStandalone().catch((error) => ({ error })))
const reference = () =>
  (referenceBuilds ??= (referencePresent ? buildReference() : Promise.resolve(null)).catch((error) => ({ error })))

before(
  () => {
    tarballs = packTarballs(join(work, 'dist'))
    const installMs = installApp(appDir, tarballs)
    timings.push(`install (npm, from lockfile + tarballs): ${(installMs / 1000).toFixed(1)} s`)
    // Copied now, before the main lane moves the app to another directory.
    copyApp(appDir, standaloneDir)
    if (referencePresent) {
      copyApp(appDir, referenceDir)
      useReferenceLib(referenceDir)
    }
  },
  { timeout: 300_000 },
)

/**
 * A Turbopack `output: 'standalone'` build with the one tracing line (hotpath
 * loads its binary with a require the bundlers leave to run time, which file
 * tracing cannot follow: this line, which the loader's error names, adds it)
 * and `cacheComponents: false`.
 */
async function buildStandalone() {
  writeNextConfig(standaloneDir, `output: 'standalone', cacheComponents: false, ${STANDALONE_TRACING_CONFIG}`)
  const build = await buildApp(standaloneDir)
  timings.push(`next build (Turbopack, standalone, cacheComponents: false): ${(build.ms / 1000).toFixed(1)} s`)
  return build
}

/** Builds the app on the reference lib, with cacheComponents true (as create-next-app 16 writes it) and false. */
async function buildReference() {
  const tables = {}
  for (const config of [CNA_CONFIG, 'cacheComponents: false']) {
    writeNextConfig(referenceDir, config)
    const { ms, routes } = await buildApp(referenceDir)
    tables[config === CNA_CONFIG] = routes
    timings.push(`next build (Turbopack, reference lib, ${config}): ${(ms / 1000).toFixed(1)} s`)
  }
  return tables
}

after(() => {
  console.log(`\ne2e timings:\n  ${timings.join('\n  ')}`)
  rmSync(work, { recursive: true, force: true })
})

/** One request: status, headers, parsed JSON body and wall time in ms. */
async function request(url, init = {}) {
  const started = performance.now()
  const res = await fetch(url, init)
  const body = await res.json()
  return { status: res.status, headers: res.headers, body, ms: performance.now() - started }
}

function chat(base, ip) {
  return request(`${base}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ message: 'hi' }),
  })
}

/** Puts back the example's own next.config.ts (`cacheComponents: true`, as create-next-app 16 writes it). */
function restoreNextConfig() {
  cpSync(join(exampleDir, 'next.config.ts'), join(appDir, 'next.config.ts'))
}

/** Asserts a build's route table: every route handler dynamic (ƒ), none missing. */
function assertApiRoutesDynamic(routes) {
  assert.deepEqual(
    Object.fromEntries(API_ROUTES.map((r) => [r, routes[r]])),
    Object.fromEntries(API_ROUTES.map((r) => [r, 'ƒ'])),
  )
}

/**
 * Routes with no request API that report live state (what Next.js would
 * prerender and freeze if it did not see them read the clock) show the
 * state of the running server.
 */
async function assertLiveState(base) {
  await request(`${base}/api/models`)
  const stats = await request(`${base}/api/stats`)
  assert.ok(stats.body.summary['api.models.get']?.count >= 1, JSON.stringify(stats.body.summary))
  assert.ok(stats.body.cache.size >= 1, JSON.stringify(stats.body.cache))

  const first = await request(`${base}/api/settings`)
  const second = await request(`${base}/api/settings`)
  assert.equal(second.body.loads, first.body.loads, 'the synchronous fetcher ran once, then the cache answered')
  assert.ok((await request(`${base}/api/stats`)).body.cache.hits > stats.body.cache.hits, 'the second settings lookup hit')

  const quotaBefore = (await request(`${base}/api/quota`)).body.remaining
  // next start forwards its own x-forwarded-for when the client sends none: name the client.
  assert.equal((await chat(base, 'anonymous')).status, 200)
  assert.equal((await request(`${base}/api/quota`)).body.remaining, quotaBefore - 1)

  const payload = await request(`${base}/api/metrics-payload`)
  assert.ok(payload.body.summary['api.models.get']?.count >= 1, JSON.stringify(payload.body))
  assert.ok(payload.body.cache.apiCache.size >= 1)
}

/** Three requests through proxy.ts (each counted by apiRateLimiter there) as `ip`; the route reports what is left. */
async function proxied(base, ip) {
  const remaining = []
  for (let i = 0; i < 3; i++) {
    const res = await request(`${base}/api/proxied`, { headers: { 'x-forwarded-for': ip } })
    assert.equal(res.status, 200)
    remaining.push(res.body.remaining)
  }
  return remaining
}

test('hotpath installs from the tarballs with its prebuilt binary, no cargo on PATH and no install script', () => {
  assert.equal(cargoReachable(), false)
  const installed = installedHotpath(appDir)
  assert.equal(installed.platformPackage, true, 'hotpath-linux-x64-gnu was installed as an optionalDependency')
  for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(installed.scripts[hook], undefined)
  const loaded = execFileSync(
    process.execPath,
    ['-p', "require('hotpath'); Object.keys(require.cache).filter((f) => f.endsWith('.node')).join()"],
    { cwd: appDir, env: envWithoutRust(), encoding: 'utf8' },
  ).trim()
  assert.equal(loaded, join(appDir, 'node_modules', 'hotpath-linux-x64-gnu', 'hotpath.linux-x64-gnu.node'))
})

test('installed from the main tarball alone (npm skips the platform package it cannot fetch), importing hotpath says to install both tarballs', () => {
  const dir = join(work, 'main-tarball-only')
  mkdirSync(dir)
  writeFileSync(join(dir, 'package.json'), '{ "name": "main-tarball-only", "private": true }\n')
  const env = envWithoutRust()
  execFileSync('npm', ['install', '--no-audit', '--no-fund', tarballs[0]], { cwd: dir, env, stdio: 'inherit' })
  const r = spawnSync(process.execPath, ['-e', "require('hotpath')"], { cwd: dir, env, encoding: 'utf8' })
  assert.notEqual(r.status, 0)
  assert.match(r.stderr, /Error: hotpath: the package hotpath-linux-x64-gnu, which carries the native binary for linux-x64-gnu, is not installed/)
  assert.match(r.stderr, /\nFix: install the release's tarballs together: npm install \.\/hotpath-[\d.]+\.tgz \.\/hotpath-linux-x64-gnu-[\d.]+\.tgz /)
  assert.doesNotMatch(r.stderr, /--include=optional/)
})

test('under the Edge runtime (export condition edge-light) importing hotpath fails saying it needs the Node.js runtime', () => {
  const script = "import('hotpath/cache').then(() => console.log('loaded'), (e) => console.log(e.message))"
  const out = execFileSync(process.execPath, ['--conditions=edge-light', '-e', script], {
    cwd: appDir,
    env: envWithoutRust(),
    encoding: 'utf8',
  })
  assert.match(out, /^hotpath: cannot load in the Edge runtime .* needs the Node\.js runtime/)
})

for (const bundler of ['Turbopack', 'webpack']) {
  describe(`next build (${bundler}, cacheComponents: true), started from another directory`, () => {
    const movedDir = join(work, `moved-${bundler}`)
    let app
    let build
    let modelsGets = 0
    let sandboxGets = 0

    before(
      async () => {
        // webpack also writes a standalone copy without the tracing line, checked below.
        if (bundler === 'webpack') writeNextConfig(appDir, `${CNA_CONFIG}, output: 'standalone'`)
        const beside = bundler === 'webpack' ? standalone() : null
        build = await buildApp(appDir, { webpack: bundler === 'webpack' })
        await beside
        timings.push(`next build (${bundler}): ${(build.ms / 1000).toFixed(1)} s`)
        if (bundler === 'Turbopack') hotpathTables.true = build.routes
        renameSync(appDir, movedDir)
        app = await startApp(movedDir, {
          port: await freePort(),
          env: { SANDBOX_STATUS_TTL_SECONDS: String(SANDBOX_TTL_SECONDS) },
        })
      },
      { timeout: 300_000 },
    )

    after(async () => {
      await app?.stop()
      renameSync(movedDir, appDir)
      restoreNextConfig()
    })

    test('every route handler is dynamic (ƒ) in the route table, as on the reference lib', () => {
      assertApiRoutesDynamic(build.routes)
    })

    test('the build prints no warning about hotpath (webpack: no "Critical dependency")', () => {
      assert.doesNotMatch(build.output, /Critical dependency|node_modules\/hotpath/)
    })

    test('GET /api/models waits ~200 ms for the upstream once, then answers from the cache in a few ms', async () => {
      const cold = await request(`${app.url}/api/models`)
      const warm = await request(`${app.url}/api/models`)
      modelsGets += 2
      assert.equal(cold.status, 200)
      assert.ok(cold.ms >= MODELS_UPSTREAM_MS - 5 && cold.ms < 3000, `cold took ${cold.ms} ms`)
      assert.equal(warm.body.fetchId, cold.body.fetchId, 'the second answer is the cached one')
      assert.ok(warm.ms < CACHED_MAX_MS, `cached took ${warm.ms} ms`)
      timings.push(`${bundler}: /api/models cold ${cold.ms.toFixed(0)} ms, cached ${warm.ms.toFixed(1)} ms`)
    })

    test('GET /api/sandboxes/1 is cached, then refetched once its TTL has passed', async () => {
      const first = await request(`${app.url}/api/sandboxes/1`)
      const cached = await request(`${app.url}/api/sandboxes/1`)
      await sleep(SANDBOX_TTL_SECONDS * 1000 + 100)
      const refetched = await request(`${app.url}/api/sandboxes/1`)
      sandboxGets += 3
      assert.equal(first.body.id, '1')
      assert.ok(first.ms >= SANDBOX_UPSTREAM_MS - 5, `first took ${first.ms} ms`)
      assert.equal(cached.body.fetchId, first.body.fetchId)
      assert.notEqual(refetched.body.fetchId, first.body.fetchId)
      assert.ok(refetched.ms >= SANDBOX_UPSTREAM_MS - 5, `refetch took ${refetched.ms} ms`)
    })

    test('PUT /api/models invalidates the cached list', async () => {
      const before = await request(`${app.url}/api/models`)
      const put = await request(`${app.url}/api/models`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ models: ['m-1', 'm-2'] }),
      })
      const after = await request(`${app.url}/api/models`)
      modelsGets += 2
      assert.equal(put.status, 200)
      assert.deepEqual(after.body.models, ['m-1', 'm-2'])
      assert.notEqual(after.body.fetchId, before.body.fetchId)
      assert.ok(after.ms >= MODELS_UPSTREAM_MS - 5, `refetch took ${after.ms} ms`)
    })

    test('POST /api/chat allows 100 requests a minute per client; the 101st gets 429 with Retry-After', async () => {
      const ip = `203.0.113.${bundler.length}`
      for (let i = 0; i < 100; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, () => chat(app.url, ip)))
        assert.deepEqual(
          batch.map((r) => r.status),
          Array(10).fill(200),
        )
      }
      const limited = await chat(app.url, ip)
      assert.equal(limited.status, 429)
      assert.deepEqual(limited.body, { error: 'Rate limit exceeded' })
      const retryAfter = Number(limited.headers.get('retry-after'))
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`)
      assert.equal(limited.headers.get('x-ratelimit-remaining'), '0')
      assert.equal((await chat(app.url, '198.51.100.7')).status, 200, 'another client is not limited')
    })

    test(`${HERD_SIZE} concurrent cold requests for the model list call the upstream once`, async () => {
      // The PUT empties the key; the 5-minute TTL outlasts the herd however slowly it is served.
      await request(`${app.url}/api/models`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ models: ['m-3'] }),
      })
      const upstreamCalls = async () => (await request(`${app.url}/api/metrics`)).body.summary['upstream.models.get'].count
      const callsBefore = await upstreamCalls()
      const herd = await Promise.all(Array.from({ length: HERD_SIZE }, () => request(`${app.url}/api/models`)))
      modelsGets += HERD_SIZE
      assert.ok(herd.every((r) => r.status === 200))
      assert.equal(new Set(herd.map((r) => r.body.fetchId)).size, 1, 'every caller got the one fetch')
      assert.equal((await upstreamCalls()) - callsBefore, 1)
    })

    test('GET /api/metrics has count/avg/p50/p95 for the timed routes and the cache stats', async () => {
      const { status, body } = await request(`${app.url}/api/metrics`)
      assert.equal(status, 200)
      for (const [name, count] of [
        ['api.models.get', modelsGets],
        ['api.sandbox.status', sandboxGets],
      ]) {
        const stats = body.summary[name]
        assert.equal(stats.count, count, `${name} count`)
        for (const field of ['avg', 'p50', 'p95']) assert.ok(Number.isFinite(stats[field]) && stats[field] >= 0, `${name}.${field}`)
        assert.ok(stats.p95 >= stats.p50)
      }
      // The slowest models request waited for the upstream; most were hits.
      assert.ok(body.summary['api.models.get'].max >= MODELS_UPSTREAM_MS - 5)
      const cache = body.cache.apiCache
      for (const field of ['size', 'validEntries', 'totalHits', 'hitRate']) assert.ok(Number.isFinite(cache[field]), field)
      assert.ok(cache.size >= 2 && cache.hitRate >= 0 && cache.hitRate <= 100, JSON.stringify(cache))
      assert.ok(!Number.isNaN(Date.parse(body.timestamp)))
    })

    test('routes with no request API report the live state: stats, cacheAside with a sync fetcher, quota, metrics payload', async () => {
      await assertLiveState(app.url)
    })

    test('proxy.ts counts requests against the apiRateLimiter the route handlers read', async () => {
      const ip = `192.0.2.${100 + bundler.length}`
      assert.deepEqual(await proxied(app.url, ip), [99, 98, 97])
      assert.equal((await chat(app.url, ip)).body.remaining, 96, 'the chat route counts on the same window')
    })

    if (bundler === 'webpack') {
      test("its output: 'standalone' copy, built without the tracing line, answers 500 and logs hotpath's error naming the line", async () => {
        const copyDir = join(work, 'standalone-bare-copy')
        cpSync(join(movedDir, '.next', 'standalone'), copyDir, { recursive: true })
        const bare = await startApp(copyDir, { standalone: true, port: await freePort() })
        try {
          const res = await fetch(`${bare.url}/api/stats`)
          await res.arrayBuffer()
          assert.equal(res.status, 500)
          assert.match(bare.log(), /Error: hotpath: the native binary for linux-x64-gnu is missing from this Next\.js output: 'standalone' build/)
          assert.ok(bare.log().includes(`\nFix: add ${STANDALONE_TRACING_CONFIG} to next.config and build again.\n`), bare.log())
        } finally {
          await bare.stop()
        }
      })
    }
  })
}

for (const bundler of ['Turbopack', 'webpack']) {
  describe(`next dev (${bundler})`, () => {
    let app

    before(
      async () => {
        if (bundler === 'Turbopack') reference()
        const started = Date.now()
        app = await startApp(appDir, { dev: true, webpack: bundler === 'webpack', port: await freePort() })
        timings.push(`next dev (${bundler}): first answer after ${((Date.now() - started) / 1000).toFixed(1)} s`)
      },
      { timeout: 180_000 },
    )

    after(() => app?.stop())

    test("cache, limiter and monitor survive each route's first compile, and proxy.ts shares the limiter", async () => {
      // Each request here is the first of its route, so each compiles a new
      // bundle; webpack's dev server then re-evaluates the server modules.
      const cold = await request(`${app.url}/api/models`)
      const chatted = await chat(app.url, '192.0.2.1')
      const sandbox = await request(`${app.url}/api/sandboxes/2`)
      const viaProxy = await proxied(app.url, '192.0.2.1')
      const warm = await request(`${app.url}/api/models`)
      const { body } = await request(`${app.url}/api/stats`)
      assert.equal(cold.status, 200)
      assert.equal(chatted.body.remaining, 99)
      assert.equal(sandbox.body.id, '2')
      assert.deepEqual(viaProxy, [98, 97, 96], 'the proxy counts on the window the chat route started')
      assert.equal(warm.body.fetchId, cold.body.fetchId, 'the cached model list outlived the compiles')
      assert.equal(body.summary['api.models.get'].count, 2)
      assert.ok(body.cache.validEntries >= 2, 'the models and sandbox 2 entries')
    })
  })
}

describe("output: 'standalone', cacheComponents: false, with the one tracing line, copied elsewhere", () => {
  const copyDir = join(work, 'standalone-copy')
  let app
  let build

  before(
    async () => {
      await reference() // no build beside the latency check below
      build = await standalone()
      if (build.error) throw build.error
      hotpathTables.false = build.routes
      cpSync(join(standaloneDir, '.next', 'standalone'), copyDir, { recursive: true })
      app = await startApp(copyDir, { standalone: true, port: await freePort() })
    },
    { timeout: 300_000 },
  )

  after(() => app?.stop())

  test('every route handler is dynamic (ƒ) in the route table', () => {
    assertApiRoutesDynamic(build.routes)
  })

  test('the copied server loads the traced binary and serves cached routes and live state', async () => {
    const cold = await request(`${app.url}/api/models`)
    const warm = await request(`${app.url}/api/models`)
    assert.equal(cold.status, 200)
    assert.equal(warm.body.fetchId, cold.body.fetchId)
    assert.ok(warm.ms < CACHED_MAX_MS, `cached took ${warm.ms} ms`)
    await assertLiveState(app.url)
    assert.deepEqual(await proxied(app.url, '192.0.2.33'), [99, 98, 97])
  })
})

describe('route tables, hotpath vs the reference lib (Turbopack)', () => {
  const skip = referencePresent ? false : 'the reference lib is absent (HOTPATH_REFERENCE_DIR, default ../shared/reference/lib); the tables above are asserted directly'

  for (const cacheComponents of [true, false]) {
    test(`cacheComponents: ${cacheComponents}: every route has the same symbol (○/ƒ) as on the reference lib`, { skip, timeout: 300_000 }, async () => {
      const tables = await reference()
      if (tables.error) throw tables.error
      assert.ok(hotpathTables[cacheComponents], 'the hotpath build with this setting ran')
      const ours = { ...hotpathTables[cacheComponents] }
      for (const route of HOTPATH_ONLY_ROUTES) delete ours[route]
      console.log(`route tables, cacheComponents: ${cacheComponents}:\n${formatTables(tables[cacheComponents], hotpathTables[cacheComponents])}`)
      assert.deepEqual(ours, tables[cacheComponents])
    })
  }
})

/** The two route tables side by side, one route a line. */
function formatTables(reference, hotpath) {
  const paths = [...new Set([...Object.keys(reference), ...Object.keys(hotpath)])].sort()
  return paths.map((p) => `  ${(reference[p] ?? '-').padEnd(2)}${(hotpath[p] ?? '-').padEnd(2)}${p}`).join('\n') + '\n  (reference, hotpath)'
}
