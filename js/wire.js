// The wire between the JS front and the native binary: op words, buffer
// layouts and shared limits, read from the binary (src/wire.rs defines them
// once), after checking that the binary speaks the wire this JS was written
// for. A JS front rebuilt against a stale binary, or the reverse, would
// otherwise fail much later, with an "unknown op word" in the middle of a
// request or, worse, with numbers read from the wrong place.
'use strict'

/** The wire version this JS front was written for; src/wire.rs bumps its own. */
const WIRE_VERSION = 3

/** Returns the binding's wire constants, or throws if `binding` speaks another wire. */
function wireOf(binding) {
  if (binding.WIRE_VERSION !== WIRE_VERSION) {
    const theirs = binding.WIRE_VERSION === undefined ? 'none (a binary from before wire versions)' : binding.WIRE_VERSION
    throw new Error(
      `hotpath: the native binary speaks wire version ${theirs}, but this JavaScript expects wire version ${WIRE_VERSION}: ` +
        'the two come from different builds.\n' +
        'Fix: in a source checkout, rebuild the binary with `npm run build`; in an app, reinstall hotpath ' +
        '(delete node_modules/hotpath and its hotpath-* platform package, then `npm install`).',
    )
  }
  return Object.freeze({
    WIRE_VERSION,
    OP_WRITE: binding.OP_WRITE,
    OP_DELETE: binding.OP_DELETE,
    OP_EVICT: binding.OP_EVICT,
    OP_EXPIRE: binding.OP_EXPIRE,
    OP_MISS: binding.OP_MISS,
    OP_JOIN: binding.OP_JOIN,
    MAX_CACHE_ENTRIES: binding.MAX_CACHE_ENTRIES,
    SAMPLE_WORDS: binding.SAMPLE_WORDS,
    STATS_WORDS: binding.STATS_WORDS,
    CACHE_SNAPSHOT_FIELDS: Object.freeze(binding.CACHE_SNAPSHOT_FIELDS.split(',')),
    MAX_DURATION_MS: binding.MAX_DURATION_MS,
    LIMITER_WINDOW_WORDS: binding.LIMITER_WINDOW_WORDS,
    LATENCY_BUCKET_BOUNDS_MS: Object.freeze(binding.latencyBucketBoundsMs()),
  })
}

module.exports = wireOf(require('./binding.js'))
