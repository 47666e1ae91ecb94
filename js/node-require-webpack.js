// Node's own `require` in a webpack bundle (package.json's `#node-require`
// import under the `webpack` condition): webpack compiles
// `__non_webpack_require__` to the chunk's own `require`, which Node runs
// unbundled. See node-require.js.
'use strict'

module.exports = __non_webpack_require__
