// hotpath/next/isr-handler: the class for next.config's `cacheHandler` (ISR,
// route handler and fetch cache), sharing entries and tags with
// hotpath/next/cache-handler. `createIsrCacheHandler` makes one with other options.
'use strict'

const { createIsrCacheHandler } = require('../../js/next/isr-handler.js')

module.exports = createIsrCacheHandler()
module.exports.createIsrCacheHandler = createIsrCacheHandler
