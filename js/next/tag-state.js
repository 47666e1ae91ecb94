// TagState: what this process knows of revalidated tags, with the semantics
// of Next.js's own tags manifest (a tag's `stale` time marks older entries
// for background revalidation; its `expired` time, once reached, makes older
// entries misses). Fed by this process's revalidations and, with Redis, by
// the fleet's (js/next/fleet-tags.js).
//
// Bounded: a state whose time (its update or its expiry, whichever is later)
// is older than the longest entry lifetime applies to no entry and is
// dropped; past `maxTags` the oldest states are dropped and `#floorMs` is
// raised to their time, so every entry they could have expired still counts
// as expired (conservative, never stale data). The fleet's store in Redis
// keeps the same bounds (src/redis/tags.rs).
//
// Every state is also written to Next.js's own tags manifest when the app's
// `next` is found: with custom handlers Next no longer fills it, yet its
// incremental cache reads it to mark ISR and fetch-cache entries stale.
'use strict'

const nextManifest = loadNextManifest()

/** Next's process-wide tags manifest (a Map tag → { stale?, expired? }), or null outside a Next.js app. */
function loadNextManifest() {
  try {
    // Kept external by Next's bundlers, so this is the instance Next's server reads.
    return require('next/dist/server/lib/incremental-cache/tags-manifest.external.js').tagsManifest ?? null
  } catch {
    return null
  }
}

class TagState {
  /** tag → { stale, expired, untilMs }; Map order is update order (oldest first). */
  #states = new Map()
  #floorMs = 0
  #maxTags
  #maxAgeMs

  /**
   * @param maxTags most tag states held
   * @param maxAgeMs the longest entry lifetime: older states are dropped
   */
  constructor(maxTags, maxAgeMs) {
    this.#maxTags = maxTags
    this.#maxAgeMs = maxAgeMs
  }

  /**
   * Sets `tag`'s state; `stale` or `expired` undefined keeps the one held.
   * Returns the state now held.
   */
  set(tag, stale, expired, nowMs) {
    const old = this.#states.get(tag)
    if (old !== undefined) this.#states.delete(tag)
    const state = {
      stale: stale ?? old?.stale,
      expired: expired ?? old?.expired,
      untilMs: Math.max(nowMs, expired ?? old?.expired ?? 0),
    }
    this.#states.set(tag, state)
    if (nextManifest !== null) nextManifest.set(tag, { stale: state.stale, expired: state.expired })
    this.#prune(nowMs)
    return state
  }

  /** Raises the floor: entries written before `floorMs` count as expired. */
  raiseFloor(floorMs) {
    if (floorMs > this.#floorMs) this.#floorMs = floorMs
  }

  /** Whether an entry written at `timestampMs` with `tags` is a miss (Next's `areTagsExpired`). */
  isExpired(tags, timestampMs, nowMs) {
    if (timestampMs < this.#floorMs) return true
    for (const tag of tags) {
      const expired = this.#states.get(tag)?.expired
      if (expired !== undefined && expired <= nowMs && expired > timestampMs) return true
    }
    return false
  }

  /** Whether an entry written at `timestampMs` with `tags` must be revalidated (Next's `areTagsStale`). */
  isStale(tags, timestampMs) {
    for (const tag of tags) {
      const stale = this.#states.get(tag)?.stale
      if (stale !== undefined && stale > timestampMs) return true
    }
    return false
  }

  /** The latest expiry among `tags` (0 if none was revalidated): `getExpiration`. */
  expiration(tags) {
    let latest = tags.length > 0 ? this.#floorMs : 0
    for (const tag of tags) {
      const expired = this.#states.get(tag)?.expired
      if (expired !== undefined && expired > latest) latest = expired
    }
    return latest
  }

  /** How many tag states are held. */
  get size() {
    return this.#states.size
  }

  #prune(nowMs) {
    const cutoff = nowMs - this.#maxAgeMs
    for (const [tag, state] of this.#states) {
      const tooMany = this.#states.size > this.#maxTags
      if (!tooMany && state.untilMs >= cutoff) break
      this.#states.delete(tag)
      if (nextManifest !== null) nextManifest.delete(tag)
      if (tooMany) this.raiseFloor(Math.min(nowMs, state.untilMs))
    }
  }
}

module.exports = { TagState }
