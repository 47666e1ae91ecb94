// FleetTags: the Next.js handlers' tag state shared through Redis
// (src/redis/tags.rs). A revalidation is written to Redis and announced on
// the bus; every other instance reads the announced tags back into its
// TagState within milliseconds. The bus alone does not promise that the next
// request sees a change (Next answers a route handler's request before its
// revalidation is written), so each request also asks Redis what changed
// since the version it knows (`sync()`: one round trip, empty when nothing
// did). A process that starts, or whose connection comes back, reads every
// state first (`ready()`), so it never serves an entry that was revalidated
// while it was not listening. An update Redis does not take is kept and sent
// again once it answers.
'use strict'

const timers = require('node:timers')
const { linkFor, listen } = require('../redis.js')

/** Pause before a failed read of the fleet's states is tried again. */
const RETRY_MS = 250
/**
 * Longest a request waits for the fleet's tag state (after a start or a
 * reconnect): enough for a read on a reachable server; an unreachable one
 * must not hold every request for its connect timeout.
 */
const READY_WAIT_MS = 500

class FleetTags {
  #native
  #state
  #maxAgeMs
  #maxTags
  /** The full read in progress, or null. */
  #loading = null
  /** The full read requests must wait for (at start, after a reconnect), or null. */
  #awaited = null
  #retryTimer = null
  /** tag → { staleMs, expiredMs }: updates Redis has not taken yet. */
  #unsent = new Map()
  /** Tags announced by other instances, read back in one batch. */
  #announced = null
  /** The fleet's tag version this process has read up to. */
  #version = 0
  /** The `sync` in flight, and the one callers arriving meanwhile share. */
  #syncing = null
  #nextSync = null

  /**
   * @param fn the caller's name, for error messages
   * @param redis the `redis` option (URL or `{ url, ... }`)
   * @param name the handlers' namespace on Redis
   * @param state this process's TagState
   * @param limits `{ maxAgeMs, maxTags }`, as the TagState's
   */
  constructor(fn, redis, name, state, { maxAgeMs, maxTags }) {
    const link = linkFor(fn, redis)
    this.#native = link.native.tags(name)
    this.#state = state
    this.#maxAgeMs = maxAgeMs
    this.#maxTags = maxTags
    listen(link, this.#native.busName, {
      sender: this.#native.sender,
      invalidate: (tag) => this.#onAnnounced(tag),
      clear: () => {},
      resync: () => this.#reloadAwaited(),
    })
    this.#reloadAwaited()
  }

  /**
   * Resolves once the full read made at start or after a reconnect has ended
   * (taken or failed), or after READY_WAIT_MS; never rejects.
   */
  ready() {
    return this.#awaited ?? Promise.resolve()
  }

  /**
   * Applies what the fleet changed since this process last looked; resolves
   * when done or when Redis cannot answer (then the local state stands).
   * A sync already in flight may have asked before the caller's cause, so
   * callers arriving meanwhile share the next one.
   */
  sync() {
    if (this.#syncing === null) {
      this.#syncing = this.#syncOnce().finally(() => {
        this.#syncing = null
      })
      return this.#syncing
    }
    if (this.#nextSync === null) {
      this.#nextSync = this.#syncing.then(() => {
        this.#nextSync = null
        return this.sync()
      })
    }
    return this.#nextSync
  }

  #syncOnce() {
    return this.#native.readSince(this.#version).then(
      ([version, floor, ...pairs]) => {
        const remote = Number(version)
        if (remote < this.#version) {
          // Redis lost its data (a restart): start over from what it has.
          this.#version = 0
          this.#reload()
          return
        }
        this.#applyAll(floor, pairs)
        if (pairs.length / 2 >= this.#native.maxChanges) this.#reload()
        else this.#version = Math.max(this.#version, remote)
      },
      () => {},
    )
  }

  /** A full read that requests wait for (bounded by READY_WAIT_MS). */
  #reloadAwaited() {
    this.#reload()
    const loading = this.#loading
    let timer
    const waited = new Promise((resolve) => {
      timer = timers.setTimeout(resolve, READY_WAIT_MS)
      timer.unref()
    })
    const awaited = Promise.race([loading, waited]).finally(() => {
      timers.clearTimeout(timer)
      if (this.#awaited === awaited) this.#awaited = null
    })
    this.#awaited = awaited
  }

  /**
   * Sends `updates` ([{ tag, staleMs, expiredMs }], undefined fields kept)
   * to the fleet; resolves once Redis took them or they were kept for later.
   */
  async update(updates, nowMs) {
    for (const u of updates) this.#unsent.delete(u.tag)
    const floorMs = await this.#native.update(updates, nowMs, this.#maxAgeMs, this.#maxTags).catch(() => null)
    if (floorMs === null) {
      this.#keep(updates)
      return
    }
    this.#state.raiseFloor(floorMs)
  }

  /** Number of updates waiting for Redis. */
  get unsent() {
    return this.#unsent.size
  }

  #keep(updates) {
    for (const u of updates) {
      if (this.#unsent.size >= this.#maxTags) this.#unsent.delete(this.#unsent.keys().next().value)
      this.#unsent.set(u.tag, u)
    }
    this.#retryLater()
  }

  #onAnnounced(tag) {
    if (this.#announced === null) {
      this.#announced = new Set()
      queueMicrotask(() => this.#readAnnounced())
    }
    this.#announced.add(tag)
  }

  #readAnnounced() {
    const tags = [...this.#announced]
    this.#announced = null
    this.#native.read(tags).then(
      ([floor, ...states]) => {
        const nowMs = Date.now()
        this.#state.raiseFloor(Number(floor))
        tags.forEach((tag, i) => this.#apply(tag, states[i], nowMs))
      },
      // A missed announcement is caught up by a full read.
      () => this.#retryLater(),
    )
  }

  /** Reads every state of the fleet, then sends what Redis had not taken. */
  #reload() {
    if (this.#loading !== null) return
    this.#loading = this.#native
      .readAll()
      .then(
        async ([version, floor, ...pairs]) => {
          this.#applyAll(floor, pairs)
          this.#version = Number(version)
          if (this.#unsent.size > 0) {
            const updates = [...this.#unsent.values()]
            this.#unsent.clear()
            await this.update(updates, Date.now())
          }
        },
        () => this.#retryLater(),
      )
      .finally(() => {
        this.#loading = null
      })
  }

  #retryLater() {
    if (this.#retryTimer !== null) return
    this.#retryTimer = timers.setTimeout(() => {
      this.#retryTimer = null
      this.#reload()
    }, RETRY_MS)
    this.#retryTimer.unref()
  }

  /** Applies a floor and `[tag, state, tag, state, ...]` read from Redis. */
  #applyAll(floor, pairs) {
    const nowMs = Date.now()
    this.#state.raiseFloor(Number(floor))
    for (let i = 0; i < pairs.length; i += 2) this.#apply(pairs[i], pairs[i + 1], nowMs)
  }

  /** Applies one `"<stale>,<expired>"` state read from Redis (`""`: none held). */
  #apply(tag, text, nowMs) {
    if (typeof text !== 'string' || text === '') return
    const [stale, expired] = text.split(',')
    this.#state.set(tag, stale === '' ? undefined : Number(stale), expired === '' ? undefined : Number(expired), nowMs)
  }
}

module.exports = { FleetTags }
