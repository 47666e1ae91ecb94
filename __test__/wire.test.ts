// The JS front and the native binary agree on one wire (src/wire.rs), and a
// binary from another build is refused at import with a message that says
// what to do, instead of failing later on an op word it does not know.
import { inNode } from './support/in-node'

/**
 * Imports `hotpath/cache` in a fresh Node process whose `js/binding.js`
 * exports the real binding with `patch` applied; the import's error message,
 * or `{ loaded: true }`.
 */
function importWithBinding(patch: string): { error?: string; loaded?: boolean } {
  return inNode(
    `(() => {
      const binding = require.resolve('./js/binding.js')
      require(binding)
      const real = require.cache[binding].exports
      require.cache[binding].exports = { ...real, ...(${patch}) }
      require('./lib/cache.js')
      return { loaded: true }
    })()`,
  )
}

describe('the wire between the JS front and the binary', () => {
  it('loads when the binary speaks the wire version the JS expects', () => {
    expect(importWithBinding('{}')).toEqual({ loaded: true })
  })

  it('refuses at import a binary with another wire version, naming both and how to fix it', () => {
    const { error } = importWithBinding('{ WIRE_VERSION: 999 }')
    expect(error).toMatch(/^hotpath: the native binary speaks wire version 999, but this JavaScript expects wire version \d+/)
    expect(error).toMatch(/\nFix: .*`npm run build`.*reinstall hotpath/)
  })

  it('refuses at import a binary from before wire versions', () => {
    const { error } = importWithBinding('{ WIRE_VERSION: undefined }')
    expect(error).toContain('speaks wire version none (a binary from before wire versions)')
    expect(error).toContain('\nFix: ')
  })

  it('reads every constant the front uses from the binary', () => {
    const wire = inNode(`require('./js/wire.js')`)
    for (const [name, value] of Object.entries(wire)) expect([name, value]).not.toContainEqual(undefined)
    // The op words must be distinct, above any slot, and fit the Int32Array log.
    const ops = [wire.OP_WRITE, wire.OP_DELETE, wire.OP_EVICT, wire.OP_EXPIRE, wire.OP_MISS, wire.OP_JOIN]
    expect(new Set(ops).size).toBe(ops.length)
    for (const op of ops) {
      expect(op).toBe(op | 0)
      expect(op).toBeGreaterThanOrEqual(wire.MAX_CACHE_ENTRIES)
    }
    expect(wire.CACHE_SNAPSHOT_FIELDS).toEqual(['hits', 'misses', 'evictions', 'expired', 'size', 'validEntries'])
  })
})
