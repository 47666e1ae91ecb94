// The release matrix, derived from the one list of targets: package.json's
// `napi.targets` (which `napi create-npm-dirs`, `napi artifacts` and
// `napi prepublish` read too). The workflow asks this file for its matrix:
//   node scripts/release-targets.cjs   prints `targets=<JSON>` for $GITHUB_OUTPUT
'use strict'

const { parseTriple } = require('@napi-rs/cli')
const { napi } = require('../package.json')

/** glibc version the linux-*-gnu binaries are linked against (zig's `.2.17` target suffix). */
const GLIBC_PIN = '2.17'

/** Images the Linux binaries are tested in: the oldest glibc we name in the README, and Alpine. */
const TEST_IMAGES = { gnu: 'node:20-bullseye', musl: 'node:20-alpine' }

/** GitHub-hosted runners per napi platform: where it builds, and where it runs natively for tests. */
const RUNNERS = {
  'linux-x64': { build: 'ubuntu-latest', test: 'ubuntu-latest' },
  'linux-arm64': { build: 'ubuntu-latest', test: 'ubuntu-24.04-arm' },
  'darwin-x64': { build: 'macos-latest', test: 'macos-15-intel' },
  'darwin-arm64': { build: 'macos-latest', test: 'macos-latest' },
  'win32-x64': { build: 'windows-latest', test: 'windows-latest' },
}

/**
 * How one napi target is built and tested. Linux targets build on an x64
 * runner with cargo-zigbuild (`napi build -x`): zig links gnu targets against
 * glibc 2.17 whatever the runner has, and cross-links musl and arm64 without
 * a cross toolchain. macOS and Windows build with their own toolchains.
 */
function releaseTarget(triple) {
  const { platformArchABI, platform, arch, abi } = parseTriple(triple)
  const runners = RUNNERS[`${platform}-${arch}`]
  if (!runners) throw new Error(`release-targets: no runner for ${triple} (${platformArchABI}); add it to RUNNERS`)
  const linux = platform === 'linux'
  const buildTarget = linux && abi === 'gnu' ? `${triple}.${GLIBC_PIN}` : triple
  return {
    triple,
    platform: platformArchABI,
    buildRunner: runners.build,
    buildArgs: [...(linux ? ['-x'] : []), '--target', buildTarget],
    testRunner: runners.test,
    testImage: linux ? TEST_IMAGES[abi] : '',
  }
}

/** Every target in package.json's `napi.targets`, in order. */
function releaseTargets() {
  return napi.targets.map(releaseTarget)
}

module.exports = { GLIBC_PIN, releaseTarget, releaseTargets }

if (require.main === module) {
  process.stdout.write(`targets=${JSON.stringify(releaseTargets())}\n`)
}
