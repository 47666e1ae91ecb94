// The standard rate-limit response headers for a limiter decision.
'use strict'

/**
 * `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (Unix
 * epoch seconds, rounded up, when every counted request has left the window)
 * and, for a refusal, `Retry-After` (whole seconds, rounded up, at least 1).
 */
function rateLimitHeaders({ allowed, limit, remaining, resetMs, retryAfterMs }) {
  const headers = {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(remaining),
    'X-RateLimit-Reset': String(Math.ceil(resetMs / 1000)),
  }
  if (!allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
  return headers
}

module.exports = { rateLimitHeaders }
