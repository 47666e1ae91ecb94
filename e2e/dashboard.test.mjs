// End to end: the metrics dashboard of the example Next.js app
// (examples/nextjs/app/api/metrics/dashboard/route.ts), installed from the
// packed tarballs and built once with Turbopack under its `cacheComponents: true`,
// served by `next start` (production, so guarded by a token), loaded in
// headless Chromium while the guide's routes are under load; then two more
// servers of the same build on one redis-server (HOTPATH_REDIS_URL), whose
// page must draw the fleet view, per instance and merged. Saves a
// screenshot into e2e/output/ (git ignores it); with HOTPATH_UPDATE_DOCS=1 it
// also replaces docs/dashboard.png and docs/dashboard-fleet.png, the README's, so a plain test run leaves
// the tree clean.
//
// Run with `node --test e2e/dashboard.test.mjs` (npm test runs it in the `e2e` suite);
// Chromium is /usr/bin/chromium, or CHROMIUM_PATH.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { chromium } from 'playwright-core'
import { buildApp, installApp, packTarballs, startApp } from './nextjs-app.mjs'
import { freePort } from '../__test__/support/free-port.cjs'
import { RedisServer } from '../__test__/support/redis-server.cjs'

const root = resolve(new URL('..', import.meta.url).pathname)
const TOKEN = 'e2e-dashboard-token'
const ROUTE = '/api/metrics/dashboard'
/** The chat client that goes past apiRateLimiter's 100 requests a minute. */
const BUSY_IP = '203.0.113.50'
const SAMPLE_MS = 1000
const HOSTILE = '<script>alert(1)</script>'
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const work = mkdtempSync(join(tmpdir(), 'hotpath-dashboard-e2e-'))
const appDir = join(work, 'app')
let app
/** The route table's symbol for the dashboard route in `next build`'s output. */
let dashboardRoute
let browser

before(
  async () => {
    installApp(appDir, packTarballs(join(work, 'dist')))
    // A test-only route that records what the test asks: how a hostile metric name gets in.
    mkdirSync(join(appDir, 'app', 'api', 'e2e-record'), { recursive: true })
    writeFileSync(
      join(appDir, 'app', 'api', 'e2e-record', 'route.ts'),
      `import { perfMonitor } from '@/lib/performance'
export async function POST(req: Request) {
  const { name, durationMs, metadata } = await req.json()
  perfMonitor.record(name, durationMs, metadata)
  return Response.json({ recorded: name })
}
`,
    )
    // Another: publishes perfMonitor's histograms to the fleet view now rather than within 10 s.
    mkdirSync(join(appDir, 'app', 'api', 'e2e-publish'), { recursive: true })
    writeFileSync(
      join(appDir, 'app', 'api', 'e2e-publish', 'route.ts'),
      `import { perfMonitor } from '@/lib/performance'
export async function POST() {
  return Response.json({ published: await perfMonitor.publish(), instance: perfMonitor.fleetInstance })
}
`,
    )
    const build = await buildApp(appDir)
    dashboardRoute = build.routes[ROUTE]
    app = await startApp(appDir, {
      port: await freePort(),
      env: { METRICS_DASHBOARD_TOKEN: TOKEN, METRICS_DASHBOARD_SAMPLE_MS: String(SAMPLE_MS), SANDBOX_STATUS_TTL_SECONDS: '1' },
    })
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  },
  { timeout: 400_000 },
)

after(async () => {
  await browser?.close()
  await app?.stop()
  rmSync(work, { recursive: true, force: true })
})

/**
 * The guide's routes under load for `ms`: cached model lists, sandbox
 * statuses that expire every second, chat posts from a few clients, one of
 * which goes past its 100 requests a minute.
 */
