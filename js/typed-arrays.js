// Growing the typed arrays that hold per-slot state.
'use strict'

/** A copy of `array` (any typed array) with room for `length` elements, zero-filled past the old end. */
function grown(array, length) {
  const next = new array.constructor(length)
  next.set(array)
  return next
}

module.exports = { grown }
