// The Next.js cache handlers in one process (no Redis), against Next 16's
// handler contract: hotpath/next/cache-handler for `cacheHandlers` and
// hotpath/next/isr-handler for `cacheHandler`.
import defaultHandler, { createCacheHandler } from 'hotpath/next/cache-handler'
import DefaultIsrHandler, { createIsrCacheHandler } from 'hotpath/next/isr-handler'

const enc = new TextEncoder()

/** A stream of `chunks`; with `failAfter`, it errors after that many chunks. */
function streamOf(chunks: string[], failAfter?: number) {
  let sent = 0
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent === failAfter) return c.error(new Error('render failed'))
      if (sent === chunks.length) return c.close()
      c.enqueue(enc.encode(chunks[sent++]))
    },
  })
}

function entry(text: string, tags: string[] = [], meta: Partial<{ expire: number; revalidate: number; stale: number; timestamp: number }> = {}) {
  return { value: streamOf([text]), tags, stale: 300, timestamp: Date.now() - 5, expire: 3600, revalidate: 900, ...meta }
}

const text = (found: any) => new Response(found.value).text()

/** A handler with a store of its own (options no other test uses). */
let stores = 0
const freshHandler = (options: object = {}) => createCacheHandler({ name: `unit${stores++}`, ...options })

describe("hotpath/next/cache-handler ('use cache')", () => {
  it('is a Next 16 cache handler as the module export, with createCacheHandler beside it', () => {
    for (const method of ['get', 'set', 'refreshTags', 'getExpiration', 'updateTags']) {
      expect(typeof (defaultHandler as any)[method]).toBe('function')
    }
    expect(typeof createCacheHandler).toBe('function')
  })

  it('misses a key never set, then returns what was set with a new stream on every get', async () => {
    const handler = freshHandler()
    expect(await handler.get('k', [])).toBeUndefined()
    const e = entry('hello', ['a'])
    await handler.set('k', Promise.resolve(e))
    const first = await handler.get('k', [])
    const second = await handler.get('k', [])
    expect(first!.value).not.toBe(second!.value)
    expect(await text(first)).toBe('hello')
    expect(await text(second)).toBe('hello')
    expect(first).toMatchObject({ tags: ['a'], stale: 300, timestamp: e.timestamp, expire: 3600, revalidate: 900 })
  })

  it('makes a get of a key whose set is pending wait for it', async () => {
    const handler = freshHandler()
    let resolve!: (e: ReturnType<typeof entry>) => void
    const setting = handler.set('k', new Promise((r) => (resolve = r)))
    const reading = handler.get('k', [])
    resolve(entry('late'))
    await setting
    expect(await text(await reading)).toBe('late')
  })

  it('does not cache a stream that errors part way, nor an entry that rejects', async () => {
    const handler = freshHandler()
    await handler.set('partial', Promise.resolve({ ...entry(''), value: streamOf(['a', 'b', 'c'], 2) }))
    expect(await handler.get('partial', [])).toBeUndefined()
    await handler.set('rejected', Promise.reject(new Error('no entry')))
    expect(await handler.get('rejected', [])).toBeUndefined()
  })

  it('does not store an entry with expire 0 in production (it is rendered on every request)', async () => {
    const handler = freshHandler()
    await handler.set('dynamic', Promise.resolve(entry('x', [], { expire: 0 })))
    expect(await handler.get('dynamic', [])).toBeUndefined()
  })

  it('misses an entry whose tag expired after it was written, and leaves newer entries alone', async () => {
    const handler = freshHandler()
    await handler.set('old', Promise.resolve(entry('old', ['posts'])))
    await handler.updateTags(['posts'])
    await handler.set('new', Promise.resolve(entry('new', ['posts'], { timestamp: Date.now() + 1 })))
    expect(await handler.get('old', [])).toBeUndefined()
    expect(await text(await handler.get('new', []))).toBe('new')
  })

  it('marks an entry for revalidation (revalidate -1) when its tag goes stale with a profile, until the profile expires it', async () => {
    const handler = freshHandler()
    await handler.set('k', Promise.resolve(entry('v', ['posts'])))
    await handler.updateTags(['posts'], { expire: 3600 })
    expect((await handler.get('k', []))!.revalidate).toBe(-1)
    await handler.set('k2', Promise.resolve(entry('v', ['posts'])))
    await handler.updateTags(['posts'], { expire: 0 })
    await new Promise((r) => setTimeout(r, 2))
    expect(await handler.get('k2', [])).toBeUndefined()
  })

  it('reports the latest expiry of the tags it is asked about, and 0 for tags never revalidated', async () => {
    const handler = freshHandler()
    expect(await handler.getExpiration(['never'])).toBe(0)
    const before = Date.now()
    await handler.updateTags(['soft'])
    await handler.updateTags(['later'], { expire: 60 })
    const soft = await handler.getExpiration(['soft', 'never'])
    expect(soft).toBeGreaterThanOrEqual(before)
    expect(soft).toBeLessThanOrEqual(Date.now())
    expect(await handler.getExpiration(['soft', 'later'])).toBeGreaterThanOrEqual(before + 60_000)
  })

  it('keeps its entries within maxBytes', async () => {
    const handler = freshHandler({ maxBytes: 64 * 1024 })
    for (let i = 0; i < 200; i++) await handler.set(`k${i}`, Promise.resolve(entry('x'.repeat(1000))))
    const stats = handler.stats()
    expect(stats.bytes).toBeLessThanOrEqual(64 * 1024)
    expect(stats.evictions).toBeGreaterThan(100)
    expect(await text(await handler.get('k199', []))).toHaveLength(1000)
    expect(await handler.get('k0', [])).toBeUndefined()
  })

  it('shares one store between handlers made with the same options, and keeps others apart', async () => {
    const a = createCacheHandler({ name: 'sharedunit' })
    const b = createCacheHandler({ name: 'sharedunit' })
    const c = createCacheHandler({ name: 'otherunit' })
    await a.set('k', Promise.resolve(entry('one store')))
    expect(await text(await b.get('k', []))).toBe('one store')
    expect(await c.get('k', [])).toBeUndefined()
  })

  it('refuses bad options with errors naming them', () => {
    expect(() => createCacheHandler({ maxBytes: 0 })).toThrow(RangeError)
    expect(() => createCacheHandler({ maxBytes: 0 })).toThrow(/createCacheHandler: options.maxBytes/)
    expect(() => createCacheHandler({ maxTags: '5' as any })).toThrow(TypeError)
    expect(() => createCacheHandler({ renderLockMs: 1.5 })).toThrow(/options.renderLockMs/)
    expect(() => createCacheHandler({ name: 'has space' })).toThrow(/createCacheHandler: options.name/)
    expect(() => createCacheHandler('x' as any)).toThrow(/createCacheHandler: options must be an object/)
    expect(() => createCacheHandler({ redis: 42 as any })).toThrow(/options.redis/)
  })
})

