// When no binary fits, importing hotpath throws one error that names the
// platform it detected, the package it looked for, and the fix. Each case
// imports a real copy of js/binding.js in a child process that sees a faked system.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { platformSuffix, bindingPackageName, bindingLoadError, STANDALONE_TRACING_CONFIG } from '../js/platform.js'
import { version } from '../package.json'
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

  it('when npm skipped the platform package its lockfile lists (--omit=optional), says to include optional dependencies', () => {
    const dir = install()
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/hotpath-darwin-arm64': { optional: true } } }))
    const message = failure(importHotpath(dir, { platform: 'darwin', arch: 'arm64' }))
    expect(message).toMatch(
      /^hotpath: the package hotpath-darwin-arm64, which carries the native binary for darwin-arm64, is not installed \(detected platform darwin, arch arm64/,
    )
    expect(message).toContain('package-lock.json lists it: npm skipped it')
    expect(message).toMatch(/\nFix: npm install --include=optional\.$/)
  })

  it('when npm could not get the platform package (hotpath installed from its tarball alone), says to install both tarballs', () => {
    // What npm writes then: hotpath's entry names its optional dependencies, none has an entry of its own.
    const dir = install()
    const hotpathEntry = { version, optionalDependencies: { 'hotpath-darwin-arm64': version } }
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: { '': {}, 'node_modules/hotpath': hotpathEntry } }))
    const message = failure(importHotpath(dir, { platform: 'darwin', arch: 'arm64' }))
    expect(message).toMatch(/^hotpath: the package hotpath-darwin-arm64, which carries the native binary for darwin-arm64, is not installed/)
    expect(message).toContain(`the registry the install used has no hotpath-darwin-arm64@${version}`)
    expect(message).not.toContain('--include=optional')
    expect(message).toContain(`\nFix: install the release's tarballs together: npm install ./hotpath-${version}.tgz ./hotpath-darwin-arm64-${version}.tgz`)
  })

  it('with no npm lockfile to tell, names both causes and both fixes on the Fix line', () => {
    const message = failure(importHotpath(install(), { platform: 'darwin', arch: 'arm64' }))
    expect(message).toMatch(/^hotpath: the package hotpath-darwin-arm64, which carries the native binary for darwin-arm64, is not installed/)
    expect(message).toMatch(
      new RegExp(`\\nFix: install the release's tarballs together: npm install \\./hotpath-${version}\\.tgz \\./hotpath-darwin-arm64-${version}\\.tgz .*, or, if the install omitted optional dependencies, npm install --include=optional\\.$`),
    )
  })

  it('in a Next.js standalone copy without the binary, names the one next.config line', () => {
    const message = failure(importHotpath(install(), { platform: 'linux', arch: 'x64', libc: 'glibc', nextStandalone: true }))
    expect(message).toMatch(/^hotpath: the native binary for linux-x64-gnu is missing from this Next.js output: 'standalone' build/)
    expect(message).toContain(`\nFix: add ${STANDALONE_TRACING_CONFIG} to next.config and build again.`)
  })

  it('when the bundle runs where hotpath is not installed, says to install the app’s dependencies there', () => {
    const notFound = Object.assign(new Error("Cannot find module 'hotpath/package.json'"), { code: 'MODULE_NOT_FOUND' })
    const err = bindingLoadError({
      proc: { platform: 'linux', arch: 'x64', versions: { node: '20.20.2' }, report: { getReport: () => ({ header: { glibcVersionRuntime: '2.31' } }) } },
      edgeRuntime: false,
      attempts: [{ request: 'hotpath/package.json', error: notFound }],
      resolve: () => {
        throw notFound
      },
    })
    expect(err.message).toMatch(/^hotpath: the hotpath package is not installed where this server runs/)
    expect(err.message).toContain("\n  hotpath/package.json: Cannot find module 'hotpath/package.json'")
    expect(err.message).toMatch(/\nFix: install the app's dependencies where it runs/)
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
    expect(message).toContain('In Next.js 16 route handlers, pages, layouts and proxy.ts run on Node.js')
    expect(message).toContain("\nFix: delete `export const runtime = 'edge'` from the route, page or layout that imports hotpath, or rename middleware.ts to proxy.ts")
    expect(message).not.toContain("runtime = 'nodejs'")
  })

  it('in a runtime without process.versions.node, gives the same Node.js-runtime advice', () => {
    const message = failure(importHotpath(install(), { noNodeVersion: true }))
    expect(message).toMatch(/^hotpath: cannot load in a runtime without process\.versions\.node/)
    expect(message).toContain("Fix: delete `export const runtime = 'edge'`")
  })
})
