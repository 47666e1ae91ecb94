import { PerformanceMonitor, perfMonitor, withServerTiming } from 'hotpath/performance'
import { SimpleCache, cacheAside } from 'hotpath/cache'
import { runner } from './support/timers'

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** The header's entries as `[name, params]`, params by name. */
function entries(response: Response): [string, Record<string, string>][] {
  const header = response.headers.get('server-timing')
  if (header === null) return []
  return header.split(', ').map((entry) => {
    const [name, ...params] = entry.split(';')
    return [name, Object.fromEntries(params.map((p) => p.split('=') as [string, string]))]
  })
}

describe(`withServerTiming (${runner})`, () => {
  it('adds one entry per time() run in the request, from helpers that get no extra argument', async () => {
    const m = new PerformanceMonitor()
    const findUser = (id: string) => m.time('db.users.find', async () => (await sleep(20), { id }))
    const upstream = () => perfMonitor.time('upstream.models', () => 'ok', { desc: 'GET /models' })
    const handler = withServerTiming(async (request: Request, context: { params: Promise<{ id: string }> }) => {
      const { id } = await context.params
      const user = await findUser(id)
      return Response.json({ user, text: await upstream(), url: request.url })
    })
    const response = await handler(new Request('http://localhost/api/users/7'), { params: Promise.resolve({ id: '7' }) })
    expect(await response.json()).toEqual({ user: { id: '7' }, text: 'ok', url: 'http://localhost/api/users/7' })
    const got = entries(response)
    expect(got.map(([name]) => name)).toEqual(['db.users.find', 'upstream.models'])
    expect(Number(got[0][1].dur)).toBeGreaterThanOrEqual(15)
    expect(Number(got[0][1].dur)).toBeCloseTo(m.getStats('db.users.find')!.max, 1)
    expect(got[1][1].desc).toBe('"GET /models"')
    perfMonitor.clear('upstream.models')
  })

  it('passes this, the arguments and a throw through unchanged, and outside a request time() adds nothing', async () => {
    const m = new PerformanceMonitor()
    const seen: unknown[] = []
    const target = {
      handler: withServerTiming(function (this: unknown, ...args: unknown[]) {
        seen.push(this, ...args)
        return new Response('x')
      }),
    }
    const response = await target.handler(1, 'two')
    expect(seen).toEqual([target, 1, 'two'])
    expect(response.headers.get('server-timing')).toBeNull()
    const boom = new Error('boom')
    const failing = withServerTiming(async () => {
      await m.time('db.q', () => 1)
      throw boom
    })
    await expect(failing()).rejects.toBe(boom)
    await m.time('outside', () => 1)
    expect(m.getStats('outside')!.count).toBe(1)
    expect(() => withServerTiming('no' as never)).toThrow(new TypeError('withServerTiming: handler must be a function, got "no"'))
  })

  it('keeps concurrent requests apart', async () => {
    const m = new PerformanceMonitor()
    const handler = withServerTiming(async (n: number) => {
      for (let i = 0; i < 3; i++) {
        await m.time(`req${n}.step${i}`, () => sleep(((n * 7 + i * 3) % 5) + 1))
      }
      return new Response(String(n))
    })
    const responses = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => handler(n)))
    responses.forEach((response, n) => {
      expect(entries(response).map(([name]) => name)).toEqual([`req${n}.step0`, `req${n}.step1`, `req${n}.step2`])
    })
  })

  it('sanitizes names and descriptions, marks errors, and caps the entries and the length', async () => {
    const m = new PerformanceMonitor()
    const handler = withServerTiming(async () => {
      await m.time('db users/find é', () => 1, { desc: 'say "hi" \\ ü' })
      await m.time('upstream', () => Promise.reject(new Error('down'))).catch(() => {})
      for (let i = 0; i < 100; i++) await m.time(`n${i}`, () => i)
      return new Response('ok')
    })
    const response = await handler()
    const header = response.headers.get('server-timing')!
    expect(header.startsWith('db_users_find__;dur=')).toBe(true)
    expect(header).toContain(';desc="say \\"hi\\" \\\\ ?", upstream;dur=')
    expect(header).toContain('upstream;dur=')
    expect(entries(response)[1][1].desc).toBe('error')
    expect(entries(response)).toHaveLength(32)
    expect(header.length).toBeLessThanOrEqual(2048)

    const long = withServerTiming(async () => {
      for (let i = 0; i < 40; i++) await m.time('x'.repeat(200), () => i)
      return new Response('ok')
    })
    const capped = (await long()).headers.get('server-timing')!
    expect(capped.length).toBeLessThanOrEqual(2048)
    expect(capped.split(', ')[0]).toMatch(/^x{64};dur=/)
  })

  it('copies a response whose headers are immutable, keeping status, headers and body', async () => {
    const m = new PerformanceMonitor()
    const redirect = Response.redirect('http://localhost/elsewhere', 307)
    expect(() => redirect.headers.append('x', 'y')).toThrow('immutable') // (a TypeError of another realm under jest)
    const response = await withServerTiming(async () => {
      await m.time('lookup', () => 1)
      return redirect
    })()
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe('http://localhost/elsewhere')
    expect(entries(response).map(([name]) => name)).toEqual(['lookup'])
  })

  it('marks cacheAside hits in one cache entry', async () => {
    const cache = new SimpleCache(10, 60)
    const handler = withServerTiming(async () => {
      for (let i = 0; i < 3; i++) await cacheAside('k', async () => 'v', cache)
      return new Response('ok')
    })
    expect(entries(await handler())).toEqual([['cache', { desc: '"2 hits"' }]])
    const once = withServerTiming(async () => new Response(String(await cacheAside('k', async () => 'w', cache))))
    expect(entries(await once())).toEqual([['cache', { desc: 'hit' }]])
    cache.destroy?.()
  })

  it('ignores runs that end after the response was made', async () => {
    const m = new PerformanceMonitor()
    let late: Promise<unknown> = Promise.resolve()
    const response = await withServerTiming(async () => {
      late = m.time('late', () => sleep(10))
      await m.time('early', () => 1)
      return new Response('ok')
    })()
    await late
    expect(entries(response).map(([name]) => name)).toEqual(['early'])
  })
})
