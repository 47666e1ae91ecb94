// withServerTiming: a route handler's `Server-Timing` header from the
// `time()` calls its request made. The request's entries live in an
// AsyncLocalStorage store, so helpers deep in the call tree (a database
// module, a fetch wrapper) need no extra argument, and two concurrent
// requests each see their own store. Outside a wrapped request the store is
// undefined and `time()` pays one `getStore()` (see bench, perf group).
'use strict'

const { AsyncLocalStorage } = require('node:async_hooks')
const { functionArg } = require('./argument-checks.js')
const { processWide } = require('./process-wide.js')

/** Most entries in one header: browsers show them all, proxies limit header size. */
const MAX_ENTRIES = 32
/** Longest header value written, in characters (nginx's default header buffer is 4 KiB). */
const MAX_HEADER_LENGTH = 2048
/** Longest entry name and description kept, in characters. */
const MAX_NAME_LENGTH = 64
const MAX_DESC_LENGTH = 100

// One store per process, like the default instances (js/process-wide.js): a
// bundle's copy of SimpleCache must note its hits where another copy's
// withServerTiming looks for them.
const requests = processWide('server-timing', () => new AsyncLocalStorage())

/** Not an HTTP token character (RFC 9110 tchar), which a metric name must be. */
const NOT_TCHAR = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/g
/** Not printable ASCII: a header value is a ByteString, and quoted text stays readable. */
const NOT_PRINTABLE = /[^\x20-\x7E]/g

/** `name` as a header token: other characters become `_`, at most 64 kept. */
function tokenOf(name) {
  const token = name.slice(0, MAX_NAME_LENGTH).replace(NOT_TCHAR, '_')
  return token === '' ? '_' : token
}

/** `desc` as a token if it is one, else as a quoted string. */
function descOf(desc) {
  const text = desc.slice(0, MAX_DESC_LENGTH).replace(NOT_PRINTABLE, '?')
  if (text !== '' && text.replace(NOT_TCHAR, '') === text) return text
  return `"${text.replace(/["\\]/g, '\\$&')}"`
}

/** The entries of one request, bounded in count; closed once its header is written. */
class RequestTimings {
  entries = []
  cacheHits = 0
  closed = false

  add(name, durationMs, desc) {
    if (this.closed || this.entries.length >= MAX_ENTRIES) return
    let entry = `${tokenOf(name)};dur=${Math.round(durationMs * 100) / 100}`
    if (desc !== undefined) entry += `;desc=${descOf(desc)}`
    this.entries.push(entry)
  }

  /** The header value, entries that would pass MAX_HEADER_LENGTH left out; '' without entries. */
  header() {
    this.closed = true
    const parts = this.cacheHits === 0 ? [] : [`cache;desc=${this.cacheHits === 1 ? 'hit' : `"${this.cacheHits} hits"`}`]
    let length = parts.length === 0 ? 0 : parts[0].length
    for (const entry of this.entries) {
      if (length + entry.length + 2 > MAX_HEADER_LENGTH) break
      length += entry.length + 2
      parts.push(entry)
    }
    return parts.join(', ')
  }
}

/**
 * Called by `PerformanceMonitor.time` when a run ends: adds it to the
 * wrapped request it ran in, if any. `metadata.desc` (a string) becomes the
 * entry's description; a run that threw or rejected is described as `error`.
 */
function noteTiming(name, durationMs, metadata, errored) {
  const timings = requests.getStore()
  if (timings === undefined) return
  const desc = typeof metadata?.desc === 'string' ? metadata.desc : errored ? 'error' : undefined
  timings.add(name, durationMs, desc)
}

/** Called on a cacheAside L1 hit: counted in the wrapped request's `cache` entry, if any. */
function noteCacheHit() {
  const timings = requests.getStore()
  if (timings !== undefined && !timings.closed) timings.cacheHits++
}

/** `response` with `Server-Timing: value` added, copied if its headers are immutable (a `fetch` response). */
function withHeader(response, value) {
  try {
    response.headers.append('Server-Timing', value)
    return response
  } catch {
    const headers = new Headers(response.headers)
    headers.append('Server-Timing', value)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}

/**
 * Wraps a route handler: every `time()` run (of any PerformanceMonitor)
 * during the request, and cacheAside hits, become entries of the response's
 * `Server-Timing` header. Arguments and `this` pass through unchanged; a
 * throw or rejection passes through unchanged, without a header.
 */
function withServerTiming(handler) {
  functionArg('withServerTiming', handler, 'handler')
  return async function serverTimed(...args) {
    const timings = new RequestTimings()
    const response = await requests.run(timings, () => handler.apply(this, args))
    const value = timings.header()
    if (value === '' || typeof response?.headers?.append !== 'function') return response
    return withHeader(response, value)
  }
}

module.exports = { withServerTiming, noteTiming, noteCacheHit, MAX_ENTRIES, MAX_HEADER_LENGTH }
