// Argument checks shared by every public function: one place for the
// contract's error text, `<function>: <argument> must be <rule>, got <value>`.
'use strict'

/** A short, readable rendering of a received value for an error message. */
function describe(value) {
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value)
    case 'number':
    case 'boolean':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'undefined':
      return 'undefined'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object'
  }
}

/** The key or identifier as a string: strings as they are, finite numbers coerced. */
function keyArg(fn, value, name = 'key') {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  const Err = typeof value === 'string' ? RangeError : TypeError
  throw new Err(`${fn}: ${name} must be a non-empty string, got ${describe(value)}`)
}

/** A TTL in seconds, returned in milliseconds. */
function ttlMsArg(fn, value, name = 'ttlSeconds') {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a positive number, got ${describe(value)}`)
  if (!(value > 0)) throw new RangeError(`${fn}: ${name} must be a positive number, got ${describe(value)}`)
  if (value === Infinity) throw new RangeError(`${fn}: ${name} must be a positive number, got Infinity (TTLs are finite)`)
  return value * 1000
}

/** A whole number from 1 to `max`. */
function countArg(fn, value, name, max) {
  if (typeof value !== 'number') throw new TypeError(`${fn}: ${name} must be a positive integer, got ${describe(value)}`)
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${fn}: ${name} must be a positive integer up to ${max}, got ${describe(value)}`)
  }
  return value
}

/** `keyArg` for keys that are stored per caller and so must stay short. */
function shortKeyArg(fn, value, name, maxLength) {
  const key = keyArg(fn, value, name)
  if (key.length > maxLength) {
    throw new RangeError(`${fn}: ${name} must be at most ${maxLength} characters, got ${describe(key)}`)
  }
  return key
}

/** A function argument. */
function functionArg(fn, value, name) {
  if (typeof value !== 'function') throw new TypeError(`${fn}: ${name} must be a function, got ${describe(value)}`)
  return value
}

/** A duration in milliseconds from 0 to `maxMs`. */
function durationMsArg(fn, value, maxMs, name = 'durationMs') {
  if (typeof value === 'number' && value >= 0 && value <= maxMs) return value
  const Err = typeof value === 'number' ? RangeError : TypeError
  throw new Err(`${fn}: ${name} must be a number from 0 to ${maxMs}, got ${describe(value)}`)
}

/** An object argument such as an options bag (not `null`). */
function objectArg(fn, value, name) {
  if (value === null || typeof value !== 'object') throw new TypeError(`${fn}: ${name} must be an object, got ${describe(value)}`)
  return value
}

/** An optional object (`undefined` and `null` pass as "none"). */
function optionalObjectArg(fn, value, name) {
  if (value === undefined || value === null || typeof value === 'object') return value
  throw new TypeError(`${fn}: ${name} must be an object, got ${describe(value)}`)
}

module.exports = {
  describe,
  keyArg,
  shortKeyArg,
  ttlMsArg,
  countArg,
  functionArg,
  durationMsArg,
  objectArg,
  optionalObjectArg,
}
