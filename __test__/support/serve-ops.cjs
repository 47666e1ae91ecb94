// The IPC loop of the test instances (child processes driven by
// redis-fleet.ts's Instance): each `{ id, op, args }` message runs `ops[op]`
// and is answered with `{ id, result }` or `{ id, error }`.
'use strict'

/** Answers the parent's messages with `ops`, then tells it this process is ready. */
function serveOps(ops) {
  process.on('message', async ({ id, op, args }) => {
    try {
      const result = await ops[op](...args)
      process.send({ id, result: result === undefined ? null : result })
    } catch (err) {
      process.send({ id, error: String(err?.stack ?? err) })
    }
  })
  process.send({ ready: true })
}

module.exports = { serveOps }
