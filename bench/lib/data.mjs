// Deterministic inputs, generated before any timing starts, so every peer
// sees the very same keys in the very same order.

/** A seeded xorshift32 generator: `next()` gives an integer in [0, 2^32). */
export function rng(seed = 0x9e3779b9) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>>= 0)
  }
}

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:/')

/**
 * `count` distinct keys of exactly `length` characters: a unique prefix
 * (`<seed>:<index>:`) padded with seeded random characters. Each key is a
 * flat string of its own, made once; V8 caches a string's hash, so lookups
 * with them measure the table, not hashing.
 */
export function makeKeys(count, length, seed = 1) {
  const next = rng(seed)
  // Random text to copy padding from, at a random offset per key.
  const pool = Buffer.alloc(1 << 16)
  for (let j = 0; j < pool.length; j++) pool[j] = ALPHABET[next() & 63]
  const buf = Buffer.alloc(length)
  const keys = new Array(count)
  for (let i = 0; i < count; i++) {
    const at = buf.write(`${seed}:${i}:`, 'latin1')
    const from = next() % (pool.length - length)
    pool.copy(buf, at, from, from + length - at)
    keys[i] = buf.toString('latin1', 0, length)
  }
  return keys
}

/** A seeded shuffle of `items` (a new array). */
export function shuffled(items, seed = 7) {
  const next = rng(seed)
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = next() % (i + 1)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}

/** Seeded request durations in ms, log-normal-ish between ~0.1 and ~500 ms, as an API's are. */
export function makeDurations(count, seed = 3) {
  const next = rng(seed)
  const out = new Float64Array(count)
  for (let i = 0; i < count; i++) out[i] = Math.exp((next() / 2 ** 32) * 8.5 - 2.3)
  return out
}