async function load(ms) {
  const until = Date.now() + ms
  const chat = (ip) =>
    fetch(`${app.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ message: 'hi' }),
    }).then((r) => r.arrayBuffer())
  // The busy client goes past its 100 a minute at once, however slowly a loaded machine serves the rest.
  for (let i = 0; i < 4; i++) await Promise.all(Array.from({ length: 30 }, () => chat(BUSY_IP)))
  let n = 0
  const worker = async () => {
    while (Date.now() < until) {
      n++
      const ip = n % 3 === 0 ? BUSY_IP : `198.51.100.${n % 20}`
      await Promise.all([
        fetch(`${app.url}/api/models`).then((r) => r.arrayBuffer()),
        fetch(`${app.url}/api/sandboxes/${n % 8}`).then((r) => r.arrayBuffer()),
        chat(ip),
      ])
      await sleep(15)
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker))
}

test('the dashboard route is dynamic (ƒ) under cacheComponents: never prerendered at build time', () => {
  assert.equal(dashboardRoute, 'ƒ')
  const manifest = JSON.parse(readFileSync(join(appDir, '.next', 'prerender-manifest.json'), 'utf8'))
  assert.ok(existsSync(join(appDir, '.next', 'server', 'app', 'api', 'metrics', 'dashboard', 'route.js')))
  assert.equal(manifest.routes[ROUTE], undefined, `prerendered: ${JSON.stringify(manifest.routes[ROUTE])}`)
})

test('over HTTP in production: 401 without the token, page and JSON; the page and JSON with it', async () => {
  for (const path of [ROUTE, `${ROUTE}?format=json`, `${ROUTE}?token=wrong`]) {
    const res = await fetch(`${app.url}${path}`)
    assert.equal(res.status, 401, path)
    assert.match(res.headers.get('www-authenticate'), /^Bearer /)
  }
  const page = await fetch(`${app.url}${ROUTE}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type'), /^text\/html/)
  assert.match(await page.text(), /^<!doctype html>/)
  const data = await fetch(`${app.url}${ROUTE}?format=json&token=${TOKEN}`)
  assert.equal(data.status, 200)
  assert.equal((await data.json()).fleet, null)
})

test('in Chromium, the page draws what its JSON holds, under load, and renders a hostile metric name as text', { timeout: 120_000 }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-US' })
  const dialogs = []
  const pageErrors = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    d.dismiss()
  })
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()))
  const served = []
  page.on('response', async (r) => {
    if (r.url().includes('format=json')) served.push(await r.json())
  })

  // The load runs on through the checks and the screenshot.
  const loading = load(14_000)
  try {
    await checkDashboard(page, served, pageErrors)
  } finally {
    await loading
  }

  const recorded = await fetch(`${app.url}/api/e2e-record`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: HOSTILE, durationMs: 12, metadata: { note: '<img src=x onerror=alert(2)>' } }),
  })
  assert.equal(recorded.status, 200)
  await page.click('#now')
  const hostile = page.locator('[data-metric] h3', { hasText: HOSTILE })
  await hostile.waitFor()
  assert.equal(await hostile.textContent(), HOSTILE)
  await page.click(`[data-metric="${HOSTILE}"] summary`)
  assert.equal(await page.textContent(`[data-metric="${HOSTILE}"] td code`), '{"note":"<img src=x onerror=alert(2)>"}')
  assert.equal(await page.locator('script').count(), 1, 'no script element was added')
  assert.equal(await page.locator('img').count(), 0, 'no img element was added')
  assert.deepEqual(dialogs, [])
  assert.deepEqual(pageErrors, [])
  await page.close()
})

