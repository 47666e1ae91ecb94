// AlertWebhook: delivers alert transitions (failing, recovered) as JSON POSTs
// that chat tools display as is (Slack's incoming webhooks read `text`). It
// runs off the request path: `deliver` returns at once, a delivery has a
// deadline and a few retries with backoff, every failure is counted rather
// than thrown, and neither its sockets nor its timers keep Node alive.
'use strict'

const http = require('node:http')
const https = require('node:https')
const { describe, countArg } = require('./argument-checks.js')

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_RETRIES = 3
const DEFAULT_BACKOFF_MS = 1_000
/** Deliveries in flight or waiting to retry at once; more are dropped (and counted) so a dead receiver cannot grow memory. */
const MAX_PENDING = 100

/** A failure worth another attempt: the network, the deadline, or the receiver's 429 / 5xx. */
class RetryableError extends Error {}

/**
 * `option` (a URL string, or `{ url, timeoutMs?, retries?, backoffMs? }`) checked,
 * with its defaults; `undefined` stays undefined (no webhook).
 */
function alertWebhookArg(fn, option) {
  if (option === undefined) return undefined
  const { url, timeoutMs = DEFAULT_TIMEOUT_MS, retries = DEFAULT_RETRIES, backoffMs = DEFAULT_BACKOFF_MS } =
    option !== null && typeof option === 'object' ? option : { url: option }
  let parsed
  try {
    parsed = new URL(url)
  } catch {
    throw new TypeError(`${fn}: options.alertWebhook must be an http(s) URL or { url, timeoutMs, retries, backoffMs }, got ${describe(url)}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RangeError(`${fn}: options.alertWebhook must be an http: or https: URL, got ${describe(url)}`)
  }
  return {
    url: parsed,
    timeoutMs: countArg(fn, timeoutMs, 'options.alertWebhook.timeoutMs', 2 ** 31 - 1),
    // 0 is a valid number of retries, which countArg (positive integers) refuses.
    retries: retries === 0 ? 0 : countArg(fn, retries, 'options.alertWebhook.retries', 10),
    backoffMs: countArg(fn, backoffMs, 'options.alertWebhook.backoffMs', 2 ** 31 - 1),
  }
}

/** The one-line message a chat tool shows for `event`. */
function alertText(event) {
  const state = event.status === 'failing' ? 'FAILING' : 'recovered'
  return `hotpath alert ${state}: ${event.rule} on ${event.subject}: ${event.metric} ${event.value} (threshold ${event.threshold}) at ${event.at}`
}

class AlertWebhook {
  #url
  #timeoutMs
  #retries
  #backoffMs
  #pending = 0
  #counts = { delivered: 0, retried: 0, failed: 0, dropped: 0, skipped: 0 }

  /** @param options the result of `alertWebhookArg` */
  constructor({ url, timeoutMs, retries, backoffMs }) {
    this.#url = url
    this.#timeoutMs = timeoutMs
    this.#retries = retries
    this.#backoffMs = backoffMs
  }

  /**
   * `{ delivered, retried, failed, dropped, skipped }`: deliveries so far, attempts
   * repeated, deliveries given up, events dropped past 100 pending, and events another instance claimed.
   */
  get counts() {
    return { ...this.#counts }
  }

  /**
   * Posts `{ text, ...event }` in the background, unless `claim(event)`
   * resolves `'taken'` (another instance delivers it); if the claim cannot
   * be made, this instance delivers. The promise never rejects and settles
   * when the event was delivered, skipped or given up.
   */
  deliver(event, claim) {
    if (this.#pending >= MAX_PENDING) {
      this.#counts.dropped++
      return Promise.resolve(false)
    }
    this.#pending++
    const body = JSON.stringify({ text: alertText(event), ...event })
    const claimed = claim === undefined ? Promise.resolve('claimed') : claim(event).catch(() => 'unavailable')
    return claimed
      .then((outcome) => {
        if (outcome !== 'taken') return this.#attempt(body, 0)
        this.#counts.skipped++
        return false
      })
      .finally(() => this.#pending--)
  }

  async #attempt(body, attempt) {
    try {
      await this.#post(body)
      this.#counts.delivered++
      return true
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt >= this.#retries) {
        this.#counts.failed++
        return false
      }
      this.#counts.retried++
      await unrefSleep(this.#backoffMs * 2 ** attempt)
      return this.#attempt(body, attempt + 1)
    }
  }

  /** One POST, settled within `timeoutMs`; its socket is unref'd so a slow receiver cannot hold the process open. */
  #post(body) {
    return new Promise((resolve, reject) => {
      const client = this.#url.protocol === 'https:' ? https : http
      // agent: false, a socket of its own: alerts are rare, and an unref'd socket must not return to a shared pool.
      const req = client.request(this.#url, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      })
      const deadline = setTimeout(() => req.destroy(new RetryableError(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs)
      deadline.unref()
      req.on('socket', (socket) => socket.unref())
      req.on('error', (err) => {
        clearTimeout(deadline)
        reject(err instanceof RetryableError ? err : new RetryableError(err.message))
      })
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => {
          clearTimeout(deadline)
          const status = res.statusCode
          if (status >= 200 && status < 300) resolve()
          else if (status === 429 || status >= 500) reject(new RetryableError(`HTTP ${status}`))
          else reject(new Error(`HTTP ${status}`))
        })
      })
      req.end(body)
    })
  }
}

/**
 * `HOTPATH_ALERT_WEBHOOK` as the default monitor's `alertWebhook`: undefined
 * when unset, and when invalid too, with a process warning, so a typo in the
 * environment cannot stop the app from importing hotpath.
 */
function alertWebhookFromEnv(env) {
  const url = env.HOTPATH_ALERT_WEBHOOK
  if (url === undefined || url === '') return undefined
  try {
    alertWebhookArg('HOTPATH_ALERT_WEBHOOK', url)
    return url
  } catch (err) {
    process.emitWarning(`hotpath: ${err.message}; alerts are not delivered`, { code: 'HOTPATH_ALERT_WEBHOOK' })
    return undefined
  }
}

function unrefSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

module.exports = { AlertWebhook, alertWebhookArg, alertWebhookFromEnv }
