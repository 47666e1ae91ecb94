// A free loopback port, for the servers tests start (redis-server, next start).
'use strict'
const { createServer } = require('node:net')

/** A port nothing listens on now, on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

module.exports = { freePort }
