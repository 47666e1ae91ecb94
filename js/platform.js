// Names the binary this process needs, as napi-rs names its platform packages,
// and explains in one error why none loaded.
'use strict'

const { version } = require('../package.json')

/**
 * Platforms with a prebuilt binary: napi's names for the triples in
 * package.json's `napi.targets` (a test keeps the two lists equal).
 */
const SUPPORTED_PLATFORMS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-x64',
  'darwin-arm64',
  'win32-x64-msvc',
]

/** The oldest glibc the linux-*-gnu binaries load on (they are linked against 2.17). */
const MIN_GLIBC = '2.17'

/**
 * The `next.config` line an `output: 'standalone'` build needs: file tracing
 * cannot follow the require that loads the binary at run time (README, "Use
 * with Next.js").
 */
const STANDALONE_TRACING_CONFIG =
  "outputFileTracingIncludes: { '/**': ['./node_modules/hotpath/package.json', './node_modules/hotpath-*/**'] }"

/** True when this Linux process runs on musl libc (Alpine) rather than glibc. */
function isMusl(proc) {
  const report = typeof proc.report?.getReport === 'function' ? proc.report.getReport() : null
  const header = report && (typeof report === 'string' ? JSON.parse(report) : report).header
  return !(header && header.glibcVersionRuntime)
}

/** `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`, ... for `proc`. */
function platformSuffix(proc) {
  const { platform, arch } = proc
  if (platform === 'linux') return `linux-${arch}-${isMusl(proc) ? 'musl' : 'gnu'}`
  if (platform === 'win32') return `win32-${arch}-msvc`
  return `${platform}-${arch}`
}

/** The npm package that carries the binary for `suffix`, as `napi prepublish` names it. */
function bindingPackageName(suffix) {
  return `hotpath-${suffix}`
}

/**
 * The one error importing hotpath throws when no native binding loaded. Its
 * first line says what went wrong on which detected platform, the next lines
 * what was looked for, the last line starts with `Fix:`.
 *
 * @param {object} seen what the loader saw
 * @param {object | undefined} seen.proc the global `process` (partial or absent outside Node.js)
 * @param {boolean} seen.edgeRuntime whether the `EdgeRuntime` global is defined
 * @param {{ request: string, error: Error }[]} seen.attempts each `require` tried, in order
 * @param {(request: string) => string} seen.resolve `require.resolve` as the loader sees it
 * @param {boolean} [seen.standalone] whether this is a Next.js `output: 'standalone'` server
 * @param {boolean | null} [seen.locked] whether npm's lockfile has an entry for the platform package (null: no npm lockfile)
 * @returns {Error}
 */