describe('hotpath/next/isr-handler', () => {
  const page = () => ({
    kind: 'APP_PAGE',
    html: Buffer.from('<h1>hi</h1>'),
    rscData: Buffer.from('rsc'),
    segmentData: new Map([['/_tree', Buffer.from('tree')]]),
    headers: { 'x-next-cache-tags': '_N_T_/layout,_N_T_/blog' },
    status: 200,
    postponed: undefined,
  })

  it('is a class Next can construct, with createIsrCacheHandler beside it', async () => {
    const handler = new DefaultIsrHandler({ revalidatedTags: [] })
    expect(typeof handler.get).toBe('function')
    expect(typeof handler.resetRequestCache).toBe('function')
    expect(typeof createIsrCacheHandler).toBe('function')
  })

  it('returns what was set with its Buffers and Maps, its cacheControl and lastModified', async () => {
    const Handler = createIsrCacheHandler({ name: 'isrunit1' })
    const handler = new Handler({ revalidatedTags: [] })
    const before = Date.now()
    await handler.set('/blog', page(), { cacheControl: { revalidate: 60, expire: 600 } })
    const got = await handler.get('/blog', { kind: 'APP_PAGE' })
    expect(got!.value).toEqual(page())
    expect(Buffer.isBuffer((got!.value as any).html)).toBe(true)
    // A tag check, not instanceof: under jest the test's realm has its own Map.
    expect(Object.prototype.toString.call((got!.value as any).segmentData)).toBe('[object Map]')
    expect(got!.cacheControl).toEqual({ revalidate: 60, expire: 600 })
    expect(got!.lastModified).toBeGreaterThanOrEqual(before)
    expect(await handler.get('/missing', { kind: 'APP_PAGE' })).toBeNull()
  })

  it('expires a page by the tags in its x-next-cache-tags header, as Next revalidatePath does', async () => {
    const Handler = createIsrCacheHandler({ name: 'isrunit2' })
    const handler = new Handler({ revalidatedTags: [] })
    await handler.set('/blog', page(), {})
    await new Promise((r) => setTimeout(r, 2))
    await handler.revalidateTag('_N_T_/other')
    expect(await handler.get('/blog', { kind: 'APP_PAGE' })).not.toBeNull()
    await handler.revalidateTag(['_N_T_/blog'])
    expect(await handler.get('/blog', { kind: 'APP_PAGE' })).toBeNull()
  })

  it('expires fetch-cache entries by their tags and soft tags, and skips tags revalidated in this request', async () => {
    const Handler = createIsrCacheHandler({ name: 'isrunit3' })
    const fetched = { kind: 'FETCH', data: { headers: {}, body: 'e30=', status: 200, url: 'http://x' }, revalidate: 60 }
    const handler = new Handler({ revalidatedTags: [] })
    await handler.set('f', fetched, { fetchCache: true, tags: ['prices'] })
    expect(await handler.get('f', { kind: 'FETCH', tags: ['prices'], softTags: [] })).not.toBeNull()
    const sameRequest = new Handler({ revalidatedTags: ['prices'] })
    expect(await sameRequest.get('f', { kind: 'FETCH', tags: ['prices'], softTags: [] })).toBeNull()
    await new Promise((r) => setTimeout(r, 2))
    await handler.revalidateTag('_N_T_/shop')
    expect(await handler.get('f', { kind: 'FETCH', tags: ['prices'], softTags: ['_N_T_/shop'] })).toBeNull()
  })

  it('shares tags with the use-cache handler made with the same options', async () => {
    const options = { name: 'sharedtags' }
    const Handler = createIsrCacheHandler(options)
    const useCache = createCacheHandler(options)
    const isr = new Handler({ revalidatedTags: [] })
    await useCache.set('c', Promise.resolve(entry('v', ['both'])))
    await isr.revalidateTag('both')
    expect(await useCache.get('c', [])).toBeUndefined()
  })

  it('refuses bad options with errors naming them', () => {
    expect(() => createIsrCacheHandler({ maxAgeSeconds: -1 })).toThrow(/createIsrCacheHandler: options.maxAgeSeconds/)
  })
})
