import { PerformanceMonitor } from 'hotpath/performance'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { spawnSync } from 'node:child_process'
import { runner } from './support/timers'

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

/** A receiver on loopback that answers with `handler` and keeps every body it was sent. */
async function receiver(handler: Handler): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      bodies.push(JSON.parse(body))
      handler(req, res, body)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    close: () => new Promise((done) => (server.closeAllConnections(), server.close(() => done()))),
  }
}

const RULES = [{ name: 'slow-db', metric: 'avg' as const, above: 100, match: 'db.', minSamples: 2 }]

/** A monitor whose `db.q` fails the rule: checkAlerts() returns one failing transition. */
function failingMonitor(alertWebhook: unknown) {
  const m = new PerformanceMonitor({ alertRules: RULES, alertWebhook: alertWebhook as never })
  m.record('db.q', 300)
  m.record('db.q', 500)
  return m
}

async function until(check: () => boolean, ms = 5000) {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((done) => setTimeout(done, 10))
  }
}

describe(`alertWebhook (${runner})`, () => {
  it('posts each transition once, as { text, ...event }, failing then recovered', async () => {
    const hook = await receiver((req, res) => res.writeHead(204).end())
    try {
      const m = failingMonitor(hook.url)
      const [failing] = m.checkAlerts()
      expect(m.checkAlerts()).toEqual([])
      await until(() => m.alertDeliveries!.delivered === 1)
      expect(hook.bodies).toEqual([
        {
          text: `hotpath alert FAILING: slow-db on db.q: avg 400 (threshold 100) at ${failing.at}`,
          ...failing,
        },
      ])
      m.clear('db.q')
      m.record('db.q', 1)
      m.record('db.q', 2)
      const [recovered] = m.checkAlerts()
      await until(() => m.alertDeliveries!.delivered === 2)
      expect(hook.bodies[1]).toEqual({ text: `hotpath alert recovered: slow-db on db.q: avg 1.5 (threshold 100) at ${recovered.at}`, ...recovered })
      expect(m.alertDeliveries).toEqual({ delivered: 2, retried: 0, failed: 0, dropped: 0, skipped: 0 })
    } finally {
      await hook.close()
    }
  })

  it('retries a 500 with backoff, then gives up and counts it; a 400 is not retried', async () => {
    const at: number[] = []
    const hook = await receiver((req, res) => {
      at.push(Date.now())
      res.writeHead(req.url === '/hook' ? 500 : 400).end()
    })
    try {
      const m = failingMonitor({ url: hook.url, retries: 2, backoffMs: 40 })
      expect(m.checkAlerts()).toHaveLength(1)
      await until(() => m.alertDeliveries!.failed === 1)
      expect(m.alertDeliveries).toEqual({ delivered: 0, retried: 2, failed: 1, dropped: 0, skipped: 0 })
      expect(hook.bodies).toHaveLength(3)
      expect(at[1] - at[0]).toBeGreaterThanOrEqual(35)
      expect(at[2] - at[1]).toBeGreaterThanOrEqual(75) // doubled

      const bad = failingMonitor({ url: hook.url.replace('/hook', '/bad'), retries: 2, backoffMs: 1 })
      bad.checkAlerts()
      await until(() => bad.alertDeliveries!.failed === 1)
      expect(bad.alertDeliveries).toEqual({ delivered: 0, retried: 0, failed: 1, dropped: 0, skipped: 0 })
    } finally {
      await hook.close()
    }
  })

  it('gives up on a receiver that is down or too slow, without throwing into checkAlerts', async () => {
    const down = await receiver(() => {})
    const downUrl = down.url
    await down.close()
    const m = failingMonitor({ url: downUrl, retries: 1, backoffMs: 1 })
    expect(m.checkAlerts()).toHaveLength(1)
    await until(() => m.alertDeliveries!.failed === 1)
    expect(m.alertDeliveries).toEqual({ delivered: 0, retried: 1, failed: 1, dropped: 0, skipped: 0 })

    const slow = await receiver(() => {}) // never answers
    try {
      const started = Date.now()
      const s = failingMonitor({ url: slow.url, timeoutMs: 100, retries: 1, backoffMs: 1 })
      s.checkAlerts()
      await until(() => s.alertDeliveries!.failed === 1)
      expect(Date.now() - started).toBeGreaterThanOrEqual(190)
      expect(slow.bodies).toHaveLength(2)
      expect(s.alertDeliveries).toEqual({ delivered: 0, retried: 1, failed: 1, dropped: 0, skipped: 0 })
    } finally {
      await slow.close()
    }
  })

  it('never keeps Node alive: a process exits while its delivery waits on a silent receiver', async () => {
    const silent = await receiver(() => {})
    try {
      const script = `
        const { PerformanceMonitor } = require('hotpath/performance')
        const m = new PerformanceMonitor({ alertRules: ${JSON.stringify(RULES)}, alertWebhook: { url: process.argv[1], timeoutMs: 60000 } })
        m.record('db.q', 300); m.record('db.q', 300)
        console.log(m.checkAlerts().length)`
      const started = Date.now()
      const child = spawnSync(process.execPath, ['-e', script, silent.url], { encoding: 'utf8', timeout: 20_000 })
      expect(child.stdout.trim()).toBe('1')
      expect(child.status).toBe(0)
      expect(Date.now() - started).toBeLessThan(10_000)
    } finally {
      await silent.close()
    }
  })

  it('refuses a bad option with the argument named, and is off by default', () => {
    expect(new PerformanceMonitor().alertDeliveries).toBeNull()
    expect(() => new PerformanceMonitor({ alertWebhook: 'not a url' })).toThrow(
      new TypeError('new PerformanceMonitor: options.alertWebhook must be an http(s) URL or { url, timeoutMs, retries, backoffMs }, got "not a url"'),
    )
    expect(() => new PerformanceMonitor({ alertWebhook: 'ftp://x/' })).toThrow(RangeError)
    expect(() => new PerformanceMonitor({ alertWebhook: { url: 'http://x/', retries: 11 } })).toThrow(
      new RangeError('new PerformanceMonitor: options.alertWebhook.retries must be a positive integer up to 10, got 11'),
    )
    expect(new PerformanceMonitor({ alertWebhook: { url: 'http://x/', retries: 0 } }).alertDeliveries).toEqual({ delivered: 0, retried: 0, failed: 0, dropped: 0, skipped: 0 })
  })
})