/** Loads the dashboard, checks the DOM against the JSON it drew, and takes the screenshot. */
async function checkDashboard(page, served, pageErrors) {
  await page.goto(`${app.url}${ROUTE}?token=${TOKEN}`)
  await sleep(8 * SAMPLE_MS)
  // Paused, one refresh on demand: the DOM and the JSON it drew from can be compared.
  await page.click('#pause')
  await sleep(500)
  const before = served.length
  await page.click('#now')
  while (served.length === before) await sleep(50)
  const data = served.at(-1)
  await page.waitForFunction((at) => document.body.dataset.generatedAt === at, data.generatedAt)

  assert.equal(new URL(page.url()).searchParams.get('token'), null, 'the token left the address bar')
  assert.ok(data.times.length >= 5, `${data.times.length} samples`)

  // Every metric has a card with its latency and rate charts, each series drawn.
  const cards = await page.$$eval('[data-metric]', (sections) =>
    sections.map((s) => ({
      name: s.getAttribute('data-metric'),
      title: s.querySelector('h3').textContent,
      count: s.querySelector('[data-field=count]').textContent,
      p95: s.querySelector('[data-field=p95]').textContent,
      series: [...s.querySelectorAll('path[data-series]')].filter((p) => /^M[\d.]+ [\d.]+L/.test(p.getAttribute('d'))).map((p) => p.dataset.series),
    })),
  )
  assert.deepEqual(cards.map((c) => c.name).sort(), data.metrics.map((m) => m.name).sort())
  for (const name of ['api.models.get', 'api.sandbox.status']) {
    const card = cards.find((c) => c.name === name)
    const stats = data.metrics.find((m) => m.name === name).stats
    assert.equal(card.title, name)
    assert.equal(Number(card.count.replaceAll(',', '')), stats.count, `${name} count`)
    const p95 = Number(card.p95.replace(/[, ms]/g, ''))
    assert.ok(Math.abs(p95 - stats.window.p95) <= Math.max(0.5, stats.window.p95 * 0.005), `${name} p95 ${card.p95} vs ${stats.window.p95}`)
    assert.deepEqual(card.series, ['p50', 'p95', 'p99', 'ratePerS', 'errorsPerS'])
  }

  // The caches and the limiter, with numbers as the JSON has them.
  const cache = data.caches.find((c) => c.name === 'apiCache')
  assert.equal(await page.textContent('[data-cache=apiCache] [data-field=hits]'), cache.stats.hits.toLocaleString('en-US'))
  assert.ok(cache.stats.hitRate > 0 && cache.stats.hitRate < 100, `hit rate ${cache.stats.hitRate}`)
  const limiter = data.limiters.find((l) => l.name === 'apiRateLimiter')
  assert.ok(limiter.stats.refused > 0, 'the busy client was refused')
  assert.equal(await page.textContent('[data-limiter=apiRateLimiter] [data-field=refused]'), limiter.stats.refused.toLocaleString('en-US'))
  assert.equal(await page.locator('[data-limiter=apiRateLimiter] path[data-series=refusedPerS]').count(), 1)

  // Alert states, one badge per rule and subject.
  const states = await page.$$eval('#alerts li', (items) => items.map((li) => li.dataset.state))
  assert.deepEqual(states.sort(), data.alerts.map((a) => a.state).sort())
  assert.deepEqual(pageErrors, [])

  await page.click('#pause') // resumes
  await sleep(1.5 * SAMPLE_MS)
  const outputDir = join(root, 'e2e', 'output')
  mkdirSync(outputDir, { recursive: true })
  const shot = join(outputDir, 'dashboard.png')
  await page.screenshot({ path: shot, fullPage: true })
  console.log(`screenshot: ${shot}`)
  if (process.env.HOTPATH_UPDATE_DOCS === '1') copyFileSync(shot, join(root, 'docs', 'dashboard.png'))
}

// Server-Timing (examples/nextjs/app/api/users/[id]/route.ts), checked in this
// already built app rather than in a file of its own that would install and build again.
const USERS_ROUTE = '/api/users/7'

/** `name;dur=1.2;desc="x"` entries as `{ name, duration, description }`, as the Performance API reports them. */
const serverTimingEntries = (header) =>
  header.split(', ').map((entry) => {
    const [name, ...params] = entry.split(';')
    const param = (key) => params.find((p) => p.startsWith(`${key}=`))?.slice(key.length + 1)
    return { name, duration: Number(param('dur') ?? 0), description: (param('desc') ?? '').replace(/^"(.*)"$/, '$1') }
  })

