// When no binary fits, importing hotpath throws one error that names the
// platform it detected, the package it looked for, and the fix. Each case
// imports a real copy of js/binding.js in a child process that sees a faked system.
import { platformSuffix, bindingPackageName, bindingLoadError } from '../js/platform.js'
import { importHotpath, makeInstall, removeInstall, type ImportResult } from './support/fake-install'

const installs: string[] = []
function install(...args: Partial<Parameters<typeof makeInstall>>): string {
  const dir = makeInstall(args[0] ?? {}, args[1])
  installs.push(dir)
  return dir
}
afterAll(() => installs.forEach(removeInstall))

function failure(result: ImportResult): string {
  if (result.loaded) throw new Error('expected importing hotpath to throw, but it loaded')
  return result.message
}

describe('importing hotpath when no binary fits', () => {
  it('loads this machine’s binary from its platform package (the harness can succeed)', () => {
    const dir = install({ [bindingPackageName(platformSuffix(process))]: 'real' })
    expect(importHotpath(dir)).toEqual({ loaded: true })
  })

  it('on an unsupported platform, names it, the package it looked for and the supported list', () => {
    const message = failure(importHotpath(install(), { platform: 'freebsd', arch: 'x64' }))
    expect(message).toMatch(/^hotpath: no prebuilt binary for freebsd-x64 \(detected platform freebsd, arch x64/)
    expect(message).toContain('hotpath-freebsd-x64')
    expect(message).toContain('linux-x64-gnu, linux-arm64-gnu, linux-x64-musl')
    expect(message).toMatch(/\nFix: .*build the binary from source/)
  })

  it('on an unsupported Linux architecture, says so rather than blaming the install', () => {
    const message = failure(importHotpath(install(), { platform: 'linux', arch: 'riscv64', libc: 'glibc' }))
    expect(message).toMatch(/^hotpath: no prebuilt binary for linux-riscv64-gnu/)
    expect(message).not.toContain('--include=optional')
  })

  it('on musl with only the glibc package installed, names both and says to install on the musl system', () => {
    const dir = install({ 'hotpath-linux-x64-gnu': 'broken' })
    const message = failure(importHotpath(dir, { platform: 'linux', arch: 'x64', libc: 'musl' }))
    expect(message).toMatch(/^hotpath: hotpath-linux-x64-musl is not installed, but hotpath-linux-x64-gnu is/)
    expect(message).toContain('musl libc')
    expect(message).toMatch(/\nFix: run npm ci on the system that runs the app.*hotpath-linux-x64-musl/)
  })

  it('on glibc with only the musl package installed, names both the same way', () => {
    const dir = install({ 'hotpath-linux-arm64-musl': 'broken' })
    const message = failure(importHotpath(dir, { platform: 'linux', arch: 'arm64', libc: 'glibc' }))
    expect(message).toMatch(/^hotpath: hotpath-linux-arm64-gnu is not installed, but hotpath-linux-arm64-musl is/)
  })

  it('when optional dependencies were skipped, names the missing package and how to install it', () => {
    const message = failure(importHotpath(install(), { platform: 'darwin', arch: 'arm64' }))
    expect(message).toMatch(
      /^hotpath: the package hotpath-darwin-arm64, which carries the native binary for darwin-arm64, is not installed \(detected platform darwin, arch arm64/,
    )
    expect(message).toContain('--omit=optional')
    expect(message).toMatch(/\nFix: npm install --include=optional/)
  })

  it('when the installed binary does not load, says it was found and shows the loader’s own error', () => {
    const dir = install({ 'hotpath-linux-x64-gnu': 'broken' })
    const message = failure(importHotpath(dir, { platform: 'linux', arch: 'x64', libc: 'glibc' }))
    expect(message).toMatch(/^hotpath: the native binary for linux-x64-gnu was found but failed to load/)
    // The dlopen error of the package, on its own line under what was looked for.
    expect(message).toMatch(/\n  hotpath-linux-x64-gnu: .+/)
    expect(message).not.toMatch(/\n  hotpath-linux-x64-gnu: Cannot find module/)
    expect(message).toMatch(/\nFix: .*glibc 2\.17 or newer/)
  })

  it('when a binary built in the package folder does not load, says to rebuild or delete it', () => {
    const dir = install({}, { 'linux-x64-gnu': 'broken' })
    const message = failure(importHotpath(dir, { platform: 'linux', arch: 'x64', libc: 'glibc' }))
    expect(message).toMatch(/^hotpath: the native binary for linux-x64-gnu was found but failed to load/)
    expect(message).toMatch(/\nFix: rebuild \.\/hotpath\.linux-x64-gnu\.node with npm run build .*or delete it to use the package hotpath-linux-x64-gnu/)
  })

  it('when the system glibc is too old for the binary, names the version it needs', () => {
    // What Node reports on Debian 11 (glibc 2.31) for a binary built by plain cargo on Debian 12.
    const dlopenError = Object.assign(
      new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.33' not found (required by /app/hotpath.linux-x64-gnu.node)"),
      { code: 'ERR_DLOPEN_FAILED' },
    )
    const notFound = Object.assign(new Error("Cannot find module 'hotpath-linux-x64-gnu'"), { code: 'MODULE_NOT_FOUND' })
    const glibc231 = { getReport: () => ({ header: { glibcVersionRuntime: '2.31' } }) }
    const err = bindingLoadError({
      proc: { platform: 'linux', arch: 'x64', versions: { node: '20.20.2' }, report: glibc231 },
      edgeRuntime: false,
      attempts: [
        { request: './hotpath.linux-x64-gnu.node', error: dlopenError },
        { request: 'hotpath-linux-x64-gnu', error: notFound },
      ],
      resolve: () => {
        throw notFound
      },
    })
    expect(err.message).toContain("  ./hotpath.linux-x64-gnu.node: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.33' not found")
    expect(err.message).toContain("That binary needs glibc 2.33, newer than this system's; hotpath's published binaries need only 2.17.")
    expect(err.message).toMatch(/\nFix: rebuild \.\/hotpath\.linux-x64-gnu\.node with npm run build/)
  })

  it('in the Edge runtime, says hotpath needs the Node.js runtime and how to choose it', () => {
    const message = failure(importHotpath(install(), { edgeRuntime: true, platform: 'linux', arch: 'x64', libc: 'glibc' }))
    expect(message).toMatch(/^hotpath: cannot load in the Edge runtime \(EdgeRuntime is defined\)/)
    expect(message).toContain('needs the Node.js runtime')
    expect(message).toContain("\nFix: run the code that imports hotpath on the Node.js runtime: add `export const runtime = 'nodejs'`")
  })

  it('in a runtime without process.versions.node, gives the same Node.js-runtime advice', () => {
    const message = failure(importHotpath(install(), { noNodeVersion: true }))
    expect(message).toMatch(/^hotpath: cannot load in a runtime without process\.versions\.node/)
    expect(message).toContain("export const runtime = 'nodejs'")
  })
})
