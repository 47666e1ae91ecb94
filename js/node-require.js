// Node's own `require`, which js/binding.js loads the binary with. This file
// is what package.json's `#node-require` import resolves to in Node, test
// runners and Turbopack; Turbopack compiles `require` used as a value to its
// runtime's external require, which Node runs unbundled. webpack would make
// it an empty context module and warn "Critical dependency: require function
// is used in a way in which dependencies cannot be statically extracted", so
// webpack resolves `#node-require` to node-require-webpack.js instead.
'use strict'

module.exports = require
