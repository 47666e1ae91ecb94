// Alert rules: the guide's "Performance Thresholds" table as defaults, and
// the one place that checks a rule and turns it into the engine's form.
'use strict'

const { describe, shortKeyArg, countArg } = require('./argument-checks.js')

/** What a rule can watch: window latency stats (ms, %), or a cache's hit rate (%). */
const ALERT_METRICS = ['avg', 'p50', 'p95', 'p99', 'errorRate', 'hitRate']

/**
 * The guide's table: alert when API avg > 500 ms, API p95 > 1000 ms, cache hit
 * rate < 20 %; its targets (< 100 ms, < 200 ms, > 50 %) ride along as `target`.
 */
const DEFAULT_ALERT_RULES = Object.freeze([
  Object.freeze({ name: 'api-response-avg', metric: 'avg', above: 500, target: 100, match: 'api.', minSamples: 10 }),
  Object.freeze({ name: 'api-response-p95', metric: 'p95', above: 1000, target: 200, match: 'api.', minSamples: 10 }),
  Object.freeze({ name: 'cache-hit-rate', metric: 'hitRate', below: 20, target: 50, match: '', minSamples: 10 }),
])

/**
 * Checks `rules` (an array of `{ name, metric, above | below, target?, match?, minSamples? }`)
 * and returns them normalised, with the engine's form of each.
 */
function alertRulesArg(fn, rules) {
  if (!Array.isArray(rules)) throw new TypeError(`${fn}: rules must be an array, got ${describe(rules)}`)
  const checked = rules.map((rule, i) => alertRuleArg(fn, rule, `rules[${i}]`))
  return {
    rules: checked,
    specs: checked.map((r) => ({
      metric: r.metric,
      above: r.above !== undefined,
      threshold: r.above ?? r.below,
      minSamples: r.minSamples,
      prefix: r.match,
    })),
  }
}

function alertRuleArg(fn, rule, at) {
  if (rule === null || typeof rule !== 'object') throw new TypeError(`${fn}: ${at} must be an object, got ${describe(rule)}`)
  const { name, metric, above, below, target, match = '', minSamples = 10 } = rule
  const checkedName = shortKeyArg(fn, name, `${at}.name`, 200)
  if (!ALERT_METRICS.includes(metric)) {
    throw new RangeError(`${fn}: ${at}.metric must be one of ${ALERT_METRICS.join(', ')}, got ${describe(metric)}`)
  }
  const threshold = above ?? below
  if ((above === undefined) === (below === undefined) || typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new TypeError(`${fn}: ${at} must have exactly one of above or below, a finite number, got ${describe(threshold)}`)
  }
  // The engine never reads `target`; it is where "fine" ends, short of the alert (the dashboard's amber).
  if (target !== undefined && !(typeof target === 'number' && (above !== undefined ? target <= above : target >= below))) {
    const side = above !== undefined ? `at most above (${above})` : `at least below (${below})`
    throw new RangeError(`${fn}: ${at}.target must be a number ${side}, got ${describe(target)}`)
  }
  if (typeof match !== 'string') throw new TypeError(`${fn}: ${at}.match must be a string prefix, got ${describe(match)}`)
  countArg(fn, minSamples, `${at}.minSamples`, 2 ** 32 - 1)
  return Object.freeze({ name: checkedName, metric, above, below, target, match, minSamples })
}

module.exports = { DEFAULT_ALERT_RULES, alertRulesArg }