test('Server-Timing over HTTP: the lookup and the upstream call, then a cache hit', async () => {
  const first = await fetch(`${app.url}${USERS_ROUTE}`)
  assert.equal(first.status, 200)
  assert.deepEqual((await first.json()).user, { id: '7', name: 'User 7' })
  const entries = serverTimingEntries(first.headers.get('server-timing'))
  const db = entries.find((e) => e.name === 'db.users.find')
  assert.equal(db.description, 'users by id')
  assert.ok(db.duration >= 20 && db.duration < 1000, `db.users.find took ${db.duration} ms`)
  // The model list comes from the upstream (~200 ms) or, if /api/models cached it already, from apiCache.
  const upstream = entries.find((e) => e.name === 'upstream.models.get')
  const hit = entries.find((e) => e.name === 'cache')
  assert.ok((upstream?.duration >= 150) !== (hit?.description === 'hit'), first.headers.get('server-timing'))

  const second = serverTimingEntries((await fetch(`${app.url}${USERS_ROUTE}`)).headers.get('server-timing'))
  assert.deepEqual(second.map((e) => e.name).sort(), ['cache', 'db.users.find'])
  assert.equal(second.find((e) => e.name === 'cache').description, 'hit')
})

test('Server-Timing in Chromium: the navigation and a fetch() show the entries in the Performance API', { timeout: 60_000 }, async () => {
  const page = await browser.newPage()
  await page.goto(`${app.url}${USERS_ROUTE}`)
  const navigation = await page.evaluate(() =>
    performance.getEntriesByType('navigation')[0].serverTiming.map(({ name, duration, description }) => ({ name, duration, description })),
  )
  const db = navigation.find((e) => e.name === 'db.users.find')
  assert.ok(db, JSON.stringify(navigation))
  assert.equal(db.description, 'users by id')
  assert.ok(db.duration >= 20, JSON.stringify(db))
  assert.deepEqual(navigation.find((e) => e.name === 'cache'), { name: 'cache', duration: 0, description: 'hit' })

  const fetched = await page.evaluate(async (path) => {
    const url = new URL(path, location.href).href
    await (await fetch(url)).json()
    const [entry] = performance.getEntriesByName(url, 'resource')
    return entry.serverTiming.map(({ name, duration, description }) => ({ name, duration, description }))
  }, `${USERS_ROUTE}?from=fetch`)
  assert.deepEqual(fetched.map((e) => e.name).sort(), ['cache', 'db.users.find'])
  await page.close()
})

const hasRedis = spawnSync('redis-server', ['--version']).status === 0

