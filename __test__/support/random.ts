/** A seeded PRNG (mulberry32): `rand(n)` is a whole number in [0, n). Same seed, same script. */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed >>> 0
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0
  }
}
