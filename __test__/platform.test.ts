// Platform names, the supported list and the release matrix all come from
// package.json's `napi.targets`, named the way the napi CLI names them.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { SUPPORTED_PLATFORMS, MIN_GLIBC, platformSuffix, bindingPackageName } from '../js/platform.js'
import { inNode } from './support/in-node'
import pkg from '../package.json'

const releaseTarget = (triple: string) => inNode(`require('./scripts/release-targets.cjs').releaseTarget(args[0])`, triple)

const glibc = { getReport: () => ({ header: { glibcVersionRuntime: '2.36' } }) }
const musl = { getReport: () => ({ header: {} }) }

describe('platformSuffix', () => {
  it('names glibc Linux as -gnu from the process report', () => {
    expect(platformSuffix({ platform: 'linux', arch: 'x64', report: glibc })).toBe('linux-x64-gnu')
  })
  it('names Linux without a glibc version in the report as -musl', () => {
    expect(platformSuffix({ platform: 'linux', arch: 'arm64', report: musl })).toBe('linux-arm64-musl')
  })
  it('reads a report given as a JSON string (older Node.js)', () => {
    const report = { getReport: () => JSON.stringify({ header: { glibcVersionRuntime: '2.17' } }) }
    expect(platformSuffix({ platform: 'linux', arch: 'x64', report })).toBe('linux-x64-gnu')
  })
  it('names Windows with its MSVC ABI and macOS without an ABI', () => {
    expect(platformSuffix({ platform: 'win32', arch: 'x64' })).toBe('win32-x64-msvc')
    expect(platformSuffix({ platform: 'darwin', arch: 'arm64' })).toBe('darwin-arm64')
  })
})

describe('the supported platforms', () => {
  it('are exactly napi’s names for package.json napi.targets', () => {
    const fromNapi = inNode(`args.map((t) => require('@napi-rs/cli').parseTriple(t).platformArchABI)`, ...pkg.napi.targets)
    expect([...SUPPORTED_PLATFORMS].sort()).toEqual([...fromNapi].sort())
  })
  it('cover every platform the release promises', () => {
    for (const p of ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc']) {
      expect(SUPPORTED_PLATFORMS).toContain(p)
    }
  })
  it('each ship in the package napi prepublish names hotpath-<platform>', () => {
    expect(bindingPackageName('linux-x64-musl')).toBe('hotpath-linux-x64-musl')
  })
})

describe('the release matrix', () => {
  it('is printed for the workflow as one $GITHUB_OUTPUT line, one entry per napi target in package.json order', () => {
    const out = spawnSync(process.execPath, [join(__dirname, '..', 'scripts', 'release-targets.cjs')], { encoding: 'utf8' }).stdout
    expect(out).toMatch(/^targets=\[.*\]\n$/)
    const targets = JSON.parse(out.slice('targets='.length))
    expect(targets.map((t: { triple: string }) => t.triple)).toEqual(pkg.napi.targets)
    expect(targets.map((t: { platform: string }) => t.platform)).toEqual(SUPPORTED_PLATFORMS)
  })
  it('links linux gnu targets against the glibc the loader promises, through cargo-zigbuild', () => {
    expect(inNode(`require('./scripts/release-targets.cjs').GLIBC_PIN`)).toBe(MIN_GLIBC)
    expect(releaseTarget('aarch64-unknown-linux-gnu').buildArgs).toEqual(['-x', '--target', `aarch64-unknown-linux-gnu.${MIN_GLIBC}`])
  })
  it('cross-links musl with zig, unpinned, and tests it on Alpine', () => {
    const t = releaseTarget('x86_64-unknown-linux-musl')
    expect(t.buildArgs).toEqual(['-x', '--target', 'x86_64-unknown-linux-musl'])
    expect(t.testImage).toMatch(/alpine/)
  })
  it('builds macOS and Windows with their own toolchains and tests them on their own runners', () => {
    for (const triple of ['x86_64-apple-darwin', 'aarch64-apple-darwin', 'x86_64-pc-windows-msvc']) {
      const t = releaseTarget(triple)
      expect(t.buildArgs).toEqual(['--target', triple])
      expect(t.testImage).toBe('')
    }
  })
  it('tests arm64 Linux on an arm64 runner, not under emulation', () => {
    expect(releaseTarget('aarch64-unknown-linux-musl').testRunner).toMatch(/arm/)
  })
  it('refuses a target it has no runner for, rather than dropping it', () => {
    expect(releaseTarget('riscv64gc-unknown-linux-gnu').error).toMatch(/no runner for riscv64gc-unknown-linux-gnu/)
  })
})