describe('the fleet view: two servers of this build on one Redis', { skip: hasRedis ? false : 'redis-server is not installed' }, () => {
  let redis
  let fleet = []

  before(
    async () => {
      redis = await RedisServer.start()
      const env = { METRICS_DASHBOARD_TOKEN: TOKEN, HOTPATH_REDIS_URL: redis.url }
      fleet = await Promise.all([0, 1].map(async () => startApp(appDir, { port: await freePort(), env })))
    },
    { timeout: 120_000 },
  )

  after(async () => {
    await Promise.all(fleet.map((server) => server.stop()))
    await redis?.stop()
  })

  test('in Chromium, the page draws each instance\'s numbers and the merged ones, as its JSON has them', { timeout: 120_000 }, async () => {
    // Different traffic on each: the model list on both (a slow upstream call, then hits), sandboxes on the second only.
    const [a, b] = fleet
    for (let i = 0; i < 6; i++) await fetch(`${a.url}/api/models`).then((r) => r.arrayBuffer())
    for (let i = 0; i < 3; i++) await fetch(`${b.url}/api/models`).then((r) => r.arrayBuffer())
    for (let i = 0; i < 8; i++) await fetch(`${b.url}/api/sandboxes/${i}`).then((r) => r.arrayBuffer())
    const ids = []
    for (const server of fleet) {
      const published = await (await fetch(`${server.url}/api/e2e-publish`, { method: 'POST' })).json()
      assert.equal(published.published, true)
      ids.push(published.instance)
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark', locale: 'en-US' })
    const pageErrors = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()))
    const served = []
    page.on('response', async (r) => {
      if (r.url().includes('format=json')) served.push(await r.json())
    })
    await page.goto(`${a.url}${ROUTE}?token=${TOKEN}`)
    await page.click('#pause')
    const before = served.length
    await page.click('#now')
    while (served.length === before) await sleep(50)
    const data = served.at(-1)
    await page.waitForFunction((at) => document.body.dataset.generatedAt === at, data.generatedAt)

    const { fleet: view } = data
    assert.equal(view.instance, ids[0])
    assert.equal(view.instances, 2)
    assert.deepEqual(Object.keys(view.perInstance), [...ids].sort())
    const models = view.summary['api.models.get']
    assert.equal(models.instances, 2)
    assert.equal(models.count, view.perInstance[ids[0]]['api.models.get'].count + view.perInstance[ids[1]]['api.models.get'].count)
    assert.ok(models.count >= 9, `${models.count} requests`)
    assert.equal(view.summary['api.sandbox.status'].instances, 1)
    assert.equal(view.perInstance[ids[0]]['api.sandbox.status'], undefined)

    // One card per merged name, one row per instance that reported it, the merged row last; every number as the JSON has it.
    const cells = (s) => ({ count: s.count.toLocaleString('en-US'), p95: s.window ? `${Number(s.window.p95).toLocaleString('en-US', { maximumFractionDigits: s.window.p95 >= 100 ? 0 : s.window.p95 >= 10 ? 1 : 2 })} ms` : '\u2014', errors: s.errors.toLocaleString('en-US') })
    const cards = await page.$$eval('[data-fleet-metric]', (sections) =>
      sections.map((s) => ({
        name: s.getAttribute('data-fleet-metric'),
        instances: s.querySelector('dd[data-field=instances]').textContent,
        rows: [...s.querySelectorAll('tbody tr, tfoot tr')].map((tr) => ({
          instance: tr.dataset.instance ?? 'merged',
          self: tr.getAttribute('aria-current') === 'true',
          count: tr.querySelector('[data-field=count]').textContent,
          p95: tr.querySelector('[data-field=p95]').textContent,
          errors: tr.querySelector('[data-field=errors]').textContent,
        })),
      })),
    )
    assert.deepEqual(cards.map((c) => c.name), Object.keys(view.summary).sort())
    for (const card of cards) {
      const merged = view.summary[card.name]
      assert.equal(card.instances, String(merged.instances))
      const want = [...ids]
        .sort()
        .filter((id) => view.perInstance[id][card.name])
        .map((id) => ({ instance: id, self: id === ids[0], ...cells(view.perInstance[id][card.name]) }))
      want.push({ instance: 'merged', self: false, ...cells(merged) })
      assert.deepEqual(card.rows, want, card.name)
    }
    assert.equal(await page.textContent('#fleet-count'), '(2 live instances, merged and each on its own)')
    // Keyboard: the per-instance table is a focusable region (tabindex 0), so a wide table scrolls with the arrow keys.
    const region = page.locator('[data-fleet-metric="api.models.get"] [role=region]')
    await region.focus()
    assert.equal(await region.evaluate((e) => e === document.activeElement), true)
    assert.deepEqual(pageErrors, [])
    mkdirSync(join(root, 'e2e', 'output'), { recursive: true })
    const shot = join(root, 'e2e', 'output', 'dashboard-fleet.png')
    await page.locator('#fleet-section').screenshot({ path: shot })
    console.log(`fleet screenshot: ${shot}`)
    if (process.env.HOTPATH_UPDATE_DOCS === '1') copyFileSync(shot, join(root, 'docs', 'dashboard-fleet.png'))
    await page.close()
  })
})
