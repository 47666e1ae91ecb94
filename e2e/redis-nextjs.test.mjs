// End to end on Redis: the example Next.js app (examples/nextjs), installed
// from the packed tarballs with no Rust on PATH and built once (Turbopack),
// served by two `next start` processes that share one redis-server through
// HOTPATH_REDIS_URL alone: no code or config change in the app. Every check is
// an HTTP request to one of the two servers.
//
// The example's upstream (lib/upstream.ts) lives in each server process and
// counts its calls in /api/metrics (`upstream.models.get`), and every answer
// carries the `fetchId`/`fetchedAt` of the call that produced it: a cached
// answer repeats them, a refetch changes them.
//
// Run with `node --test e2e/redis-nextjs.test.mjs`; skipped (and counted as
// skipped) where redis-server is not installed.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../__test__/support/free-port.cjs'
import { RedisServer } from '../__test__/support/redis-server.cjs'
import { buildApp, installApp, packTarballs, startApp } from './nextjs-app.mjs'

const hasRedis = spawnSync('redis-server', ['--version']).status === 0
/** Invalidation rounds timed over HTTP. */
const ROUNDS = 20
/** A bound no working bus comes near (it takes milliseconds), generous for a loaded CI machine. */
const INVALIDATION_MAX_MS = 2000

const work = mkdtempSync(join(tmpdir(), 'hotpath-e2e-redis-'))
let redis
let a
let b

/** GET or PUT `path` on `server`, parsed JSON. */
async function json(server, path, init) {
  const res = await fetch(`${server.url}${path}`, init)
  assert.equal(res.status, 200, `${path} on ${server.url}`)
  return res.json()
}

/** How many times `server`'s upstream was asked for the model list. */
async function upstreamCalls(server) {
  return (await json(server, '/api/metrics')).summary['upstream.models.get']?.count ?? 0
}

/** `apiCache.stats().l2` of `server`. */
async function l2(server) {
  return (await json(server, '/api/stats')).cache.l2
}

function putModels(server, models) {
  return json(server, '/api/models', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ models }) })
}

describe('two next start instances on one Redis', { skip: hasRedis ? false : 'redis-server is not installed' }, () => {
  before(
    async () => {
      redis = await RedisServer.start()
      installApp(join(work, 'app'), packTarballs(join(work, 'dist')))
      await buildApp(join(work, 'app'))
      const env = { HOTPATH_REDIS_URL: redis.url }
      ;[a, b] = await Promise.all([
        startApp(join(work, 'app'), { port: await freePort(), env }),
        startApp(join(work, 'app'), { port: await freePort(), env }),
      ])
    },
    { timeout: 300_000 },
  )

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()])
    await redis?.stop()
    rmSync(work, { recursive: true, force: true })
  })

  test('both caches are two-tier from HOTPATH_REDIS_URL alone', async () => {
    for (const server of [a, b]) assert.equal((await l2(server)).state, 'ready')
  })

  test('a GET on A fills Redis; the same GET on B is served from it without calling the upstream', async () => {
    const fromA = await json(a, '/api/models')
    assert.equal(await upstreamCalls(a), 1)
    const fromB = await json(b, '/api/models')
    assert.deepEqual(fromB, fromA, 'B answers with the value A fetched')
    assert.equal(await upstreamCalls(b), 0, "B's upstream was never called")
    assert.equal((await l2(b)).hits, 1)
  })

  test('a PUT on A drops B\'s copy: B refetches, and A then reads what B fetched', async () => {
    const before = await json(b, '/api/models')
    const callsB = await upstreamCalls(b)
    const callsA = await upstreamCalls(a)
    const received = (await l2(b)).invalidationsReceived
    await putModels(a, ['gpt-4o', 'claude-opus'])
    await waitForInvalidation(b, received)
    const afterPut = await json(b, '/api/models')
    assert.notEqual(afterPut.fetchedAt, before.fetchedAt, 'B refetched after the PUT on A')
    assert.equal(await upstreamCalls(b), callsB + 1)
    assert.deepEqual(await json(a, '/api/models'), afterPut, "A's next GET reads B's fetch from Redis")
    assert.equal(await upstreamCalls(a), callsA, "A's upstream was not called again")
  })

  test(`cross-instance invalidation over HTTP, ${ROUNDS} rounds: from sending the PUT to A until B's stats show it`, async () => {
    const latencies = []
    for (let i = 0; i < ROUNDS; i++) {
      const received = (await l2(b)).invalidationsReceived
      const sent = performance.now()
      await putModels(a, [`model-${i}`])
      await waitForInvalidation(b, received)
      latencies.push(performance.now() - sent)
    }
    latencies.sort((x, y) => x - y)
    const p50 = latencies[Math.floor(ROUNDS / 2)]
    console.log(`invalidation A -> B over HTTP: p50 ${p50.toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms (${ROUNDS} rounds)`)
    assert.ok(latencies.at(-1) < INVALIDATION_MAX_MS)
  })
})

/** Polls B's /api/stats until it counts an invalidation past `received`; fails past INVALIDATION_MAX_MS. */
async function waitForInvalidation(server, received) {
  const deadline = performance.now() + INVALIDATION_MAX_MS
  while ((await l2(server)).invalidationsReceived <= received) {
    assert.ok(performance.now() < deadline, `no invalidation reached ${server.url} within ${INVALIDATION_MAX_MS} ms`)
    await sleep(1)
  }
}
