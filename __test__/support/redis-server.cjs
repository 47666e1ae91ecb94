// A real redis-server for tests: started on a free loopback port with no
// persistence, and the faults the tests inject (SIGKILL, SIGSTOP/SIGCONT,
// restart on the same port). Never a system service, never a non-loopback address.
// CommonJS so that the vitest/jest suites (through redis-server.ts), the
// end-to-end tests and the benchmarks (.mjs) share it.
'use strict'
const { spawn, execFileSync } = require('node:child_process')
const { readFileSync, mkdtempSync, writeFileSync } = require('node:fs')
const { connect } = require('node:net')
const { freePort } = require('./free-port.cjs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { connect: tlsConnect } = require('node:tls')

/** RESP encoding of one command. */
function encode(args) {
  const parts = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(a)
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

/** The reply if `data` holds a complete simple, error, integer or bulk reply; else undefined. */
function parseReply(data) {
  const end = data.indexOf('\r\n')
  if (end < 0) return undefined
  const head = data.slice(1, end)
  switch (data[0]) {
    case '+':
      return head
    case '-':
      return `ERR:${head}`
    case ':':
      return Number(head)
    case '$': {
      const n = Number(head)
      if (n < 0) return null
      return data.length >= end + 2 + n + 2 ? data.slice(end + 2, end + 2 + n) : undefined
    }
    default:
      return `UNPARSED:${data}`
  }
}

/**
 * Sends one command (RESP) on a fresh connection and resolves its reply: a
 * string, a number, null, or `ERR:...` for an error reply. `auth` sends AUTH first.
 */
function redisCommand(port, args, timeoutMs = 1000, auth, ca) {
  return new Promise((resolve, reject) => {
    const socket = ca === undefined ? connect(port, '127.0.0.1') : tlsConnect({ port, host: '127.0.0.1', ca })
    let data = ''
    let skip = auth === undefined ? 0 : 1
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`redis on ${port}: no answer to ${args[0]} in ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.on('data', (chunk) => {
      data += chunk.toString()
      for (;;) {
        const reply = parseReply(data)
        if (reply === undefined) return
        if (skip > 0) {
          skip--
          data = data.slice(data.indexOf('\r\n') + 2)
          continue
        }
        clearTimeout(timer)
        socket.end()
        resolve(reply)
        return
      }
    })
    if (auth !== undefined) socket.write(encode(['AUTH', auth]))
    socket.write(encode(args))
  })
}

class RedisServer {
  /** Use `start` or `startTls`. */
  constructor(port, extraArgs, caFile) {
    this.proc = null
    this.port = port
    this.extraArgs = extraArgs
    /** The CA that signed a TLS server's certificate (PEM file), or undefined for plain TCP. */
    this.caFile = caFile
  }

  /**
   * Starts a TLS-only server with a throwaway CA and a certificate for
   * 127.0.0.1 (made with the openssl CLI); clients trust it through `caFile`.
   */
  static async startTls() {
    const dir = mkdtempSync(join(tmpdir(), 'hotpath-tls-'))
    const file = (name) => join(dir, name)
    const openssl = (...args) => execFileSync('openssl', args, { stdio: 'ignore' })
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=hotpath test CA')
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1')
    writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n')
    openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('ext.cnf'))
    const port = await freePort()
    const tlsArgs = ['--tls-port', String(port), '--tls-cert-file', file('server.pem'), '--tls-key-file', file('server.key'), '--tls-ca-cert-file', file('ca.pem'), '--tls-auth-clients', 'no']
    // `--port 0` turns plain TCP off; `launch` passes `--port <port>` first, which this later one overrides.
    const server = new RedisServer(port, [...tlsArgs, '--port', '0'], file('ca.pem'))
    await server.launch()
    return server
  }

  /** Starts a server on a free loopback port; `extraArgs` such as `['--requirepass', 'pw']`. */
  static async start(extraArgs = []) {
    const server = new RedisServer(await freePort(), extraArgs)
    await server.launch()
    return server
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  async launch() {
    this.proc = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs],
      { stdio: 'ignore' },
    )
    const deadline = Date.now() + 5000
    for (;;) {
      try {
        const ca = this.caFile === undefined ? undefined : readFileSync(this.caFile)
        const reply = await redisCommand(this.port, ['PING'], 200, undefined, ca)
        if (reply === 'PONG' || String(reply).startsWith('ERR:NOAUTH')) return
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  /** Sends one command and resolves its reply (see `redisCommand`). */
  command(...args) {
    return redisCommand(this.port, args)
  }

  /** SIGKILL, and waits until the process is gone. */
  async kill() {
    const proc = this.proc
    this.proc = null
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGKILL')
    await exited
  }

  /** SIGSTOP: the server keeps its connections open but answers nothing. */
  pause() {
    this.proc?.kill('SIGSTOP')
  }

  /** SIGCONT after `pause`. */
  resume() {
    this.proc?.kill('SIGCONT')
  }

  /** Starts a fresh (empty) server on the same port after `kill`. */
  async restart() {
    await this.kill()
    await this.launch()
  }

  /** Kills the server for good (a paused one too). */
  async stop() {
    this.resume()
    await this.kill()
  }
}

module.exports = { RedisServer, redisCommand }
