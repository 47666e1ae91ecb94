import { SimpleCache } from 'hotpath/cache'
import { fullGc, collectedWithin } from './support/gc'

const oneKb = (i: number) => ({ id: i, payload: 'x'.repeat(1_000) + i })

async function heapAfterGc(): Promise<number> {
  await fullGc()
  return process.memoryUsage().heapUsed
}

describe('memory', () => {
  it('stays flat while 200,000 distinct 1 KB objects go through a 1,000-entry cache', async () => {
    const cache = new SimpleCache(1_000, 300)
    for (let i = 0; i < 2_000; i++) cache.set(`warm-${i}`, oneKb(i))
    const baseline = await heapAfterGc()
    for (let i = 0; i < 200_000; i++) cache.set(`key-${i}`, oneKb(i))
    const after = await heapAfterGc()
    expect(cache.stats()).toMatchObject({ size: 1_000, evictions: 201_000 })
    // 200,000 retained objects would be ~200 MB; the live set is ~1 MB.
    expect(after - baseline).toBeLessThan(8 * 1024 * 1024)
  })

  it.each([
    ['evicted', (c: SimpleCache) => c.set('other', 1)],
    ['deleted', (c: SimpleCache) => c.delete('k')],
    ['cleared', (c: SimpleCache) => c.clear()],
    ['overwritten', (c: SimpleCache) => c.set('k', 'new value')],
  ])('releases a value to the garbage collector once it is %s', async (_, act) => {
    const cache = new SimpleCache(1)
    let ref: WeakRef<object>
    ;(() => {
      const value = { big: new Array(1_000).fill(7) }
      ref = new WeakRef(value)
      cache.set('k', value)
    })()
    await fullGc()
    expect(ref!.deref()).toBeDefined()
    act(cache)
    await fullGc()
    expect(ref!.deref()).toBeUndefined()
  })

  it('releases an expired value without a lookup, by the sweep timer', async () => {
    const cache = new SimpleCache(10)
    let ref: WeakRef<object>
    ;(() => {
      const value = { big: new Array(1_000).fill(7) }
      ref = new WeakRef(value)
      cache.set('k', value, 0.05)
    })()
    expect(await collectedWithin(ref!, 5_000)).toBe(true)
    expect(cache.stats()).toMatchObject({ size: 1, validEntries: 0 })
    expect(cache.get('k')).toBeNull()
  })
})
