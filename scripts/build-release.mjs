#!/usr/bin/env node
// `npm run build`: the release binary, built the way the published package
// is built (see scripts/release-targets.cjs), for this machine's Rust host
// or for `--target <triple>`:
//   linux gnu  -> cargo-zigbuild, linked against glibc 2.17 (loads on any glibc >= 2.17)
//   linux musl -> cargo-zigbuild
//   others     -> plain cargo with the platform's toolchain
// zig and cargo-zigbuild are installed from PyPI into .tools/ on first use.
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePythonTools } from './python-tools.mjs'

const require = createRequire(import.meta.url)
const { releaseTarget } = require('./release-targets.cjs')
const { napi } = require('../package.json')
const root = fileURLToPath(new URL('..', import.meta.url))

function hostTriple() {
  const r = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
  const host = r.stdout?.match(/^host: (\S+)$/m)?.[1]
  if (!host) throw new Error(`cannot read the Rust host triple from \`rustc -vV\`: ${r.error?.message ?? r.stderr}`)
  return host
}

const args = process.argv.slice(2)
const at = args.indexOf('--target')
const triple = at >= 0 ? args.splice(at, 2)[1] : hostTriple()
if (!napi.targets.includes(triple)) {
  throw new Error(`build-release: ${triple} is not in package.json napi.targets (${napi.targets.join(', ')})`)
}
const target = releaseTarget(triple)
const env = target.buildArgs.includes('-x') ? ensurePythonTools(['zigbuild']) : process.env

const napiCli = join(require.resolve('@napi-rs/cli/package.json'), '..', 'dist', 'cli.js')
const napiArgs = ['build', '--platform', '--release', '--no-js', ...target.buildArgs, ...args]
console.log(`$ napi ${napiArgs.join(' ')}`)
const started = Date.now()
const r = spawnSync(process.execPath, [napiCli, ...napiArgs], { cwd: root, env, stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)

const file = `hotpath.${target.platform}.node`
const seconds = ((Date.now() - started) / 1000).toFixed(0)
console.log(`built ${file}: ${statSync(join(root, file)).size} bytes in ${seconds} s`)
