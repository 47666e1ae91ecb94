// The ISR handler (Next.js's singular `cacheHandler`: pages, route handlers,
// the fetch cache, optimized images) over the same NextStore as the
// `'use cache'` handler. Values keep their types across Redis (Buffers,
// Maps, undefined) through V8's serializer; tag checks follow Next's own
// file-system cache.
'use strict'

const v8 = require('node:v8')
const { storeFor } = require('./handler-options.js')

/** Keys of this handler in the store, apart from the `'use cache'` handler's. */
const keyOf = (cacheKey) => `i|${cacheKey}`
/** Kinds whose miss is always followed by a `set` (a render): only these wait on one render per fleet. */
const RENDERED_KINDS = new Set(['APP_PAGE', 'APP_ROUTE', 'PAGES'])
/** The response header in which Next records a page's tags. */
const TAGS_HEADER = 'x-next-cache-tags'

/** The tags an entry is checked against, as Next's file-system cache picks them. */
function tagsOf(entry, ctx) {
  const kind = entry.value?.kind
  if (RENDERED_KINDS.has(kind)) {
    const header = entry.value.headers?.[TAGS_HEADER]
    return typeof header === 'string' && header !== '' ? header.split(',') : []
  }
  if (kind === 'FETCH' && ctx?.kind === 'FETCH') return [...(ctx.tags ?? []), ...(ctx.softTags ?? [])]
  return []
}

/** A class for `cacheHandler` in next.config; options in lib/next/isr-handler.d.ts. */
function createIsrCacheHandler(options) {
  const store = storeFor('createIsrCacheHandler', options)

  return class IsrCacheHandler {
    #revalidatedTags

    /** @param ctx what Next passes (`revalidatedTags` is used) */
    constructor(ctx) {
      this.#revalidatedTags = Array.isArray(ctx?.revalidatedTags) ? ctx.revalidatedTags : []
    }

    async get(cacheKey, ctx) {
      // A page read is once per request: bring the fleet's tags up to date, as
      // `refreshTags` does for 'use cache'. Fetch-cache reads (many per request) only wait for a start's read.
      await (RENDERED_KINDS.has(ctx?.kind) ? store.refresh() : store.ready())
      const key = keyOf(cacheKey)
      const record = await store.read(key, { single: RENDERED_KINDS.has(ctx?.kind) })
      if (record === undefined) return null
      const entry = v8.deserialize(record.bytes)
      const tags = tagsOf(entry, ctx)
      if (entry.value?.kind === 'FETCH' && tags.some((tag) => this.#revalidatedTags.includes(tag))) return null
      if (store.tags.isExpired(tags, entry.lastModified, Date.now())) {
        store.drop(key)
        return null
      }
      return entry
    }

    async set(cacheKey, data, ctx) {
      const key = keyOf(cacheKey)
      const cacheControl = ctx?.cacheControl
      const entry = { lastModified: Date.now(), value: data, ...(cacheControl !== undefined && { cacheControl }) }
      let bytes
      try {
        bytes = v8.serialize(entry)
      } catch {
        store.abandon(key)
        return
      }
      const expireSeconds = typeof cacheControl?.expire === 'number' ? cacheControl.expire : Infinity
      store.write(key, { meta: {}, bytes }, expireSeconds * 1000)
    }

    async revalidateTag(tags, durations) {
      await store.updateTags(typeof tags === 'string' ? [tags] : tags, durations)
    }

    resetRequestCache() {}
  }
}

module.exports = { createIsrCacheHandler }
