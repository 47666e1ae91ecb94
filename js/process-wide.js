// One set of hotpath's default instances per process, however many copies of
// its JS the process evaluates.
//
// Bundlers copy a package's JS into each bundle that imports it: a Next.js
// app has one copy in its route handlers and another in `proxy.ts`, and
// `next dev --webpack` evaluates a fresh copy whenever it compiles a route.
// Module-level instances would then be one per copy (a limiter in the proxy
// that the routes never see, a cache emptied by every compile). So the entry
// modules keep what they export in a slot on globalThis, as Prisma documents
// for its client, and every later copy exports the first copy's classes and
// instances (so `instanceof` and `cacheAside(key, fn, apiCache)` work across
// copies too). The slot is keyed by hotpath's version: another version in
// the same process has its own code and keeps its own instances. A test
// runner that gives each test file its own global object (jest's vm
// contexts, vitest's isolated workers) gives each file fresh defaults.
'use strict'

const { version } = require('../package.json')

/**
 * The value of `create()` for `name`, made once per process (per global
 * object) and hotpath version, then returned to every caller.
 *
 * @template T
 * @param {string} name the entry module's name (`cache`, `performance`)
 * @param {() => T} create makes the entry's exports on first use
 * @returns {T}
 */
function processWide(name, create) {
  const slot = Symbol.for(`hotpath.${name}@${version}`)
  if (!Object.hasOwn(globalThis, slot)) {
    Object.defineProperty(globalThis, slot, { value: create(), enumerable: false })
  }
  return globalThis[slot]
}

module.exports = { processWide }
