// Loads hotpath's native binding (the napi-rs addon) for this platform.
//
// Written by hand, not generated, so that bundlers leave the `.node` file to
// Node at run time (README, "Use with Next.js"). What Next.js 16 does with the
// loader napi-rs generates, `require('./hotpath.<platform>.node')`:
//  - Turbopack and webpack both try to bundle the addon and fail the build.
//  - `__dirname`/`__filename` are rewritten by both (to a `/ROOT/...` path, or
//    to the route's chunk), so a path built from them points nowhere at run
//    time, and webpack bakes `import.meta.url` in as the build machine's path.
// What survives both: a require the bundler hands to Node at run time, asked
// for a package name, which Node resolves from `node_modules` when the server
// starts. package.json's `#node-require` import is that require, one file per
// bundler (js/node-require.js says why); in plain Node it is `require`.
'use strict'

const { readFileSync } = require('node:fs')
const { join, sep } = require('node:path')
const { platformSuffix, bindingPackageName, bindingLoadError } = require('./platform.js')

const nodeRequire = require('#node-require')

/** The directory hotpath is installed in, found by package name (Node self-reference when unbundled). */
function packageDir() {
  const manifest = nodeRequire.resolve('hotpath/package.json')
  return manifest.slice(0, -'package.json'.length)
}

/**
 * Requires the binding: the binary built in the package directory if there is
 * one (a source checkout after `npm run build`), else the platform package
 * (`hotpath-<platform>`, an optionalDependency), resolved from hotpath's own
 * directory so a nested or pnpm install finds it too.
 */
function loadBinding() {
  const suffix = platformSuffix(process)
  const packageName = bindingPackageName(suffix)
  const attempts = []
  let dir = null
  try {
    dir = packageDir()
  } catch (error) {
    // A bundle whose hotpath package is not installed beside it (a standalone copy without it).
    attempts.push({ request: 'hotpath/package.json', error })
  }
  const resolveFromPackage = (request) => nodeRequire.resolve(request, { paths: dir ? [dir] : undefined })
  const localFile = `./hotpath.${suffix}.node`
  const loaders = dir
    ? [
        [localFile, () => nodeRequire(dir + localFile.slice(2))],
        [packageName, () => nodeRequire(resolveFromPackage(packageName))],
      ]
    : []
  for (const [request, load] of loaders) {
    try {
      return load()
    } catch (error) {
      attempts.push({ request, error })
    }
  }
  throw bindingLoadError({
    proc: process,
    edgeRuntime: typeof EdgeRuntime !== 'undefined',
    attempts,
    resolve: resolveFromPackage,
    // Set by the server.js of a Next.js `output: 'standalone'` build.
    standalone: process.env.__NEXT_PRIVATE_STANDALONE_CONFIG !== undefined,
    locked: dir && lockfileLists(dir, packageName),
  })
}

/**
 * Whether npm's lockfile for the project hotpath is installed in (the folder
 * above the first `node_modules` of `dir`) has an entry of its own for
 * `packageName`, which npm writes for every optional dependency it resolved,
 * installed or not; null when there is no npm lockfile. Read only when
 * loading failed.
 */
function lockfileLists(dir, packageName) {
  const nodeModules = dir.indexOf(`${sep}node_modules${sep}`)
  const project = nodeModules === -1 ? dir : dir.slice(0, nodeModules + 1)
  for (const file of ['package-lock.json', 'npm-shrinkwrap.json']) {
    let lock
    try {
      lock = JSON.parse(readFileSync(join(project, file), 'utf8'))
    } catch {
      continue // absent or unreadable: try the other name
    }
    const entry = `node_modules/${packageName}`
    return Object.keys(lock.packages ?? {}).some((path) => path === entry || path.endsWith(`/${entry}`))
  }
  return null
}

module.exports = loadBinding()
