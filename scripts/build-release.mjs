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

/** napi build arguments for `triple`: the release recipe, or a plain build for a host we publish nothing for. */
function buildArgs(triple) {
  if (napi.targets.includes(triple)) return releaseTarget(triple).buildArgs
  console.warn(`build-release: ${triple} is not in package.json napi.targets; building it from source with plain cargo`)
  return ['--target', triple]
}

const args = process.argv.slice(2)
const at = args.indexOf('--target')
const triple = at >= 0 ? args.splice(at, 2)[1] : hostTriple()
const targetArgs = buildArgs(triple)
const env = targetArgs.includes('-x') ? ensurePythonTools(['zigbuild']) : process.env

const napiCli = join(require.resolve('@napi-rs/cli/package.json'), '..', 'dist', 'cli.js')
const napiArgs = ['build', '--platform', '--release', '--no-js', '--dts', 'js/binding.d.ts', ...targetArgs, ...args]
console.log(`$ napi ${napiArgs.join(' ')}`)
const started = Date.now()
const r = spawnSync(process.execPath, [napiCli, ...napiArgs], { cwd: root, env, stdio: 'inherit' })
if (r.status !== 0) process.exit(r.status ?? 1)

const { parseTriple } = require('@napi-rs/cli')
const file = `hotpath.${parseTriple(triple).platformArchABI}.node`
const seconds = ((Date.now() - started) / 1000).toFixed(0)
console.log(`built ${file}: ${statSync(join(root, file)).size} bytes in ${seconds} s`)
