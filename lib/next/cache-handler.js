// hotpath/next/cache-handler: the `'use cache'` handler for next.config's
// `cacheHandlers`. The module's export is the handler, made with the default
// options (`HOTPATH_REDIS_URL` adds the Redis tier); `createCacheHandler`
// makes one with other options.
'use strict'

const { createCacheHandler } = require('../../js/next/use-cache-handler.js')

module.exports = createCacheHandler()
module.exports.createCacheHandler = createCacheHandler
