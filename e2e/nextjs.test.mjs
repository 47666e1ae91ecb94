// End to end: the example Next.js app (examples/nextjs), installed from the
// packed tarballs on a PATH with no Rust toolchain, built with Turbopack and
// with webpack (each build is moved to another directory before it starts, as
// a deploy does), and run under `next dev` with both bundlers. Every check is
// an HTTP request to the running server on a loopback port.
//
// Last, an `output: 'standalone'` build copied to another directory.
//
// Run with `node --test e2e/nextjs.test.mjs` (npm test runs it as the `e2e` suite).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  buildApp,
  cargoReachable,
  envWithoutRust,
  installApp,
  installedHotpath,
  packTarballs,
  startApp,
} from './nextjs-app.mjs'

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

before(
  () => {
    const tarballs = packTarballs(join(work, 'dist'))
    const installMs = installApp(appDir, tarballs)
    timings.push(`install (npm, from lockfile + tarballs): ${(installMs / 1000).toFixed(1)} s`)
  },
  { timeout: 300_000 },
)

after(() => {
  console.log(`\ne2e timings:\n  ${timings.join('\n  ')}`)
  rmSync(work, { recursive: true, force: true })
})

/** A port nothing listens on now, on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

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
  describe(`next build (${bundler}), started from another directory`, () => {
    const movedDir = join(work, `moved-${bundler}`)
    let app
    let modelsGets = 0
    let sandboxGets = 0

    before(
      async () => {
        const buildMs = buildApp(appDir, { webpack: bundler === 'webpack' })
        timings.push(`next build (${bundler}): ${(buildMs / 1000).toFixed(1)} s`)
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
  })
}

for (const bundler of ['Turbopack', 'webpack']) {
  describe(`next dev (${bundler})`, () => {
    let app

    before(
      async () => {
        const started = Date.now()
        app = await startApp(appDir, { dev: true, webpack: bundler === 'webpack', port: await freePort() })
        timings.push(`next dev (${bundler}): first answer after ${((Date.now() - started) / 1000).toFixed(1)} s`)
      },
      { timeout: 180_000 },
    )

    after(() => app?.stop())

    test('the routes load the binding and, once compiled, share one cache, limiter and monitor', async () => {
      // Compile every route first: webpack's dev server re-evaluates the
      // server modules when it compiles another route, which resets module
      // state (the reference lib/*.ts loses its cache and metrics the same way).
      await request(`${app.url}/api/sandboxes/warmup`)
      await chat(app.url, '192.0.2.9')
      await request(`${app.url}/api/metrics`)
      await request(`${app.url}/api/models`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ models: ['m-1'] }),
      })
      const cold = await request(`${app.url}/api/models`)
      const warm = await request(`${app.url}/api/models`)
      const sandbox = await request(`${app.url}/api/sandboxes/2`)
      const chatted = await chat(app.url, '192.0.2.1')
      const { body } = await request(`${app.url}/api/metrics`)
      assert.equal(cold.status, 200)
      assert.equal(warm.body.fetchId, cold.body.fetchId)
      assert.equal(chatted.status, 200)
      assert.equal(chatted.body.remaining, 99)
      assert.equal(body.summary['api.models.get'].count, 2)
      assert.equal(sandbox.body.id, '2')
      assert.ok(body.cache.apiCache.validEntries >= 2, 'the models and sandbox 2 entries')
    })
  })
}

describe("output: 'standalone' with the one documented tracing line, copied elsewhere", () => {
  const copyDir = join(work, 'standalone-copy')
  let app

  before(
    async () => {
      // hotpath loads its binary with a require the bundlers leave to run
      // time, which file tracing cannot follow: this line (README) adds it.
      writeFileSync(
        join(appDir, 'next.config.ts'),
        "export default { output: 'standalone', outputFileTracingIncludes: { '/**': ['./node_modules/hotpath/package.json', './node_modules/hotpath-*/**'] } }\n",
      )
      const buildMs = buildApp(appDir)
      timings.push(`next build (Turbopack, standalone): ${(buildMs / 1000).toFixed(1)} s`)
      cpSync(join(appDir, '.next', 'standalone'), copyDir, { recursive: true })
      app = await startApp(copyDir, { standalone: true, port: await freePort() })
    },
    { timeout: 300_000 },
  )

  after(async () => {
    await app?.stop()
    rmSync(join(appDir, 'next.config.ts'), { force: true })
  })

  test('the copied server loads the traced binary and serves cached routes', async () => {
    const cold = await request(`${app.url}/api/models`)
    const warm = await request(`${app.url}/api/models`)
    assert.equal(cold.status, 200)
    assert.equal(warm.body.fetchId, cold.body.fetchId)
    assert.ok(warm.ms < CACHED_MAX_MS, `cached took ${warm.ms} ms`)
  })
})
