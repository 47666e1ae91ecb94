#!/usr/bin/env node
// The example Next.js app (examples/nextjs) as a user gets it: a fresh copy,
// hotpath installed from the packed tarballs (main package + the platform
// package carrying the prebuilt binary), on a PATH with no Rust toolchain.
// Used by the end-to-end test, the load run, and by hand:
//
//   node e2e/nextjs-app.mjs <dest> [--reference] [--webpack]
//
// packs, installs into <dest>, builds and prints how to start it. With
// --reference the app's lib/cache.ts and lib/performance.ts are the reference
// TypeScript instead of the one-line re-exports, from where the tests find it
// (__test__/support/reference-dir.cjs: $HOTPATH_REFERENCE_DIR, by default
// ../shared/reference/lib beside the repository), and the routes that use
// hotpath-only API are left out.
import { execFileSync, spawn } from 'node:child_process'
import { accessSync, constants, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import refs from '../__test__/support/reference-dir.cjs'

const root = resolve(new URL('..', import.meta.url).pathname)
/** The example app's sources (examples/nextjs). */
export const exampleDir = join(root, 'examples', 'nextjs')
/** The reference lib/*.ts, or null where it is absent (a clone alone, CI): see reference-dir.cjs. */
export const referenceLib = refs.referenceDir
/**
 * Routes of the example that use what the reference lib lacks:
 * `metricsPayload`, `metricsDashboard`, `withServerTiming`, and a synchronous `cacheAside`
 * fetcher (the reference types it `() => Promise<T>`, so `next build` fails
 * type-checking it).
 */
export const HOTPATH_ONLY_ROUTES = ['/api/metrics-payload', '/api/metrics/dashboard', '/api/settings', '/api/users/[id]']

/** True when `dir` holds an executable named `name`. */
function hasExecutable(dir, name) {
  try {
    accessSync(join(dir, name), constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The environment of a machine with Node and npm but no Rust: PATH without
 * any directory that holds `cargo` or `rustc`, no CARGO_* / RUSTUP_* settings.
 */
export function envWithoutRust(extra = {}) {
  const env = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(CARGO|RUSTUP|RUSTC)/.test(k)) env[k] = v
  }
  env.PATH = process.env.PATH.split(':')
    .filter((dir) => dir && !hasExecutable(dir, 'cargo') && !hasExecutable(dir, 'rustc'))
    .join(':')
  env.NEXT_TELEMETRY_DISABLED = '1'
  return { ...env, ...extra }
}

/** Packs hotpath into `outDir`; returns the tarball paths (main package first). */
export function packTarballs(outDir) {
  const out = execFileSync(process.execPath, [join(root, 'scripts', 'pack.mjs'), outDir], { encoding: 'utf8' })
  return out.trim().split('\n')
}

/**
 * Copies the example app (or with `from` another app's sources, such as a
 * fixture under e2e/fixtures/) to `dest` (without node_modules or build
 * output) and installs its locked dependencies plus the hotpath tarballs, with
 * no Rust on PATH. `reference: true` swaps in the reference lib/cache.ts and
 * lib/performance.ts. Returns the install time in ms.
 */
export function installApp(dest, tarballs, { reference = false, from = exampleDir } = {}) {
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  if (from === exampleDir) {
    for (const entry of ['app', 'lib', 'next.config.ts', 'proxy.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) {
      cpSync(join(from, entry), join(dest, entry), { recursive: true })
    }
  } else {
    copySources(from, dest)
  }
  if (reference) useReferenceLib(dest)
  const env = envWithoutRust()
  const started = Date.now()
  // The lockfile pins every third-party package; --no-save keeps it as is
  // while hotpath comes from the tarballs (hotpath is not on the registry yet).
  execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', ...tarballs], { cwd: dest, env, stdio: 'inherit' })
  return Date.now() - started
}

/** Where the sources every e2e fixture app shares live (layout, upstream client, revalidation routes, tsconfig). */
const fixtureCommon = join(root, 'e2e', 'fixtures', 'common')

/**
 * Copies the sources of the app in `from` into `dest` (no node_modules or
 * build output); a fixture under e2e/fixtures/ gets the fixtures' common
 * files first, which its own files may replace.
 */
export function copySources(from, dest) {
  if (resolve(from, '..') === resolve(fixtureCommon, '..')) cpSync(fixtureCommon, dest, { recursive: true })
  for (const entry of readdirSync(from)) {
    if (!['node_modules', '.next', 'next-env.d.ts'].includes(entry)) cpSync(join(from, entry), join(dest, entry), { recursive: true })
  }
}

/**
 * Makes the app in `dir` run on the reference lib/cache.ts and
 * lib/performance.ts, without the routes in HOTPATH_ONLY_ROUTES.
 */
export function useReferenceLib(dir) {
  if (!referenceLib) throw new Error(`the reference lib/*.ts was not found; ${refs.ENABLE_REFERENCE}`)
  for (const file of ['cache.ts', 'performance.ts']) {
    rmSync(join(dir, 'lib', file))
    cpSync(join(referenceLib, file), join(dir, 'lib', file))
  }
  for (const route of HOTPATH_ONLY_ROUTES) rmSync(join(dir, 'app', route), { recursive: true, force: true })
}

/**
 * `next build` (Turbopack) or `next build --webpack` in `dir`, its output
 * echoed once it ends (builds may run side by side). Resolves to the build
 * time in ms, the output, and the route table: each route's symbol (`○`
 * static, `ƒ` dynamic, ...) by path.
 */
export function buildApp(dir, { webpack = false, env = {} } = {}) {
  rmSync(join(dir, '.next'), { recursive: true, force: true })
  const started = Date.now()
  const child = spawn(process.execPath, [nextBin(dir), 'build', ...(webpack ? ['--webpack'] : [])], {
    cwd: dir,
    env: envWithoutRust(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (status) => {
      process.stdout.write(output)
      if (status !== 0) reject(new Error(`next build in ${dir} exited with ${status}:\n${output}`))
      else resolve({ ms: Date.now() - started, output, routes: routeTable(output) })
    })
  })
}

/**
 * Copies the installed app in `src` to `dest` for a build of its own:
 * sources copied, node_modules hard-linked (seconds instead of a minute;
 * nothing writes into node_modules, and every source file is a copy, so
 * editing one in `dest` leaves `src` alone).
 */
export function copyApp(src, dest) {
  rmSync(dest, { recursive: true, force: true })
  mkdirSync(dest, { recursive: true })
  for (const entry of readdirSync(src)) {
    if (entry === 'node_modules') execFileSync('cp', ['-al', join(src, entry), join(dest, entry)])
    else if (entry !== '.next') cpSync(join(src, entry), join(dest, entry), { recursive: true })
  }
}

/** The `Route (app)` table of `next build` output, as a path -> symbol object. */
export function routeTable(output) {
  const routes = {}
  for (const [, symbol, path] of output.matchAll(/^[┌├└│]\s+(\S)\s+(\/\S*)/gmu)) routes[path] = symbol
  return routes
}

function nextBin(dir) {
  return join(dir, 'node_modules', 'next', 'dist', 'bin', 'next')
}

/**
 * Starts `next start` (or `next dev` with `dev: true`, or with `standalone:
 * true` the `server.js` of an `output: 'standalone'` copy in `dir`) on a
 * loopback port and resolves once `readyPath` answers. `stop()` ends that
 * server process only.
 */
export async function startApp(dir, { port, dev = false, webpack = false, standalone = false, env = {}, readyPath = '/api/metrics' }) {
  const args = standalone ? ['server.js'] : [nextBin(dir), dev ? 'dev' : 'start', '-H', '127.0.0.1', '-p', String(port)]
  if (dev && webpack) args.push('--webpack')
  const serverEnv = envWithoutRust({ ...env, ...(standalone ? { PORT: String(port), HOSTNAME: '127.0.0.1' } : {}) })
  const child = spawn(process.execPath, args, { cwd: dir, env: serverEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next exited with ${child.exitCode}:\n${log}`)
    try {
      await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(30_000) })
      break
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill()
        throw new Error(`next did not answer on ${url} within 60 s:\n${log}`)
      }
      await sleep(200)
    }
  }
  return {
    url,
    log: () => log,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', () => done())
        child.kill('SIGTERM')
      }),
  }
}

/** True when `cargo` is on the PATH of `env`. */
export function cargoReachable(env = envWithoutRust()) {
  return env.PATH.split(':').some((dir) => hasExecutable(dir, 'cargo'))
}

/** The install scripts of the hotpath package installed in `dir`, and whether its linux-x64-gnu package is there. */
export function installedHotpath(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'hotpath', 'package.json'), 'utf8'))
  return { scripts: pkg.scripts ?? {}, platformPackage: existsSync(join(dir, 'node_modules', 'hotpath-linux-x64-gnu')) }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dest = resolve(process.argv[2] ?? '')
  if (!process.argv[2]) {
    console.error('usage: node e2e/nextjs-app.mjs <dest> [--reference] [--webpack]')
    process.exit(2)
  }
  const reference = process.argv.includes('--reference')
  const webpack = process.argv.includes('--webpack')
  const tarballs = packTarballs(join(root, 'dist'))
  const installMs = installApp(dest, tarballs, { reference })
  const buildMs = (await buildApp(dest, { webpack })).ms
  console.log(`\ninstalled in ${(installMs / 1000).toFixed(1)} s, built (${webpack ? 'webpack' : 'Turbopack'}) in ${(buildMs / 1000).toFixed(1)} s`)
  console.log(`start it: cd ${dest} && npx next start -p 3000`)
}
