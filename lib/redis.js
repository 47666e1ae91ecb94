// hotpath/redis: the state of this process's Redis connections, and a graceful close.
'use strict'

const { redisStatus, closeRedis } = require('../js/redis.js')

module.exports = { redisStatus, closeRedis }
