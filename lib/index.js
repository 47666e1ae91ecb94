// hotpath: every export of hotpath/cache and hotpath/performance.
'use strict'

module.exports = { ...require('./cache.js'), ...require('./performance.js') }
