// A node_modules folder holding a copy of hotpath's JS (no .node file beside
// it) and chosen platform packages, and a child Node process that imports it
// while seeing a faked system (see fake-process.cjs). Together they fake
// everything the loader sees: platform, arch, libc, runtime, and what npm
// installed.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const repo = join(__dirname, '..', '..')

/** What the faked system reports; see fake-process.cjs. */
export type FakeSystem = {
  platform?: string
  arch?: string
  libc?: 'glibc' | 'musl'
  edgeRuntime?: boolean
  noNodeVersion?: boolean
  nextStandalone?: boolean
}

/** A platform package's binary: this host's real build, or a file that is not a shared library. */
export type FakeBinary = 'real' | 'broken'

/** The outcome of importing hotpath in the child process. */
export type ImportResult = { loaded: true } | { loaded: false; message: string }

/**
 * Makes `<tmp>/node_modules/hotpath` (js/, lib/, package.json, its version
 * replaced by `version` if given) and one
 * `hotpath-<platform>` package per entry of `packages`, laid out as
 * `napi prepublish` publishes them, plus a `hotpath.<platform>.node` in the
 * package folder per entry of `inPackageRoot` (what `npm run build` leaves in a
 * checkout). Returns the folder; remove it with `removeInstall`.
 */
export function makeInstall(
  packages: Record<string, FakeBinary>,
  inPackageRoot: Record<string, FakeBinary> = {},
  { version }: { version?: string } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-install-'))
  const hotpath = join(dir, 'node_modules', 'hotpath')
  mkdirSync(hotpath, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))
  writeFileSync(join(hotpath, 'package.json'), JSON.stringify({ ...manifest, version: version ?? manifest.version }))
  for (const folder of ['js', 'lib']) cpSync(join(repo, folder), join(hotpath, folder), { recursive: true })
  for (const [name, binary] of Object.entries(packages)) {
    const platform = name.replace(/^hotpath-/, '')
    const pkg = join(dir, 'node_modules', name)
    mkdirSync(pkg, { recursive: true })
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name, version: '0.1.0', main: `hotpath.${platform}.node` }))
    writeBinary(join(pkg, `hotpath.${platform}.node`), platform, binary)
  }
  for (const [platform, binary] of Object.entries(inPackageRoot)) {
    writeBinary(join(hotpath, `hotpath.${platform}.node`), platform, binary)
  }
  return dir
}

function writeBinary(path: string, platform: string, binary: FakeBinary): void {
  if (binary === 'real') copyFileSync(join(repo, `hotpath.${platform}.node`), path)
  else writeFileSync(path, 'this is not a shared library\n')
}

/** Deletes a folder made by `makeInstall`. */
export function removeInstall(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Requires the installed hotpath in a fresh Node process that sees `system`. */
export function importHotpath(dir: string, system: FakeSystem = {}): ImportResult {
  const script =
    'try { require(process.argv[1]); console.log(JSON.stringify({ loaded: true })) }' +
    ' catch (e) { console.log(JSON.stringify({ loaded: false, message: e.message })) }'
  const r = spawnSync(
    process.execPath,
    ['--require', join(__dirname, 'fake-process.cjs'), '-e', script, join(dir, 'node_modules', 'hotpath', 'js', 'binding.js')],
    { encoding: 'utf8', env: { ...process.env, HOTPATH_FAKE_SYSTEM: JSON.stringify(system) } },
  )
  if (r.status !== 0) throw new Error(`child node exited ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string)
}