function bindingLoadError({ proc, edgeRuntime, attempts, resolve, standalone = false, locked = null }) {
  const tried = attempts.map(({ request, error }) => `  ${request}: ${firstLine(error)}`)
  if (edgeRuntime || !proc?.versions?.node) return edgeRuntimeError(edgeRuntime, tried)

  const suffix = platformSuffix(proc)
  const packageName = bindingPackageName(suffix)
  const detected = describePlatform(proc, suffix)
  const lookedFor = `Looked for ${attempts.map((a) => a.request).join(' and ')}:`

  // A binary that exists but does not load (wrong glibc, wrong arch, a
  // truncated file) says more than the packages that are simply absent.
  const broken = attempts.filter(({ error }) => error?.code !== 'MODULE_NOT_FOUND')
  if (broken.length > 0) {
    const neededGlibc = broken.map(({ error }) => firstLine(error).match(/GLIBC_([\d.]+)' not found/)?.[1]).find(Boolean)
    const local = broken.find(({ request }) => request.startsWith('.'))
    return error(
      `hotpath: the native binary for ${suffix} was found but failed to load (${detected}).`,
      lookedFor,
      ...tried,
      ...(neededGlibc
        ? [`That binary needs glibc ${neededGlibc}, newer than this system's; hotpath's published binaries need only ${MIN_GLIBC}.`]
        : []),
      local
        ? `Fix: rebuild ${local.request} with npm run build (it links against glibc ${MIN_GLIBC}), or delete it to use the package ${packageName}.`
        : `Fix: reinstall hotpath on this machine (rm -rf node_modules && npm ci) so npm picks ${packageName}; ` +
            `the linux gnu binaries need glibc ${MIN_GLIBC} or newer.`,
    )
  }

  if (!SUPPORTED_PLATFORMS.includes(suffix)) {
    return error(
      `hotpath: no prebuilt binary for ${suffix} (${detected}); there is no package ${packageName}.`,
      `Prebuilt binaries exist for: ${SUPPORTED_PLATFORMS.join(', ')}.`,
      lookedFor,
      ...tried,
      `Fix: run on one of those platforms, or build the binary from source with Rust (see hotpath's README, "Install").`,
    )
  }

  // A standalone copy holds only the files tracing found; the binary is not one of them.
  if (standalone) {
    return error(
      `hotpath: the native binary for ${suffix} is missing from this Next.js output: 'standalone' build (${detected}).`,
      `File tracing copies the files a bundle requires; hotpath loads its binary with a require left to run time, ` +
        `which tracing cannot follow, so the copy needs one line of next.config.`,
      lookedFor,
      ...tried,
      `Fix: add ${STANDALONE_TRACING_CONFIG} to next.config and build again.`,
    )
  }

  // hotpath's JS is bundled, but its package is not where the server runs.
  if (attempts.some(({ request }) => request === 'hotpath/package.json')) {
    return error(
      `hotpath: the hotpath package is not installed where this server runs (${detected}).`,
      `The bundle holds hotpath's JavaScript, but the binary is loaded from node_modules when the server starts.`,
      lookedFor,
      ...tried,
      `Fix: install the app's dependencies where it runs (npm ci in the same Docker stage), or copy node_modules with the build.`,
    )
  }

  const sibling = otherLibcPackage(suffix)
  if (sibling && isInstalled(resolve, sibling)) {
    return error(
      `hotpath: ${packageName} is not installed, but ${sibling} is (${detected}).`,
      `${sibling} is built for the other C library and cannot load here. This happens when node_modules ` +
        `is installed on one system and copied to another (a Debian build stage copied into an Alpine image).`,
      lookedFor,
      ...tried,
      `Fix: run npm ci on the system that runs the app (in the same Docker stage and base image), so npm installs ${packageName}.`,
    )
  }

  const notInstalled = `hotpath: the package ${packageName}, which carries the native binary for ${suffix}, is not installed (${detected}).`
  const installBoth = `install the release's tarballs together: npm install ./hotpath-${version}.tgz ./${packageName}-${version}.tgz`
  // npm writes every optional dependency it resolved into the lockfile, installed or not.
  if (locked === null) {
    return error(
      notInstalled,
      `It is an optional dependency of hotpath: npm skips it with --omit=optional, and leaves it out without an error ` +
        `when the registry has none (hotpath's tarball installed alone, before hotpath is published).`,
      lookedFor,
      ...tried,
      `Fix: ${installBoth} (hotpath's README, "Install"), or, if the install omitted optional dependencies, npm install --include=optional.`,
    )
  }
  if (locked) {
    return error(
      notInstalled,
      `npm installs it as an optional dependency of hotpath, and package-lock.json lists it: npm skipped it, ` +
        `as an install with --omit=optional (or --no-optional, or NODE_ENV=production with omit=optional) does.`,
      lookedFor,
      ...tried,
      `Fix: npm install --include=optional.`,
    )
  }
  return error(
    notInstalled,
    `npm could not get it, and npm leaves out an optional dependency it cannot get, without an error: the registry ` +
      `the install used has no ${packageName}@${version} (installing hotpath's tarball alone, before hotpath is published, ` +
      `does this), or a package-lock.json written on another platform by an older npm left it out.`,
    lookedFor,
    ...tried,
    `Fix: ${installBoth} (hotpath's README, "Install"); from a registry that has hotpath, ` +
      `delete package-lock.json and node_modules and run npm install.`,
  )
}

function edgeRuntimeError(edgeRuntime, tried) {
  const detected = edgeRuntime ? 'the Edge runtime (EdgeRuntime is defined)' : 'a runtime without process.versions.node'
  return error(
    `hotpath: cannot load in ${detected}. hotpath is a native Node.js addon and needs the Node.js runtime.`,
    'Tried:',
    ...tried,
    `In Next.js 16 route handlers, pages, layouts and proxy.ts run on Node.js unless a file opts into Edge; ` +
      `middleware.ts runs on Edge.`,
    `Fix: delete \`export const runtime = 'edge'\` from the route, page or layout that imports hotpath, ` +
      `or rename middleware.ts to proxy.ts (and its \`middleware\` export to \`proxy\`), which runs on Node.js.`,
  )
}

function describePlatform(proc, suffix) {
  const libc = suffix.endsWith('-musl') ? ', musl libc' : suffix.endsWith('-gnu') ? ', glibc' : ''
  return `detected platform ${proc.platform}, arch ${proc.arch}${libc}, Node.js ${proc.versions.node}`
}

/** `linux-x64-musl` -> `hotpath-linux-x64-gnu` and back; null off Linux. */
function otherLibcPackage(suffix) {
  if (suffix.endsWith('-musl')) return bindingPackageName(suffix.replace(/-musl$/, '-gnu'))
  if (suffix.endsWith('-gnu')) return bindingPackageName(suffix.replace(/-gnu$/, '-musl'))
  return null
}

function isInstalled(resolve, packageName) {
  try {
    resolve(`${packageName}/package.json`)
    return true
  } catch {
    return false
  }
}

function firstLine(err) {
  return String(err?.message ?? err).split('\n')[0]
}

function error(...lines) {
  return new Error(lines.join('\n'))
}

module.exports = { SUPPORTED_PLATFORMS, MIN_GLIBC, STANDALONE_TRACING_CONFIG, platformSuffix, bindingPackageName, bindingLoadError }
