// Fails when a linux-*-gnu binary needs a glibc newer than the one the
// README promises: every versioned symbol it imports (`objdump -T`) must be
// at most GLIBC_2.17, or the binary fails to load on older systems with
// "version `GLIBC_2.xx' not found". Weak imports count too: the loader
// checks the version node whether or not the symbol is used.
//   node scripts/check-glibc.cjs [file.node ...]   (default: every gnu binary in the package)
'use strict'

const { execFileSync } = require('node:child_process')
const { existsSync, readdirSync } = require('node:fs')
const { join } = require('node:path')
const { MIN_GLIBC } = require('../js/platform.js')

const root = join(__dirname, '..')

/** -1, 0 or 1 as dotted version `a` sorts before, equal to or after `b`, numerically (2.3 < 2.17). */
function compareVersions(a, b) {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

/**
 * The glibc symbol versions imported in `objdump -T` output: each symbol
 * with its version, e.g. `{ symbol: 'memcpy', version: '2.14' }`.
 */
function glibcImports(objdumpText) {
  const imports = []
  for (const line of objdumpText.split('\n')) {
    const m = line.match(/\(?GLIBC_(\d+(?:\.\d+)+)\)?\s+(\S+)\s*$/)
    if (m) imports.push({ version: m[1], symbol: m[2] })
  }
  return imports
}

/**
 * The newest glibc version among `imports` and those above `maxVersion`.
 * No imports at all fails too: a gnu binary always imports from glibc.
 */
function verdict(imports, maxVersion) {
  const newest = imports.map((i) => i.version).sort(compareVersions).at(-1) ?? null
  const tooNew = imports.filter((i) => compareVersions(i.version, maxVersion) > 0)
  return { newest, tooNew, ok: imports.length > 0 && tooNew.length === 0 }
}

/** Checks one binary with `objdump -T` against the README's minimum glibc. */
function checkBinary(file, maxVersion = MIN_GLIBC) {
  return { file, ...verdict(glibcImports(execFileSync('objdump', ['-T', file], { encoding: 'utf8' })), maxVersion) }
}

/** The linux-*-gnu binaries of the package: built in the root, or staged under npm/<platform>/. */
function gnuBinaries() {
  const inRoot = readdirSync(root).filter((f) => /^hotpath\.linux-[^.]+-gnu\.node$/.test(f)).map((f) => join(root, f))
  const npmDir = join(root, 'npm')
  const staged = existsSync(npmDir)
    ? readdirSync(npmDir)
        .filter((d) => /^linux-.+-gnu$/.test(d))
        .flatMap((d) => readdirSync(join(npmDir, d)).filter((f) => f.endsWith('.node')).map((f) => join(npmDir, d, f)))
    : []
  return [...inRoot, ...staged]
}

/** One line per binary, for people and for scripts/test.mjs. */
function report({ file, newest, tooNew, ok }) {
  const name = file.startsWith(root) ? file.slice(root.length + 1) : file
  if (ok) return `ok   ${name}: newest glibc symbol GLIBC_${newest} (limit ${MIN_GLIBC})`
  if (newest === null) return `FAIL ${name}: no GLIBC-versioned imports found; is it a linux gnu binary?`
  const symbols = tooNew.map((i) => `${i.symbol}@GLIBC_${i.version}`).join(', ')
  return `FAIL ${name}: needs GLIBC_${newest}, above ${MIN_GLIBC}: ${symbols}`
}

module.exports = { compareVersions, glibcImports, verdict, checkBinary, gnuBinaries, report }

if (require.main === module) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : gnuBinaries()
  if (files.length === 0) {
    console.error('check-glibc: no linux gnu binary to check (run npm run build)')
    process.exit(1)
  }
  const results = files.map((f) => checkBinary(f))
  for (const r of results) console.log(report(r))
  process.exit(results.every((r) => r.ok) ? 0 : 1)
}
